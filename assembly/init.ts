// Normal deviates for weight initialisation, by Box–Muller over uniform u32 words drawn by the
// seeded generator in src/random.ts. ln, sqrt, cos and sin run here, in WebAssembly, so the same
// seed gives the same weights in every engine.
// dst[0..n) = std · N(0, 1), reading 2·⌈n/2⌉ words from u (u and dst must not overlap).
export function randn(dst: usize, u: usize, n: i32, std: f32): void {
  const TWO_POW_M32: f64 = 1.0 / 4294967296.0;
  for (let i = 0; i < n; i += 2) {
    const u1 = (<f64>load<u32>(u + (<usize>i << 2)) + 1) * TWO_POW_M32; // (0, 1]: ln never sees 0
    const u2 = <f64>load<u32>(u + (<usize>(i + 1) << 2)) * TWO_POW_M32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    store<f32>(dst + (<usize>i << 2), <f32>(r * Math.cos(t)) * std);
    if (i + 1 < n) store<f32>(dst + (<usize>(i + 1) << 2), <f32>(r * Math.sin(t)) * std);
  }
}
