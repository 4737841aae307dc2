// How many exact zeros a hidden relu layer hands the products around it, measured while W2 and W3
// train on real MNIST: `node bench/relu-sparsity.js [--quick]`. After epochs 1 and 5 (and before
// training), on the first 8,192 training rows at the network's weights (net.parameters(), the
// forward and BP1–BP2 recomputed here in f64): per hidden relu layer, the fraction of zeros in its
// output a (what the next layer's forward z = a·Wᵀ and its ∂C/∂W = δᵀ·a multiply) and in its δ
// (what its own ∂C/∂W = δᵀ·a_prev and BP2 multiply), per value, per row (quartiles), per group of 4
// units and block of 8, and the fraction of batches that would take the sparse path under the
// first layer's threshold (src/ids.ts). Beside it the library's own per-epoch `saturated`
// diagnostic (relu: z ≤ 0, i.e. a = 0, over the batches trained), and the sparse kernels against
// the dense ones on a batch of the trained layer's real output (bench/lib/sparse-kernels.js).
import { loadLibrary } from './lib/library.js';
import { nonZeroFractions } from './lib/sparsity.js';
import { sparseKernels } from './lib/sparse-kernels.js';
import { log, summary, table } from './lib/util.js';
import { WORKLOADS } from './workloads.js';

const quick = process.argv.includes('--quick');
const { Network, Dataset } = await import('../dist/index.js');
const { loadMnist } = await import('../dist/node/index.js');
const { ids: k } = await loadLibrary();
const percent = k.SPARSE_PERCENT; // the first layer's threshold
const mnist = await loadMnist();
const R = quick ? 2048 : 8192,
  train = mnist.train;
const x0 = Float64Array.from(train.features.subarray(0, R * 784), (v) => v / 255),
  y0 = train.labels.subarray(0, R);

/** z = a·Wᵀ + b for R rows (f64). */
function affine(a, nIn, { W, b }) {
  const nOut = b.length,
    z = new Float64Array(R * nOut);
  for (let r = 0; r < R; r++)
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let k = 0; k < nIn; k++) s += a[r * nIn + k] * W[j * nIn + k];
      z[r * nOut + j] = s;
    }
  return z;
}

/** Per layer a (relu layers), then δ from softmax + cross-entropy (a − y, BP1) back through BP2. */
function forwardBackward(params) {
  const as = [x0],
    widths = [784];
  for (const p of params) {
    const z = affine(as.at(-1), widths.at(-1), p);
    as.push(z);
    widths.push(p.b.length);
  }
  const L = params.length;
  for (let l = 1; l < L; l++) as[l] = as[l].map((v) => (v > 0 ? v : 0));
  const out = as[L],
    nOut = widths[L];
  for (let r = 0; r < R; r++) {
    const row = out.subarray(r * nOut, (r + 1) * nOut),
      m = Math.max(...row);
    let s = 0;
    for (let j = 0; j < nOut; j++) s += row[j] = Math.exp(row[j] - m);
    for (let j = 0; j < nOut; j++) row[j] = row[j] / s - (j === y0[r] ? 1 : 0);
  }
  const deltas = [];
  deltas[L] = out;
  for (let l = L - 1; l >= 1; l--) {
    const n = widths[l],
      m = widths[l + 1],
      { W } = params[l],
      d = new Float64Array(R * n);
    for (let r = 0; r < R; r++)
      for (let k = 0; k < n; k++) {
        if (as[l][r * n + k] === 0) continue; // relu′(z) = 0 where z ≤ 0 (BP2)
        let s = 0;
        for (let j = 0; j < m; j++) s += deltas[l + 1][r * m + j] * W[j * n + k];
        d[r * n + k] = s;
      }
    deltas[l] = d;
  }
  return { as, deltas, widths };
}

const pct = (f) => `${(f * 100).toFixed(1)}%`;
/** The fraction of batches of `batch` rows whose groups of 4 are ≤ percent non-zero. */
function sparseBatches(v, n, batch, percent) {
  let yes = 0,
    all = 0;
  for (let r = 0; r + batch <= R; r += batch, all++)
    yes += nonZeroFractions(v.subarray(r * n, (r + batch) * n), batch, n).groups4 * 100 <= percent;
  return yes / all;
}

const rows = [],
  kernelTables = [];
for (const wl of WORKLOADS.filter((w) => w.id === 'W2' || w.id === 'W3')) {
  const net = await Network.create({
    inputs: 784,
    layers: wl.layers,
    loss: wl.loss,
    init: wl.init,
    seed: 1,
    threads: 1,
  });
  const measure = (epoch, diag) => {
    const { as, deltas, widths } = forwardBackward(net.parameters());
    for (let l = 1; l < wl.layers.length; l++) {
      for (const [what, v] of [
        ['a', as[l]],
        ['δ', deltas[l]],
      ]) {
        const f = nonZeroFractions(v, R, widths[l]),
          q = summary([...f.rowValues].map((x) => 1 - x));
        rows.push([
          wl.id,
          `${l} (${widths[l]})`,
          `${epoch}`,
          what,
          pct(1 - f.values),
          `${pct(q.q1)} / ${pct(q.median)} / ${pct(q.q3)}`,
          pct(f.groups4),
          pct(f.blocks8),
          pct(sparseBatches(v, widths[l], wl.batchSize, percent)),
          what === 'a' && diag ? pct(diag[l - 1].saturated) : '',
        ]);
      }
    }
    return as;
  };
  measure(0);
  const data = Dataset.fromArrays(train.features, train.labels, 784);
  for (let epoch = 1; epoch <= 5; epoch++) {
    const [h] = await net.fit(data, {
      epochs: 1,
      batchSize: wl.batchSize,
      optimizer: wl.optimizer,
      diagnostics: { every: 10 },
    });
    log(`  ${wl.id} epoch ${epoch}`);
    if (epoch !== 1 && epoch !== 5) continue;
    const as = measure(epoch, h.diagnostics);
    if (epoch !== 5) continue;
    // The next layer's products on a batch of this layer's real output, after epoch 5.
    for (let l = 1; l < wl.layers.length; l++) {
      const K = wl.layers[l - 1].units,
        N = wl.layers[l].units,
        B = wl.batchSize;
      const fill = (X) => X.set(Float32Array.from(as[l].subarray(0, B * K)));
      const t = await sparseKernels([B, K, N], [{ name: `${wl.id} a${l}, rows 0–${B - 1}`, fill }], { quick });
      kernelTables.push(`${wl.id}: layer ${l + 1} (${B}×${K}×${N}) over layer ${l}'s output after epoch 5\n\n${t}`);
    }
  }
  net.dispose();
}

console.log(`CPU: ${(await import('node:os')).cpus()[0].model}; Node ${process.version}; ${R} MNIST training rows\n`);
console.log(
  table(
    [
      'workload',
      'layer (units)',
      'epoch',
      '',
      'zeros',
      'zeros per row q1 / median / q3',
      'groups of 4 ≠ 0',
      'blocks of 8 ≠ 0',
      `batches ≤ ${percent}%`,
      'library: saturated',
    ],
    rows,
  ),
);
console.log('\nSparse kernels against dense on real relu outputs: CPU µs per call (medians), dense/sparse (paired)\n');
console.log(kernelTables.join('\n\n'));
