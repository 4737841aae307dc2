// The f32x4 elementary functions of assembly/math.ts against f64, in ulps: each function on its own
// (in a probe module compiled here from that file, since the library's module exports only kernels),
// and every activation that uses them through the library's own activate/mulDerivative kernels.
//
// Error of a result: |got − y| / ulp(y), y the f64 value (Math.exp etc., not rounded to f32), ulp(y)
// the spacing of f32 at |y| (2⁻¹⁴⁹ below 2⁻¹²⁶), so 0.5 is correctly rounded. Results below
// FLUSH = 2⁻¹²⁵·⁵ may be +0: exp4 flushes there (see assembly/math.ts), and so do σ, softplus and
// softmax entries built from it. Special values (±0, ±∞, NaN, overflow, saturation) exactly.
// Inputs: every 4099th f32 bit pattern (both signs, every exponent: subnormal, tiny, moderate, huge),
// the 2048 f32 neighbours on each side of every boundary in the code, and the special values.
// BOUND holds the maxima measured over every f32 input (offline, exhaustively), plus a little.
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import asc from 'assemblyscript/asc';
import { fill, harness, type Harness } from './harness.js';
import { ACTIVATIONS } from '../src/activations.js';

const FLUSH = 2 ** -125.5;
const FLT_MAX = 3.4028234663852886e38;
const FLT_MIN = 2 ** -126;
const LN2 = Math.LN2;

/** Measured maximum over all f32 inputs → asserted bound (ulps). */
const BOUND = {
  exp: 1.1, // 1.006
  expm1: 1.7, // 1.595
  log1p: 2.0, // 1.968 (y ∈ [0, 1])
  sigmoid: 2.5, // 2.402
  tanh: 2.5, // 2.404
  elu: 1.1, // 1.010 (α = 1; α ≠ 1 adds the rounding of α·expm1)
  softplus: 2.7, // 2.627
  // exp, then the lane sums' rounding, which grows with their length (cols/4 terms), 1/sum and a·(1/sum):
  // measured 2.6 (cols 2–8), 3.2 (10), 3.5 (16, 17), 4.0 (33), 3.8 (100), 6.8 (784) on the rows below.
  softmax: (cols: number) => 4.5 + cols / 128,
};

const f64 = {
  exp: Math.exp,
  expm1: Math.expm1,
  log1p: Math.log1p,
  sigmoid: (z: number) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
  softplus: (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))),
};

// ---- inputs -----------------------------------------------------------------------------------
const bits = new Uint32Array(1),
  asF32 = new Float32Array(bits.buffer);
const fromBits = (b: number) => ((bits[0] = b), asF32[0]);
const toBits = (x: number) => ((asF32[0] = x), bits[0]);

/** Every 4099th bit pattern, the 2048 neighbours each side of each boundary (both signs), specials. */
function sweep(boundaries: number[], keep: (x: number) => boolean = () => true): Float32Array {
  const xs: number[] = [];
  for (let b = 0; b < 2 ** 32; b += 4099) xs.push(fromBits(b));
  for (const c of [0, ...boundaries]) {
    for (const s of [1, -1]) {
      const mid = toBits(s * c);
      for (let k = -2048; k <= 2048; k++) if (mid + k >= 0 && mid + k < 2 ** 32) xs.push(fromBits(mid + k));
    }
  }
  xs.push(0, -0, Infinity, -Infinity, NaN, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN, 2 ** -149, -(2 ** -149));
  return Float32Array.from(xs.filter(keep));
}
// Where the code changes regime: ±ln2/2 (n changes), the clamps and the flush, overflow, the points
// where σ, tanh and expm1 saturate in f32, small |x| where polynomials take over.
const EXP_EDGES = [LN2 / 2, 1.5 * LN2, 10, 16.64, 17.33, 30, 86.99, 87.34, 87.5, 88.0, 88.38, 88.72, 89, 2 ** -12];

// ---- error measurement ------------------------------------------------------------------------
const F = new Float64Array(1),
  U = new Uint32Array(F.buffer);
function ulp(a: number) {
  if (a < FLT_MIN) return 2 ** -149;
  F[0] = a;
  return 2 ** ((U[1] >>> 20) - 1023 - 23);
}

