// In-place parameter updates over n floats. g is ∂C/∂w averaged over the batch; l2 adds λw to it
// (C + ½λ‖w‖²), and the caller passes l2 = 0 for biases. Each kernel runs four lanes at a time
// and finishes the last n mod 4 with the same arithmetic in scalar form (same bits either way).

export function sgd(w: usize, g: usize, n: i32, lr: f32, l2: f32): void {
  const vlr = f32x4.splat(lr), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16) {
    const wi = v128.load(w);
    v128.store(w, f32x4.sub(wi, f32x4.mul(vlr, f32x4.add(v128.load(g), f32x4.mul(vl2, wi)))));
  }
  for (; w < end; w += 4, g += 4) {
    const wi = load<f32>(w);
    store<f32>(w, wi - lr * (load<f32>(g) + l2 * wi));
  }
}

// v ← μv − η∇; w ← w + v, or with Nesterov w ← w + μv − η∇ (the look-ahead form).
export function momentum(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, l2: f32, nesterov: i32): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16, v += 16) {
    const wi = v128.load(w);
    const gi = f32x4.add(v128.load(g), f32x4.mul(vl2, wi));
    const step = f32x4.mul(vlr, gi);
    const vi = f32x4.sub(f32x4.mul(vmu, v128.load(v)), step);
    v128.store(v, vi);
    v128.store(w, nesterov ? f32x4.sub(f32x4.add(wi, f32x4.mul(vmu, vi)), step) : f32x4.add(wi, vi));
  }
  for (; w < end; w += 4, g += 4, v += 4) {
    const wi = load<f32>(w);
    const gi = load<f32>(g) + l2 * wi;
    const step = lr * gi;
    const vi = mu * load<f32>(v) - step;
    store<f32>(v, vi);
    store<f32>(w, nesterov ? wi + mu * vi - step : wi + vi);
  }
}

// Adam with bias correction; b1t = β₁ᵗ and b2t = β₂ᵗ are passed in (exact products kept by the caller).
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, l2: f32, b1t: f32, b2t: f32): void {
  const c1: f32 = 1 / (1 - b1t), c2: f32 = 1 / (1 - b2t), d1: f32 = 1 - b1, d2: f32 = 1 - b2;
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vd1 = f32x4.splat(d1), vd2 = f32x4.splat(d2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vl2 = f32x4.splat(l2);
  const end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16, g += 16, m += 16, v += 16) {
    const wi = v128.load(w);
    const gi = f32x4.add(v128.load(g), f32x4.mul(vl2, wi));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m)), f32x4.mul(vd1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v)), f32x4.mul(f32x4.mul(vd2, gi), gi));
    v128.store(m, mi);
    v128.store(v, vi);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps);
    v128.store(w, f32x4.sub(wi, f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), den)));
  }
  for (; w < end; w += 4, g += 4, m += 4, v += 4) {
    const wi = load<f32>(w);
    const gi = load<f32>(g) + l2 * wi;
    const mi = b1 * load<f32>(m) + d1 * gi;
    const vi = b2 * load<f32>(v) + d2 * gi * gi;
    store<f32>(m, mi);
    store<f32>(v, vi);
    store<f32>(w, wi - lr * (mi * c1) / (Mathf.sqrt(vi * c2) + eps));
  }
}
