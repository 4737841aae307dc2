// Activations a = f(z) and the BP1/BP2 factor σ'(z), by the ids of src/ids.ts, four lanes at a time.
// Exponentials come from ./math (f32x4, IEEE operations only), never from the JS engine, so every
// engine gets the same bits. A row's last 1–3 elements go through the same f32x4 code on a partial
// vector (./lanes), so an element's bits do not depend on its position.
import { ELU, IDENTITY, LEAKY_RELU, RELU, SIGMOID, SOFTMAX, SOFTPLUS, STEP, TANH } from "../src/ids";
import { loadN, storeN } from "./lanes";
import { exp4, expm1_4, log1p_4, sigmoid4, tanh4 } from "./math";

// f(z) for the first n floats at z; p is the activation's parameter (leaky slope, elu alpha), splatted.
@inline function f4(act: i32, z: usize, n: i32, p: v128): v128 {
  const v = loadN(z, n), zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (act) {
    case STEP: return v128.and(f32x4.ge(v, zero), one);
    case SIGMOID: return sigmoid4(v);
    case TANH: return tanh4(v);
    case RELU: return f32x4.max(v, zero);
    case LEAKY_RELU: return v128.bitselect(v, f32x4.mul(p, v), f32x4.gt(v, zero));
    // max(z, 0) + α·(e^min(z, 0) − 1): z for z > 0 (plus α·0), else α·expm1(z), accurate near 0
    case ELU: return f32x4.add(f32x4.pmax(v, zero), f32x4.mul(p, expm1_4(f32x4.pmin(v, zero))));
    // ln(1 + eᶻ) without overflow: max(z, 0) + ln(1 + e^−|z|)
    case SOFTPLUS: return f32x4.add(f32x4.pmax(zero, v), log1p_4(exp4(v128.or(v, f32x4.splat(-0.0))))); // sign bit set: −|z|
    default: return v;
  }
}

// σ'(z) for the first n floats, using a = f(z) where that is cheaper (loads only what act uses).
// Softmax: the diagonal of its Jacobian, a(1 − a). Identity: 1.
@inline export function deriv4(act: i32, z: usize, a: usize, n: i32, p: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (act) {
    case STEP: return zero;
    case SIGMOID: case SOFTMAX: { const s = loadN(a, n); return f32x4.mul(s, f32x4.sub(one, s)); }
    case TANH: { const t = loadN(a, n); return f32x4.sub(one, f32x4.mul(t, t)); }
    case RELU: return v128.and(one, f32x4.gt(loadN(z, n), zero));
    case LEAKY_RELU: return v128.bitselect(one, p, f32x4.gt(loadN(z, n), zero));
    case ELU: return v128.bitselect(one, f32x4.add(loadN(a, n), p), f32x4.gt(loadN(z, n), zero));
    case SOFTPLUS: return sigmoid4(loadN(z, n));
    default: return one;
  }
}

// delta ⊙ σ'(z) for the first n floats. relu keeps δ where z > 0 and step multiplies by 0 (a NaN δ stays NaN).
@inline function dmul4(act: i32, z: usize, a: usize, delta: usize, n: i32, p: v128): v128 {
  const d = loadN(delta, n);
  if (act == STEP) return f32x4.mul(d, f32x4.splat(0)); // hard-saturated: no gradient flows through a step
  if (act == RELU) return v128.and(d, f32x4.gt(loadN(z, n), f32x4.splat(0))); // δ where z > 0, else +0
  if (act == IDENTITY) return d;
  return f32x4.mul(d, deriv4(act, z, a, n, p));
}

// One loop per activation: act is a constant in each instance, so the switches above fold away.
// activate's loops sit in functions of their own: inlined into one switch, Binaryen merged them back
// into one loop with the switch inside (mulDerivative's differ in what they load and stay apart).
@inline function activateN(act: i32, z: usize, a: usize, bytes: usize, p: v128): void {
  let i: usize = 0;
  for (const n4 = bytes & ~15; i < n4; i += 16) v128.store(a + i, f4(act, z + i, 4, p));
  const n = <i32>(bytes - i) >> 2;
  if (n > 0) storeN(a + i, f4(act, z + i, n, p), n);
}
function activateStep(z: usize, a: usize, bytes: usize, p: v128): void { activateN(STEP, z, a, bytes, p); }
function activateSigmoid(z: usize, a: usize, bytes: usize, p: v128): void { activateN(SIGMOID, z, a, bytes, p); }
function activateTanh(z: usize, a: usize, bytes: usize, p: v128): void { activateN(TANH, z, a, bytes, p); }
function activateRelu(z: usize, a: usize, bytes: usize, p: v128): void { activateN(RELU, z, a, bytes, p); }
function activateLeakyRelu(z: usize, a: usize, bytes: usize, p: v128): void { activateN(LEAKY_RELU, z, a, bytes, p); }
function activateElu(z: usize, a: usize, bytes: usize, p: v128): void { activateN(ELU, z, a, bytes, p); }
function activateSoftplus(z: usize, a: usize, bytes: usize, p: v128): void { activateN(SOFTPLUS, z, a, bytes, p); }
function activateIdentity(z: usize, a: usize, bytes: usize, p: v128): void { activateN(IDENTITY, z, a, bytes, p); }

