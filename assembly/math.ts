// f32x4 elementary functions from exactly specified WebAssembly SIMD operations only: + − × ÷ (IEEE,
// round to nearest even), pmin/pmax (b < a ? b : a: a comparison and a select, one instruction;
// min/max cost eight on x64 for their NaN and ±0 rules), abs, bit operations, integer lanes. No FMA,
// no relaxed SIMD, no Math/Mathf, no tables: every engine computes the same bits (NaN in gives NaN
// out; only a NaN's sign and payload are the engine's, as wasm allows). Errors are against f64 over
// every f32 input (test/simd-math.test.ts). Results below 2⁻¹²⁵·⁵ (x < −86.99 in eˣ) flush to +0.

const ONE: f32 = 1;
// log₂e, and ln 2 in two parts (Cody–Waite): LN2_HI = 355·2⁻⁹ has 9 significant bits, so n·LN2_HI
// is exact for |n| < 2¹⁵, and so is x − n·LN2_HI (a multiple of ulp(x) below 2²⁴ of them); the
// rounding of n·LN2_LO, LN2_LO = f32(ln 2 − LN2_HI), is then the only error of r (< 2⁻³⁰ relative).
const LOG2E: f32 = 1.442695;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
// eʳ − 1 = r + r²·P(r) on |r| ≤ ln2/2 + 2·10⁻⁵ (slack for the rounding of x·log₂e): P minimax for
// the relative error of eʳ − 1, 2⁻²⁶·¹ (a quarter ulp; one degree more gives 2⁻³¹ for 2 more
// operations); P0 = 1/2 exactly, the others rounded to f32 one at a time, refitting the rest.
const P0: f32 = 0.5;
const P1: f32 = 0.1666655;
const P2: f32 = 0.041666858;
const P3: f32 = 0.00836597;
const P4: f32 = 0.0013897872;
// ln(1 + y) = 2·atanh(s) = 2s + s·w·Q(w), s = y/(2 + y) ∈ [0, 1/3] for y ∈ [0, 1], w = s²:
// Q minimax for the relative error of ln(1 + y), 2⁻²⁷·⁷; Q ≈ 2/3 + 2w/5 + 2w²/7 + 2w³/9.
const Q0: f32 = 0.6666642;
const Q1: f32 = 0.40021425;
const Q2: f32 = 0.28003353;
const Q3: f32 = 0.28004667;

/** eʳ − 1 for |r| ≲ ln2/2, relatively accurate (r²·P(r) is at most a fifth of r). */
@inline function expm1r(r: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(P4), r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P0));
  return f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p));
}

// x = n·ln2 + r, |r| ≤ ln2/2 (up to the rounding of x·log₂e). t = x·log₂e + 1.5·2²³ rounds x·log₂e
// to the nearest integer n (ties to even) and holds it in its low mantissa bits (|n| < 2²²), so
// t − 1.5·2²³ = n exactly, and (bits(t) + b) << 23 is the float 2ⁿ⁺ᵇ⁻¹²⁷ (the other bits of 1.5·2²³
// shift out): nearest, the conversion to integer and the exponent bias in two operations.
const SHIFT: f32 = 12582912;
@inline function round2(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(SHIFT));
}
/** r = x − n·ln2 in two parts, n = t − 1.5·2²³. */
@inline function reduce(x: v128, t: v128): v128 {
  const n = f32x4.sub(t, f32x4.splat(SHIFT));
  return f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
}
/** 2ⁿ⁻¹ for the n held in t, n − 1 ∈ [−126, 127]; n − 1 = −127 gives +0. */
@inline function pow2m1(t: v128): v128 {
  return i32x4.shl(i32x4.add(t, i32x4.splat(126)), 23);
}

/**
 * eˣ = 2eʳ·2ⁿ⁻¹, within 1.01 ulp. x is clamped to [−87.5, 89] (pmin/pmax keep a NaN), so n ∈
 * [−126, 128] and one factor 2ⁿ⁻¹ covers it: above 88.72 the product overflows to +∞ as it should;
 * for n = −126 the factor is +0, so results below 2⁻¹²⁵·⁵ (x < −86.99, 1.4 times the smallest normal
 * float) flush to +0 instead of going subnormal. −∞ → +0, +∞ → +∞, NaN → NaN.
 */
@inline export function exp4(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(89)), f32x4.splat(-87.5));
  const t = round2(x);
  const p = f32x4.add(expm1r(reduce(x, t)), f32x4.splat(ONE)); // eʳ ∈ [0.7, 1.42]
  return f32x4.mul(f32x4.add(p, p), pow2m1(t));
}

/**
 * eˣ − 1, within 1.6 ulp, relatively accurate near 0 where eˣ − 1 cancels (ELU). x is clamped to
 * [−30, 89] (below −17.4 the f32 result is −1). With s = 2ⁿ⁻¹: eˣ − 1 = 2·(s·(eʳ − 1) + (s − ½)),
 * where s − ½ is exact for n ≤ 25 and the doubling is exact (or overflows to +∞ above 88.72), so one
 * rounding joins the parts; for n = 0 the result is eʳ − 1 (|x| < 2⁻¹²⁵ may lose its last bit).
 */
@inline export function expm1_4(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(89)), f32x4.splat(-30));
  const t = round2(x), s = pow2m1(t);
  const half = f32x4.add(f32x4.mul(s, expm1r(reduce(x, t))), f32x4.sub(s, f32x4.splat(0.5)));
  return f32x4.add(half, half);
}

/** ln(1 + y) for y ∈ [0, 1] (softplus' ln(1 + e^−|z|)), within 2 ulps, relatively accurate near 0. */
@inline export function log1p_4(y: v128): v128 {
  const s = f32x4.div(y, f32x4.add(y, f32x4.splat(2)));
  const w = f32x4.mul(s, s);
  let q = f32x4.add(f32x4.mul(f32x4.splat(Q3), w), f32x4.splat(Q2));
  q = f32x4.add(f32x4.mul(q, w), f32x4.splat(Q1));
  q = f32x4.add(f32x4.mul(q, w), f32x4.splat(Q0));
  return f32x4.add(f32x4.add(s, s), f32x4.mul(s, f32x4.mul(w, q)));
}

/**
 * σ(z) = eᶻ/(1 + eᶻ), within 2.4 ulp and relatively accurate in both tails (no 1 − … anywhere, no
 * negation either). z is clamped at 88 so that eᶻ stays finite (σ = 1 in f32 from 17.33); below
 * −86.99, eᶻ and σ flush to +0.
 */
@inline export function sigmoid4(z: v128): v128 {
  const e = exp4(f32x4.pmin(z, f32x4.splat(88)));
  return f32x4.div(e, f32x4.add(f32x4.splat(ONE), e));
}

/**
 * tanh z = sign(z)·t, t = (e^2|z| − 1)/(e^2|z| − 1 + 2) with e^2|z| − 1 from expm1_4: within 2.4 ulp,
 * relatively accurate near 0 (t ≈ |z|, no cancellation) with one formula everywhere. |z| is clamped
 * at 10, where t rounds to 1 (1 − tanh|z| < 2⁻²⁵ from 9.01): tanh(±∞) = ±1, tanh(−0) = −0.
 */
@inline export function tanh4(z: v128): v128 {
  const x = f32x4.pmin(f32x4.abs(z), f32x4.splat(10));
  const em = expm1_4(f32x4.add(x, x));
  const t = f32x4.div(em, f32x4.add(em, f32x4.splat(2)));
  return v128.or(t, v128.and(z, i32x4.splat(0x80000000))); // t ≥ +0: copy z's sign bit
}
