// One training step's records timed in place (not a bench section): the step program of a workload
// on 1 thread and on 2, cut to its first r records for every r. Each cycle runs every cut once on
// each (after one untimed run, so the pool's threads are spinning as between a fit's steps);
// medians over cycles. A record's cost is the increase from the cut before it, inside a real step,
// with the caches as the records before it leave them; the last line is the whole step's speedup
// on 2 threads outside fit (no callbacks, no epoch bookkeeping). Records past a cut do not run, so
// the weights an earlier cut sees stop changing: only the whole step shows the update's effect on
// the next forward pass.
//   node bench/step.js [W1|W2|W3] [--seconds N]      (after npm run build; default W2, 10 s)
import { loadLibrary } from './lib/library.js';
import { WORKLOADS } from './workloads.js';
import { summary } from './lib/util.js';

const args = process.argv.slice(2);
const at = args.indexOf('--seconds');
const seconds = at >= 0 ? Number(args.splice(at, 2)[1]) : 10;
const w = WORKLOADS.find((x) => x.id === (args[0] ?? 'W2') && x.data === 'mnist');
if (!w || !(seconds > 0)) {
  console.error('usage: node bench/step.js [W1|W2|W3] [--seconds N]');
  process.exit(2);
}
const lib = await loadLibrary();
const { loadMnist } = await import('../dist/node/index.js');
const { train: t } = await loadMnist();
const train = lib.Dataset.fromArrays(t.features, t.labels, t.width);
const { Core, ids } = lib;

/** A core on `threads` threads with the workload's step program over shuffled MNIST; step() trains the next batch. */
async function setup(threads) {
  const core = await Core.create({ inputs: w.inputs, layers: w.layers, loss: w.loss, init: w.init, seed: 1, threads });
  await core.startThreads();
  const optimizer = core.optimizerFor(w.optimizer);
  const r = core.resident(train, 0);
  core.putOrder(r, true);
  const program = core.program('train', core.plan(w.batchSize), r, { optimizer, withL2: false });
  core.useOptimizer(optimizer);
  core.useRows(program, r);
  optimizer.prepare(program, 0);
  optimizer.setLearningRate(program, w.optimizer.learningRate, 0);
  const batches = Math.floor(train.length / w.batchSize);
  let b = 0;
  const step = () => {
    optimizer.next(program);
    program.finish(core.runBatch(program, r, (b++ % batches) * w.batchSize, w.batchSize));
    optimizer.stepped();
  };
  return { step, program, core };
}

const one = await setup(1),
  two = await setup(2);
if (two.core.runtime.threads.count < 2) {
  console.error(`bench/step.js: 2 threads are not available here (${two.core.runtime.threads.reason})`);
  process.exit(1);
}
const count = one.program.count;
for (const end = performance.now() + 1000; performance.now() < end;) (one.step(), two.step());
const time = (f) => {
  f();
  const t0 = performance.now();
  f();
  return (performance.now() - t0) * 1000;
};
const times = Array.from({ length: count + 1 }, () => [[], []]);
let cycles = 0;
for (const end = performance.now() + seconds * 1000; performance.now() < end; cycles++)
  for (let r = 1; r <= count; r++) {
    one.program.count = two.program.count = r;
    times[r][0].push(time(one.step));
    times[r][1].push(time(two.step));
  }
one.program.count = two.program.count = count;

const names = Object.fromEntries(
  Object.entries(ids)
    .filter(([k]) => k.startsWith('OP_') && k !== 'OP_WORDS')
    .map(([k, v]) => [v, k.slice(3).toLowerCase()]),
);
const W = two.core.arena.view.f64();
console.log(`${w.id} (${w.title}): each record's µs in place, medians of ${cycles} cycles`);
console.log('record               threads    1 thread   2 threads   cut: 1 / 2 threads (paired)');
let prev = [0, 0];
for (let r = 1; r <= count; r++) {
  const o = (two.program.ptr >>> 3) + (r - 1) * ids.OP_WORDS;
  const [a, b] = times[r].map((x) => summary(x).median);
  const ratio = summary(times[r][0].map((x, i) => x / times[r][1][i])).median;
  console.log(
    `${String(r).padStart(2)} ${names[W[o]].padEnd(18)} ${String(W[o + ids.OP_WORDS - 1]).padStart(3)}  ${(a - prev[0]).toFixed(0).padStart(10)}  ${(b - prev[1]).toFixed(0).padStart(10)}   ${ratio.toFixed(3)}×`,
  );
  prev = [a, b];
}
console.log(`the whole step: ${prev[0].toFixed(0)} µs on 1 thread, ${prev[1].toFixed(0)} µs on 2`);
process.exit(0); // the pool's workers are unref'd; nothing else to wait for
