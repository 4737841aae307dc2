// Every non-GEMM kernel of the WebAssembly module against its pure-JS twin (src/reference/) on the
// same bytes, over a sweep of sizes; plus oracles that are neither twin (textbook formulas in f64,
// central finite differences, exact integer sums, sample statistics), so wasm == js cannot hide a
// formula that both got wrong. The three regression tests near the end of the activate and
// lossDelta blocks pin numerical bugs this file found (ELU near 0, the BCE clamp, ln(1 − a)).
//
// Tolerances, relative: |got − want| ≤ tol · (|want| + floor), stated once here.
//   RTOL = 1e-5 for everything computed. The wasm rounds every f32 operation, the twin works in
//     f64 and rounds once on store: a few f32 ulps (2⁻²⁴ ≈ 6e-8 each), plus f32 accumulation over
//     ≤ 784 terms (softmax sum, Jᵀg dot, biasGrad) — measured ≤ 2e-7. Transcendentals use the same
//     1e-5 but are where the twins legitimately differ: the wasm's eˣ, eˣ − 1, ln(1 + y), σ and tanh
//     are the f32x4 functions of assembly/math.ts (IEEE operations only, ≤ 2.7 ulp: their own
//     ulp bounds are in test/simd-math.test.ts) while V8's Math.* work in f64; and softmax rounds
//     z − max(z) to f32 before exp, a relative error of up to |z − max|·2⁻²⁴ ≈ 5e-6 before exp
//     underflows (exp flushes to +0 below 2⁻¹²⁵·⁵, under the TINY floor below).
//   floor = 1e-30 (TINY) for values whose relative accuracy matters down to tiny magnitudes
//     (activations, costs, v), so e.g. σ(−80) ≈ 1.8e-35 is checked relatively; floor = 1 where the
//     output is an O(1)-scaled quantity that may cancel to ~0 (delta ⊙ σ', updates, column sums),
//     i.e. an absolute 1e-5 against inputs of size ≤ 1.
//   RTOL_ADAM = 1e-4 on v and on the update/lr: β₂ = 0.999 reaches the kernel as f32 0.99900001287,
//     so 1 − β₂ is 1.29e-5 relative off the twin's f64 1 − 0.999 (and β₂ᵗ is rounded to f32 too):
//     a property of the f32 ABI, not a bug. Measured 1.3e-5.
//   Finite differences: h = 1e-5 in f64 (error ≈ 1e-10) at RTOL; h = 2⁻⁶ on the kernels' own f32 f
//     at 2e-4 (truncation h²/6·|f'''| ≲ 1e-4, rounding 2⁻²⁴·|f|/h ≲ 1e-5; measured 3e-5).
//   gatherU8: 2⁻²³ (the wasm scales by f32(1/255), the twin by f64 1/255: one rounding apart).
//   randn statistics: 5 standard errors of the 100k-sample estimate (deterministic seed).
//   Bitwise equality where nothing is rounded differently: a − y, copies, one-hot, argmax, counts,
//     in-place vs separate-buffer results of one backend.
import { beforeAll, describe, expect, test } from 'vitest';
import { harness, fill, type Harness } from './harness.js';
import { ACTIVATIONS, type ActivationName } from '../src/activations.js';
import { Random } from '../src/random.js';
import { saturationThreshold } from '../src/diagnostics.js';
import { DIAG_CHUNK } from '../src/ids.js';

const RTOL = 1e-5;
const RTOL_ADAM = 1e-4;
const TINY = 1e-30;

// Loss ids, as in assembly/loss.ts.
const MSE = 0,
  CE = 1,
  BCE = 2;

const SWEEP = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 128];
const LARGE: [number, number] = [256, 784];
/** rows×cols: every sweep size as a row length (1–3 rows), as a row count (10 columns), and one large layer. */
const SHAPES: [number, number][] = [
  ...SWEEP.map((n, i): [number, number] => [1 + (i % 3), n]),
  ...SWEEP.map((n): [number, number] => [n, 10]),
  LARGE,
];
/** Flat lengths for the elementwise kernels (optimizers, randn). */
const LENGTHS = [...SWEEP, LARGE[0] * LARGE[1]];

/** Activations under test, with their parameter. */
const ACTS: { name: ActivationName; p: number }[] = [
  { name: 'identity', p: 0 },
  { name: 'step', p: 0 },
  { name: 'sigmoid', p: 0 },
  { name: 'tanh', p: 0 },
  { name: 'relu', p: 0 },
  { name: 'leaky-relu', p: 0.01 },
  { name: 'leaky-relu', p: 0.2 },
  { name: 'elu', p: 1 },
  { name: 'softplus', p: 0 },
  { name: 'softmax', p: 0 },
];
const label = (c: { name: string; p: number }) => (c.p ? `${c.name}(p=${c.p})` : c.name);

/** The activations written from the textbook in f64: an oracle that is neither twin. */
const F64: Record<Exclude<ActivationName, 'softmax'>, (z: number, p: number) => number> = {
  identity: (z) => z,
  step: (z) => (z >= 0 ? 1 : 0),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => Math.tanh(z),
  relu: (z) => Math.max(z, 0),
  'leaky-relu': (z, p) => (z > 0 ? z : p * z),
  elu: (z, p) => (z > 0 ? z : p * Math.expm1(z)),
  softplus: (z) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))),
};

function softmax64(z: ArrayLike<number>, at: number, cols: number): number[] {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, z[at + j]);
  const e = Array.from({ length: cols }, (_, j) => Math.exp(z[at + j] - m));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((x) => x / s);
}

/** Worst |x − y| / (|y| + floor), and where: NaN or a missing value counts as Infinity. */
function worst(x: ArrayLike<number>, y: ArrayLike<number>, floor: number) {
  let err = 0,
    at = -1;
  for (let i = 0; i < y.length; i++) {
    const e = Math.abs(x[i] - y[i]) / (Math.abs(y[i]) + floor);
    if (!(e <= err)) {
      err = Number.isNaN(e) ? Infinity : e;
      at = i;
    }
  }
  return { err, at };
}

function expectClose(x: ArrayLike<number>, y: ArrayLike<number>, tol: number, floor: number, what: string) {
  expect(x.length, `${what}: length`).toBe(y.length);
  const { err, at } = worst(x, y, floor);
  expect(err, `${what}: worst at [${at}]: got ${x[at]}, expected ${y[at]}`).toBeLessThanOrEqual(tol);
}

