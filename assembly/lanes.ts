// Partial vectors: exactly n ∈ 1..4 floats at p into the low lanes (the rest zero), and back, so
// that a row's last 1–3 elements go through the same f32x4 code and nothing past its end is touched.

@inline export function loadN(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = n >= 2 ? v128.load64_zero(p) : v128.load32_zero(p);
  if (n == 3) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

@inline export function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n >= 2) v128.store64_lane(p, v, 0); else v128.store32_lane(p, v, 0);
  if (n == 3) v128.store32_lane(p, v, 2, 8);
}
