// BP3: ∂C/∂b_j = mean over the batch of δ_j  →  db = alpha · Σ_rows delta (alpha = 1/batch).
// BP2 and BP4 are GEMMs (gemmNN, gemmTN) followed by mulDerivative; see src/core/backprop.ts.
export function biasGrad(db: usize, delta: usize, rows: i32, cols: i32, alpha: f32): void {
  biasGradPart(db, delta, rows, cols, alpha, 0, cols);
}

// Columns [j0, j1) of it (j0 a multiple of 4): each column's sum in row order, whoever computes it.
export function biasGradPart(db: usize, delta: usize, rows: i32, cols: i32, alpha: f32, j0: i32, j1: i32): void {
  const lo = <usize>j0 << 2, n = <usize>j1 << 2, n4 = lo + (<usize>((j1 - j0) & ~3) << 2);
  memory.fill(db + lo, 0, n - lo);
  for (let r = 0; r < rows; r++) {
    const row = delta + (<usize>(r * cols) << 2);
    let j = lo;
    for (; j < n4; j += 16) v128.store(db + j, f32x4.add(v128.load(db + j), v128.load(row + j)));
    for (; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) + load<f32>(row + j));
  }
  const va = f32x4.splat(alpha);
  let j = lo;
  for (; j < n4; j += 16) v128.store(db + j, f32x4.mul(v128.load(db + j), va));
  for (; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) * alpha);
}
