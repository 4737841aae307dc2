// The first layer's sparse products (assembly/sparse.ts) against the dense ones: `node bench/sparse.js
// [--quick] [--baseline DIR]`. Kernels: W2's first layer (64 rows × 784 inputs × 128 units), and W1's, on
// inputs of each pixel density, on MNIST batches and on inverted MNIST (255 − x: no zeros), as
// CPU time of this process per call (process.cpuUsage: a core the host gives to another process is
// not counted), dense and sparse taking turns, the median of the per-round ratios. Training
// (with --baseline, a built tree of the commit before, e.g. made by `git archive`): W2 for an
// epoch of MNIST and of inverted MNIST on 1 and 2 threads, this tree and the baseline taking turns.
import { loadLibrary, padded } from './lib/library.js';
import { gc, log, rng, summary, table } from './lib/util.js';
import { WORKLOADS } from './workloads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const baseline = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const { loadMnist } = await import('../dist/node/index.js');
const mnist = await loadMnist();

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
const ratio = (a, b) => summary(a.map((x, i) => x / b[i])).median;

async function kernels(id, [B, K, N], densities) {
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
    index = padded(arena, 4 * (B + 2 * B * K));
  const rand = rng(5),
    F = (p, n) => new Float32Array(memory.buffer, p, n);
  for (const [p, n] of [
    [W, N * K],
    [b, N],
    [delta, B * N],
  ])
    F(p, n).forEach((_, i, a) => (a[i] = 2 * rand() - 1));
  const pixels = mnist.train.features,
    inputs = densities.map((d) => ({
      name: `random pixels, ${d * 100}%`,
      fill: (X) => X.forEach((_, i, a) => (a[i] = rand() < d ? (1 + Math.floor(rand() * 255)) / 255 : 0)),
    }));
  inputs.push(
    { name: `MNIST, rows 0–${B - 1}`, fill: (X) => X.forEach((_, i, a) => (a[i] = pixels[i] / 255)) },
    { name: 'inverted MNIST (255 − x)', fill: (X) => X.forEach((_, i, a) => (a[i] = (255 - pixels[i]) / 255)) },
  );
  const inv = Math.fround(1 / B),
    minMs = quick ? 5 : 20,
    n = quick ? 5 : 11;
  const rows = [];
  for (const input of inputs) {
    input.fill(F(x, B * K));
    w.sparseRows(x, B, K, index);
    w.sparseIndex(x, B, K, index, 100);
    const groups = new Int32Array(memory.buffer, index, 1)[0] / (B * (K >> 2)); // the index's total
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
      `${(groups * 100).toFixed(0)}%`,
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
  console.log(
    `\n${id}'s first layer, ${B}×${K}×${N}: CPU µs per call (medians), dense/sparse (median of paired ratios)\n`,
  );
  console.log(
    table(
      [
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
      ],
      rows,
    ),
  );
}

async function training() {
  const W = (id) => WORKLOADS.find((x) => x.id === id);
  const train = mnist.train; // u8 pixels, gathered and scaled per batch as the CLI trains
  const inverted = { features: train.features.map((v) => 255 - v), labels: train.labels };
  const trees = [
    ['this tree', '../dist/index.js'],
    ['baseline', new URL(`file://${baseline}/dist/index.js`).href],
  ];
  const libs = await Promise.all(trees.map(([, p]) => import(p)));
  const samples = quick ? 20000 : 60000;
  const reps = quick ? 3 : 5;
  const rowsOut = [];
  for (const [wl, threads] of [
    [W('W2'), 1],
    [W('W2'), 2],
    [W('W1'), 1],
  ])
    for (const [dataName, d] of [
      ['MNIST', train],
      ['inverted MNIST', inverted],
    ]) {
      const sets = libs.map((lib) =>
        lib.Dataset.fromArrays(d.features.subarray(0, samples * 784), d.labels.subarray(0, samples), 784),
      );
      const config = { inputs: 784, layers: wl.layers, loss: wl.loss, init: wl.init, seed: 1, threads };
      const fit = { epochs: 1, batchSize: wl.batchSize, optimizer: wl.optimizer };
      const secs = libs.map(() => []);
      for (let r = 0; r < reps + 1; r++) {
        const order = r % 2 ? [1, 0] : [0, 1];
        for (const i of order) {
          const net = await libs[i].Network.create(config);
          gc();
          const [h] = await net.fit(sets[i], fit);
          net.dispose();
          if (r > 0) secs[i].push(h.seconds); // round 0 warms up
        }
      }
      const sps = (s) => Math.round(samples / summary(s).median).toLocaleString('en-US');
      rowsOut.push([wl.id, `${threads}`, dataName, sps(secs[0]), sps(secs[1]), ratio(secs[1], secs[0]).toFixed(2)]);
      log(`  ${wl.id}, ${threads} thread(s), ${dataName}`);
    }
  console.log(
    `\nW2 (${W('W2').title}) and W1 (${W('W1').title}), ${samples.toLocaleString('en-US')} samples an epoch, ${reps} paired epochs: samples/s (medians), speedup = median of baseline/this time\n`,
  );
  console.log(table(['workload', 'threads', 'data', 'this tree', 'baseline', 'speedup'], rowsOut));
}

const cpu = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1];
console.log(`CPU: ${cpu}; Node ${process.version}`);
await kernels('W2', [64, 784, 128], [0.05, 0.1, 0.19, 0.3, 0.5, 0.75, 1]);
await kernels('W1', [10, 784, 30], [0.05, 0.19]);
if (baseline) await training();
