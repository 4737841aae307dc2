// mnistDigit: a picture of a digit → MNIST's form (20×20 box, centred by mass in 28×28).
import { expect, test } from 'vitest';
import { mnistDigit } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';

const cosine = (x: Float32Array, y: Float32Array) => {
  let d = 0,
    a = 0,
    b = 0;
  x.forEach((v, j) => {
    d += v * y[j];
    a += v * v;
    b += y[j] * y[j];
  });
  return d / Math.sqrt(a * b);
};

test('where and how large a digit is drawn does not matter; what digit it is does', async () => {
  const { test: digits } = await loadMnist({ limit: 1 });
  for (let i = 0; i < 30; i++) {
    const x = digits.image(i);
    const here = mnistDigit(x, 28, 28)!;
    // The same digit 3× larger, off-centre on a 150×120 page.
    const W = 150,
      H = 120,
      page = new Float32Array(W * H);
    x.forEach((v, j) => {
      for (let d = 0; d < 9; d++)
        page[(5 + 3 * Math.floor(j / 28) + Math.floor(d / 3)) * W + 60 + 3 * (j % 28) + (d % 3)] = v;
    });
    const there = mnistDigit(page, W, H)!;
    // Measured over these 30: ≥ 0.995 for the same digit moved and scaled; ≤ 0.62 against another digit.
    expect(cosine(here, there), `digit ${i}`).toBeGreaterThan(0.98);
    expect(cosine(here, mnistDigit(digits.image(i + 100), 28, 28)!), `digit ${i} vs ${i + 100}`).toBeLessThan(0.8);
  }
});

test('a blank picture has no digit, and bad sizes are refused', () => {
  expect(mnistDigit(new Float32Array(100), 10, 10)).toBeNull();
  expect(() => mnistDigit(new Float32Array(99), 10, 10)).toThrow(
    /expected width × height = 10 × 10 intensities, got 99/,
  );
});
