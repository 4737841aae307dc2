// GEMM kernels (assembly/gemm.ts) against the pure-JS reference on the same bytes.
//
// Tolerance, stated once: a kernel and the oracle differ only by rounding. Computing
// y = alpha·Σ_k a_k·b_k + beta·c + bias in f32, each term passes through at most K + 4 roundings
// (its product, at most K − 1 additions however the kernel orders and groups the sum, the multiply
// by alpha, the additions of beta·c and of bias), so its error is at most (K + 4)·u·S to first
// order, where u = 2⁻²⁴ and S = |alpha|·Σ_k |a_k·b_k| + |beta·c| + |bias| (Higham's bound for a
// dot product). The oracle sums in f64 and rounds once (≤ u·S more). Hence
//     |wasm − reference| ≤ (K + 5)·2⁻²⁴·S      for every element of C,
// tight enough to catch one missing, extra or misplaced term even at K = 1. S is the same GEMM on
// absolute values, computed by the reference.
import { expect, test } from 'vitest';
import { harness, fill } from './harness.js';

const tolerance = (K: number) => (K + 5) * 2 ** -24;

type Variant = 'gemmNT' | 'gemmNN' | 'gemmTN';
const variants: Variant[] = ['gemmNT', 'gemmNN', 'gemmTN'];
// The batch dimension of each variant's training role (alpha = 1/batch, as in ∂W = Δᵀ·A_prev / B).
const batchOf = (v: Variant, M: number, K: number) => (v === 'gemmTN' ? K : M);

// Shapes (M, N, K): each value in each position, against partners cycling through the same list,
// so every dimension meets 1, odd sizes, tile multiples and large partners.
const values = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 128];
const shapes = new Map<string, [number, number, number]>();
const add = (M: number, N: number, K: number) => shapes.set(`${M}×${N}×${K}`, [M, N, K]);
values.forEach((v, i) => {
  for (let t = 0; t < 3; t++) {
    const x = values[(i * 5 + t * 7 + 3) % values.length],
      y = values[(i * 3 + t * 11 + 7) % values.length];
    add(v, x, y);
    add(x, v, y);
    add(x, y, v);
  }
});
// The MLP's layers (batch, nIn, nOut) in their three roles: forward Z = A·Wᵀ + b (M=batch, N=nOut,
// K=nIn), BP2 Δ·W (M=batch, N=nIn, K=nOut), BP4 Δᵀ·A_prev (M=nOut, N=nIn, K=batch); and a larger one.
for (const [B, nIn, nOut] of [
  [10, 784, 30],
  [64, 784, 128],
  [128, 784, 128],
  [256, 784, 256],
  [64, 128, 10],
]) {
  add(B, nOut, nIn);
  add(B, nIn, nOut);
  add(nOut, nIn, B);
}
add(300, 200, 784);
// K just past multiples of 128 (the K block of gemmNN/gemmTN).
add(7, 13, 129);
add(33, 9, 257);
// K = 0 (not used by the network, but defined): C = beta·C + bias.
add(5, 9, 0);

interface Params {
  bias: boolean;
  beta: number;
  alpha: 'one' | '1/batch';
}
const allParams: Params[] = [];
for (const bias of [false, true])
  for (const beta of [0, 1, 0.5])
    for (const alpha of ['one', '1/batch'] as const) allParams.push({ bias, beta, alpha });
// Large shapes (the reference is slow) get three combinations that still cover every option.
const someParams: Params[] = [
  { bias: true, beta: 0, alpha: '1/batch' },
  { bias: false, beta: 1, alpha: 'one' },
  { bias: true, beta: 0.5, alpha: '1/batch' },
];

const h = await harness();
const GUARD = 16; // floats of guard on each side of C
const SENTINEL = 0x7fc0dead; // a NaN payload no kernel produces

const cases = [...shapes.values()].flatMap(([M, N, K]) => variants.map((v) => [v, M, N, K] as const));

