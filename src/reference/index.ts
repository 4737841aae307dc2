// The pure-JS twin of the WebAssembly kernels: the same signatures over the same memory, written
// as plain loops to be read (and to be the oracle in tests and the baseline in benchmarks).
import {
  CE,
  DIAG_CHUNK,
  ELU,
  IDENTITY,
  LEAKY_RELU,
  MSE,
  OP_WORDS,
  RELU,
  SIGMOID,
  SOFTMAX,
  SOFTPLUS,
  STEP,
  TANH,
} from '../ids.js';
import type { Kernels } from '../kernels.js';
import { view, type View } from '../memory.js';
import { OP_BY_ID, recordArgs } from '../ops.js';
import { gemms, sparseGemms } from './gemm.js';

const EPS = 1e-7;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** f(z) for an elementwise activation id, in f64 (the kernels' formulas; gradientCheck uses them too). */
export function f(act: number, z: number, p: number): number {
  switch (act) {
    case STEP:
      return z >= 0 ? 1 : 0;
    case SIGMOID:
      return sigmoid(z);
    case TANH:
      return Math.tanh(z);
    case RELU:
      return z > 0 ? z : 0;
    case LEAKY_RELU:
      return z > 0 ? z : p * z;
    case ELU:
      return z > 0 ? z : p * Math.expm1(z);
    case SOFTPLUS:
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    default:
      return z;
  }
}

function df(act: number, z: number, a: number, p: number): number {
  switch (act) {
    case STEP:
      return 0;
    case SIGMOID:
      return a * (1 - a);
    case TANH:
      return 1 - a * a;
    case RELU:
      return z > 0 ? 1 : 0;
    case LEAKY_RELU:
      return z > 0 ? 1 : p;
    case ELU:
      return z > 0 ? 1 : a + p;
    case SOFTPLUS:
      return sigmoid(z);
    default:
      return 1;
  }
}

/** a[ao…ao+cols) = softmax of z[zo…zo+cols), max-subtracted (stable); in the precision of `a`. */
export function softmax(
  z: Float32Array | Float64Array,
  zo: number,
  a: Float32Array | Float64Array,
  ao: number,
  cols: number,
): void {
  let zmax = -Infinity,
    sum = 0;
  for (let j = 0; j < cols; j++) zmax = Math.max(zmax, z[zo + j]);
  for (let j = 0; j < cols; j++) sum += a[ao + j] = Math.exp(z[zo + j] - zmax);
  for (let j = 0; j < cols; j++) a[ao + j] /= sum;
}

/** murmur3's 32-bit finaliser (dropout's mask hash; assembly/regularize.ts). */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The kernels of a layer's forward and backward pass, and its diagnostics. */
function layers(
  v: View,
): Pick<Kernels, 'activate' | 'mulDerivative' | 'lossDelta' | 'biasGrad' | 'diagForward' | 'absSum'> {
  return {
    activate(act, z, a, rows, cols, p) {
      const F = v.f32(),
        Z = z >>> 2,
        A = a >>> 2;
      if (act === SOFTMAX) {
        for (let r = 0; r < rows; r++) softmax(F, Z + r * cols, F, A + r * cols, cols);
        return;
      }
      for (let i = 0; i < rows * cols; i++) F[A + i] = f(act, F[Z + i], p);
    },

    mulDerivative(act, z, a, delta, rows, cols, p) {
      const F = v.f32(),
        Z = z >>> 2,
        A = a >>> 2,
        D = delta >>> 2;
      if (act === IDENTITY) return;
      if (act === SOFTMAX) {
        for (let r = 0; r < rows; r++) {
          const o = r * cols;
          let dot = 0;
          for (let j = 0; j < cols; j++) dot += F[A + o + j] * F[D + o + j];
          for (let j = 0; j < cols; j++) F[D + o + j] = F[A + o + j] * (F[D + o + j] - dot);
        }
        return;
      }
      for (let i = 0; i < rows * cols; i++) F[D + i] *= df(act, F[Z + i], F[A + i], p);
    },

    lossDelta(loss, a, y, delta, rows, cols) {
      const F = v.f32(),
        A = a >>> 2,
        Y = y >>> 2,
        D = delta >>> 2;
      let cost = 0;
      for (let i = 0; i < rows * cols; i++) {
        const ai = F[A + i],
          yi = F[Y + i];
        F[D + i] = ai - yi;
        if (loss === MSE) cost += 0.5 * (ai - yi) ** 2;
        else if (loss === CE) {
          if (yi !== 0) cost -= yi * Math.log(Math.max(ai, EPS));
        } else {
          const ac = Math.min(Math.max(ai, EPS), 1 - EPS);
          cost -= yi * Math.log(ac) + (1 - yi) * Math.log1p(-ac);
        }
      }
      return cost;
    },

    biasGrad(db, delta, rows, cols, alpha) {
      const F = v.f32(),
        B = db >>> 2,
        D = delta >>> 2;
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += F[D + r * cols + j];
        F[B + j] = alpha * sum;
      }
    },

    diagForward(act, z, a, y, rows, cols, p, t, out, alive) {
      const F = v.f32(),
        I = v.i32(),
        D = v.f64();
      let saturated = 0,
        squares = 0,
        wrong = 0;
      for (let e = 0; e < rows * cols; e++) {
        const ze = F[(z >>> 2) + e],
          ae = F[(a >>> 2) + e];
        const sat = (act === SOFTMAX ? ae * (1 - ae) : df(act, ze, ae, p)) < t;
        saturated += +sat;
        squares += ae * ae;
        if (y && sat && Math.abs(ae - F[(y >>> 2) + e]) > 0.5) wrong++;
        if (alive && ze > 0) I[(alive >>> 2) + (e % cols)] = 1;
      }
      [D[out >>> 3], D[(out >>> 3) + 1], D[(out >>> 3) + 2]] = [saturated, squares, wrong];
    },

    absSum(x, rows, cols, out) {
      const F = v.f32();
      let sum = 0;
      for (let e = 0; e < rows * cols; e++) sum += Math.abs(F[(x >>> 2) + e]);
      v.f64()[out >>> 3] = sum;
    },
  };
}

