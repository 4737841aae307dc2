// BP3: ∂C/∂b_j = mean over the batch of δ_j  →  db = alpha · Σ_rows delta (alpha = 1/batch).
// BP2 and BP4 are GEMMs (gemmNN, gemmTN) followed by mulDerivative; see src/network.ts.
export function biasGrad(db: usize, delta: usize, rows: i32, cols: i32, alpha: f32): void {
  const n = <usize>cols << 2;
  for (let j: usize = 0; j < n; j += 4) store<f32>(db + j, 0);
  for (let r = 0; r < rows; r++) {
    const row = delta + (<usize>(r * cols) << 2);
    for (let j: usize = 0; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) + load<f32>(row + j));
  }
  for (let j: usize = 0; j < n; j += 4) store<f32>(db + j, load<f32>(db + j) * alpha);
}
