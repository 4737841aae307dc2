// Training section: samples/s over an epoch of real MNIST (or a fixed prefix of it, for the slow
// engines), test accuracy after full epochs, µs per step on the tiny W0 — every engine, repetitions
// interleaved (rep 1 of every engine, then rep 2 in reverse order, …) so machine noise hits all alike.
import { WORKLOADS, mnistFloat, xorData } from './workloads.js';
import { gc, log, now, othersLoad, summary } from './lib/util.js';

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

/**
 * `engines` in the order they run within a repetition; an engine's own `reps` (the thread and FMA
 * variants of wasmlp wasm, which are compared with each other as ratios paired per repetition)
 * overrides the section's.
 */
export async function benchTraining({ quick, engines, mnist, only }) {
  const sectionReps = quick ? 1 : 3;
  const repsOf = (e) => e.reps ?? sectionReps;
  const reps = Math.max(sectionReps, ...engines.map(repsOf));
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
    const ctxOf = (e, rep) => {
      const samples = plan[w.id][e.plan ?? e.name];
      return {
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
        chunks: CHUNKS,
      };
    };
    const runsNow = (e, rep) =>
      plan[w.id][e.plan ?? e.name] && rep < repsOf(e) && (!e.workloads || e.workloads.includes(w.id));
    for (let rep = 0; rep < reps; rep++) {
      // Every other repetition in reverse order, so that a drift in the machine's speed favours no engine.
      const order = (rep % 2 ? [...usable].reverse() : usable).filter((e) => runsNow(e, rep));
      const ran = new Set();
      for (const e of order) {
        if (ran.has(e)) continue;
        const group = e.interleave ? order.filter((x) => x.interleave === e.interleave) : [e];
        for (const x of group) ran.add(x);
        const results =
          group.length > 1 ? await interleaved(group, w, (x) => ctxOf(x, rep)) : [await alone(e, w, ctxOf(e, rep))];
        group.forEach((x, i) => {
          const r = { ...results[i], rep };
          runs.get(x.name).push(r);
          if (r.error) {
            log(`  ${w.id} rep ${rep + 1}/${repsOf(x)} ${x.name}: FAILED ${r.error}`);
            return;
          }
          log(
            `  ${w.id} rep ${rep + 1}/${repsOf(x)} ${x.name}: ${(r.samples / r.seconds).toFixed(0)} samples/s over ${r.samples}` +
              (r.accuracy !== null && r.accuracy !== undefined ? `, accuracy ${(100 * r.accuracy).toFixed(2)}%` : '') +
              (r.leakedTensors ? `, ${r.leakedTensors} tensors leaked` : '') +
              (r.othersCores !== null ? `; other processes: ${r.othersCores.toFixed(2)} cores` : ''),
          );
        });
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
        threads: e.threads,
        fma: e.fma,
        diagnostics: e.diagnostics,
        runs: ok.map((r) => ({
          rep: r.rep, // the repetition: ratios between engines pair runs of the same one
          samplesPerSec: r.samples / r.seconds,
          seconds: r.seconds,
          accuracy: r.accuracy ?? null,
          othersCores: r.othersCores, // cores other processes kept busy during the run (or its turns)
          parts: r.parts, // ms of each turn, for runs that took turns
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

/** Interleaved engines train each epoch in this many parts, taking turns. */
const CHUNKS = 20;

const failure = (err) => ({ error: String(err?.message ?? err).split('\n')[0] });

/** One engine's run, and the cores other processes kept busy meanwhile (warm-up included). */
async function alone(e, w, ctx) {
  try {
    const others = othersLoad();
    const r = await e.run(w, ctx);
    return { ...r, othersCores: others() };
  } catch (err) {
    return failure(err);
  }
}

/**
 * Engines that can stop mid-epoch and go on (`start` → { step, result, dispose }: wasmlp's fit)
 * train their epochs at the same time, taking turns a CHUNKS-th of an epoch each, so that what the
 * machine does meanwhile falls on all of them alike: their ratios pair parts moments apart, not
 * runs seconds apart. The cores other processes kept busy are measured over each one's own turns.
 */
async function interleaved(group, w, ctxOf) {
  const out = group.map(() => null),
    started = [];
  for (const [i, e] of group.entries()) {
    try {
      started[i] = await e.start(w, ctxOf(e));
    } catch (err) {
      out[i] = failure(err);
    }
  }
  gc();
  const busy = group.map(() => ({ cores: 0, ms: 0 })),
    parts = group.map(() => []);
  let live = group.map((_, i) => i).filter((i) => !out[i]);
  while (live.length) {
    for (const i of live) {
      const others = othersLoad(),
        t0 = now();
      let ms;
      try {
        const done = await started[i].step();
        ms = now() - t0; // the part alone, not the test accuracy after the last one
        if (done) out[i] = await started[i].result();
      } catch (err) {
        out[i] = failure(err);
        started[i].dispose();
      }
      ms ??= now() - t0;
      parts[i].push(ms);
      busy[i].cores += (others() ?? NaN) * ms;
      busy[i].ms += ms;
    }
    live = live.filter((i) => !out[i]);
  }
  return out.map((r, i) =>
    r.error
      ? r
      : { ...r, parts: parts[i], othersCores: Number.isFinite(busy[i].cores) ? busy[i].cores / busy[i].ms : null },
  );
}

/**
 * Ratios of a's speed to b's, paired by repetition (a run of each, moments apart); for runs that
 * took turns (interleaved), paired by part: the same batches, one turn apart, many per repetition.
 */
export function pairedRuns(a, b) {
  const theirs = new Map(b.runs.map((r, i) => [r.rep ?? i, r])); // results saved before runs had a rep: by index
  return a.runs
    .flatMap((r, i) => {
      const y = theirs.get(r.rep ?? i);
      if (!y) return [];
      if (r.parts?.length > 1 && r.parts.length === y.parts?.length) return r.parts.map((ms, j) => y.parts[j] / ms);
      return [r.samplesPerSec / y.samplesPerSec];
    })
    .filter(Number.isFinite);
}

/**
 * wasmlp wasm on each thread count, default and FMA builds: each row's samples/s, its speedup over
 * the same build on 1 thread and FMA / default at the same thread count, both as the median of
 * ratios paired per repetition.
 */
export function threadScaling(rows) {
  const wasm = rows.filter((x) => /^wasmlp-(wasm|fma)/.test(x.engine) && x.median && !x.diagnostics);
  return wasm
    .filter((x) => x.threads > 1 || x.fma || wasm.some((y) => y.workload === x.workload && y !== x))
    .map((x) => {
      const peer = (threads, fma) =>
        wasm.find((y) => y.workload === x.workload && y.threads === threads && y.fma === fma);
      const one = x.threads > 1 ? peer(1, x.fma) : undefined,
        strict = x.fma ? peer(x.threads, false) : undefined;
      const ratio = (y) => {
        if (!y) return null;
        const per = pairedRuns(x, y);
        return { ...summary(per), per };
      };
      const load = x.runs.map((r) => r.othersCores).filter(Number.isFinite);
      return {
        workload: x.workload,
        engine: x.engine,
        threads: x.threads,
        fma: x.fma,
        samplesPerSec: { median: x.median, min: x.min, max: x.max, n: x.n },
        vsOneThread: ratio(one),
        fmaVsDefault: ratio(strict),
        othersCores: load.length ? load : null,
      };
    });
}

/** What diagnostics on every batch cost: with ÷ without (wasmlp wasm, 1 thread), median of ratios paired per repetition. */
export function diagnosticsCost(rows) {
  return rows
    .filter((x) => x.diagnostics && x.median)
    .map((x) => {
      const plain = rows.find((y) => y.workload === x.workload && y.engine === 'wasmlp-wasm');
      const per = plain ? pairedRuns(x, plain) : [];
      return { workload: x.workload, engine: x.engine, withVsWithout: per.length ? { ...summary(per), per } : null };
    });
}