/** The updates and the regularizers. */
function updates(v: View): Pick<Kernels, 'sgd' | 'momentum' | 'adam' | 'dropout' | 'scale' | 'maxNorm'> {
  /** An update's diagnostics (see Kernels.sgd) from the weights before it, now updated at w. */
  function updateStats(stats: number, w: number, before: Float32Array | undefined, g: number, n: number): void {
    if (!before) return;
    const F = v.f32(),
      D = v.f64();
    for (let c = 0, at = stats >>> 3; c < n; c += DIAG_CHUNK, at += 3) {
      let dd = 0,
        ww = 0,
        gg = 0;
      for (let i = c; i < Math.min(n, c + DIAG_CHUNK); i++) {
        dd += (F[(w >>> 2) + i] - before[i]) ** 2;
        ww += before[i] ** 2;
        gg += F[(g >>> 2) + i] ** 2;
      }
      [D[at], D[at + 1], D[at + 2]] = [dd, ww, gg];
    }
  }
  const before = (w: number, n: number, stats: number) => (stats ? v.f32().slice(w >>> 2, (w >>> 2) + n) : undefined);

  return {
    sgd(w, g, n, lr, l2, stats) {
      const w0 = before(w, n, stats),
        F = v.f32(),
        W = w >>> 2,
        G = g >>> 2;
      for (let i = 0; i < n; i++) F[W + i] -= lr * (F[G + i] + l2 * F[W + i]);
      updateStats(stats, w, w0, g, n);
    },

    momentum(w, g, vel, n, lr, mu, l2, nesterov, stats) {
      const w0 = before(w, n, stats),
        F = v.f32(),
        W = w >>> 2,
        G = g >>> 2,
        V = vel >>> 2;
      for (let i = 0; i < n; i++) {
        const gi = F[G + i] + l2 * F[W + i];
        const vi = (F[V + i] = mu * F[V + i] - lr * gi);
        F[W + i] += nesterov ? mu * vi - lr * gi : vi;
      }
      updateStats(stats, w, w0, g, n);
    },

    adam(w, g, m, vel, n, lr, b1, b2, eps, l2, b1t, b2t, stats) {
      const w0 = before(w, n, stats),
        F = v.f32(),
        W = w >>> 2,
        G = g >>> 2,
        M = m >>> 2,
        V = vel >>> 2;
      for (let i = 0; i < n; i++) {
        const gi = F[G + i] + l2 * F[W + i];
        const mi = (F[M + i] = b1 * F[M + i] + (1 - b1) * gi);
        const vi = (F[V + i] = b2 * F[V + i] + (1 - b2) * gi * gi);
        F[W + i] -= (lr * mi) / (1 - b1t) / (Math.sqrt(vi / (1 - b2t)) + eps);
      }
      updateStats(stats, w, w0, g, n);
    },

    dropout(x, out, rows, cols, p, key, step) {
      const F = v.f32(),
        X = x >>> 2,
        O = out >>> 2,
        drop = Math.floor(p * 4294967296),
        s = Math.fround(1 / (1 - p)),
        k = fmix((key ^ fmix(step >>> 0)) >>> 0);
      for (let i = 0; i < rows * cols; i++)
        F[O + i] = fmix((k + Math.imul(i, 0x9e3779b9)) >>> 0) >= drop ? Math.fround(F[X + i] * s) : 0;
    },

    scale(w, n, s) {
      const F = v.f32(),
        W = w >>> 2;
      for (let i = 0; i < n; i++) F[W + i] *= s;
    },

    maxNorm(W, rows, cols, c) {
      const F = v.f32();
      for (let j = 0; j < rows; j++) {
        const row = (W >>> 2) + j * cols;
        let sum = 0;
        for (let k = 0; k < cols; k++) sum += F[row + k] * F[row + k];
        const norm = Math.sqrt(sum);
        if (norm > c) for (let k = 0; k < cols; k++) F[row + k] *= c / norm;
      }
    },
  };
}

