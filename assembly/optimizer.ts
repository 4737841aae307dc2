// In-place parameter updates over n floats. g is ∂C/∂w averaged over the batch; l2 adds λw to it
// (C + ½λ‖w‖²), and the caller passes l2 = 0 for biases. Each kernel runs four lanes at a time
// and finishes the last n mod 4 with the same arithmetic in scalar form (same bits either way).
// With stats ≠ 0 (diagnostics), each DIAG_CHUNK floats also leave three f64 at stats (24 bytes per
// chunk, from the first): Σ(Δw)², Σw² (before the step) and Σg² (g without λw); the update itself
// is the same arithmetic, so the weights are the same bits with stats as without.
import { DIAG_CHUNK } from "../src/ids";

// The sums of one chunk: f32 lanes, then in a fixed order to f64.
@inline function put(stats: usize, dd: v128, ww: v128, gg: v128, d: f32, w: f32, g: f32): void {
  store<f64>(stats, lanes(dd) + <f64>d);
  store<f64>(stats, lanes(ww) + <f64>w, 8);
  store<f64>(stats, lanes(gg) + <f64>g, 16);
}
@inline function lanes(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}
@inline function sq(acc: v128, v: v128): v128 { return f32x4.add(acc, f32x4.mul(v, v)); }

export function sgd(w: usize, g: usize, n: i32, lr: f32, l2: f32, stats: usize): void {
  if (stats == 0) { sgdN(w, g, n, lr, l2, 0, false); return; }
  for (let c = 0; c < n; c += DIAG_CHUNK, stats += 24) sgdN(w + (<usize>c << 2), g + (<usize>c << 2), min(DIAG_CHUNK, n - c), lr, l2, stats, true);
}

@inline function sgdN(w: usize, g: usize, n: i32, lr: f32, l2: f32, stats: usize, diag: bool): void {
  let dd = f32x4.splat(0), ww = dd, gg = dd, d: f32 = 0, ws: f32 = 0, gs: f32 = 0;
  const vlr = f32x4.splat(lr), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16) {
    const wi = v128.load(w), gi = v128.load(g);
    const wn = f32x4.sub(wi, f32x4.mul(vlr, f32x4.add(gi, f32x4.mul(vl2, wi))));
    v128.store(w, wn);
    if (diag) { dd = sq(dd, f32x4.sub(wn, wi)); ww = sq(ww, wi); gg = sq(gg, gi); }
  }
  for (; w < end; w += 4, g += 4) {
    const wi = load<f32>(w), gi = load<f32>(g);
    const wn = wi - lr * (gi + l2 * wi);
    store<f32>(w, wn);
    if (diag) { d += (wn - wi) * (wn - wi); ws += wi * wi; gs += gi * gi; }
  }
  if (diag) put(stats, dd, ww, gg, d, ws, gs);
}

// v ← μv − η∇; w ← w + v, or with Nesterov w ← w + μv − η∇ (the look-ahead form).
export function momentum(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, l2: f32, nesterov: i32, stats: usize): void {
  if (stats == 0) { momentumN(w, g, v, n, lr, mu, l2, nesterov, 0, false); return; }
  for (let c = 0; c < n; c += DIAG_CHUNK, stats += 24) {
    const o = <usize>c << 2;
    momentumN(w + o, g + o, v + o, min(DIAG_CHUNK, n - c), lr, mu, l2, nesterov, stats, true);
  }
}

@inline function momentumN(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, l2: f32, nesterov: i32, stats: usize, diag: bool): void {
  let dd = f32x4.splat(0), ww = dd, gg = dd, d: f32 = 0, ws: f32 = 0, gs: f32 = 0;
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16, v += 16) {
    const wi = v128.load(w), g0 = v128.load(g);
    const gi = f32x4.add(g0, f32x4.mul(vl2, wi));
    const step = f32x4.mul(vlr, gi);
    const vi = f32x4.sub(f32x4.mul(vmu, v128.load(v)), step);
    v128.store(v, vi);
    const wn = nesterov ? f32x4.sub(f32x4.add(wi, f32x4.mul(vmu, vi)), step) : f32x4.add(wi, vi);
    v128.store(w, wn);
    if (diag) { dd = sq(dd, f32x4.sub(wn, wi)); ww = sq(ww, wi); gg = sq(gg, g0); }
  }
  for (; w < end; w += 4, g += 4, v += 4) {
    const wi = load<f32>(w), g0 = load<f32>(g);
    const gi = g0 + l2 * wi;
    const step = lr * gi;
    const vi = mu * load<f32>(v) - step;
    store<f32>(v, vi);
    const wn = nesterov ? wi + mu * vi - step : wi + vi;
    store<f32>(w, wn);
    if (diag) { d += (wn - wi) * (wn - wi); ws += wi * wi; gs += g0 * g0; }
  }
  if (diag) put(stats, dd, ww, gg, d, ws, gs);
}

// Adam with bias correction; b1t = β₁ᵗ and b2t = β₂ᵗ are passed in (exact products kept by the caller).
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, l2: f32, b1t: f32, b2t: f32, stats: usize): void {
  if (stats == 0) { adamN(w, g, m, v, n, lr, b1, b2, eps, l2, b1t, b2t, 0, false); return; }
  for (let c = 0; c < n; c += DIAG_CHUNK, stats += 24) {
    const o = <usize>c << 2;
    adamN(w + o, g + o, m + o, v + o, min(DIAG_CHUNK, n - c), lr, b1, b2, eps, l2, b1t, b2t, stats, true);
  }
}

@inline function adamN(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, l2: f32,
  b1t: f32, b2t: f32, stats: usize, diag: bool): void {
  let dd = f32x4.splat(0), ww = dd, gg = dd, d: f32 = 0, ws: f32 = 0, gs: f32 = 0;
  const c1: f32 = 1 / (1 - b1t), c2: f32 = 1 / (1 - b2t), d1: f32 = 1 - b1, d2: f32 = 1 - b2;
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vd1 = f32x4.splat(d1), vd2 = f32x4.splat(d2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16, m += 16, v += 16) {
    const wi = v128.load(w), g0 = v128.load(g);
    const gi = f32x4.add(g0, f32x4.mul(vl2, wi));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m)), f32x4.mul(vd1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v)), f32x4.mul(f32x4.mul(vd2, gi), gi));
    v128.store(m, mi);
    v128.store(v, vi);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps);
    const wn = f32x4.sub(wi, f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), den));
    v128.store(w, wn);
    if (diag) { dd = sq(dd, f32x4.sub(wn, wi)); ww = sq(ww, wi); gg = sq(gg, g0); }
  }
  for (; w < end; w += 4, g += 4, m += 4, v += 4) {
    const wi = load<f32>(w), g0 = load<f32>(g);
    const gi = g0 + l2 * wi;
    const mi = b1 * load<f32>(m) + d1 * gi;
    const vi = b2 * load<f32>(v) + d2 * gi * gi;
    store<f32>(m, mi);
    store<f32>(v, vi);
    const wn = wi - lr * (mi * c1) / (Mathf.sqrt(vi * c2) + eps);
    store<f32>(w, wn);
    if (diag) { d += (wn - wi) * (wn - wi); ws += wi * wi; gs += g0 * g0; }
  }
  if (diag) put(stats, dd, ww, gg, d, ws, gs);
}