/** Worst ulp error of got against y = want(x), with the rules above; the first rule broken, if any. */
function ulps(x: ArrayLike<number>, got: ArrayLike<number>, want: (i: number) => number, what: string) {
  let max = 0,
    at = 0;
  for (let i = 0; i < got.length; i++) {
    const y = want(i),
      g = got[i];
    if (Number.isNaN(y)) {
      if (!Number.isNaN(g)) expect.fail(`${what}(${x[i]}) = ${g}, expected NaN`);
      continue;
    }
    const y32 = Math.fround(y);
    if (!Number.isFinite(y32)) {
      if (g !== y32) expect.fail(`${what}(${x[i]}) = ${g}, expected ${y32}`);
      continue;
    }
    if (g === 0 && Math.abs(y) < FLUSH) continue;
    const e = Math.abs(g - y) / ulp(Math.abs(y));
    if (!(e <= max)) {
      if (Number.isNaN(e)) expect.fail(`${what}(${x[i]}) = ${g}, expected ${y}`);
      max = e;
      at = i;
    }
  }
  return { max, x: x[at], got: got[at], want: want(at) };
}

function expectUlps(
  x: ArrayLike<number>,
  got: ArrayLike<number>,
  want: (i: number) => number,
  bound: number,
  what: string,
) {
  const r = ulps(x, got, want, what);
  expect(r.max, `${what}: worst at x = ${r.x}: got ${r.got}, f64 ${r.want}`).toBeLessThanOrEqual(bound);
}

/** Exact results (Object.is: −0 ≠ 0; any NaN is NaN). */
function expectExact(f: (x: Float32Array) => Float32Array, cases: [number, number][], what: string) {
  const got = f(Float32Array.from(cases.map(([x]) => x)));
  cases.forEach(([x, y], i) => {
    if (!(Object.is(got[i], y) || (Number.isNaN(y) && Number.isNaN(got[i]))))
      expect.fail(`${what}(${x}) = ${got[i]}, expected exactly ${y}`);
  });
}

// ---- the functions on their own ---------------------------------------------------------------
const PROBE = `import { exp4, expm1_4, log1p_4, sigmoid4, tanh4 } from "./math";
export function heapBase(): usize { return __heap_base; }
export function map(fn: i32, x: usize, y: usize, n: i32): void {
  for (let i: usize = 0, e = <usize>n << 2; i < e; i += 16) {
    const v = v128.load(x + i);
    v128.store(y + i, fn == 0 ? exp4(v) : fn == 1 ? expm1_4(v) : fn == 2 ? log1p_4(v) : fn == 3 ? sigmoid4(v) : tanh4(v));
  }
}`;
const FN = { exp: 0, expm1: 1, log1p: 2, sigmoid: 3, tanh: 4 };
type Fn = keyof typeof FN;

