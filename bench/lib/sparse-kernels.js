// The sparse products against the dense ones on given inputs, as CPU time of this process per call
// (process.cpuUsage: a core the host gives to another process is not counted), each kernel taking
// turns with the others, the median of the per-round ratios. Used by bench/sparse.js (the first
// layer's inputs) and bench/relu-sparsity.js (a hidden relu layer's outputs as the next one's input).
import { loadLibrary, padded } from './library.js';
import { nonZeroFractions } from './sparsity.js';
import { gc, log, rng, summary, table } from './util.js';

/** CPU ms per call of fn: repeated for ≥ minMs of CPU time. */
function cpuMsPerCall(fn, minMs) {
  const t0 = process.cpuUsage();
  let n = 0,
    ms = 0;
  do {
    fn();
    n++;
    const t = process.cpuUsage(t0);
    ms = (t.user + t.system) / 1e3;
  } while (ms < minMs);
  return ms / n;
}

/** Per round each fn in turn (order reversed every other round); per fn its times. */
function rounds(fns, n, minMs) {
  for (const f of fns) cpuMsPerCall(f, minMs);
  const times = fns.map(() => []);
  const order = fns.map((_, i) => i);
  for (let r = 0; r < n; r++, order.reverse()) for (const i of order) times[i].push(cpuMsPerCall(fns[i], minMs));
  return times;
}

/** The median of the ratios a[i] / b[i] of paired times. */
export const ratio = (a, b) => summary(a.map((x, i) => x / b[i])).median;

export const KERNEL_HEADER = [
  'input',
  'groups ≠ 0',
  'gemmNT',
  'sparseNT',
  'NT ×',
  'gemmTN',
  'sparseTN',
  'TN ×',
  'index',
  '(NT+TN) / (sparse + index)',
];

/**
 * For each input ({ name, fill(X) }, X the B × K batch as f32): z = x·Wᵀ + b (gemmNT, sparseNT) and
 * ∂C/∂W = δᵀ·x / B (gemmTN, sparseTN) against random W, b, δ of N units, and the index's build.
 * A table row per input: CPU µs per call (medians), dense/sparse (median of paired ratios).
 */
export async function sparseKernels([B, K, N], inputs, { quick = false } = {}) {
  const lib = await loadLibrary();
  const memory = new WebAssembly.Memory({ initial: 256 });
  const w = await lib.instantiateKernels(memory);
  const arena = new lib.Arena(memory, w.heapBase());
  const x = padded(arena, 4 * B * K),
    W = padded(arena, 4 * N * K),
    b = padded(arena, 4 * N),
    z = padded(arena, 4 * B * N),
    delta = padded(arena, 4 * B * N),
    dW = padded(arena, 4 * N * K),
    index = padded(arena, lib.sparseIndexBytes(B, K));
  const rand = rng(5),
    F = (p, n) => new Float32Array(memory.buffer, p, n);
  for (const [p, n] of [
    [W, N * K],
    [b, N],
    [delta, B * N],
  ])
    F(p, n).forEach((_, i, a) => (a[i] = 2 * rand() - 1));
  const inv = Math.fround(1 / B),
    minMs = quick ? 5 : 20,
    n = quick ? 5 : 11;
  const rows = [];
  for (const input of inputs) {
    input.fill(F(x, B * K));
    w.sparseRows(x, B, K, index);
    w.sparseIndex(x, B, K, index, 100); // both lists, whatever the density
    const { groups4 } = nonZeroFractions(F(x, B * K), B, K);
    gc();
    const [nt, snt, tn, stn, ix] = rounds(
      [
        () => w.gemmNT(z, x, W, b, B, N, K, 1, 0),
        () => w.sparseNT(z, x, W, b, B, N, K, 1, 0, index),
        () => w.gemmTN(dW, delta, x, 0, N, K, B, inv, 0),
        () => w.sparseTN(dW, delta, x, 0, N, K, B, inv, 0, index),
        () => (w.sparseRows(x, B, K, index), w.sparseIndex(x, B, K, index, lib.ids.SPARSE_PERCENT)), // as a program runs it
      ],
      n,
      minMs,
    );
    const us = (t) => (summary(t).median * 1e3).toFixed(0);
    const step = ratio(
      nt.map((t, i) => t + tn[i]),
      snt.map((t, i) => t + stn[i] + ix[i]),
    );
    rows.push([
      input.name,
      `${(groups4 * 100).toFixed(0)}%`,
      us(nt),
      us(snt),
      ratio(nt, snt).toFixed(2),
      us(tn),
      us(stn),
      ratio(tn, stn).toFixed(2),
      us(ix),
      step.toFixed(2),
    ]);
    log(`  ${input.name}`);
  }
  return table(KERNEL_HEADER, rows);
}
