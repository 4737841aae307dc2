// In-place parameter updates over n floats. g is ∂C/∂w averaged over the batch; l2 adds λw to it
// (C + ½λ‖w‖²), and the caller passes l2 = 0 for biases.

export function sgd(w: usize, g: usize, n: i32, lr: f32, l2: f32): void {
  const end = w + (<usize>n << 2);
  for (; w < end; w += 4, g += 4) {
    const wi = load<f32>(w);
    store<f32>(w, wi - lr * (load<f32>(g) + l2 * wi));
  }
}

// v ← μv − η∇; w ← w + v, or with Nesterov w ← w + μv − η∇ (the look-ahead form).
export function momentum(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, l2: f32, nesterov: i32): void {
  const end = w + (<usize>n << 2);
  for (; w < end; w += 4, g += 4, v += 4) {
    const wi = load<f32>(w);
    const gi = load<f32>(g) + l2 * wi;
    const vi = mu * load<f32>(v) - lr * gi;
    store<f32>(v, vi);
    store<f32>(w, nesterov ? wi + mu * vi - lr * gi : wi + vi);
  }
}

// Adam with bias correction; b1t = β₁ᵗ and b2t = β₂ᵗ are passed in (exact products kept by the caller).
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, l2: f32, b1t: f32, b2t: f32): void {
  const c1: f32 = 1 / (1 - b1t);
  const c2: f32 = 1 / (1 - b2t);
  const end = w + (<usize>n << 2);
  for (; w < end; w += 4, g += 4, m += 4, v += 4) {
    const wi = load<f32>(w);
    const gi = load<f32>(g) + l2 * wi;
    const mi = b1 * load<f32>(m) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v) + (1 - b2) * gi * gi;
    store<f32>(m, mi);
    store<f32>(v, vi);
    store<f32>(w, wi - lr * (mi * c1) / (Mathf.sqrt(vi * c2) + eps));
  }
}
