// Measured ceilings for the bench suite (not used in training): what one core can do in this
// module, so every kernel can be reported as a fraction of it.

// f32x4 multiply + add throughput: 12 independent chains acc = acc·m + c (separate mul and add,
// no FMA: that is what strict SIMD compiles to). 12 chains × 2 ops hide the mul+add latency on
// 2–3 FP ports; 12 accumulators + 2 constants fit V8's 16 x64 SIMD registers without spilling.
// m < 1 makes every chain converge to c/(1−m): no overflow, no denormals.
// Work per iteration: 12 × 4 lanes × 2 flops = 96 flops. Returns a sum of the accumulators so
// nothing can be optimised away.
export function ceiling(iterations: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m), vc = f32x4.splat(c);
  let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.1), a2 = f32x4.splat(0.2), a3 = f32x4.splat(0.3);
  let a4 = f32x4.splat(0.4), a5 = f32x4.splat(0.5), a6 = f32x4.splat(0.6), a7 = f32x4.splat(0.7);
  let a8 = f32x4.splat(0.8), a9 = f32x4.splat(0.9), a10 = f32x4.splat(1.0), a11 = f32x4.splat(1.1);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, vm), vc);
    a1 = f32x4.add(f32x4.mul(a1, vm), vc);
    a2 = f32x4.add(f32x4.mul(a2, vm), vc);
    a3 = f32x4.add(f32x4.mul(a3, vm), vc);
    a4 = f32x4.add(f32x4.mul(a4, vm), vc);
    a5 = f32x4.add(f32x4.mul(a5, vm), vc);
    a6 = f32x4.add(f32x4.mul(a6, vm), vc);
    a7 = f32x4.add(f32x4.mul(a7, vm), vc);
    a8 = f32x4.add(f32x4.mul(a8, vm), vc);
    a9 = f32x4.add(f32x4.mul(a9, vm), vc);
    a10 = f32x4.add(f32x4.mul(a10, vm), vc);
    a11 = f32x4.add(f32x4.mul(a11, vm), vc);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// The same loop with 8 chains: latency-bound (8 chains × 2 ops per mul+add latency), kept to show
// how much of the ceiling a kernel with 8 accumulators in one dependent chain can reach.
export function ceiling8(iterations: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m), vc = f32x4.splat(c);
  let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.1), a2 = f32x4.splat(0.2), a3 = f32x4.splat(0.3);
  let a4 = f32x4.splat(0.4), a5 = f32x4.splat(0.5), a6 = f32x4.splat(0.6), a7 = f32x4.splat(0.7);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, vm), vc);
    a1 = f32x4.add(f32x4.mul(a1, vm), vc);
    a2 = f32x4.add(f32x4.mul(a2, vm), vc);
    a3 = f32x4.add(f32x4.mul(a3, vm), vc);
    a4 = f32x4.add(f32x4.mul(a4, vm), vc);
    a5 = f32x4.add(f32x4.mul(a5, vm), vc);
    a6 = f32x4.add(f32x4.mul(a6, vm), vc);
    a7 = f32x4.add(f32x4.mul(a7, vm), vc);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// Streaming ceiling for elementwise kernels: dst[i] = src[i] (v128 load + store, 4 per loop turn),
// `bytes` a multiple of 64, repeated `reps` times. Reports the bandwidth this core reaches on a
// footprint of the caller's choosing (L1/L2-resident for batch-sized buffers).
export function ceilingStream(dst: usize, src: usize, bytes: i32, reps: i32): void {
  const n = <usize>bytes;
  for (let r = 0; r < reps; r++) {
    for (let i: usize = 0; i < n; i += 64) {
      const x0 = v128.load(src + i), x1 = v128.load(src + i, 16), x2 = v128.load(src + i, 32), x3 = v128.load(src + i, 48);
      v128.store(dst + i, x0);
      v128.store(dst + i, x1, 16);
      v128.store(dst + i, x2, 32);
      v128.store(dst + i, x3, 48);
    }
  }
}