@inline function mulDerivativeN(act: i32, z: usize, a: usize, delta: usize, bytes: usize, p: v128): void {
  let i: usize = 0;
  for (const n4 = bytes & ~15; i < n4; i += 16) v128.store(delta + i, dmul4(act, z + i, a + i, delta + i, 4, p));
  const n = <i32>(bytes - i) >> 2;
  if (n > 0) storeN(delta + i, dmul4(act, z + i, a + i, delta + i, n, p), n);
}

// a = f(z) over a rows×cols block (z and a may be the same buffer). Softmax is per row and
// max-subtracted, so large z never overflows exp.
export function activate(act: i32, z: usize, a: usize, rows: i32, cols: i32, p: f32): void {
  if (act == SOFTMAX) {
    const tail = cols & 3, mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail)); // the tail's lanes
    for (let r = 0; r < rows; r++) {
      softmaxRow(z + (<usize>(r * cols) << 2), a + (<usize>(r * cols) << 2), <usize>(cols - tail) << 2, tail, mask);
    }
    return;
  }
  const n = <usize>(rows * cols) << 2, vp = f32x4.splat(p);
  switch (act) {
    case STEP: activateStep(z, a, n, vp); break;
    case SIGMOID: activateSigmoid(z, a, n, vp); break;
    case TANH: activateTanh(z, a, n, vp); break;
    case RELU: activateRelu(z, a, n, vp); break;
    case LEAKY_RELU: activateLeakyRelu(z, a, n, vp); break;
    case ELU: activateElu(z, a, n, vp); break;
    case SOFTPLUS: activateSoftplus(z, a, n, vp); break;
    default: activateIdentity(z, a, n, vp);
  }
}

// a_j = e^(z_j − max z) / Σ_k e^(z_k − max z) over one row: n4 bytes of whole vectors, then `tail`
// floats (lanes set in `mask`). The sum has a fixed order: four lane sums (lane l adds the j ≡ l
// mod 4 in order), then (s0 + s2) + (s1 + s3). max is exact, so its order does not matter.
// (pmax: one instruction; NaN lanes are skipped by it, but a NaN z still makes the row NaN.)
function softmaxRow(z: usize, a: usize, n4: usize, tail: i32, mask: v128): void {
  let m = f32x4.splat(-Infinity), i: usize = 0;
  for (; i < n4; i += 16) m = f32x4.pmax(m, v128.load(z + i));
  if (tail) m = f32x4.pmax(m, v128.bitselect(loadN(z + i, tail), f32x4.splat(-Infinity), mask));
  m = f32x4.pmax(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  m = f32x4.pmax(m, i32x4.shuffle(m, m, 1, 0, 3, 2)); // max z in every lane
  let s = f32x4.splat(0);
  for (i = 0; i < n4; i += 16) {
    const e = exp4(f32x4.sub(v128.load(z + i), m));
    v128.store(a + i, e);
    s = f32x4.add(s, e);
  }
  if (tail) {
    const e = exp4(f32x4.sub(loadN(z + i, tail), m));
    storeN(a + i, e, tail);
    s = f32x4.add(s, v128.and(e, mask));
  }
  s = f32x4.add(s, i32x4.shuffle(s, s, 2, 3, 0, 1));
  s = f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2)); // the same sum in every lane
  const inv = f32x4.div(f32x4.splat(1), s);
  for (i = 0; i < n4; i += 16) v128.store(a + i, f32x4.mul(v128.load(a + i), inv));
  if (tail) storeN(a + i, f32x4.mul(loadN(a + i, tail), inv), tail);
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
  const n = <usize>(rows * cols) << 2, vp = f32x4.splat(p);
  switch (act) {
    case STEP: mulDerivativeN(STEP, z, a, delta, n, vp); break;
    case SIGMOID: mulDerivativeN(SIGMOID, z, a, delta, n, vp); break;
    case TANH: mulDerivativeN(TANH, z, a, delta, n, vp); break;
    case RELU: mulDerivativeN(RELU, z, a, delta, n, vp); break;
    case LEAKY_RELU: mulDerivativeN(LEAKY_RELU, z, a, delta, n, vp); break;
    case ELU: mulDerivativeN(ELU, z, a, delta, n, vp); break;
    case SOFTPLUS: mulDerivativeN(SOFTPLUS, z, a, delta, n, vp); break;
  }
}
