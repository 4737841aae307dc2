// The sparse bench's counting and its Fashion-like transform (bench/lib/sparsity.js), on small
// worked examples: the figures it reports are only as right as these.
import { expect, test } from 'vitest';
// @ts-expect-error: a plain-JS bench module, without types
import { dilate, nonZeroFractions } from '../bench/lib/sparsity.js';

test('nonZeroFractions counts values, groups of 4 and blocks of 8 per row, a short last one as one', () => {
  // 2 rows × 10 columns: groups [0..4) [4..8) [8..10), blocks [0..8) [8..10).
  const x = new Float32Array([
    ...[0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0], // one non-zero: group 2 of 3, block 1 of 2
    ...[0, 0, 0, 0, 0, 0, 0, 0, 0, -0], // −0 is a zero
  ]);
  const f = nonZeroFractions(x, 2, 10);
  expect(f.values).toBe(1 / 20);
  expect(f.groups4).toBe(1 / 6);
  expect(f.blocks8).toBe(1 / 4);
  expect([...f.rowValues]).toEqual([0.1, 0]);
  const last = nonZeroFractions(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 7]), 1, 10);
  expect([last.groups4, last.blocks8]).toEqual([1 / 3, 1 / 2]);
  const dense = nonZeroFractions(new Float32Array(12).fill(1), 3, 4);
  expect([dense.values, dense.groups4, dense.blocks8]).toEqual([1, 1, 1]);
});

test('dilate: each pixel the largest within r, clipped at the borders, image by image', () => {
  const side = 5,
    img = new Uint8Array(2 * side * side);
  img[0 * 25 + 2 * side + 2] = 9; // image 0: the centre
  img[1 * 25 + 0] = 4; // image 1: the top-left corner
  img[1 * 25 + 4 * side + 4] = 6; // and the bottom-right one
  const out = dilate(img, side, 1);
  const at = (i: number, y: number, x: number) => out[i * 25 + y * side + x];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      expect(at(0, y, x)).toBe(Math.abs(y - 2) <= 1 && Math.abs(x - 2) <= 1 ? 9 : 0);
      expect(at(1, y, x)).toBe(y <= 1 && x <= 1 ? 4 : y >= 3 && x >= 3 ? 6 : 0);
    }
  expect(img[0 * 25 + 2 * side + 1]).toBe(0); // the input is left as it was
  expect([...dilate(img, side, 0)]).toEqual([...img]);
});
