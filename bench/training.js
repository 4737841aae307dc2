// Training section: samples/s over an epoch of real MNIST (or a fixed prefix of it, for the slow
// engines), test accuracy after full epochs, µs per step on the tiny W0 — every engine, repetitions
// interleaved (rep 1 of every engine, then rep 2, …) so machine noise hits all alike.
import { WORKLOADS, mnistFloat, xorData } from './workloads.js';
import { log, summary } from './lib/util.js';

const FULL = 60000;

/**
 * Samples timed per run, per mode, workload and engine. A full epoch where it fits the time budget
 * (and always for wasmlp wasm and TF.js wasm, the pair the targets compare); otherwise the first
 * N rows of the training set, shuffled, as an epoch of their own. Missing = not run.
 */
const PLAN = {
  full: {
    W1: {
      'wasmlp-wasm': FULL,
      'wasmlp-js': FULL,
      'tfjs-wasm': FULL,
      'tfjs-cpu': 20000,
      convnetjs: FULL,
      'brain.js': 20000,
    },
    W2: {
      'wasmlp-wasm': FULL,
      'wasmlp-js': 10000,
      'tfjs-wasm': FULL,
      'tfjs-cpu': 10000,
      convnetjs: 10000,
      'brain.js': 10000,
    },
    W3: {
      'wasmlp-wasm': FULL,
      'wasmlp-js': 5000,
      'tfjs-wasm': FULL,
      'tfjs-cpu': 5000,
      convnetjs: 5000,
      'brain.js': 500,
    },
    W0: {
      'wasmlp-wasm': 100000,
      'wasmlp-js': 100000,
      'tfjs-wasm': 2000,
      'tfjs-cpu': 2000,
      convnetjs: 100000,
      'brain.js': 100000,
    },
  },
  quick: {
    W1: {
      'wasmlp-wasm': FULL,
      'wasmlp-js': 10000,
      'tfjs-wasm': 5000,
      'tfjs-cpu': 3000,
      convnetjs: 5000,
      'brain.js': 3000,
    },
    W2: {
      'wasmlp-wasm': FULL,
      'wasmlp-js': 3000,
      'tfjs-wasm': 5000,
      'tfjs-cpu': 2000,
      convnetjs: 2000,
      'brain.js': 2000,
    },
    W3: {
      'wasmlp-wasm': 20000,
      'wasmlp-js': 1000,
      'tfjs-wasm': 3000,
      'tfjs-cpu': 1000,
      convnetjs: 1000,
      'brain.js': 200,
    },
    W0: {
      'wasmlp-wasm': 100000,
      'wasmlp-js': 100000,
      'tfjs-wasm': 1000,
      'tfjs-cpu': 1000,
      convnetjs: 100000,
      'brain.js': 100000,
    },
  },
};

export async function benchTraining({ quick, engines, mnist, only }) {
  const reps = quick ? 1 : 3;
  const plan = PLAN[quick ? 'quick' : 'full'];
  const data = {
    mnist: { train: mnistFloat(mnist.train), test: mnistFloat(mnist.test) },
    xor: { train: xorData(100000, 11), test: xorData(2000, 12) },
  };
  const usable = [];
  const unavailable = [];
  for (const e of engines) {
    let ok;
    try {
      ok = e.available ? await e.available() : true;
    } catch (err) {
      ok = String(err?.message ?? err).split('\n')[0];
    }
    if (ok === true) usable.push(e);
    else unavailable.push({ engine: e.name, reason: ok });
  }
  const rows = [];
  for (const w of WORKLOADS) {
    if (only && !only.includes(w.id)) continue;
    const d = data[w.data];
    const runs = new Map(usable.map((e) => [e.name, []]));
    for (let rep = 0; rep < reps; rep++) {
      for (const e of usable) {
        const samples = plan[w.id][e.plan ?? e.name];
        if (!samples) continue;
        const ctx = {
          train: d.train,
          test: d.test,
          samples,
          seed: 1000 + rep,
          // Warm-up: enough batches for V8 to optimise (JS) and tier up (WebAssembly), at most a fifth of the timed run.
          warmSamples: Math.max(
            4 * w.batchSize,
            Math.min(Math.round(samples / 5), w.data === 'xor' ? 400 : quick ? 1000 : 2000),
          ),
          warmMs: quick ? 300 : 1000,
          evaluate: samples >= d.train.length,
        };
        try {
          const r = await e.run(w, ctx);
          runs.get(e.name).push(r);
          log(
            `  ${w.id} rep ${rep + 1}/${reps} ${e.name}: ${(r.samples / r.seconds).toFixed(0)} samples/s over ${r.samples}` +
              (r.accuracy !== null && r.accuracy !== undefined ? `, accuracy ${(100 * r.accuracy).toFixed(2)}%` : '') +
              (r.leakedTensors ? `, ${r.leakedTensors} tensors leaked` : ''),
          );
        } catch (err) {
          runs.get(e.name).push({ error: String(err?.message ?? err).split('\n')[0] });
          log(`  ${w.id} rep ${rep + 1}/${reps} ${e.name}: FAILED ${err?.message ?? err}`);
        }
      }
    }
    for (const e of usable) {
      const rs = runs.get(e.name);
      if (!rs.length) continue;
      const ok = rs.filter((r) => !r.error);
      const samples = ok[0]?.samples ?? plan[w.id][e.plan ?? e.name];
      const steps = Math.ceil(samples / w.batchSize);
      const acc = ok.filter((r) => r.accuracy !== null && r.accuracy !== undefined).map((r) => r.accuracy);
      rows.push({
        section: 'training',
        workload: w.id,
        engine: e.name,
        unit: 'samples/s',
        ...summary(ok.map((r) => r.samples / r.seconds)),
        usPerStep: { unit: 'µs/step', ...summary(ok.map((r) => (r.seconds * 1e6) / steps)) },
        runs: ok.map((r) => ({
          samplesPerSec: r.samples / r.seconds,
          seconds: r.seconds,
          accuracy: r.accuracy ?? null,
        })),
        samples,
        fullEpoch: samples >= d.train.length,
        accuracy: acc.length ? { unit: 'fraction of the 10k test set (2k for W0)', ...summary(acc) } : null,
        note: e.note(w),
        errors: rs.filter((r) => r.error).map((r) => r.error),
        leakedTensors: ok.some((r) => r.leakedTensors) ? Math.max(...ok.map((r) => r.leakedTensors ?? 0)) : undefined,
      });
    }
  }
  return { rows, unavailable, workloads: WORKLOADS.filter((w) => !only || only.includes(w.id)) };
}
