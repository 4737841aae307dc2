// A picture of one digit → the form of an MNIST digit. MNIST's digits were scaled (keeping their
// aspect ratio) to fit a 20×20 box, then placed in the 28×28 field with their centre of mass at
// its centre. mnistDigit does the same in one resampling step (an area average of bilinear
// samples), so a drawn or photographed digit looks to a network like a test digit.

/**
 * `ink` is width × height intensities in 0..1, light digit on dark ground (row-major). Returns 784
 * intensities in 0..1 (28×28, row-major), or null when there is no ink at all.
 */
export function mnistDigit(ink: ArrayLike<number>, width: number, height: number): Float32Array | null {
  const W = width,
    H = height;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1 || ink.length !== W * H) {
    throw new Error(`mnistDigit: expected width × height = ${W} × ${H} intensities, got ${ink.length}`);
  }
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1,
    mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = ink[y * W + x];
      if (!(v > 0)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass === 0) return null;
  const s = 20 / Math.max(x1 - x0 + 1, y1 - y0 + 1); // target pixels per source pixel
  const cx = mx / mass,
    cy = my / mass;
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= W || j >= H ? 0 : Math.max(0, ink[j * W + i]));
  const sample = (x: number, y: number) => {
    x -= 0.5;
    y -= 0.5;
    const xi = Math.floor(x),
      yi = Math.floor(y),
      fx = x - xi,
      fy = y - yi;
    return (
      (1 - fy) * ((1 - fx) * at(xi, yi) + fx * at(xi + 1, yi)) +
      fy * ((1 - fx) * at(xi, yi + 1) + fx * at(xi + 1, yi + 1))
    );
  };
  // Target pixel (u, v) covers source [cx + (u − 14)/s, cx + (u + 1 − 14)/s) (likewise in y):
  // average k×k bilinear samples over that footprint.
  const k = Math.min(16, Math.max(2, Math.ceil(2 / s)));
  const out = new Float32Array(784);
  for (let v = 0; v < 28; v++) {
    for (let u = 0; u < 28; u++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < k; i++) sum += sample(cx + (u + (i + 0.5) / k - 14) / s, cy + (v + (j + 0.5) / k - 14) / s);
      }
      out[v * 28 + u] = Math.min(1, sum / (k * k));
    }
  }
  return out;
}