/** A batch's rows and targets, a column's scaling, and the initializer. */
function batches(v: View): Pick<Kernels, 'gatherU8' | 'gatherF32' | 'gatherTargets' | 'affine' | 'randn'> {
  return {
    gatherU8(out, images, width, idx, count, scale) {
      const F = v.f32(),
        U8 = v.u8(),
        I = v.u32(),
        O = out >>> 2;
      for (let r = 0; r < count; r++) {
        const src = images + I[(idx >>> 2) + r] * width;
        for (let k = 0; k < width; k++) F[O + r * width + k] = U8[src + k] * scale;
      }
    },

    gatherF32(out, features, width, idx, count) {
      const F = v.f32(),
        I = v.u32(),
        O = out >>> 2,
        S = features >>> 2;
      for (let r = 0; r < count; r++) {
        const src = S + I[(idx >>> 2) + r] * width;
        for (let k = 0; k < width; k++) F[O + r * width + k] = F[src + k];
      }
    },

    gatherTargets(y, labels, idx, count, nOut) {
      const F = v.f32(),
        U8 = v.u8(),
        I = v.u32(),
        Y = y >>> 2;
      for (let r = 0; r < count; r++) {
        const label = U8[labels + I[(idx >>> 2) + r]];
        if (nOut === 1) {
          F[Y + r] = label;
          continue;
        }
        for (let j = 0; j < nOut; j++) F[Y + r * nOut + j] = j === label ? 1 : 0;
      }
    },

    affine(x, rows, cols, factor, shift) {
      const F = v.f32(),
        X = x >>> 2;
      for (let e = 0; e < rows * cols; e++) {
        const c = e % cols;
        F[X + e] = Math.fround(F[X + e] * F[(factor >>> 2) + c]) + F[(shift >>> 2) + c];
      }
    },

    randn(dst, u, n, std) {
      const F = v.f32(),
        U = v.u32(),
        D = dst >>> 2,
        S = u >>> 2;
      for (let i = 0; i < n; i += 2) {
        const r = Math.sqrt(-2 * Math.log((U[S + i] + 1) / 4294967296));
        const t = 2 * Math.PI * (U[S + i + 1] / 4294967296);
        F[D + i] = r * Math.cos(t) * std;
        if (i + 1 < n) F[D + i + 1] = r * Math.sin(t) * std;
      }
    },
  };
}

