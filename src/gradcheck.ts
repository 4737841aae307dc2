// The gradient check: backprop's ∂C/∂W and ∂C/∂b (net.gradients: BP1–BP4 in f32, on the network's
// own kernels) against central differences (C(θ + ε) − C(θ − ε)) / 2ε of an independent f64
// forward pass of the same network (the reference kernels' activation formulas, in f64).
import { activationOf, checkKeys, typeName } from './config.js';
import { cores } from './core/core.js';
import { Dataset } from './data/dataset.js';
import { BCE, CE, MSE, SOFTMAX } from './ids.js';
import { lossPlan } from './losses.js';
import type { Network } from './network.js';
import { Random } from './random.js';
import { f, softmax } from './reference/index.js';

export interface GradientCheckOptions {
  /** The first `rows` rows of the data are used (default 16). */
  rows?: number;
  /** The difference step ε (default 1e-5). */
  epsilon?: number;
  /** At most this many entries of each W and each b are checked, a seeded sample of a larger one (default 256). */
  entries?: number;
}

/** One layer's check: its W and b entries checked, and the worst of them. */
export interface LayerCheck {
  /** 1-based, as in error messages. */
  layer: number;
  /** Entries checked, and how many W and b hold. */
  checked: number;
  entries: number;
  /** Entries checked that are exactly 0 on both sides (weights of an input that is 0 in every row, dead units). */
  zeros: number;
  maxError: number;
  /** Over the entries checked but the zeros (0 when all are). */
  medianError: number;
  /** The entry with the largest relative error: W[j][k] (row j = neuron j, column k = input k) or b[j]. */
  worst: { tensor: 'W' | 'b'; j: number; k?: number; analytic: number; numeric: number };
}

export interface GradientCheck {
  /** Every layer's maxError < threshold. */
  ok: boolean;
  threshold: number;
  /** Relative error of an entry: |g − n| / max(|g| + |n|, floor), g analytic, n numeric. */
  floor: number;
  epsilon: number;
  rows: number;
  layers: LayerCheck[];
}

/**
 * Entries smaller than this on both sides count as differing by an absolute error: an f32 sum of
 * terms that cancel to ~0 keeps ~1e-8 of rounding, which is no error of backprop.
 */
const FLOOR = 1e-6;
/**
 * f32 gradients against f64 differences: the largest error measured over every activation × loss
 * pair, on 4-5-4-k networks and on 784-64-32-10 with 16 MNIST images, is 1.7e-3 (small entries
 * whose f32 sums partly cancel; medians are ~1e-7). A gradient 2% off gives 1e-2, a sign error 1.
 */
const THRESHOLD = 1e-2;

