// A drawing pad; toMnist() gives what is drawn in the form of an MNIST digit (the library's
// mnistDigit: scaled into a 20×20 box, centred by mass in 28×28).
import { mnistDigit } from '../dist/index.js';

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
    return [
      (e.clientX - r.left) * (this.canvas.width / r.width),
      (e.clientY - r.top) * (this.canvas.height / r.height),
    ];
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
    for (let i = 0; i < W * H; i++) ink[i] = rgba[4 * i] / 255;
    return mnistDigit(ink, W, H);
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
