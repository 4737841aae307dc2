// BP3: ∂C/∂b_j = mean over the batch of δ_j  →  db = alpha · Σ_rows delta (alpha = 1/batch).
// BP2 and BP4 are GEMMs (gemmNN, gemmTN) followed by mulDerivative; see src/core/backprop.ts.
export function biasGrad(db: usize, delta: usize, rows: i32, cols: i32, alpha: f32): void {
  const n = <usize>cols << 2, n4 = <usize>(cols & ~3) << 2;
  memory.fill(db, 0, n);
  for (let r = 0; r < rows; r++) {
    const row = delta + (<usize>(r * cols) << 2);
    let j: usize = 0;
    for (; j < n4; j += 16) v128.store(db + j, f32x4.add(v128.load(db + j), v128.load(row + j)));
    for (; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) + load<f32>(row + j));
  }
  const va = f32x4.splat(alpha);
  let j: usize = 0;
  for (; j < n4; j += 16) v128.store(db + j, f32x4.mul(v128.load(db + j), va));
  for (; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) * alpha);
}
