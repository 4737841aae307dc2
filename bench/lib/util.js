// Small helpers shared by the bench sections: clocks, statistics, GC, seeded randomness, formatting.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

export const now = () => performance.now();

/** median / min / max and the quartiles q1 / q3 of a list of numbers (the figure every row reports). */
export function summary(values) {
  const s = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { median: null, min: null, max: null, q1: null, q3: null, n: 0 };
  const n = s.length,
    h = n >> 1;
  const median = n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  return { median, min: s[0], max: s[n - 1], q1: s[Math.floor((n - 1) / 4)], q3: s[Math.ceil((3 * (n - 1)) / 4)], n };
}

// A full GC before each measurement, so one engine's garbage is not collected on another's clock.
v8.setFlagsFromString('--expose-gc');
const gcFn = vm.runInNewContext('gc');
export function gc() {
  gcFn();
  gcFn();
}

/** Busy CPU seconds of the whole machine so far (Linux /proc/stat, in USER_HZ = 100 ticks), or null elsewhere. */
function machineBusySeconds() {
  try {
    const t = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return (t.reduce((a, b) => a + b, 0) - t[3] - (t[4] ?? 0)) / 100; // all but idle and iowait
  } catch {
    return null;
  }
}

/**
 * Start watching the machine: the returned function gives the cores other processes kept busy
 * since, on average (machine busy time minus this process's, all its threads, over wall time);
 * null where /proc/stat is missing. What a ratio between thread counts must be read against.
 */
export function othersLoad() {
  const t0 = now(),
    busy0 = machineBusySeconds(),
    ours0 = process.cpuUsage();
  return () => {
    const busy1 = machineBusySeconds();
    if (busy0 === null || busy1 === null) return null;
    const ours = process.cpuUsage(ours0);
    return Math.max(0, (busy1 - busy0 - (ours.user + ours.system) / 1e6) / ((now() - t0) / 1000));
  };
}

/** Deterministic uniform [0, 1) stream (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N(0, std²) by Box–Muller from a uniform stream. */
export function gaussian(rand) {
  return (std) => std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n, seed) {
  const p = new Uint32Array(n),
    rand = rng(seed);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Three significant digits, thousands separated: 1234.5 → "1,235", 0.01234 → "0.0123". */
export function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** A plain-text table: columns padded, numbers right-aligned. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const width = header.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const numeric = header.map((_, i) =>
    rows.every(
      (r) => r[i] === undefined || r[i] === null || r[i] === '' || /^[-−+]?[\d,.]+[%×]?$|^—$/.test(String(r[i])),
    ),
  );
  const pad = (s, i) => {
    const fill = ' '.repeat(width[i] - [...s].length);
    return numeric[i] ? fill + s : s + fill;
  };
  const line = (r) =>
    r
      .map((c, i) => pad(c ?? '', i))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), width.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const log = (...args) => console.error(...args);

/**
 * For the per-sample peers (ConvNetJS, brain.js): train a throwaway model on ctx.warmSamples rows
 * (V8 tier-up), then time one epoch of a fresh model over the first ctx.samples rows, shuffled;
 * then, if ctx.evaluate, the test accuracy (argmax, or ≥ 0.5 for a single output).
 * build(seed) → model; epoch(model, order) trains it; predict(model, i) → outputs for test row i.
 */
export function timePerSampleEpoch(ctx, build, epoch, predict) {
  epoch(build(ctx.seed + 1), permutation(ctx.warmSamples, ctx.seed + 1));
  const n = Math.min(ctx.samples, ctx.train.length);
  const model = build(ctx.seed),
    order = permutation(n, ctx.seed);
  gc();
  const t0 = now();
  epoch(model, order);
  const seconds = (now() - t0) / 1000;
  let accuracy = null;
  if (ctx.evaluate) {
    let correct = 0;
    for (let i = 0; i < ctx.test.length; i++) {
      const out = predict(model, i);
      let best = 0;
      if (out.length === 1) best = out[0] >= 0.5 ? 1 : 0;
      else for (let j = 1; j < out.length; j++) if (out[j] > out[best]) best = j;
      correct += +(best === ctx.test.labels[i]);
    }
    accuracy = correct / ctx.test.length;
  }
  return { seconds, samples: n, accuracy };
}