test.each(cases)('%s M=%i N=%i K=%i', (v, M, N, K) => {
  const params = M * N * K > 300_000 ? someParams : allParams;
  const failures: string[] = [];
  params.forEach((p, q) => {
    h.reset();
    // Pointers are only 4-byte aligned in general: shift each buffer by 0..12 bytes.
    const skew = (n: number) => ((q + n) % 4) * 4;
    const nA = M * K,
      nB = N * K,
      nC = M * N; // in every variant
    const bias = h.alloc(N * 4 + 16) + skew(2);
    const cw = h.alloc((nC + 2 * GUARD) * 4 + 16) + skew(3),
      c = cw + GUARD * 4; // wasm output, with guards
    const cr = h.alloc(nC * 4),
      s = h.alloc(nC * 4); // reference output, error scale S
    const absA = h.alloc(nA * 4),
      absB = h.alloc(nB * 4),
      absBias = h.alloc(N * 4);
    // A or B (alternately) ends exactly at the end of memory, so reading one float past it traps.
    const last = h.alloc(Math.max(nA, nB) * 4 + 16) + skew(q % 2),
      atEnd = h.memory.buffer.byteLength;
    const a = q % 2 ? atEnd - nA * 4 : last,
      b = q % 2 ? last : atEnd - nB * 4;
    expect(Math.max(a, b)).toBeGreaterThanOrEqual(last + Math.max(nA, nB) * 4);
    fill(h.f32(a, nA), 11 + q);
    fill(h.f32(b, nB), 23 + q);
    fill(h.f32(bias, N), 37 + q);
    if (p.beta === 0) {
      h.f32(c, nC).fill(NaN);
      h.f32(cr, nC).fill(NaN);
      h.f32(s, nC).fill(0); // beta = 0: C must not be read
    } else {
      fill(h.f32(c, nC), 41 + q);
      h.f32(cr, nC).set(h.f32(c, nC));
      h.f32(s, nC).set(h.f32(c, nC).map(Math.abs));
    }
    new Uint32Array(h.memory.buffer, cw, GUARD).fill(SENTINEL);
    new Uint32Array(h.memory.buffer, c + nC * 4, GUARD).fill(SENTINEL);
    h.f32(absA, nA).set(h.f32(a, nA).map(Math.abs));
    h.f32(absB, nB).set(h.f32(b, nB).map(Math.abs));
    h.f32(absBias, N).set(h.f32(bias, N).map(Math.abs));
    const inputs = [h.f32(a, nA).slice(), h.f32(b, nB).slice(), h.f32(bias, N).slice()];
    const alpha = Math.fround(p.alpha === 'one' ? 1 : 1 / Math.max(1, batchOf(v, M, K)));

    h.wasm[v](c, a, b, p.bias ? bias : 0, M, N, K, alpha, p.beta);
    h.js[v](cr, a, b, p.bias ? bias : 0, M, N, K, alpha, p.beta);
    h.js[v](s, absA, absB, p.bias ? absBias : 0, M, N, K, alpha, p.beta);

    const what = `bias=${p.bias} beta=${p.beta} alpha=${p.alpha}`;
    const x = h.f32(c, nC),
      y = h.f32(cr, nC),
      S = h.f32(s, nC),
      tol = tolerance(K);
    let bad = 0,
      first = '';
    for (let e = 0; e < nC; e++) {
      if (!(Math.abs(x[e] - y[e]) <= tol * S[e])) {
        // NaN fails too
        if (!bad++) first = `C[${Math.floor(e / N)},${e % N}] = ${x[e]}, reference ${y[e]}, bound ${tol * S[e]}`;
      }
    }
    if (bad) failures.push(`${what}: ${bad} elements off, first ${first}`);
    const guards = [
      ...new Uint32Array(h.memory.buffer, cw, GUARD),
      ...new Uint32Array(h.memory.buffer, c + nC * 4, GUARD),
    ];
    if (guards.some((g) => g !== SENTINEL)) failures.push(`${what}: wrote outside C`);
    if (
      ![h.f32(a, nA), h.f32(b, nB), h.f32(bias, N)].every((arr, i) => arr.every((z, e) => Object.is(z, inputs[i][e])))
    ) {
      failures.push(`${what}: changed an input`);
    }
  });
  expect(failures).toEqual([]);
});