/** The counts and sums over a batch's outputs. */
function outputs(v: View): Pick<Kernels, 'countCorrect' | 'argmaxRows' | 'targetSums'> {
  /** The predicted class of the row at F[at…]: the first argmax, or a ≥ 0.5 with one column. */
  function predicted(F: Float32Array, at: number, cols: number): number {
    if (cols === 1) return F[at] >= 0.5 ? 1 : 0;
    let best = 0;
    for (let j = 1; j < cols; j++) if (F[at + j] > F[at + best]) best = j;
    return best;
  }

  return {
    countCorrect(a, y, rows, cols) {
      const F = v.f32(),
        A = a >>> 2,
        Y = y >>> 2;
      let correct = 0;
      for (let r = 0; r < rows; r++)
        correct += +(predicted(F, A + r * cols, cols) === predicted(F, Y + r * cols, cols));
      return correct;
    },

    argmaxRows(out, a, rows, cols) {
      const F = v.f32(),
        I = v.i32();
      for (let r = 0; r < rows; r++) I[(out >>> 2) + r] = predicted(F, (a >>> 2) + r * cols, cols);
    },

    targetSums(a, y, rows, cols, out) {
      const F = v.f32(),
        D = v.f64();
      for (let c = 0; c < cols; c++) {
        let se = 0,
          ae = 0,
          sy = 0,
          syy = 0,
          agree = 0;
        for (let r = 0; r < rows; r++) {
          const av = F[(a >>> 2) + r * cols + c],
            yv = F[(y >>> 2) + r * cols + c],
            e = av - yv;
          se += e * e;
          ae += Math.abs(e);
          sy += yv;
          syy += yv * yv;
          if (av >= 0.5 === yv >= 0.5) agree++;
        }
        const s = (out >>> 3) + 5 * c;
        D[s] += se;
        D[s + 1] += ae;
        D[s + 2] += sy;
        D[s + 3] += syy;
        D[s + 4] += agree;
      }
    },
  };
}

export function referenceKernels(memory: WebAssembly.Memory): Kernels {
  const v = view(memory);
  const k: Kernels = {
    ...gemms(v),
    ...sparseGemms(v),
    ...layers(v),
    ...updates(v),
    ...batches(v),
    ...outputs(v),

    run(ops, count) {
      const W = v.f64();
      for (let r = 0, o = ops >>> 3; r < count; r++, o += OP_WORDS) {
        const d = decoders[W[o] | 0];
        if (!d) throw new Error(`program: unknown op ${W[o]} in record ${r}`);
        if (!d.name) continue;
        const args = d.args;
        for (let j = 0; j < args.length; j++) args[j] = d.integer[j] ? W[o + 1 + j] >>> 0 : W[o + 1 + j];
        const value = (k[d.name] as (...a: number[]) => number | void)(...args);
        if (d.out === 0) continue;
        W[(W[o + d.out] >>> 0) >>> 3] = value as number;
        if (d.stop && W[o + d.stop] >>> 0 && !Number.isFinite(value)) return r + 1;
      }
      return count;
    },
  };
  // Each op's decoding, from the table: integers and pointers as uint32 (as a caller passes them:
  // loops index with integers), reals as they are; then where its returned value goes.
  const decoders = OP_BY_ID.map((op) => {
    const integer = op.args.map((a) => !/:f(32|64)$/.test(a)),
      words = recordArgs(op).length;
    return {
      name: op.noKernel ? undefined : (op.name as keyof Kernels),
      integer,
      args: integer.map(() => 0),
      out: op.out ? op.args.length + 1 : 0,
      stop: op.stop ? words : 0,
    };
  });
  return k;
}
