// Activations a = f(z) and the BP1/BP2 factor σ'(z), by the ids of src/ids.ts.
// Exponentials are computed here (AssemblyScript's own expf/log1pf/tanhf), never by the JS engine,
// so every engine gets the same bits.
import { ELU, IDENTITY, LEAKY_RELU, RELU, SIGMOID, SOFTMAX, SOFTPLUS, STEP, TANH } from "../src/ids";

@inline function sigmoid(z: f32): f32 {
  return 1 / (1 + Mathf.exp(-z));
}

// f(z) for one element; p is the activation's parameter (leaky slope, elu alpha).
@inline function f(act: i32, z: f32, p: f32): f32 {
  switch (act) {
    case STEP: return z >= 0 ? 1 : 0;
    case SIGMOID: return sigmoid(z);
    case TANH: return Mathf.tanh(z);
    case RELU: return z > 0 ? z : 0;
    case LEAKY_RELU: return z > 0 ? z : p * z;
    case ELU: return z > 0 ? z : p * Mathf.expm1(z); // expm1: exact near 0, where eᶻ − 1 cancels
    // ln(1 + eᶻ) without overflow: max(z, 0) + ln(1 + e^−|z|)
    case SOFTPLUS: return max(z, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(z)));
    default: return z;
  }
}

// σ'(z), using a = f(z) where that is cheaper.
@inline function df(act: i32, z: f32, a: f32, p: f32): f32 {
  switch (act) {
    case STEP: return 0; // hard-saturated: no gradient flows through a step
    case SIGMOID: return a * (1 - a);
    case TANH: return 1 - a * a;
    case RELU: return z > 0 ? 1 : 0;
    case LEAKY_RELU: return z > 0 ? 1 : p;
    case ELU: return z > 0 ? 1 : a + p;
    case SOFTPLUS: return sigmoid(z);
    default: return 1;
  }
}

// a = f(z) over a rows×cols block (z and a may be the same buffer). Softmax is per row and
// max-subtracted, so large z never overflows exp.
export function activate(act: i32, z: usize, a: usize, rows: i32, cols: i32, p: f32): void {
  if (act == SOFTMAX) {
    for (let r = 0; r < rows; r++) softmaxRow(z + (<usize>(r * cols) << 2), a + (<usize>(r * cols) << 2), cols);
    return;
  }
  const n = <usize>(rows * cols) << 2;
  let i: usize = 0;
  if (act == RELU) { // the common hidden layer: four lanes at a time
    const zero = f32x4.splat(0);
    for (const n4 = n & ~15; i < n4; i += 16) v128.store(a + i, f32x4.max(v128.load(z + i), zero));
  }
  for (; i < n; i += 4) store<f32>(a + i, f(act, load<f32>(z + i), p));
}

function softmaxRow(z: usize, a: usize, cols: i32): void {
  const n = <usize>cols << 2;
  let zmax = load<f32>(z);
  for (let i: usize = 4; i < n; i += 4) zmax = max(zmax, load<f32>(z + i));
  let sum: f32 = 0;
  for (let i: usize = 0; i < n; i += 4) {
    const e = Mathf.exp(load<f32>(z + i) - zmax);
    store<f32>(a + i, e);
    sum += e;
  }
  const inv: f32 = 1 / sum;
  for (let i: usize = 0; i < n; i += 4) store<f32>(a + i, load<f32>(a + i) * inv);
}

// delta ⊙= σ'(z) over a rows×cols block: the Hadamard factor of BP1 and BP2.
// For softmax this is the Jacobian-vector product δ_j = a_j (g_j − Σ_k a_k g_k).
export function mulDerivative(act: i32, z: usize, a: usize, delta: usize, rows: i32, cols: i32, p: f32): void {
  if (act == IDENTITY) return;
  if (act == SOFTMAX) {
    const n = <usize>cols << 2;
    for (let r = 0; r < rows; r++) {
      const off = <usize>(r * cols) << 2;
      let dot: f32 = 0;
      for (let i: usize = 0; i < n; i += 4) dot += load<f32>(a + off + i) * load<f32>(delta + off + i);
      for (let i: usize = 0; i < n; i += 4) {
        store<f32>(delta + off + i, load<f32>(a + off + i) * (load<f32>(delta + off + i) - dot));
      }
    }
    return;
  }
  const n = <usize>(rows * cols) << 2;
  if (act == RELU) { // δ where z > 0, else 0: a lane mask, four at a time
    const zero = f32x4.splat(0);
    let i: usize = 0;
    for (const n4 = n & ~15; i < n4; i += 16) v128.store(delta + i, v128.and(v128.load(delta + i), f32x4.gt(v128.load(z + i), zero)));
    for (; i < n; i += 4) if (!(load<f32>(z + i) > 0)) store<f32>(delta + i, 0);
    return;
  }
  for (let i: usize = 0; i < n; i += 4) {
    store<f32>(delta + i, load<f32>(delta + i) * df(act, load<f32>(z + i), load<f32>(a + i), p));
  }
}
