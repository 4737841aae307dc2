// Regularisers that act on buffers in place: inverted dropout, the decoupled weight decay's
// scaling and the max-norm constraint.
//
// Dropout's mask is a counter-based hash: element i of a batch buffer is kept when
// fmix(k + i·φ) ≥ ⌊p·2³²⌋, k = fmix(key ^ fmix(step)). Its bits are a function of the layer's key,
// the step and i only, so any split of the elements among threads (and the pure-JS twin, which
// hashes the same way) makes the same mask, and BP2 can apply it again without storing it.

// murmur3's 32-bit finaliser.
@inline function fmix(h: u32): u32 {
  h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16;
  return h;
}
@inline function fmix4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16)); h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13)); h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

// out[i] = x[i] / (1 − p) where kept, 0 where dropped, for elements [e0, e1) (out may be x).
export function dropoutPart(x: usize, out: usize, e0: i32, e1: i32, p: f64, key: u32, step: u32): void {
  const drop = <u32>(p * 4294967296.0), s = <f32>(1.0 / (1.0 - p)), k = fmix(key ^ fmix(step));
  const vs = f32x4.splat(s), vdrop = i32x4.splat(drop), vphi = i32x4.splat(0x9e3779b9);
  let i = e0;
  for (; i + 4 <= e1; i += 4) {
    const h = fmix4(i32x4.add(i32x4.splat(k), i32x4.mul(i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3)), vphi)));
    const a = <usize>i << 2;
    v128.store(out + a, v128.and(f32x4.mul(v128.load(x + a), vs), i32x4.ge_u(h, vdrop)));
  }
  for (; i < e1; i++) {
    const a = <usize>i << 2;
    store<f32>(out + a, fmix(k + <u32>i * 0x9e3779b9) >= drop ? load<f32>(x + a) * s : 0);
  }
}

export function dropout(x: usize, out: usize, rows: i32, cols: i32, p: f64, key: u32, step: u32): void {
  dropoutPart(x, out, 0, rows * cols, p, key, step);
}

// w[0..n) ·= s (the decoupled weight decay: s = 1 − ηλ).
export function scale(w: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s), end = w + (<usize>n << 2), end4 = w + (<usize>(n & ~3) << 2);
  for (; w < end4; w += 16) v128.store(w, f32x4.mul(v128.load(w), vs));
  for (; w < end; w += 4) store<f32>(w, load<f32>(w) * s);
}

// Rows [r0, r1) of W (rows × cols, row j = unit j's incoming weights): a row whose norm exceeds c
// is scaled to norm c. Each row's sum is whole on one thread: four f32 lanes, then the tail.
export function maxNormPart(W: usize, cols: i32, r0: i32, r1: i32, c: f32): void {
  for (let j = r0; j < r1; j++) {
    const row = W + (<usize>j * cols << 2), end4 = row + (<usize>(cols & ~3) << 2), end = row + (<usize>cols << 2);
    let acc = f32x4.splat(0), t: f32 = 0;
    for (let w = row; w < end4; w += 16) { const v = v128.load(w); acc = f32x4.add(acc, f32x4.mul(v, v)); }
    for (let w = end4; w < end; w += 4) { const v = load<f32>(w); t += v * v; }
    const sum = ((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))) + t;
    const norm = Mathf.sqrt(sum);
    if (norm > c) scale(row, cols, c / norm);
  }
}

export function maxNorm(W: usize, rows: i32, cols: i32, c: f32): void {
  maxNormPart(W, cols, 0, rows, c);
}