/** The options with their defaults, or an Error saying which is wrong. */
function readOptions(options: GradientCheckOptions): { rowsAsked: number; epsilon: number; entries: number } {
  if (!options || typeof options !== 'object')
    throw new Error(`gradientCheck: expected options { rows?, epsilon?, entries? }, got ${typeName(options)}`);
  checkKeys(options, 'gradientCheck', ['rows', 'epsilon', 'entries']);
  const { rows: rowsAsked = 16, epsilon = 1e-5, entries = 256 } = options;
  for (const [name, v] of [
    ['rows', rowsAsked],
    ['entries', entries],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 1)
      throw new Error(`gradientCheck: ${name} must be an integer ≥ 1, got ${typeof v === 'number' ? v : typeName(v)}`);
  if (typeof epsilon !== 'number' || !(epsilon > 0 && epsilon < 1))
    throw new Error(
      `gradientCheck: epsilon must be a number in (0, 1), e.g. 1e-5, got ${typeof epsilon === 'number' ? epsilon : typeName(epsilon)}`,
    );
  return { rowsAsked, epsilon, entries };
}

/** Check `net`'s analytic gradients on the first rows of `data`; see GradientCheckOptions. */
export function gradientCheck(net: Network, data: Dataset, options: GradientCheckOptions = {}): GradientCheck {
  const core = cores.get(net);
  if (!core) throw new Error(`gradientCheck: expected a Network that is not disposed, got ${typeName(net)}`);
  if (!(data instanceof Dataset)) throw new Error(`gradientCheck: expected a Dataset, got ${typeName(data)}`);
  const { rowsAsked, epsilon, entries } = readOptions(options);
  const untrainable = core.untrainableLayers();
  if (untrainable.length)
    throw new Error(
      `gradientCheck: ${untrainable.join(', ')} cannot be checked: the step function's derivative is 0 wherever it exists, so backprop passes no gradient through it (and fit refuses to train it)`,
    );
  if (data.length === 0) throw new Error('gradientCheck: the dataset is empty; expected at least one row');
  const batch = data.slice(0, Math.min(rowsAsked, data.length));
  const analytic = net.gradients(batch); // checks the data's width and labels
  const params = net.parameters().map((p) => ({ W: Float64Array.from(p.W), b: Float64Array.from(p.b) }));
  const layers = core.layers.map((L) => ({ nIn: L.nIn, nOut: L.nOut, act: L.act, p: L.p }));
  const config = core.config;
  const loss = lossPlan(config.loss, activationOf(config.layers, layers.length - 1)).id;
  const rows = batch.length;

  // The unperturbed pass, kept per layer: a parameter of layer l changes z^l_j only, and what follows.
  const x = new Float64Array(rows * batch.width);
  for (let r = 0; r < rows; r++) x.set(batch.image(r), r * batch.width);
  const z: Float64Array[] = [],
    a: Float64Array[] = [];
  layers.forEach((L, l) => {
    z.push(new Float64Array(rows * L.nOut));
    a.push(new Float64Array(rows * L.nOut));
    const aPrev = l > 0 ? a[l - 1] : x;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < L.nOut; j++) z[l][r * L.nOut + j] = dot(params[l], aPrev, r, j, L.nIn);
    activate(L, z[l], a[l], rows);
  });
  const nOut = layers[layers.length - 1].nOut,
    y = new Float64Array(rows * nOut); // one-hot, or the 0/1 label of a single output
  for (let r = 0; r < rows; r++) y[r * nOut + (nOut === 1 ? 0 : batch.labels[r])] = nOut === 1 ? batch.labels[r] : 1;

  /** C at the current f64 parameters, recomputing z^l_j and the layers after l. */
  const costFrom = (l: number, j: number): number => {
    const L = layers[l],
      aPrev = l > 0 ? a[l - 1] : x;
    let zl = z[l].slice();
    for (let r = 0; r < rows; r++) zl[r * L.nOut + j] = dot(params[l], aPrev, r, j, L.nIn);
    let al = new Float64Array(zl.length);
    activate(L, zl, al, rows);
    for (let m = l + 1; m < layers.length; m++) {
      const M = layers[m];
      zl = new Float64Array(rows * M.nOut);
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < M.nOut; i++) zl[r * M.nOut + i] = dot(params[m], al, r, i, M.nIn);
      al = new Float64Array(zl.length);
      activate(M, zl, al, rows);
    }
    return cost(loss, al, y) / rows;
  };

  const random = new Random(config.seed);
  const result: LayerCheck[] = layers.map((L, l) => {
    const errors: number[] = [];
    let zeros = 0,
      checked = 0;
    let worst: LayerCheck['worst'] | undefined,
      worstError = -1;
    for (const tensor of ['W', 'b'] as const) {
      const theta = params[l][tensor],
        g = analytic[l][tensor];
      for (const i of sample(theta.length, entries, random)) {
        const keep = theta[i];
        theta[i] = keep + epsilon;
        const up = costFrom(l, tensor === 'W' ? Math.floor(i / L.nIn) : i);
        theta[i] = keep - epsilon;
        const down = costFrom(l, tensor === 'W' ? Math.floor(i / L.nIn) : i);
        theta[i] = keep;
        const n = (up - down) / (2 * epsilon);
        const e = Math.abs(g[i] - n) / Math.max(Math.abs(g[i]) + Math.abs(n), FLOOR);
        checked++;
        if (g[i] === 0 && n === 0) zeros++;
        else errors.push(e);
        if (e > worstError) {
          worstError = e;
          worst =
            tensor === 'W'
              ? { tensor, j: Math.floor(i / L.nIn), k: i % L.nIn, analytic: g[i], numeric: n }
              : { tensor, j: i, analytic: g[i], numeric: n };
        }
      }
    }
    return {
      layer: l + 1,
      checked,
      entries: L.nOut * L.nIn + L.nOut,
      zeros,
      maxError: worstError,
      medianError: median(errors),
      worst: worst!,
    };
  });
  return {
    ok: result.every((r) => r.maxError < THRESHOLD),
    threshold: THRESHOLD,
    floor: FLOOR,
    epsilon,
    rows,
    layers: result,
  };
}

/** The median of `v` (0 when empty); sorts v. */
function median(v: number[]): number {
  v.sort((p, q) => p - q);
  const mid = v.length >> 1;
  return v.length === 0 ? 0 : v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** z_j = b_j + Σ_k W_jk a_k for row r. */
function dot(p: { W: Float64Array; b: Float64Array }, aPrev: Float64Array, r: number, j: number, nIn: number): number {
  let v = p.b[j];
  for (let k = 0; k < nIn; k++) v += p.W[j * nIn + k] * aPrev[r * nIn + k];
  return v;
}

function activate(L: { nOut: number; act: number; p: number }, z: Float64Array, a: Float64Array, rows: number): void {
  if (L.act === SOFTMAX) for (let r = 0; r < rows; r++) softmax(z, r * L.nOut, a, r * L.nOut, L.nOut);
  else for (let i = 0; i < z.length; i++) a[i] = f(L.act, z[i], L.p);
}

/** The summed cost of the rows, unclamped: the function whose derivative BP1 is. */
function cost(loss: number, a: Float64Array, y: Float64Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    if (loss === MSE) c += 0.5 * (a[i] - y[i]) ** 2;
    else if (loss === CE) c -= y[i] === 0 ? 0 : y[i] * Math.log(a[i]);
    else if (loss === BCE) c -= y[i] * Math.log(a[i]) + (1 - y[i]) * Math.log1p(-a[i]);
  }
  return c;
}

/** Every index below n when n ≤ count, else `count` distinct ones drawn by `random`. */
function sample(n: number, count: number, random: Random): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor((random.u32() / 4294967296) * n));
  return [...picked];
}
