import { expect, test } from 'vitest';
import { harness, fill, maxRelErr } from './harness.js';

test('gemmNT runs in both backends on the same bytes', async () => {
  const h = await harness();
  const M = 5, N = 7, K = 9;
  const a = h.alloc(M * K * 4), b = h.alloc(N * K * 4), c1 = h.alloc(M * N * 4), c2 = h.alloc(M * N * 4);
  fill(h.f32(a, M * K), 1); fill(h.f32(b, N * K), 2);
  h.wasm.gemmNT(c1, a, b, 0, M, N, K, 1, 0);
  h.js.gemmNT(c2, a, b, 0, M, N, K, 1, 0);
  expect(maxRelErr(h.f32(c1, M * N), h.f32(c2, M * N))).toBeLessThan(1e-5);
});
