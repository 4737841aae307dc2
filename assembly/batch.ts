// Mini-batch assembly and accuracy. idx holds `count` u32 row numbers (the shuffled order).

// out[r, :] = images[idx[r], :] · scale   (u8 pixels → f32, scale = 1/255 puts them in [0, 1])
// Sixteen pixels at a time: widen u8 → u16 → u32, convert, scale.
export function gatherU8(out: usize, images: usize, width: i32, idx: usize, count: i32, scale: f32): void {
  const w = <usize>width, w16 = w & ~15;
  const vs = f32x4.splat(scale);
  for (let r = 0; r < count; r++) {
    const src = images + <usize>load<u32>(idx + (<usize>r << 2)) * w;
    const dst = out + (<usize>r * w << 2);
    let k: usize = 0;
    for (; k < w16; k += 16) {
      const px = v128.load(src + k);
      const lo = i16x8.extend_low_i8x16_u(px), hi = i16x8.extend_high_i8x16_u(px);
      const d = dst + (k << 2);
      v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), vs));
      v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), vs), 16);
      v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), vs), 32);
      v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), vs), 48);
    }
    for (; k < w; k++) store<f32>(dst + (k << 2), <f32>load<u8>(src + k) * scale);
  }
}

// out[r, :] = features[idx[r], :]
export function gatherF32(out: usize, features: usize, width: i32, idx: usize, count: i32): void {
  const bytes = <usize>width << 2;
  for (let r = 0; r < count; r++) {
    memory.copy(out + <usize>r * bytes, features + <usize>load<u32>(idx + (<usize>r << 2)) * bytes, bytes);
  }
}

// y[r, :] = one-hot(labels[idx[r]]) over nOut classes; with one output unit, y = label (0 or 1).
export function gatherTargets(y: usize, labels: usize, idx: usize, count: i32, nOut: i32): void {
  if (nOut == 1) {
    for (let r = 0; r < count; r++) {
      store<f32>(y + (<usize>r << 2), <f32>load<u8>(labels + <usize>load<u32>(idx + (<usize>r << 2))));
    }
    return;
  }
  memory.fill(y, 0, <usize>(count * nOut) << 2);
  for (let r = 0; r < count; r++) {
    const label = <usize>load<u8>(labels + <usize>load<u32>(idx + (<usize>r << 2)));
    store<f32>(y + ((<usize>(r * nOut) + label) << 2), 1);
  }
}

// The predicted class of the row at p: the first argmax, or a ≥ 0.5 with one column.
function predicted(p: usize, cols: i32): i32 {
  if (cols == 1) return load<f32>(p) >= 0.5 ? 1 : 0;
  let best = 0;
  let v = load<f32>(p);
  for (let j = 1; j < cols; j++) {
    const x = load<f32>(p + (<usize>j << 2));
    if (x > v) { v = x; best = j; }
  }
  return best;
}

// Rows whose predicted class matches the target's.
export function countCorrect(a: usize, y: usize, rows: i32, cols: i32): i32 {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    if (predicted(a + off, cols) == predicted(y + off, cols)) correct++;
  }
  return correct;
}

// out[r] = the predicted class of row r of a (i32), for classify().
export function argmaxRows(out: usize, a: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) store<i32>(out + (<usize>r << 2), predicted(a + (<usize>(r * cols) << 2), cols));
}
