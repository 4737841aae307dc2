// The algorithm, as the kernel calls a pass is made of: the forward pass, the output error (BP1)
// and the backward pass (BP2–BP4), for a mini-batch of `rows` samples, one sample per row:
//   Z = A_prev·Wᵀ + b,  A = σ(Z)                                   (forward)
//   Δᴸ = ∇_a C ⊙ σ'(Zᴸ)                                            (BP1)
//   Δ_prev = (Δ·W) ⊙ σ'(Z_prev)                                     (BP2)
//   ∂C/∂b = column-mean of Δ,  ∂C/∂W = Δᵀ·A_prev / rows             (BP3, BP4)
// Pointers are byte offsets in the network's arena; `rows` is the batch's size, set when it runs.
import { SPARSE_PERCENT } from '../ids.js';
import type { LossPlan } from '../losses.js';
import type { Arg, Ops } from './program.js';

/** One layer: z = W·a_prev + b, a = f(z). W is nOut × nIn (row j = neuron j). */
export interface Layer {
  nIn: number;
  nOut: number;
  /** Activation id (src/ids.ts) and its parameter (leaky slope, elu alpha). */
  act: number;
  p: number;
  W: number;
  b: number;
  dW: number;
  db: number;
}

/** Inverted dropout on a buffer while training: the fraction p dropped, and the key of its mask (assembly/regularize.ts). */
export interface Drop {
  p: number;
  key: number;
}
/** A training pass's dropout: [0] on the inputs, [l + 1] on layer l's outputs (undefined: none). */
export type Drops = (Drop | undefined)[];

/** Buffers for one batch size: input x, targets y, and z, a, delta per layer. */
export interface Plan {
  rows: number;
  x: number;
  y: number;
  z: number[];
  a: number[];
  delta: number[];
  /** Per layer, its outputs after dropout (0 for a layer without): the next layer's input while training. */
  d: number[];
  /** i32 per row: the predicted class (classify). */
  out: number;
  /** Two f64: the batch's summed cost, and its count of correct rows. */
  results: number;
  /** x's non-zero groups of 4 columns (sparseIndex), for the first layer's products. */
  index: number;
}

/**
 * Bytes of the index of `rows` rows of `cols` inputs (assembly/sparse.ts): the total, the counts,
 * then per row its whole groups of 4 columns, per group its rows and their values: about 6·rows·cols bytes.
 */
export const sparseIndexBytes = (rows: number, cols: number) =>
  4 * (1 + rows + ((cols + 3) >> 2) + rows * (cols >> 2) + 5 * ((cols + 3) >> 2) * rows);

export const cost = (plan: Plan) => plan.results;
export const correct = (plan: Plan) => plan.results + 8;

/** Layer l's input: x, or the layer below's a (after its dropout, when `drops` has one). */
const input = (plan: Plan, l: number, drops?: Drops) => (l === 0 ? plan.x : drops?.[l] ? plan.d[l - 1] : plan.a[l - 1]);

/** z = W a_prev + b, a = f(z), layer by layer, from plan.x; with `drops` (training), a_prev ⊙ m/(1 − p). */
export function forward(k: Ops, layers: Layer[], plan: Plan, rows: Arg, drops?: Drops): void {
  const d0 = drops?.[0];
  if (d0) k.dropout(plan.x, plan.x, rows, layers[0].nIn, d0.p, d0.key, 'step');
  // The first layer reads x's zeros from the index (the same bits as gemmNT, faster on sparse rows).
  k.sparseRows(plan.x, rows, layers[0].nIn, plan.index);
  k.sparseIndex(plan.x, rows, layers[0].nIn, plan.index, SPARSE_PERCENT);
  layers.forEach((L, l) => {
    if (l === 0) k.sparseNT(plan.z[l], plan.x, L.W, L.b, rows, L.nOut, L.nIn, 1, 0, plan.index);
    else k.gemmNT(plan.z[l], input(plan, l, drops), L.W, L.b, rows, L.nOut, L.nIn, 1, 0);
    k.activate(L.act, plan.z[l], plan.a[l], rows, L.nOut, L.p);
    const d = drops?.[l + 1];
    if (d) k.dropout(plan.a[l], plan.d[l], rows, L.nOut, d.p, d.key, 'step');
  });
}

/** The batch's summed cost, and δᴸ (BP1) into plan.delta[last]; `stop`: a non-finite cost ends the pass. */
export function outputError(k: Ops, layers: Layer[], loss: LossPlan, plan: Plan, rows: Arg, stop: boolean): void {
  const last = layers.length - 1,
    L = layers[last];
  k.lossDelta(loss.id, plan.a[last], plan.y, plan.delta[last], rows, L.nOut, cost(plan), stop ? 1 : 0); // δᴸ = a − y …
  if (!loss.cancelsDerivative) k.mulDerivative(L.act, plan.z[last], plan.a[last], plan.delta[last], rows, L.nOut, L.p); // BP1: … ⊙ σ'(zᴸ)
}

/** Backward pass from δᴸ: gradients averaged over the batch into every layer's dW, db. */
export function backward(k: Ops, layers: Layer[], plan: Plan, rows: Arg, inv: Arg, drops?: Drops): void {
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    const aPrev = input(plan, l, drops);
    // Below the first layer, ∂C/∂b and ∂C/∂W read δ and a_prev only: beside BP2, which reads δ and W.
    const bp34 = () => {
      k.biasGrad(L.db, plan.delta[l], rows, L.nOut, inv); // BP3
      if (l === 0)
        k.sparseTN(L.dW, plan.delta[l], plan.x, 0, L.nOut, L.nIn, rows, inv, 0, plan.index); // BP4
      else k.gemmTN(L.dW, plan.delta[l], aPrev, 0, L.nOut, L.nIn, rows, inv, 0);
    };
    if (l === 0) bp34();
    else {
      k.beside(bp34);
      const P = layers[l - 1];
      k.gemmNN(plan.delta[l - 1], plan.delta[l], L.W, 0, rows, L.nIn, L.nOut, 1, 0); // BP2: (Wᵀδ)ᵀ …
      k.mulDerivative(P.act, plan.z[l - 1], plan.a[l - 1], plan.delta[l - 1], rows, P.nOut, P.p); // … ⊙ σ'(z)
      const d = drops?.[l];
      if (d) k.dropout(plan.delta[l - 1], plan.delta[l - 1], rows, P.nOut, d.p, d.key, 'step'); // … ⊙ m/(1 − p), the forward's mask
    }
  }
}