describe('assembly/math.ts, each function on its own', () => {
  let map: (fn: Fn, x: Float32Array) => Float32Array;
  beforeAll(async () => {
    const math = readFileSync(new URL('../assembly/math.ts', import.meta.url), 'utf8');
    const { error, binary, stderr } = await asc.compileString(
      { 'probe.ts': PROBE, 'math.ts': math },
      { runtime: 'stub', importMemory: true, enable: ['simd'], optimizeLevel: 3, noAssert: true },
    );
    if (error || !binary) throw new Error(`probe: ${error?.message}\n${stderr}`);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { instance } = await WebAssembly.instantiate(binary, { env: { memory, abort: () => {} } });
    const w = instance.exports as { heapBase(): number; map(fn: number, x: number, y: number, n: number): void };
    const at = (w.heapBase() + 15) & ~15;
    map = (fn, x) => {
      const n4 = (x.length + 3) & ~3,
        need = at + 8 * n4;
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      new Float32Array(memory.buffer, at, n4).set(x);
      w.map(FN[fn], at, at + 4 * n4, n4);
      return new Float32Array(memory.buffer, at + 4 * n4, x.length).slice();
    };
  });

  const fns: [Fn, number[], (x: number) => boolean][] = [
    ['exp', EXP_EDGES, () => true],
    ['expm1', EXP_EDGES, () => true],
    ['log1p', [1 / 3, 0.5, 2 ** -12, 1], (y) => y >= 0 && y <= 1], // the domain softplus uses
    ['sigmoid', EXP_EDGES, () => true],
    ['tanh', [0.5493, 1, 9.01, 10, 2 ** -12], () => true],
  ];
  for (const [name, edges, keep] of fns) {
    test(`${name}: within ${BOUND[name]} ulp of f64 over a dense sweep`, () => {
      const x = sweep(edges, keep);
      expectUlps(x, map(name, x), (i) => f64[name](x[i]), BOUND[name], name);
    });
  }

  test('special values, exactly', () => {
    const f = (name: Fn) => (x: Float32Array) => map(name, x);
    expectExact(
      f('exp'),
      [
        [0, 1],
        [-0, 1],
        [2 ** -149, 1],
        [-Infinity, 0],
        [Infinity, Infinity],
        [NaN, NaN],
        [-FLT_MAX, 0],
        [FLT_MAX, Infinity],
        [88.72284, Infinity], // the smallest f32 x whose eˣ rounds to +∞
        [-87.5, 0], // flushed: e⁻⁸⁷·⁵ < 2⁻¹²⁵·⁵
      ],
      'exp',
    );
    const [big, small] = map('exp', Float32Array.from([88.72283, -86.98]));
    expect(big, 'exp(88.72283), the largest f32 x with a finite eˣ').toBeGreaterThan(3.4e38);
    expect(big).toBeLessThan(Infinity);
    expect(small, 'exp(−86.98) is not flushed').toBeGreaterThan(FLUSH);
    expectExact(
      f('expm1'),
      [
        [0, 0],
        [1e-30, Math.fround(1e-30)], // (below 2⁻¹²⁵ the last bit may go: the sweep bounds that)
        [-(2 ** -125), -(2 ** -125)],
        [-Infinity, -1],
        [-17.5, -1],
        [Infinity, Infinity],
        [NaN, NaN],
        [88.72284, Infinity],
      ],
      'expm1',
    );
    expectExact(
      f('log1p'),
      [
        [0, 0],
        [1e-30, Math.fround(1e-30)],
        [1, Math.fround(LN2)],
      ],
      'log1p',
    );
    expectExact(
      f('sigmoid'),
      [
        [0, 0.5],
        [-0, 0.5],
        [18, 1],
        [Infinity, 1],
        [FLT_MAX, 1],
        [-Infinity, 0],
        [-FLT_MAX, 0],
        [NaN, NaN],
      ],
      'sigmoid',
    );
    expectExact(
      f('tanh'),
      [
        [0, 0],
        [-0, -0],
        [2 ** -149, 2 ** -149],
        [-(2 ** -149), -(2 ** -149)],
        [1e-30, Math.fround(1e-30)],
        [-1e-30, -Math.fround(1e-30)],
        [9.1, 1],
        [-9.1, -1],
        [Infinity, 1],
        [-Infinity, -1],
        [FLT_MAX, 1],
        [-FLT_MAX, -1],
        [NaN, NaN],
      ],
      'tanh',
    );
  });

  test('tanh is odd', () => {
    const x = sweep([1, 9]);
    const t = map('tanh', x),
      tn = map(
        'tanh',
        x.map((v) => -v),
      );
    for (let i = 0; i < x.length; i++) if (!Object.is(tn[i], -t[i])) expect.fail(`tanh(${-x[i]}) ≠ −tanh(${x[i]})`);
  });
});

