// The first layer's sparse products (assembly/sparse.ts) on inputs of every density: the index
// against its twin's, word for word; sparseNT and sparseTN against gemmNT and gemmTN of the same
// module bit for bit (the claim in README: the same bits as the dense path); and against the f64
// oracle (src/reference/gemm.ts) within gemm.test.ts's bound, (K + 5)·2⁻²⁴·S, S the same product
// on absolute values. The twins (src/reference/) equal the oracle's dense sums exactly: in f64 as
// in f32, leaving out exact zero terms changes no sum.
import { expect, test } from 'vitest';
import { fill, harness } from './harness.js';
import { sparseIndexBytes } from '../src/core/backprop.js';
import { SPARSE_PERCENT } from '../src/ids.js';

const h = await harness();
const tolerance = (K: number) => (K + 5) * 2 ** -24;

/** rows × cols inputs with about `density` of them non-zero (u8-like values in (0, 1]); row 1 all zero, row 2 one non-zero at the last column. */
function inputs(rows: number, cols: number, density: number, seed: number): Float32Array {
  const x = new Float32Array(rows * cols),
    u = fill(new Float32Array(rows * cols), seed);
  for (let e = 0; e < x.length; e++) if ((u[e] + 1) / 2 < density) x[e] = (1 + ((e * 37) % 255)) / 255;
  if (rows > 1) x.fill(0, cols, 2 * cols);
  if (rows > 2) x.fill(0, 2 * cols, 3 * cols).fill(0.5, 3 * cols - 1, 3 * cols);
  return x;
}

const bits = (p: number, n: number) => [...new Uint32Array(h.memory.buffer, p, n)];

/** The index at p as lists: its total, each row's groups, each group's rows and their values (the words past a list's count are not the index's). */
function lists(p: number, R: number, cols: number) {
  const I = new Int32Array(h.memory.buffer, p + 4),
    P = (cols + 3) >> 2,
    G4 = cols >> 2;
  const rows = Array.from({ length: R }, (_, r) => [...I.subarray(R + P + r * G4).subarray(0, I[r])]);
  const groups = Array.from({ length: P }, (_, g) => [...I.subarray(R + P + R * G4 + g * R).subarray(0, I[R + g])]);
  const F = new Float32Array(h.memory.buffer, p + 4 * (1 + R + P + R * G4 + P * R));
  const values = groups.map((rs, g) => [...F.subarray(4 * g * R, 4 * (g * R + rs.length))]);
  return { total: new Int32Array(h.memory.buffer, p, 1)[0], rows, groups, values };
}

// (rows, nIn, nOut): the MLP's first layers (W2, W1), odd widths, nIn < 4, rows past gemmTN's K block (128),
// nIn past what sparseNT packs (1024: W read in place), rows past what sparseTN packs (1024: δ read in place).
const SHAPES = [
  [5, 1031, 9],
  [1030, 9, 17],
  [64, 784, 128],
  [10, 784, 30],
  [7, 13, 9],
  [5, 17, 3],
  [130, 33, 12],
  [3, 3, 5],
  [1, 4, 1],
];
const DENSITIES = [0, 0.01, 0.19, 0.5, 1];
const cases = SHAPES.flatMap(([R, nIn, nOut]) => DENSITIES.map((d) => [R, nIn, nOut, d] as const));