/** Bitwise equality (−0 and 0 differ), reporting the first mismatch. */
function expectSame(x: ArrayLike<number>, y: ArrayLike<number>, what: string) {
  expect(x.length, `${what}: length`).toBe(y.length);
  for (let i = 0; i < y.length; i++) {
    if (!Object.is(x[i], y[i])) expect(x[i], `${what}: first mismatch at [${i}]`).toBe(y[i]);
  }
}

const GUARD = 4;
const SENTINEL = 1234.5;

let h: Harness;
beforeAll(async () => {
  h = await harness(512);
});

/** A fresh f32 buffer of n floats (optionally initialised), followed by GUARD sentinel floats. */
function buf(n: number, init?: ArrayLike<number>): number {
  const p = h.alloc((n + GUARD) * 4);
  const v = h.f32(p, n + GUARD);
  v.fill(0);
  if (init) v.set(init);
  v.fill(SENTINEL, n);
  return p;
}
const read = (p: number, n: number) => h.f32(p, n).slice();
function expectGuard(p: number, n: number, what: string) {
  expect(Array.from(h.f32(p + n * 4, GUARD)), `${what}: wrote past the end`).toEqual(new Array(GUARD).fill(SENTINEL));
}
/** Deterministic data in [lo, hi). */
function data(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const x = fill(new Float32Array(n), seed);
  for (let i = 0; i < n; i++) x[i] = lo + ((x[i] + 1) / 2) * (hi - lo);
  return x;
}

/** z in [−30, 30] with extremes scattered in: overflow bait for exp. */
const EXTREMES = [80, -80, 1e4, -1e4, 88.5, -88.5, -104, 0, -0, 1e-20, -1e-20, 3e38, -3e38];
const NEAR_ZERO = [1e-2, -1e-2, 1e-3, -1e-3, 1e-5, -1e-5, 3e-7, -3e-7];
function zInput(n: number, seed: number): Float32Array {
  const z = data(n, seed, -30, 30);
  for (let i = 3; i < n; i += 11) z[i] = EXTREMES[((i / 11) | 0) % EXTREMES.length];
  for (let i = 7; i < n; i += 11) z[i] = NEAR_ZERO[((i / 11) | 0) % NEAR_ZERO.length];
  return z;
}

