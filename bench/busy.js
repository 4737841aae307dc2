// Busy-core section: W2 (an epoch of MNIST) on 1 thread, threads: 'auto' and every core, paired per
// round (one run of each, moments apart, the order reversed every other round), on the machine as
// it is and with one core kept busy by a child process spinning (`for (;;) {}`): what `auto` is
// for (src/core/threads.ts, AutoThreads). Beside each run, the parts each thread claimed and the
// steps auto ran on thread 0 alone (net.lastEpochThreads).
import { spawn } from 'node:child_process';
import { WORKLOADS } from './workloads.js';
import { gc, log, now, othersLoad, summary } from './lib/util.js';

const W2 = WORKLOADS.find((w) => w.id === 'W2');

/** One fresh network's epoch after a warm-up on a throwaway one (as bench/engines/wasmlp.js does). */
async function epoch(threads, train, warmMs) {
  const { Network } = await import('../dist/index.js'); // here: the report of a saved result needs no build
  const config = { inputs: W2.inputs, layers: W2.layers, loss: W2.loss, seed: 1, threads };
  const options = { epochs: 1, batchSize: W2.batchSize, optimizer: W2.optimizer };
  const warm = await Network.create(config),
    warmData = train.slice(0, 4000);
  for (const t0 = now(); now() - t0 < warmMs;) await warm.fit(warmData, options);
  warm.dispose();
  const net = await Network.create(config);
  gc();
  const others = othersLoad();
  const [e] = await net.fit(train, options);
  const run = {
    samplesPerSec: e.samplesPerSec,
    othersCores: others(),
    threads: net.threads.count,
    ...net.lastEpochThreads,
  };
  net.dispose();
  return run;
}

/** A process keeping a core busy until stopped. */
async function spinner() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return () => child.kill();
}

export async function benchBusy({ quick, mnist, cores }) {
  if (cores < 2) return { unavailable: 'one core: nothing to keep busy beside training' };
  const rounds = quick ? 3 : 5,
    modes = [1, 'auto', cores];
  const rows = [];
  for (const machine of ['as it is', 'one core busy']) {
    const stop = machine === 'one core busy' ? await spinner() : () => {};
    const runs = new Map(modes.map((m) => [m, []]));
    try {
      for (let r = 0; r < rounds; r++)
        for (const m of r % 2 ? [...modes].reverse() : modes) {
          const run = await epoch(m, mnist.train, quick ? 300 : 800);
          runs.get(m).push(run);
          log(
            `  busy: ${machine}, threads ${m}: ${run.samplesPerSec.toFixed(0)} samples/s` +
              (run.parts ? `, parts ${run.parts.join(' / ')}` : '') +
              (run.alone !== undefined ? `, ${run.alone} steps alone` : '') +
              `; other processes: ${run.othersCores?.toFixed(2)} cores`,
          );
        }
    } finally {
      stop();
    }
    const one = runs.get(1);
    for (const m of modes) {
      const rs = runs.get(m);
      rows.push({
        machine,
        threads: m,
        samplesPerSec: summary(rs.map((x) => x.samplesPerSec)),
        vsOneThread: m === 1 ? null : summary(rs.map((x, i) => x.samplesPerSec / one[i].samplesPerSec)),
        othersCores: summary(rs.map((x) => x.othersCores)),
        runs: rs,
      });
    }
  }
  return { workload: W2.id, title: W2.title, rounds, rows };
}

/** The section's table, for bench/run.js's report. */
export function busyReport(b, { fmt, range, table }) {
  if (b.unavailable) return ['', `Busy core: not run (${b.unavailable})`];
  const mid = (xs) => summary(xs).median;
  return [
    '',
    `Busy core: ${b.workload} (${b.title}), an epoch of MNIST on 1 thread, threads: 'auto' and every core,`,
    `paired per round (${b.rounds} rounds), on the machine as it is and with a process spinning on one core;`,
    'parts: the median over the runs of the parts each thread claimed; alone: steps auto ran on thread 0 alone',
    table(
      ['machine', 'threads', 'samples/s', 'vs 1 thread', 'parts per thread', 'alone', 'others (cores)'],
      b.rows.map((x) => {
        const parts = x.runs[0]?.parts?.map((_, t) => fmt(mid(x.runs.map((y) => y.parts[t]))));
        const alone = x.runs.every((y) => y.alone !== undefined) ? fmt(mid(x.runs.map((y) => y.alone))) : '';
        return [
          x.machine,
          x.threads,
          range(x.samplesPerSec),
          x.vsOneThread ? `${fmt(x.vsOneThread.median)}× (${fmt(x.vsOneThread.min)}–${fmt(x.vsOneThread.max)})` : '1×',
          parts ? parts.join(' / ') : '',
          alone,
          fmt(x.othersCores.median),
        ];
      }),
    ),
  ];
}
