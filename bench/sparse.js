// The first layer's sparse products (assembly/sparse.ts) against the dense ones: `node bench/sparse.js
// [--quick] [--baseline DIR] [--only W1|W2|W3]` (--only: that workload's training rows, no kernels). Kernels: W2's first layer (64 rows × 784 inputs × 128 units), and W1's, on
// inputs of each pixel density, on MNIST batches, Fashion-like ones and inverted MNIST (255 − x: no
// zeros), as CPU time of this process per call (process.cpuUsage: a core the host gives to another
// process is not counted), dense and sparse taking turns, the median of the per-round ratios.
// Training (with --baseline, a built tree of another commit, e.g. the last dense one made by `git
// archive`): W2 and W3 for an epoch of MNIST, of Fashion-like MNIST and of inverted MNIST on 1 and 2
// threads, and W1 on 1, this tree and the baseline taking turns, as wall-clock epoch times.
// Fashion-like: MNIST through a 5 × 5 max filter (bench/lib/sparsity.js), about half its pixels non-zero.
import { ratio, sparseKernels } from './lib/sparse-kernels.js';
import { dilate, nonZeroFractions } from './lib/sparsity.js';
import { gc, log, rng, summary, table } from './lib/util.js';
import { WORKLOADS } from './workloads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const baseline = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const { loadMnist } = await import('../dist/node/index.js');
const mnist = await loadMnist();
const FASHION = 'MNIST, 5 × 5 max filter';

async function kernels(id, [B, K, N], densities) {
  const rand = rng(5),
    pixels = mnist.train.features,
    inputs = densities.map((d) => ({
      name: `random pixels, ${d * 100}%`,
      fill: (X) => X.forEach((_, i, a) => (a[i] = rand() < d ? (1 + Math.floor(rand() * 255)) / 255 : 0)),
    }));
  inputs.push(
    { name: `MNIST, rows 0–${B - 1}`, fill: (X) => X.forEach((_, i, a) => (a[i] = pixels[i] / 255)) },
    {
      name: `Fashion-like, rows 0–${B - 1}`,
      fill: (X) => dilate(pixels.subarray(0, B * K), 28, 2).forEach((v, i) => (X[i] = v / 255)),
    },
    { name: 'inverted MNIST (255 − x)', fill: (X) => X.forEach((_, i, a) => (a[i] = (255 - pixels[i]) / 255)) },
  );
  const out = await sparseKernels([B, K, N], inputs, { quick });
  console.log(
    `\n${id}'s first layer, ${B}×${K}×${N}: CPU µs per call (medians), dense/sparse (median of paired ratios)\n`,
  );
  console.log(out);
}

/** The training inputs: MNIST's u8 pixels, the Fashion-like transform of them, and inverted MNIST. */
function trainingSets() {
  const train = mnist.train; // u8 pixels, gathered and scaled per batch as the CLI trains
  return [
    ['MNIST', train.features],
    [`Fashion-like (${FASHION})`, dilate(train.features, 28, 2)],
    ['inverted MNIST', train.features.map((v) => 255 - v)],
  ].map(([name, features]) => ({
    name,
    features,
    labels: train.labels,
    nz: nonZeroFractions(features, train.length, 784),
  }));
}

/** Samples/s of one epoch, this tree and the baseline taking turns (order reversed every other round), after a warm-up round. */
async function pairedEpochs(libs, d, wl, threads, samples, reps) {
  const sets = libs.map((lib) =>
    lib.Dataset.fromArrays(d.features.subarray(0, samples * 784), d.labels.subarray(0, samples), 784),
  );
  const config = { inputs: 784, layers: wl.layers, loss: wl.loss, init: wl.init, seed: 1, threads };
  const fit = { epochs: 1, batchSize: wl.batchSize, optimizer: wl.optimizer };
  const secs = libs.map(() => []),
    cpu = libs.map(() => []);
  for (let r = 0; r < reps + 1; r++) {
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const net = await libs[i].Network.create(config);
      gc();
      const t0 = process.cpuUsage();
      const [h] = await net.fit(sets[i], fit);
      const t = process.cpuUsage(t0);
      net.dispose();
      if (r > 0) secs[i].push(h.seconds); // round 0 warms up
      if (r > 0) cpu[i].push(t.user + t.system);
    }
  }
  return { secs, cpu };
}

async function training() {
  const W = (id) => WORKLOADS.find((x) => x.id === id);
  const trees = [
    ['this tree', '../dist/index.js'],
    ['baseline', new URL(`file://${baseline}/dist/index.js`).href],
  ];
  const libs = await Promise.all(trees.map(([, p]) => import(p)));
  const samples = quick ? 20000 : 60000;
  const reps = quick ? 3 : 5;
  const data = trainingSets();
  const pct = (f) => `${(f * 100).toFixed(0)}%`;
  const rowsOut = [];
  const runs = [
    ...['W2', 'W3'].flatMap((id) => [1, 2].flatMap((threads) => data.map((d) => [W(id), threads, d]))),
    ...[data[0], data[2]].map((d) => [W('W1'), 1, d]),
  ];
  for (const [wl, threads, d] of runs.filter(([wl]) => !only || wl.id === only)) {
    const { secs, cpu } = await pairedEpochs(libs, d, wl, threads, samples, reps);
    const sps = (s) => Math.round(samples / summary(s).median).toLocaleString('en-US');
    rowsOut.push([
      wl.id,
      `${threads}`,
      d.name,
      pct(d.nz.values),
      pct(d.nz.groups4),
      sps(secs[0]),
      sps(secs[1]),
      ratio(secs[1], secs[0]).toFixed(2),
      ratio(cpu[1], cpu[0]).toFixed(2),
    ]);
    log(`  ${wl.id}, ${threads} thread(s), ${d.name}`);
  }
  console.log(
    `\nTraining, ${samples.toLocaleString('en-US')} samples an epoch, ${reps} paired epochs after a warm-up pair: samples/s (medians of wall-clock epoch times, history[0].seconds), speedup = median of baseline/this time per pair; CPU = the same of the process's CPU time over fit (all its threads: on 2, the workers' spinning too), which a core the host gives to another process does not inflate\n`,
  );
  for (const id of ['W1', 'W2', 'W3']) console.log(`  ${id}: ${W(id).title}`);
  console.log(`  baseline: ${baseline}\n`);
  console.log(
    table(
      ['workload', 'threads', 'data', 'pixels ≠ 0', 'groups ≠ 0', 'this tree', 'baseline', 'speedup', 'CPU'],
      rowsOut,
    ),
  );
}

const cpu = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1];
console.log(`CPU: ${cpu}; Node ${process.version}`);
if (!only) await kernels('W2', [64, 784, 128], [0.05, 0.1, 0.19, 0.3, 0.5, 0.75, 1]);
if (!only) await kernels('W1', [10, 784, 30], [0.05, 0.19]);
if (baseline) await training();
