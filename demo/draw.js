// A drawing pad, and the MNIST preprocessing of what is drawn on it.
// MNIST digits were scaled (keeping their aspect ratio) to fit a 20×20 box, then placed in the
// 28×28 field so that their centre of mass is at the centre. toMnist() does the same, in one
// resampling step (area average), so a drawn digit looks to the network like a test digit.

export class DrawPad {
  constructor(canvas, { onChange, lineWidth = 22 } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange ?? (() => {});
    this.lineWidth = lineWidth;
    this.last = null;
    this.empty = true;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this.point(ev);
        this.stroke(this.last, p);
        this.last = p;
      }
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.onChange(true);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (this.canvas.width / r.width), (e.clientY - r.top) * (this.canvas.height / r.height)];
  }

  stroke(a, b) {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.lineWidth;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a[0], a[1]);
    c.lineTo(b[0], b[1]);
    c.stroke();
    this.empty = false;
    this.onChange(false);
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.empty = true;
  }

  /** 784 intensities in 0..1 (28×28, row-major), or null if nothing is drawn. */
  toMnist() {
    if (this.empty) return null;
    const { width: W, height: H } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, W, H).data;
    const ink = new Float32Array(W * H);
    let x0 = W, y0 = H, x1 = -1, y1 = -1, mass = 0, mx = 0, my = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = rgba[4 * (y * W + x)] / 255;
        if (v === 0) continue;
        ink[y * W + x] = v;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
      }
    }
    if (mass === 0) return null;
    const s = 20 / Math.max(x1 - x0 + 1, y1 - y0 + 1); // target pixels per source pixel
    const cx = mx / mass, cy = my / mass;
    // Target pixel (u, v) covers source [cx + (u − 14)/s, cx + (u + 1 − 14)/s) (and likewise in y):
    // average k×k bilinear samples over that footprint.
    const k = Math.min(16, Math.max(2, Math.ceil(2 / s)));
    const sample = (x, y) => {
      x -= 0.5; y -= 0.5;
      const xi = Math.floor(x), yi = Math.floor(y), fx = x - xi, fy = y - yi;
      const at = (i, j) => (i < 0 || j < 0 || i >= W || j >= H ? 0 : ink[j * W + i]);
      return (1 - fy) * ((1 - fx) * at(xi, yi) + fx * at(xi + 1, yi)) + fy * ((1 - fx) * at(xi, yi + 1) + fx * at(xi + 1, yi + 1));
    };
    const out = new Float32Array(784);
    for (let v = 0; v < 28; v++) {
      for (let u = 0; u < 28; u++) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          for (let i = 0; i < k; i++) {
            sum += sample(cx + (u + (i + 0.5) / k - 14) / s, cy + (v + (j + 0.5) / k - 14) / s);
          }
        }
        out[v * 28 + u] = Math.min(1, sum / (k * k));
      }
    }
    return out;
  }
}

/** Paints 28×28 intensities (u8 0..255 or f32 0..1) into a 28×28 canvas, white ink on black. */
export function paintDigit(canvas, pixels) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  const scale = pixels instanceof Uint8Array ? 1 : 255;
  for (let i = 0; i < 784; i++) {
    const v = Math.round(pixels[i] * scale);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
