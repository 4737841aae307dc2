// wasmlp against PyTorch (bench/torch_mlp.py) on the same cores: `node bench/torch-compare.js
// [--runs 3] [--python /usr/bin/python3]`. W1, W2 and W3 on real MNIST, on 1 and 2 threads; per
// run and setting, first PyTorch (its own process: a warm-up epoch, then one epoch of a fresh model)
// then wasmlp (≥ 1 s of warm-up epochs on a throwaway network, then one epoch of a fresh one), never
// at the same time. Samples/s from wall-clock epoch times; medians over runs, and the median of the
// per-run ratios wasmlp / PyTorch.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ratio } from './lib/sparse-kernels.js';
import { gc, log, now, summary, table } from './lib/util.js';
import { WORKLOADS } from './workloads.js';

const args = process.argv.slice(2);
const opt = (name, d) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const runs = Number(opt('--runs', 3)),
  python = opt('--python', '/usr/bin/python3');
const { Network, Dataset } = await import('../dist/index.js');
const { loadMnist } = await import('../dist/node/index.js');
const mnist = await loadMnist();
const train = Dataset.fromArrays(mnist.train.features, mnist.train.labels, 784);
const script = fileURLToPath(new URL('./torch_mlp.py', import.meta.url));

function torch(id, threads) {
  const r = spawnSync(python, [script, '--workloads', id, '--threads', `${threads}`, '--runs', '1', '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${python} ${script} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return { sps: out.samplesPerSecond[0], version: out.torch };
}

async function wasmlp(w, threads) {
  const config = { inputs: 784, layers: w.layers, loss: w.loss, init: w.init, seed: 1, threads };
  const fit = { epochs: 1, batchSize: w.batchSize, optimizer: w.optimizer };
  const warm = await Network.create(config),
    part = train.slice(0, 10000);
  for (const t0 = now(); now() - t0 < 1000;) await warm.fit(part, fit);
  warm.dispose();
  const net = await Network.create(config);
  gc();
  const [h] = await net.fit(train, fit);
  net.dispose();
  return train.length / h.seconds;
}

const settings = ['W1', 'W2', 'W3'].flatMap((id) => [1, 2].map((t) => [WORKLOADS.find((w) => w.id === id), t]));
const res = settings.map(() => ({ torch: [], wasmlp: [] }));
let version;
for (let r = 0; r < runs; r++)
  for (const [i, [w, t]] of settings.entries()) {
    const p = torch(w.id, t);
    version = p.version;
    res[i].torch.push(p.sps);
    res[i].wasmlp.push(await wasmlp(w, t));
    log(`  run ${r + 1}: ${w.id}, ${t} thread(s)`);
  }
const n = (x) => Math.round(x).toLocaleString('en-US');
console.log(`CPU: ${cpus()[0].model}, ${cpus().length} cores; Node ${process.version}; PyTorch ${version}`);
console.log(
  `One epoch of MNIST (60,000 rows), ${runs} runs, samples/s (medians); wasmlp / PyTorch = median of per-run ratios\n`,
);
console.log(
  table(
    ['workload', 'threads', 'PyTorch', 'wasmlp', 'wasmlp / PyTorch'],
    settings.map(([w, t], i) => [
      w.id,
      `${t}`,
      n(summary(res[i].torch).median),
      n(summary(res[i].wasmlp).median),
      `${ratio(res[i].wasmlp, res[i].torch).toFixed(2)}×`,
    ]),
  ),
);