// ---------------------------------------------------------------------------------------------
describe('activate', () => {
  for (const c of ACTS) {
    const act = ACTIVATIONS[c.name].id;
    test(`${label(c)}: wasm == js == f64 formula, separate buffers and in place, finite, in range`, () => {
      for (const [rows, cols] of SHAPES) {
        h.reset();
        const n = rows * cols,
          what = `${label(c)} ${rows}×${cols}`;
        const z0 = zInput(n, n * 31 + act);
        const z = buf(n, z0),
          aw = buf(n),
          aj = buf(n),
          inW = buf(n, z0),
          inJ = buf(n, z0);
        h.wasm.activate(act, z, aw, rows, cols, c.p);
        h.js.activate(act, z, aj, rows, cols, c.p);
        h.wasm.activate(act, inW, inW, rows, cols, c.p);
        h.js.activate(act, inJ, inJ, rows, cols, c.p);
        const w = read(aw, n),
          j = read(aj, n);
        const floor = TINY;
        expectSame(read(z, n), z0, `${what}: z untouched`);
        expectClose(w, j, RTOL, floor, `${what} wasm vs js`);
        expectSame(read(inW, n), w, `${what} wasm in place`);
        expectSame(read(inJ, n), j, `${what} js in place`);
        for (const p of [aw, aj, inW, inJ]) expectGuard(p, n, what);

        // The oracle: textbook f64, rounded to f32 once.
        const want = new Float32Array(n);
        if (c.name === 'softmax') for (let r = 0; r < rows; r++) want.set(softmax64(z0, r * cols, cols), r * cols);
        else for (let i = 0; i < n; i++) want[i] = F64[c.name](z0[i], c.p);
        expectClose(w, want, RTOL, floor, `${what} wasm vs f64`);

        const [lo, hi] = ACTIVATIONS[c.name].range;
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(w[i]) || w[i] < lo * (c.name === 'elu' ? c.p : 1) || w[i] > hi) {
            expect.fail(`${what}: a[${i}] = ${w[i]} for z = ${z0[i]} is not finite in [${lo}, ${hi}]`);
          }
        }
        if (c.name === 'softmax') {
          for (let r = 0; r < rows; r++) {
            let s = 0;
            for (let k = 0; k < cols; k++) s += w[r * cols + k];
            // f32 summation of cols terms inside the kernel: at most (cols + 4) ulps of 1.
            expect(Math.abs(s - 1), `${what}: row ${r} sums to ${s}`).toBeLessThanOrEqual((cols + 4) * 2 ** -23);
          }
        }
      }
    });
  }

  // The kernels run four lanes at a time and a row's last 1–3 elements as a partial vector through
  // the same code: an element's bits must not depend on where it sits (which lane, tail or not).
  test('elementwise activations and σ′ give the same bits in every lane and tail position', () => {
    const z0 = zInput(64, 5),
      d0 = data(64, 6);
    for (const c of ACTS) {
      if (c.name === 'softmax') continue;
      const act = ACTIVATIONS[c.name].id;
      h.reset();
      const z = buf(64, z0),
        a = buf(64),
        d = buf(64, d0);
      h.wasm.activate(act, z, a, 1, 64, c.p);
      h.wasm.mulDerivative(act, z, a, d, 1, 64, c.p);
      const aAll = read(a, 64),
        dAll = read(d, 64);
      for (let n = 1; n <= 9; n++) {
        for (let at = 0; at + n <= 64; at += 7) {
          const zs = buf(n, z0.subarray(at, at + n)),
            as = buf(n),
            ds = buf(n, d0.subarray(at, at + n));
          h.wasm.activate(act, zs, as, 1, n, c.p);
          expectSame(read(as, n), aAll.subarray(at, at + n), `${label(c)} a[${at}..${at + n})`);
          expectGuard(as, n, `${label(c)} ${n}`);
          h.wasm.mulDerivative(act, zs, buf(n, aAll.subarray(at, at + n)), ds, 1, n, c.p);
          expectSame(read(ds, n), dAll.subarray(at, at + n), `${label(c)} σ' δ[${at}..${at + n})`);
          expectGuard(ds, n, `${label(c)} σ' ${n}`);
        }
      }
    }
  });

  // Regression: p·(exp(z) − 1) cancels for |z| ≪ 1 (relative error ≈ 2⁻²⁵/|z|); expm1 does not.
  test('elu(z) keeps its relative accuracy near z = 0', () => {
    h.reset();
    const z0 = [-1e-3, -1e-5, -3e-7].map(Math.fround),
      n = z0.length;
    const z = buf(n, z0),
      a = buf(n);
    h.wasm.activate(ACTIVATIONS.elu.id, z, a, 1, n, 1);
    expectClose(read(a, n), z0.map(Math.expm1), RTOL, TINY, 'elu near 0 vs expm1');
  });

  test('softmax and sigmoid stay finite for rows of ±1e4 and ±80 only', () => {
    h.reset();
    const cols = 6;
    const z0 = Float32Array.from([
      1e4, 1e4, -1e4, 80, -80, 0, /**/ -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, /**/ 80, 80, 80, 80, 80, 80, /**/ -80, 79,
      80, -1e4, 1e4, 1e4,
    ]);
    const rows = z0.length / cols,
      n = z0.length;
    const z = buf(n, z0),
      a = buf(n),
      s = buf(n);
    h.wasm.activate(ACTIVATIONS.softmax.id, z, a, rows, cols, 0);
    h.wasm.activate(ACTIVATIONS.sigmoid.id, z, s, rows, cols, 0);
    const expected = [
      0.5,
      0.5,
      0,
      0,
      0,
      0,
      ...new Array(6).fill(1 / 6),
      ...new Array(6).fill(1 / 6),
      0,
      0,
      0,
      0,
      0.5,
      0.5,
    ];
    expectClose(read(a, n), expected, 2 ** -23, TINY, 'softmax of extremes');
    const sig = read(s, n);
    for (let i = 0; i < n; i++) expect(sig[i]).toBeCloseTo(F64.sigmoid(z0[i], 0), 7);
    expect(sig[2]).toBe(0); // σ(−1e4): e^1e4 overflows to ∞ and 1/∞ is 0, not NaN
    expect(sig[0]).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('mulDerivative', () => {
  for (const c of ACTS) {
    const act = ACTIVATIONS[c.name].id;
    test(`${label(c)}: wasm == js on delta ⊙ σ'(z)`, () => {
      for (const [rows, cols] of SHAPES) {
        h.reset();
        const n = rows * cols,
          what = `${label(c)} ${rows}×${cols}`;
        const z0 = zInput(n, n * 7 + act),
          d0 = data(n, n + 99);
        const z = buf(n, z0),
          a = buf(n);
        h.js.activate(act, z, a, rows, cols, c.p);
        const a0 = read(a, n);
        const dw = buf(n, d0),
          dj = buf(n, d0);
        h.wasm.mulDerivative(act, z, a, dw, rows, cols, c.p);
        h.js.mulDerivative(act, z, a, dj, rows, cols, c.p);
        const w = read(dw, n),
          j = read(dj, n);
        expectSame(read(z, n), z0, `${what}: z untouched`);
        expectSame(read(a, n), a0, `${what}: a untouched`);
        expectGuard(dw, n, what);
        expectClose(w, j, RTOL, 1, `${what} wasm vs js`);
        for (let i = 0; i < n; i++) if (!Number.isFinite(w[i])) expect.fail(`${what}: delta[${i}] = ${w[i]}`);
        if (c.name === 'identity') expectSame(w, d0, `${what}: identity leaves delta unchanged`);
        if (c.name === 'step')
          expect(
            w.every((x) => x === 0),
            `${what}: step has σ' = 0`,
          ).toBe(true);
        if (c.name === 'softmax') {
          // Jᵀg is orthogonal to the ones vector: softmax outputs sum to 1 whatever z is.
          for (let r = 0; r < rows; r++) {
            let s = 0,
              m = 0;
            for (let k = 0; k < cols; k++) {
              s += w[r * cols + k];
              m = Math.max(m, Math.abs(d0[r * cols + k]));
            }
            expect(Math.abs(s), `${what}: row ${r} of Jᵀg sums to ${s}`).toBeLessThanOrEqual(1e-5 * (m + 1));
          }
        }
      }
    });
  }

  // The derivative formulas themselves: mulDerivative(delta = 1) against a central difference of
  // f in f64, at points away from the kinks (0 for step, relu, leaky-relu, elu).
  const Z_FD = [-6.3, -3.1, -1.3, -0.45, 0.27, 0.83, 1.9, 4.2].map(Math.fround);
  for (const c of ACTS) {
    if (c.name === 'softmax') continue;
    const act = ACTIVATIONS[c.name].id,
      f = F64[c.name];
    test(`${label(c)}: σ' matches a central difference of f (f64, and the kernels' own f32 f)`, () => {
      h.reset();
      const n = Z_FD.length;
      const z = buf(n, Z_FD),
        a = buf(n);
      h.js.activate(act, z, a, 1, n, c.p);
      for (const k of [h.wasm, h.js]) {
        const d = buf(n, new Array(n).fill(1));
        k.mulDerivative(act, z, a, d, 1, n, c.p);
        const got = read(d, n);
        const hh = 1e-5;
        const fd = Z_FD.map((x) => (f(x + hh, c.p) - f(x - hh, c.p)) / (2 * hh));
        expectClose(got, fd, RTOL, 1, `${label(c)} σ' vs f64 central difference`);

        // Same on the kernel's own f, evaluated in f32 with h = 2⁻⁶: truncation h²/6·|f'''| ≲ 1e-4,
        // rounding 2⁻²⁴·|f|/h ≲ 1e-5. Proves df is the derivative of the f this kernel set computes.
        const H = 2 ** -6;
        const zp = buf(
            n,
            Z_FD.map((x) => x + H),
          ),
          zm = buf(
            n,
            Z_FD.map((x) => x - H),
          );
        const ap = buf(n),
          am = buf(n);
        k.activate(act, zp, ap, 1, n, c.p);
        k.activate(act, zm, am, 1, n, c.p);
        const P = read(ap, n),
          M = read(am, n);
        expectClose(
          got,
          Z_FD.map((_, i) => (P[i] - M[i]) / (2 * H)),
          2e-4,
          1,
          `${label(c)} σ' vs f32 central difference`,
        );
      }
    });
  }

  test('softmax: Jᵀg matches a central difference of g·softmax(z) in f64', () => {
    for (const cols of [1, 2, 3, 5, 10, 17]) {
      h.reset();
      const z0 = data(cols, cols + 5, -4, 4),
        g0 = data(cols, cols + 6);
      const z = buf(cols, z0),
        a = buf(cols);
      h.js.activate(ACTIVATIONS.softmax.id, z, a, 1, cols, 0);
      const phi = (zz: number[]) => softmax64(zz, 0, cols).reduce((s, x, j) => s + x * g0[j], 0);
      const hh = 1e-5;
      const fd = Array.from(z0, (_, k) => {
        const zp = Array.from(z0),
          zm = Array.from(z0);
        zp[k] += hh;
        zm[k] -= hh;
        return (phi(zp) - phi(zm)) / (2 * hh);
      });
      for (const k of [h.wasm, h.js]) {
        const d = buf(cols, g0);
        k.mulDerivative(ACTIVATIONS.softmax.id, z, a, d, 1, cols, 0);
        expectClose(read(d, cols), fd, RTOL, 1, `softmax 1×${cols} Jᵀg vs central difference`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('lossDelta', () => {
  /** Inputs a, y for a loss over rows×cols, with saturated outputs mixed in for CE and BCE. */
  function inputs(loss: number, rows: number, cols: number, seed: number) {
    const n = rows * cols;
    const a = new Float32Array(n),
      y = new Float32Array(n);
    if (loss === MSE) {
      a.set(data(n, seed, -2, 2));
      y.set(data(n, seed + 1));
    } else if (loss === CE) {
      const z = data(n, seed, -5, 5),
        labels = data(rows, seed + 1, 0, cols);
      for (let r = 0; r < rows; r++) {
        a.set(softmax64(z, r * cols, cols), r * cols);
        y[r * cols + Math.floor(labels[r])] = 1;
        // every third row saturated: all mass on a wrong class (cost −ln EPS) or on the right one
        if (r % 3 === 1) {
          a.fill(0, r * cols, (r + 1) * cols);
          a[r * cols + ((Math.floor(labels[r]) + 1) % cols)] = 1;
        }
        if (r % 3 === 2) {
          a.fill(0, r * cols, (r + 1) * cols);
          a[r * cols + Math.floor(labels[r])] = 1;
        }
      }
    } else {
      a.set(data(n, seed, 1e-6, 1 - 1e-6));
      const yy = data(n, seed + 1);
      for (let i = 0; i < n; i++) y[i] = yy[i] > 0 ? 1 : 0;
    }
    return { a, y };
  }
  /** The cost from the textbook in f64 (ln clamped 1e-7 away from 0, as both twins document). */
  function cost64(loss: number, a: Float32Array, y: Float32Array): number {
    let c = 0;
    for (let i = 0; i < a.length; i++) {
      if (loss === MSE) c += 0.5 * (a[i] - y[i]) ** 2;
      else if (loss === CE) c -= y[i] ? y[i] * Math.log(Math.max(a[i], 1e-7)) : 0;
      else c -= y[i] * Math.log(Math.max(a[i], 1e-7)) + (1 - y[i]) * Math.log(Math.max(1 - a[i], 1e-7));
    }
    return c;
  }

  for (const [loss, name] of [
    [MSE, 'mse'],
    [CE, 'cross-entropy (softmax)'],
    [BCE, 'binary cross-entropy (sigmoid)'],
  ] as const) {
    test(`${name}: cost and delta = a − y, wasm == js == f64`, () => {
      for (const [rows, cols] of SHAPES) {
        h.reset();
        const n = rows * cols,
          what = `${name} ${rows}×${cols}`;
        const { a: a0, y: y0 } = inputs(loss, rows, cols, n + loss);
        const a = buf(n, a0),
          y = buf(n, y0),
          dw = buf(n, new Array(n).fill(NaN)),
          dj = buf(n, new Array(n).fill(NaN));
        const cw = h.wasm.lossDelta(loss, a, y, dw, rows, cols);
        const cj = h.js.lossDelta(loss, a, y, dj, rows, cols);
        expectGuard(dw, n, what);
        const want = Float32Array.from(a0, (x, i) => x - y0[i]);
        expectSame(read(dw, n), want, `${what}: wasm delta`);
        expectSame(read(dj, n), want, `${what}: js delta`);
        expect(Number.isFinite(cw), `${what}: wasm cost ${cw}`).toBe(true);
        expectClose([cw], [cj], RTOL, TINY, `${what}: cost wasm vs js`);
        expectClose([cw], [cost64(loss, a0, y0)], RTOL, TINY, `${what}: cost wasm vs f64`);
      }
    });
  }

  test('saturated outputs (a = 0 or 1 exactly) give a large finite cost; wasm == js == f64 where the clamp is exact', () => {
    h.reset();
    // loss, cols, a, y, agrees with the unclamped f64 cost: confidently wrong (cost −ln 1e-7 ≈ 16.1) and confidently right (≈ 0)
    const cases: [number, number, number[], number[], boolean][] = [
      [CE, 2, [0, 1], [1, 0], true],
      [CE, 2, [1, 0], [1, 0], true],
      [CE, 3, [0, 0, 1], [0, 1, 0], true],
      [BCE, 1, [0], [1], true],
      [BCE, 1, [0], [0], false], // the clamp costs −ln(1 − 1e-7) ≈ 1e-7 where f64 says 0
      [BCE, 1, [1], [0], true],
      [BCE, 1, [1], [1], false],
      [BCE, 2, [1, 0], [1, 0], false],
    ];
    for (const [loss, cols, av, yv, agree] of cases) {
      const what = `${loss === CE ? 'CE' : 'BCE'} a=[${av}] y=[${yv}]`;
      const a = buf(cols, av),
        y = buf(cols, yv),
        d = buf(cols);
      const cw = h.wasm.lossDelta(loss, a, y, d, 1, cols);
      const cj = h.js.lossDelta(loss, a, y, d, 1, cols);
      const c64 = cost64(loss, Float32Array.from(av), Float32Array.from(yv));
      const wrong = av.some((x, i) => Math.abs(x - yv[i]) === 1);
      for (const c of [cw, cj]) {
        expect(Number.isFinite(c), `${what}: cost ${c}`).toBe(true);
        if (wrong) expect(c, `${what}: confidently wrong costs about −ln 1e-7`).toBeGreaterThan(15);
        else expect(c, `${what}: confidently right costs about 0`).toBeLessThan(1e-6);
      }
      expectSame(
        read(d, cols),
        av.map((x, i) => x - yv[i]),
        `${what}: delta`,
      );
      expectClose([cw], [cj], RTOL, TINY, `${what}: cost wasm vs js`);
      if (agree) expectClose([cw], [c64], RTOL, 1e-6, `${what}: cost wasm vs f64`);
    }
  });

  // Regression: an f32 clamp at 1 − 1e-7 rounds to 1 − 2⁻²³, so a = 1, y = 0 cost 15.942, not 16.118.
  test('BCE a = 1, y = 0 costs −ln 1e-7 as in the twin', () => {
    h.reset();
    const a = buf(1, [1]),
      y = buf(1, [0]),
      d = buf(1);
    expectClose(
      [h.wasm.lossDelta(BCE, a, y, d, 1, 1)],
      [h.js.lossDelta(BCE, a, y, d, 1, 1)],
      RTOL,
      TINY,
      'BCE a=1 y=0',
    );
  });

  // Regression: ln(1 − a) in f32 rounds 1 − a first (relative error 2⁻²⁵/a for small a); log1p does not.
  test('BCE cost keeps relative accuracy for y = 0 and small a', () => {
    h.reset();
    const av = [1e-4, 1e-5, 1e-6].map(Math.fround);
    const a = buf(3, av),
      y = buf(3, [0, 0, 0]),
      d = buf(3);
    const want = av.reduce((s, x) => s - Math.log1p(-x), 0);
    expectClose([h.wasm.lossDelta(BCE, a, y, d, 1, 3)], [want], RTOL, TINY, 'BCE small a, y = 0');
  });
});

// ---------------------------------------------------------------------------------------------
describe('biasGrad', () => {
  test('db = alpha · column sums, wasm == js; overwrites db', () => {
    for (const [rows, cols] of SHAPES) {
      h.reset();
      const n = rows * cols,
        what = `biasGrad ${rows}×${cols}`;
      const d0 = data(n, n + 3);
      const delta = buf(n, d0),
        bw = buf(cols, new Array(cols).fill(NaN)),
        bj = buf(cols, new Array(cols).fill(NaN));
      h.wasm.biasGrad(bw, delta, rows, cols, 1 / rows);
      h.js.biasGrad(bj, delta, rows, cols, 1 / rows);
      expectGuard(bw, cols, what);
      expectSame(read(delta, n), d0, `${what}: delta untouched`);
      expectClose(read(bw, cols), read(bj, cols), RTOL, 1, what);
    }
  });

  test('small integers sum exactly (alpha = 1 and alpha = 0.5)', () => {
    const [rows, cols] = LARGE;
    h.reset();
    const n = rows * cols;
    const d0 = Float32Array.from(data(n, 5), (x) => Math.round(x * 100)); // |Σ| ≤ 25600 < 2²⁴
    const delta = buf(n, d0),
      db = buf(cols);
    const want = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[j] += d0[r * cols + j];
    for (const alpha of [1, 0.5]) {
      h.wasm.biasGrad(db, delta, rows, cols, alpha);
      expectSame(
        read(db, cols),
        Array.from(want, (x) => x * alpha),
        `biasGrad exact, alpha ${alpha}`,
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('optimizers', () => {
  for (const l2 of [0, 0.1]) {
    test(`sgd, l2 = ${l2}: wasm == js == w − lr(g + l2·w)`, () => {
      for (const n of LENGTHS) {
        h.reset();
        const what = `sgd n=${n}`,
          lr = 0.1;
        const w0 = data(n, n + 1),
          g0 = data(n, n + 2);
        const ww = buf(n, w0),
          wj = buf(n, w0),
          g = buf(n, g0);
        h.wasm.sgd(ww, g, n, lr, l2, 0);
        h.js.sgd(wj, g, n, lr, l2, 0);
        expectGuard(ww, n, what);
        expectClose(read(ww, n), read(wj, n), RTOL, 1, what);
        expectClose(
          read(ww, n),
          Array.from(w0, (x, i) => x - lr * (g0[i] + l2 * x)),
          RTOL,
          1,
          `${what} vs f64`,
        );
      }
    });

    for (const nesterov of [0, 1]) {
      test(`momentum, nesterov = ${nesterov}, l2 = ${l2}: 4 steps, wasm == js (w and v)`, () => {
        for (const n of LENGTHS) {
          h.reset();
          const what = `momentum n=${n}`,
            lr = 0.05,
            mu = 0.9;
          const w0 = data(n, n + 1);
          const ww = buf(n, w0),
            wj = buf(n, w0),
            vw = buf(n),
            vj = buf(n),
            g = buf(n);
          // f64 oracle of the same recurrence
          const W = Float64Array.from(w0),
            V = new Float64Array(n);
          for (let step = 0; step < 4; step++) {
            const g0 = data(n, n + 10 + step);
            h.f32(g, n).set(g0);
            h.wasm.momentum(ww, g, vw, n, lr, mu, l2, nesterov, 0);
            h.js.momentum(wj, g, vj, n, lr, mu, l2, nesterov, 0);
            for (let i = 0; i < n; i++) {
              const gi = g0[i] + l2 * W[i];
              V[i] = mu * V[i] - lr * gi;
              W[i] += nesterov ? mu * V[i] - lr * gi : V[i];
            }
          }
          expectGuard(ww, n, what);
          expectGuard(vw, n, what);
          expectClose(read(ww, n), read(wj, n), RTOL, 1, `${what} w`);
          expectClose(read(vw, n), read(vj, n), RTOL, 1, `${what} v`);
          expectClose(read(ww, n), W, RTOL, 1, `${what} w vs f64`);
        }
      });
    }

    test(`adam, l2 = ${l2}: 5 steps with β₁ᵗ, β₂ᵗ as running products, wasm == js (w, m, v)`, () => {
      const lr = 0.01,
        b1 = 0.9,
        b2 = 0.999,
        eps = 1e-8;
      for (const n of LENGTHS) {
        h.reset();
        const what = `adam n=${n}`;
        const w0 = data(n, n + 1);
        const ww = buf(n, w0),
          wj = buf(n, w0),
          mw = buf(n),
          mj = buf(n),
          vw = buf(n),
          vj = buf(n),
          g = buf(n);
        let b1t = 1,
          b2t = 1; // as src/optimizers.ts keeps them
        for (let step = 1; step <= 5; step++) {
          b1t *= b1;
          b2t *= b2;
          h.f32(g, n).set(data(n, n + 10 + step));
          const beforeW = read(ww, n),
            beforeJ = read(wj, n);
          h.wasm.adam(ww, g, mw, vw, n, lr, b1, b2, eps, l2, b1t, b2t, 0);
          h.js.adam(wj, g, mj, vj, n, lr, b1, b2, eps, l2, b1t, b2t, 0);
          // The step itself, relative to lr (each Adam step moves a weight by about lr).
          const uw = read(ww, n).map((x, i) => (x - beforeW[i]) / lr),
            uj = read(wj, n).map((x, i) => (x - beforeJ[i]) / lr);
          expectClose(uw, uj, RTOL_ADAM, 1, `${what} step ${step} update/lr`);
        }
        expectGuard(ww, n, what);
        expectGuard(mw, n, what);
        expectGuard(vw, n, what);
        expectClose(read(ww, n), read(wj, n), RTOL, 1, `${what} w`);
        // m is a signed sum of (1 − β₁)·g terms that may cancel: measure against one term's size.
        expectClose(read(mw, n), read(mj, n), RTOL, 1 - b1, `${what} m`);
        expectClose(read(vw, n), read(vj, n), RTOL_ADAM, TINY, `${what} v`);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('batch assembly', () => {
  const ROWS = 300; // dataset rows; idx is a shuffled selection of them
  function shuffled(count: number, seed: number): Uint32Array {
    const all = Uint32Array.from({ length: ROWS }, (_, i) => i);
    new Random(seed).shuffle(all);
    return all.subarray(0, count);
  }
  const COUNTS = [...SWEEP, 256];
  const WIDTHS = [...SWEEP, 784];

  test('gatherU8 (scale 1/255) and gatherF32: rows idx[r] in order, wasm == js == expected', () => {
    for (let t = 0; t < COUNTS.length; t++) {
      const count = COUNTS[t],
        width = WIDTHS[(t * 5) % WIDTHS.length],
        what = `gather ${count}×${width}`;
      h.reset();
      const ix = shuffled(count, t + 1);
      const idx = h.alloc(count * 4);
      new Uint32Array(h.memory.buffer, idx, count).set(ix);
      const images = h.alloc(ROWS * width);
      const px = new Uint8Array(h.memory.buffer, images, ROWS * width);
      for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) >>> 24; // all 256 values occur
      const features = buf(ROWS * width, data(ROWS * width, t + 7));
      const uw = buf(count * width),
        uj = buf(count * width),
        fw = buf(count * width),
        fj = buf(count * width);
      h.wasm.gatherU8(uw, images, width, idx, count, 1 / 255);
      h.js.gatherU8(uj, images, width, idx, count, 1 / 255);
      h.wasm.gatherF32(fw, features, width, idx, count);
      h.js.gatherF32(fj, features, width, idx, count);
      for (const p of [uw, uj, fw, fj]) expectGuard(p, count * width, what);
      const wantU = new Float32Array(count * width),
        wantF = new Float32Array(count * width);
      const F = h.f32(features, ROWS * width);
      for (let r = 0; r < count; r++) {
        for (let k = 0; k < width; k++) {
          wantU[r * width + k] = px[ix[r] * width + k] / 255;
          wantF[r * width + k] = F[ix[r] * width + k];
        }
      }
      const U = read(uw, count * width);
      // wasm scales by f32(1/255), the twin by f64 1/255: at most one f32 ulp apart.
      expectClose(U, read(uj, count * width), 2 ** -23, TINY, `${what} u8 wasm vs js`);
      expectClose(U, wantU, 2 ** -23, TINY, `${what} u8 wasm vs px/255`);
      for (let i = 0; i < U.length; i++)
        if (!(U[i] >= 0 && U[i] <= 1)) expect.fail(`${what}: pixel ${i} → ${U[i]} outside [0, 1]`);
      expectSame(read(fw, count * width), wantF, `${what} f32 wasm`);
      expectSame(read(fj, count * width), wantF, `${what} f32 js`);
    }
  });

  test('gatherU8: 0 → 0 and 255 → 1 exactly', () => {
    h.reset();
    const idx = h.alloc(8),
      images = h.alloc(2);
    new Uint32Array(h.memory.buffer, idx, 2).set([1, 0]);
    new Uint8Array(h.memory.buffer, images, 2).set([0, 255]);
    for (const k of [h.wasm, h.js]) {
      const out = buf(2);
      k.gatherU8(out, images, 1, idx, 2, 1 / 255);
      expectSame(read(out, 2), [1, 0], 'gatherU8 ends');
    }
  });

  test('gatherTargets: one-hot for nOut > 1 (overwriting stale values), the label itself for nOut = 1', () => {
    for (const nOut of [1, 2, 3, 10, 17]) {
      for (const count of [1, 5, 33, 256]) {
        h.reset();
        const what = `gatherTargets ${count}×${nOut}`;
        const ix = shuffled(count, count + nOut);
        const idx = h.alloc(count * 4),
          labels = h.alloc(ROWS);
        new Uint32Array(h.memory.buffer, idx, count).set(ix);
        const L = new Uint8Array(h.memory.buffer, labels, ROWS);
        for (let i = 0; i < ROWS; i++) L[i] = (i * 7 + 3) % (nOut === 1 ? 2 : nOut);
        const want = new Float32Array(count * nOut);
        for (let r = 0; r < count; r++) {
          if (nOut === 1) want[r] = L[ix[r]];
          else want[r * nOut + L[ix[r]]] = 1;
        }
        for (const k of [h.wasm, h.js]) {
          const y = buf(count * nOut, new Array(count * nOut).fill(7)); // stale
          k.gatherTargets(y, labels, idx, count, nOut);
          expectGuard(y, count * nOut, what);
          expectSame(read(y, count * nOut), want, what);
        }
      }
    }
  });

  test('affine: x·factor[c] + shift[c] per column, each rounded to f32 (no fused multiply-add), wasm == js', () => {
    for (const [rows, cols] of SHAPES) {
      h.reset();
      const n = rows * cols,
        what = `affine ${rows}×${cols}`;
      const x0 = data(n, n + 3, -50, 50),
        f0 = data(cols, cols + 5, 0.01, 3),
        s0 = data(cols, cols + 9, -20, 20);
      const want = x0.map((v, e) => Math.fround(Math.fround(v * f0[e % cols]) + s0[e % cols]));
      const factor = buf(cols, f0),
        shift = buf(cols, s0);
      for (const k of [h.wasm, h.js]) {
        const x = buf(n, x0);
        k.affine(x, rows, cols, factor, shift);
        expectGuard(x, n, what);
        expectSame(read(x, n), want, what);
      }
    }
  });

  test('targetSums: per column Σ(a − y)², Σ|a − y|, Σy, Σy², rows agreeing at ½, added to what is there', () => {
    for (const [rows, cols] of SHAPES) {
      h.reset();
      const n = rows * cols,
        what = `targetSums ${rows}×${cols}`;
      const a0 = data(n, n + 1, 0, 1),
        y0 = data(n, n + 2, -2, 2).map((v, e) => (e % 3 ? v : +(v > 0)));
      const want: number[] = [];
      for (let c = 0; c < cols; c++) {
        const s = [0, 0, 0, 0, 0];
        for (let r = 0; r < rows; r++) {
          const av = a0[r * cols + c],
            yv = y0[r * cols + c];
          s[0] += (av - yv) * (av - yv);
          s[1] += Math.abs(av - yv);
          s[2] += yv;
          s[3] += yv * yv;
          s[4] += +(av >= 0.5 === yv >= 0.5);
        }
        want.push(...s.map((v, j) => j + 1 + v)); // the column's sums, added to the prior contents 1..5
      }
      const a = buf(n, a0),
        y = buf(n, y0);
      for (const k of [h.wasm, h.js]) {
        const out = h.alloc(40 * cols + 8);
        const D = new Float64Array(h.memory.buffer, out, 5 * cols + 1);
        for (let c = 0; c < cols; c++) D.set([1, 2, 3, 4, 5], 5 * c);
        D[5 * cols] = SENTINEL;
        k.targetSums(a, y, rows, cols, out);
        const got = Array.from(new Float64Array(h.memory.buffer, out, 5 * cols + 1));
        expect(got.pop(), `${what}: wrote past the end`).toBe(SENTINEL);
        // f64 sums in row order: the twin and the kernel agree to the last bit; the oracle sums the same way.
        expect(got, what).toEqual(want);
      }
    }
  });

  test('countCorrect and argmaxRows: argmax (first on ties), threshold 0.5 for one column', () => {
    for (const [rows, cols] of SHAPES) {
      h.reset();
      const n = rows * cols,
        what = `countCorrect ${rows}×${cols}`;
      const a0 = data(n, n + 11, 0, 1),
        y0 = new Float32Array(n);
      // Row r by r % 4: 0 right, 1 wrong, 2 a tie with the target on the later maximum (wrong:
      // the first maximum is the prediction), 3 a tie with the target on the first (right).
      // One column: 0 a = 0.5, y = 1 (right: 0.5 counts as class 1), 1 a = 0.5, y = 0 (wrong),
      // 2 a < 0.5, y = 0 (right), 3 a ≥ 0.5, y = 0 (wrong).
      let want = 0;
      const wantArg = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        const o = r * cols,
          kind = r % 4;
        if (cols === 1) {
          if (kind < 2) a0[o] = 0.5;
          else a0[o] = kind === 2 ? a0[o] / 2.01 : 0.5 + a0[o] / 2.01;
          y0[o] = kind === 0 ? 1 : 0;
          want += +(kind === 0 || kind === 2);
          continue;
        }
        if (kind >= 2) {
          a0[o] = 2;
          a0[o + cols - 1] = 2;
        } // tie at the first and last column
        const m = kind >= 2 ? 0 : argmax(a0, o, cols);
        wantArg[r] = m;
        y0[o + (kind === 0 || kind === 3 ? m : kind === 1 ? (m + 1) % cols : cols - 1)] = 1;
        want += +(kind === 0 || kind === 3);
      }
      const a = buf(n, a0),
        y = buf(n, y0);
      expect(h.wasm.countCorrect(a, y, rows, cols), `${what} wasm`).toBe(want);
      expect(h.js.countCorrect(a, y, rows, cols), `${what} js`).toBe(want);
      if (cols === 1) continue;
      for (const k of [h.wasm, h.js]) {
        const out = buf(rows, new Array(rows).fill(NaN));
        k.argmaxRows(out, a, rows, cols);
        expectGuard(out, rows, `argmaxRows ${rows}×${cols}`);
        expectSame(new Int32Array(h.memory.buffer, out, rows), wantArg, `argmaxRows ${rows}×${cols}`);
      }
    }
  });

  test('argmaxRows with one column is the class countCorrect counts: a ≥ 0.5 is 1', () => {
    h.reset();
    const a = buf(5, [0.3, -1, 7, 0.5, 0]);
    for (const k of [h.wasm, h.js]) {
      const out = buf(5, new Array(5).fill(NaN));
      k.argmaxRows(out, a, 5, 1);
      expect(Array.from(new Int32Array(h.memory.buffer, out, 5))).toEqual([0, 0, 1, 1, 0]);
    }
  });
});

/** Index of the first maximum of x[at .. at+cols). */
function argmax(x: ArrayLike<number>, at: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (x[at + j] > x[at + best]) best = j;
  return best;
}

// ---------------------------------------------------------------------------------------------
describe('randn', () => {
  test('wasm == js on the same uniform words, odd and even n, never past n', () => {
    for (const n of LENGTHS) {
      for (const std of [1, 0.05]) {
        h.reset();
        const what = `randn n=${n} std=${std}`;
        const words = 2 * Math.ceil(n / 2);
        const u = h.alloc(words * 4);
        new Random(n).fill(new Uint32Array(h.memory.buffer, u, words));
        const dw = buf(n),
          dj = buf(n);
        h.wasm.randn(dw, u, n, std);
        h.js.randn(dj, u, n, std);
        expectGuard(dw, n, what);
        expectGuard(dj, n, what);
        // f64 ln/sqrt/cos/sin in both, rounded to f32 (wasm rounds once more after ·std): ~1 f32 ulp,
        // measured against the scale std (values near a zero of cos/sin have no relative accuracy).
        expectClose(
          read(dw, n).map((x) => x / std),
          read(dj, n).map((x) => x / std),
          RTOL,
          1,
          what,
        );
      }
    }
  });

  test('mean ≈ 0 and std ≈ requested over 100k samples (5 standard errors)', () => {
    const n = 100_000,
      std = 0.5;
    h.reset();
    const u = h.alloc(n * 4);
    new Random(2024).fill(new Uint32Array(h.memory.buffer, u, n));
    const d = buf(n);
    h.wasm.randn(d, u, n, std);
    const x = read(d, n);
    let s = 0,
      s2 = 0,
      within = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
      if (Math.abs(v) <= std) within++;
    }
    const mean = s / n,
      sd = Math.sqrt(s2 / n - mean * mean);
    // SE(mean) = σ/√n; SE(sd) ≈ σ/√(2n); SE(fraction within 1σ) = √(p(1−p)/n), p = 0.6827
    expect(Math.abs(mean)).toBeLessThan((5 * std) / Math.sqrt(n));
    expect(Math.abs(sd - std)).toBeLessThan((5 * std) / Math.sqrt(2 * n));
    expect(Math.abs(within / n - 0.6827)).toBeLessThan(5 * Math.sqrt((0.6827 * 0.3173) / n));
  });
});

// ---------------------------------------------------------------------------------------------
describe('diagnostics kernels', () => {
  const f64 = (p: number, n: number) => Array.from(new Float64Array(h.memory.buffer, p, n));
  test('diagForward: wasm == js for every activation and shape (counts exact, Σa² within 1e-5); step saturates everywhere', () => {
    for (const { name, p } of [
      ...ACTS,
      { name: 'step' as ActivationName, p: 0 },
      { name: 'softmax' as ActivationName, p: 0 },
    ])
      for (const [rows, cols] of SHAPES) {
        h.reset();
        const n = rows * cols,
          what = `diagForward ${name} ${rows}×${cols}`;
        const z = buf(n, data(n, n + 7, -6, 6)),
          a = buf(n),
          y = buf(n, data(n, n + 8, 0, 1).map(Math.round));
        h.wasm.activate(ACTIVATIONS[name].id, z, a, rows, cols, p);
        const t = saturationThreshold(name, p);
        const out = [h.alloc(24), h.alloc(24)],
          alive = [buf(cols), buf(cols)];
        h.wasm.diagForward(ACTIVATIONS[name].id, z, a, y, rows, cols, p, t, out[0], alive[0]);
        h.js.diagForward(ACTIVATIONS[name].id, z, a, y, rows, cols, p, t, out[1], alive[1]);
        const [w, j] = [f64(out[0], 3), f64(out[1], 3)];
        expect(w[0], `${what}: saturated`).toBe(j[0]);
        expect(w[2], `${what}: saturated and wrong`).toBe(j[2]);
        expect(Math.abs(w[1] - j[1]), `${what}: Σa²`).toBeLessThanOrEqual(1e-5 * j[1] + 1e-9);
        expect(read(alive[0], cols), `${what}: alive`).toEqual(read(alive[1], cols));
        expectGuard(alive[0], cols, what);
        if (name === 'step') expect(w[0]).toBe(n);
        if (name === 'identity' || name === 'leaky-relu') expect(w[0]).toBe(0);
      }
  });

  test('absSum: wasm == js within 1e-6', () => {
    for (const [rows, cols] of SHAPES) {
      h.reset();
      const x = buf(rows * cols, data(rows * cols, rows + cols)),
        out = [h.alloc(8), h.alloc(8)];
      h.wasm.absSum(x, rows, cols, out[0]);
      h.js.absSum(x, rows, cols, out[1]);
      const [w, j] = [f64(out[0], 1)[0], f64(out[1], 1)[0]];
      expect(Math.abs(w - j), `absSum ${rows}×${cols}`).toBeLessThanOrEqual(1e-6 * j);
    }
  });

  test('the updates with stats: the same weights and state, bit for bit, as without; per chunk Σ(Δw)², Σw², Σg² as js (within 1e-3, 1e-5, 1e-5)', () => {
    for (const n of [...LENGTHS, DIAG_CHUNK, DIAG_CHUNK + 3, 3 * DIAG_CHUNK - 1]) {
      const chunks = Math.ceil(n / DIAG_CHUNK);
      for (const opt of ['sgd', 'momentum', 'adam'] as const) {
        h.reset();
        const w0 = data(n, n + 1),
          g0 = data(n, n + 2),
          m0 = data(n, n + 3, -0.1, 0.1),
          v0 = data(n, n + 4, 0, 0.1);
        const g = buf(n, g0);
        const run = (k: typeof h.js, stats: number) => {
          const [w, m, v] = [buf(n, w0), buf(n, m0), buf(n, v0)];
          if (opt === 'sgd') k.sgd(w, g, n, 0.1, 0.01, stats);
          else if (opt === 'momentum') k.momentum(w, g, v, n, 0.1, 0.9, 0.01, 1, stats);
          else k.adam(w, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, 0.9, 0.999, stats);
          return [read(w, n), read(m, n), read(v, n)];
        };
        const stats = [h.alloc(24 * chunks), h.alloc(24 * chunks)];
        const what = `${opt} n=${n}`;
        expect(run(h.wasm, stats[0]), what).toEqual(run(h.wasm, 0));
        run(h.js, stats[1]);
        const [w, j] = [f64(stats[0], 3 * chunks), f64(stats[1], 3 * chunks)];
        // Δw is the difference of two f32 weights, each within an ulp of js's: 1e-3 relative for Σ(Δw)².
        w.forEach((x, i) =>
          expect(Math.abs(x - j[i]), `${what}: sum ${i}`).toBeLessThanOrEqual((i % 3 ? 1e-5 : 1e-3) * j[i] + 1e-12),
        );
        // Σw² of the first chunk, from the weights before the step.
        const first = w0.subarray(0, Math.min(n, DIAG_CHUNK)).reduce((s, x) => s + x * x, 0);
        expect(w[1] / first, what).toBeCloseTo(1, 5);
      }
    }
  });
});
