// K-fold splits of a dataset's rows: seeded, stratified by class for class labels (each fold holds
// every class's rows to within one), and the rows of a fold as a Dataset of their own.
import { Dataset } from '../data/dataset.js';
import { Random } from '../random.js';

/** FNV-1a over a string's UTF-16 units: a 32-bit seed from text, the same in every engine. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The rows of each of `k` folds (every row in exactly one), in a seeded order. With class labels
 * the rows of each class are dealt round-robin, the deal going on from class to class, so that a
 * fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class c and the folds' sizes differ by at most one.
 */
export function kFolds(data: Dataset, k: number, seed: number): Uint32Array[] {
  if (!Number.isInteger(k) || k < 2 || k > data.length)
    throw new Error(`folds must be an integer from 2 to the number of rows (${data.length}), got ${k}`);
  const order = Uint32Array.from({ length: data.length }, (_, i) => i);
  new Random(seed).shuffle(order);
  const groups: number[][] = [];
  if (data.targets) groups.push([...order]);
  else for (const i of order) (groups[data.labels[i]] ??= []).push(i);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let f = 0;
  for (const g of groups) for (const i of g ?? []) folds[f++ % k].push(i);
  return folds.map((rows) => Uint32Array.from(rows));
}

/** A copy of the given rows of `data`, in that order (with its table's schema, if it has one). */
export function takeRows(data: Dataset, rows: ArrayLike<number>): Dataset {
  const w = data.width,
    k = data.targetWidth,
    n = rows.length;
  const x = data.features instanceof Uint8Array ? new Uint8Array(n * w) : new Float32Array(n * w);
  const y = data.targets ? new Float32Array(n * k) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    x.set(data.features.subarray(r * w, (r + 1) * w), i * w);
    if (data.targets) y.set(data.targets.subarray(r * k, (r + 1) * k), i * k);
    else y[i] = data.labels[r];
  }
  return Dataset.fromArrays(x, y, w, data.schema);
}

/** Fold f's rows to test on and every other fold's rows to train on (in fold order). */
export function foldSplit(data: Dataset, folds: Uint32Array[], f: number): { train: Dataset; test: Dataset } {
  const rest = folds.flatMap((rows, g) => (g === f ? [] : [...rows]));
  return { train: takeRows(data, rest), test: takeRows(data, folds[f]) };
}