// ---- through the kernels ----------------------------------------------------------------------
describe('the activations through the library kernels (build/wasmlp.wasm)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(1024);
  });
  /** activate (or, with `derivative`, mulDerivative with δ = 1) over x as one row. */
  function kernel(act: number, x: Float32Array, p: number, derivative = false): Float32Array {
    h.reset();
    const n = x.length,
      z = h.alloc(4 * n),
      out = h.alloc(4 * n);
    h.f32(z, n).set(x);
    if (derivative) {
      h.f32(out, n).fill(1);
      h.wasm.mulDerivative(act, z, z, out, 1, n, p); // softplus' σ(z) reads z only
    } else h.wasm.activate(act, z, out, 1, n, p);
    return h.f32(out, n).slice();
  }
  const { sigmoid, tanh, elu, softplus, softmax } = ACTIVATIONS;

  test(`sigmoid within ${BOUND.sigmoid} ulp`, () => {
    const x = sweep(EXP_EDGES);
    expectUlps(x, kernel(sigmoid.id, x, 0), (i) => f64.sigmoid(x[i]), BOUND.sigmoid, 'sigmoid');
  });
  test(`tanh within ${BOUND.tanh} ulp`, () => {
    const x = sweep([0.5493, 1, 9.01, 10, 2 ** -12]);
    expectUlps(x, kernel(tanh.id, x, 0), (i) => f64.tanh(x[i]), BOUND.tanh, 'tanh');
  });
  test(`elu (α = 1) within ${BOUND.elu} ulp, and α·expm1 within one rounding more for α = 0.3`, () => {
    const x = sweep(EXP_EDGES);
    expectUlps(x, kernel(elu.id, x, 1), (i) => (x[i] > 0 ? x[i] : Math.expm1(x[i])), BOUND.elu, 'elu');
    const a = Math.fround(0.3);
    expectUlps(x, kernel(elu.id, x, a), (i) => (x[i] > 0 ? x[i] : a * Math.expm1(x[i])), BOUND.elu + 1, 'elu(0.3)');
  });
  test(`softplus within ${BOUND.softplus} ulp, and its σ' (mulDerivative) within ${BOUND.sigmoid}`, () => {
    const x = sweep(EXP_EDGES);
    expectUlps(x, kernel(softplus.id, x, 0), (i) => f64.softplus(x[i]), BOUND.softplus, 'softplus');
    expectUlps(x, kernel(softplus.id, x, 0, true), (i) => f64.sigmoid(x[i]), BOUND.sigmoid, "softplus'");
  });

  test('special values, exactly', () => {
    const cases = (act: number, p: number, c: [number, number][], what: string, derivative = false) =>
      expectExact((x) => kernel(act, x, p, derivative), c, what);
    cases(
      sigmoid.id,
      0,
      [
        [0, 0.5],
        [Infinity, 1],
        [-Infinity, 0],
        [NaN, NaN],
        [-1e4, 0],
        [1e4, 1],
      ],
      'sigmoid',
    );
    cases(
      tanh.id,
      0,
      [
        [-0, -0],
        [Infinity, 1],
        [-Infinity, -1],
        [NaN, NaN],
        [2 ** -149, 2 ** -149],
      ],
      'tanh',
    );
    cases(
      elu.id,
      0.5,
      [
        [0, 0],
        [3, 3],
        [FLT_MAX, FLT_MAX],
        [Infinity, Infinity],
        [-Infinity, -0.5],
        [-30, -0.5],
        [NaN, NaN],
      ],
      'elu(0.5)',
    );
    cases(
      softplus.id,
      0,
      [
        [Infinity, Infinity],
        [-Infinity, 0],
        [NaN, NaN],
        [100, 100],
        [FLT_MAX, FLT_MAX],
        [0, Math.fround(LN2)],
      ],
      'softplus',
    );
    cases(
      softplus.id,
      0,
      [
        [0, 0.5],
        [Infinity, 1],
        [-Infinity, 0],
        [NaN, NaN],
      ],
      "softplus'",
      true,
    );
  });

  test(`softmax within ${BOUND.softmax(0)} + cols/128 ulps of the f64 softmax of the kernel's f32 z − max z`, () => {
    // z − max z is rounded to f32 before exp in any f32 kernel (relative error up to |z − max|·2⁻²⁴
    // in eᶻ, the input's conditioning, not the kernel's): the oracle starts from those f32 differences.
    for (const cols of [1, 2, 3, 4, 5, 7, 8, 10, 16, 17, 33, 100, 784]) {
      for (const scale of [1e-3, 1, 10, 100]) {
        const rows = 64,
          n = rows * cols,
          x = fill(new Float32Array(n), cols * 1000 + scale).map((v) => scale * v);
        h.reset();
        const z = h.alloc(4 * n),
          a = h.alloc(4 * n);
        h.f32(z, n).set(x);
        h.wasm.activate(softmax.id, z, a, rows, cols, 0);
        const got = h.f32(a, n).slice(),
          want = new Float64Array(n);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(r * cols, (r + 1) * cols),
            m = Math.max(...row);
          const e = Array.from(row, (v) => Math.exp(Math.fround(v - m))),
            s = e.reduce((p, q) => p + q, 0);
          e.forEach((v, j) => (want[r * cols + j] = v / s));
        }
        expectUlps(x, got, (i) => want[i], BOUND.softmax(cols), `softmax ${rows}×${cols} z·${scale}`);
      }
    }
  });
});