test.each(cases)('rows=%i nIn=%i nOut=%i density=%f', (R, nIn, nOut, density) => {
  h.reset();
  const x = h.alloc(4 * R * nIn),
    W = h.alloc(4 * nOut * nIn),
    b = h.alloc(4 * nOut),
    bIn = h.alloc(4 * nIn),
    delta = h.alloc(4 * R * nOut),
    idx = h.alloc(sparseIndexBytes(R, nIn) + 64),
    idxJs = h.alloc(sparseIndexBytes(R, nIn));
  h.f32(x, R * nIn).set(inputs(R, nIn, density, 7 + R));
  fill(h.f32(W, nOut * nIn), 11);
  fill(h.f32(b, nOut), 13);
  fill(h.f32(bIn, nIn), 23);
  fill(h.f32(delta, R * nOut), 17);
  const guard = new Uint32Array(h.memory.buffer, idx + sparseIndexBytes(R, nIn), 16).fill(0x7fc0dead);
  h.wasm.sparseRows(x, R, nIn, idx);
  h.wasm.sparseIndex(x, R, nIn, idx, 100); // 100: by group too, whatever the density
  expect(
    guard.every((g) => g === 0x7fc0dead),
    'the index stays within sparseIndexBytes',
  ).toBe(true);
  h.js.sparseRows(x, R, nIn, idxJs);
  h.js.sparseIndex(x, R, nIn, idxJs, 100);
  const index = lists(idx, R, nIn);
  expect(index).toEqual(lists(idxJs, R, nIn));
  // The oracle of the index: a group is listed where one of its 4 columns (the last: 1–4) is not zero.
  const X = h.f32(x, R * nIn),
    nz = (r: number, k: number, w: number) =>
      X.subarray(r * nIn + k, Math.min(r * nIn + nIn, r * nIn + k + w)).some((v) => v !== 0);
  index.groups.forEach((rs, g) => expect(rs).toEqual([...Array(R).keys()].filter((r) => nz(r, 4 * g, 4))));
  const value = (r: number, k: number) => (k < nIn ? X[r * nIn + k] : 0);
  index.values.forEach((vs, g) =>
    expect(vs).toEqual(index.groups[g].flatMap((r) => [0, 1, 2, 3].map((i) => value(r, 4 * g + i)))),
  );
  index.rows.forEach((gs, r) => expect(gs).toEqual([...Array(nIn >> 2).keys()].filter((g) => nz(r, 4 * g, 4))));
  expect(index.total).toBe(index.rows.reduce((s, gs) => s + gs.length, 0));
  if (R > 2 && nIn >= 4) expect(index.rows[1]).toEqual([]); // the all-zero row
  const abs = (p: number, n: number) => {
    const q = h.alloc(4 * n);
    h.f32(q, n).set(h.f32(p, n).map(Math.abs));
    return q;
  };
  const absX = abs(x, R * nIn),
    absW = abs(W, nOut * nIn),
    absB = abs(b, nOut),
    absBIn = abs(bIn, nIn),
    absD = abs(delta, R * nOut);
  const inv = Math.fround(1 / R);
  // Forward z = x·Wᵀ + b (beta 0, and beta ½ over a filled C) and ∂C/∂W = δᵀ·x / R.
  const products = [
    {
      M: R,
      N: nOut,
      K: nIn,
      dense: 'gemmNT',
      sparse: 'sparseNT',
      A: [x, absX],
      B: [W, absW],
      bias: [b, absB],
      alpha: 1,
      beta: 0,
    },
    {
      M: R,
      N: nOut,
      K: nIn,
      dense: 'gemmNT',
      sparse: 'sparseNT',
      A: [x, absX],
      B: [W, absW],
      bias: [b, absB],
      alpha: 1,
      beta: 0.5,
    },
    {
      M: nOut,
      N: nIn,
      K: R,
      dense: 'gemmTN',
      sparse: 'sparseTN',
      A: [delta, absD],
      B: [x, absX],
      bias: [0, 0],
      alpha: inv,
      beta: 0,
    },
    {
      M: nOut,
      N: nIn,
      K: R,
      dense: 'gemmTN',
      sparse: 'sparseTN',
      A: [delta, absD],
      B: [x, absX],
      bias: [bIn, absBIn],
      alpha: 1,
      beta: 0.5,
    },
  ] as const;
  for (const p of products) {
    const n = p.M * p.N,
      [cs, cd, co, cj, s] = [0, 1, 2, 3, 4].map(() => h.alloc(4 * n));
    const start = fill(new Float32Array(n), 19);
    for (const c of [cs, cd, co, cj]) h.f32(c, n).set(p.beta ? start : new Float32Array(n).fill(NaN));
    h.f32(s, n).set(p.beta ? start.map(Math.abs) : new Float32Array(n));
    h.wasm[p.sparse](cs, p.A[0], p.B[0], p.bias[0], p.M, p.N, p.K, p.alpha, p.beta, idx);
    h.wasm[p.dense](cd, p.A[0], p.B[0], p.bias[0], p.M, p.N, p.K, p.alpha, p.beta);
    h.js[p.dense](co, p.A[0], p.B[0], p.bias[0], p.M, p.N, p.K, p.alpha, p.beta);
    h.js[p.sparse](cj, p.A[0], p.B[0], p.bias[0], p.M, p.N, p.K, p.alpha, p.beta, idx);
    h.js[p.dense](s, p.A[1], p.B[1], p.bias[1], p.M, p.N, p.K, p.alpha, p.beta);
    const what = `${p.sparse} beta=${p.beta}`;
    expect(bits(cs, n), `${what}: the dense kernel's bits`).toEqual(bits(cd, n));
    expect(bits(cj, n), `${what}: the twin, the oracle's values`).toEqual(bits(co, n));
    const got = h.f32(cs, n),
      want = h.f32(co, n),
      S = h.f32(s, n),
      tol = tolerance(p.K);
    const off = [...got.keys()].filter((e) => !(Math.abs(got[e] - want[e]) <= tol * S[e]));
    expect(off.length, `${what}: elements off the oracle, first ${off[0]}`).toBe(0);
  }
});

// A program's index (SPARSE_PERCENT) marks a batch with more non-zero groups dense, in both
// engines, from the count alone: just over and just under the threshold, and a width under 4.
test.each([
  [64, 784],
  [10, 17],
  [3, 3],
])('rows=%i cols=%i: sparse or dense at SPARSE_PERCENT', (R, cols) => {
  const G4 = cols >> 2;
  for (const groups of [Math.floor((SPARSE_PERCENT * R * G4) / 100), Math.floor((SPARSE_PERCENT * R * G4) / 100) + 1]) {
    h.reset();
    const x = h.alloc(4 * R * cols),
      X = h.f32(x, R * cols).fill(0);
    for (let g = 0; g < groups; g++) X[(g % R) * cols + 4 * Math.floor(g / R) + (g % 3)] = 0.5; // group ⌊g/R⌋ of row g mod R
    const marks = (['wasm', 'js'] as const).map((engine) => {
      const idx = h.alloc(sparseIndexBytes(R, cols));
      h[engine].sparseRows(x, R, cols, idx);
      h[engine].sparseIndex(x, R, cols, idx, SPARSE_PERCENT);
      return new Int32Array(h.memory.buffer, idx, 1)[0];
    });
    const sparse = G4 > 0 && groups * 100 <= SPARSE_PERCENT * R * G4;
    expect(marks, `${groups} of ${R * G4} groups`).toEqual(sparse ? [groups, groups] : [-1, -1]);
  }
});
