// Cost per sample and the output error, by the loss ids of src/ids.ts.
//   MSE:  C = ½‖y − a‖²                  ∂C/∂a = a − y   (the network then applies σ'(z): BP1)
//   CE:   C = −Σ_j y_j ln a_j (softmax)   δᴸ = a − y      (σ' cancels: no learning slowdown)
//   BCE:  C = −Σ_j [y ln a + (1−y) ln(1−a)] (sigmoid)  δᴸ = a − y
import { CE, MSE } from "../src/ids";

// ln is clamped at EPS so a saturated output reports a large finite cost, not Infinity. The cost
// is computed in f64 (1 − 1e-7 has no f32, and ln(1 − a) needs log1p for small a).
const EPS: f64 = 1e-7;

// Writes delta = a − y over rows×cols and returns the summed cost of the rows (not the mean).
export function lossDelta(loss: i32, a: usize, y: usize, delta: usize, rows: i32, cols: i32): f64 {
  const n = <usize>(rows * cols) << 2;
  let cost: f64 = 0;
  for (let i: usize = 0; i < n; i += 4) {
    const ai = load<f32>(a + i);
    const yi = load<f32>(y + i);
    const d = ai - yi;
    store<f32>(delta + i, d);
    if (loss == MSE) {
      cost += 0.5 * <f64>d * <f64>d;
    } else if (loss == CE) {
      if (yi != 0) cost -= <f64>yi * Math.log(max(<f64>ai, EPS));
    } else {
      const ac = min(max(<f64>ai, EPS), 1 - EPS);
      cost -= <f64>yi * Math.log(ac) + <f64>(1 - yi) * Math.log1p(-ac);
    }
  }
  return cost;
}
