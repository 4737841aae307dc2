// The bench suite (issue 3): `npm run bench` (full, ~15 min on 2 cores) or `npm run bench -- --quick`
// (~2 min, fewer repetitions and shorter runs, labelled as such). Not a test: nothing here asserts a speed.
//   --quick                 short pass
//   --sections a,b          any of kernels, training, busy, memory, search (default: all); gemm-threads: of
//                           the kernels, only the GEMMs on threads; busy: W2 on 1 thread, auto and every
//                           core, idle and with a core kept busy (bench/busy.js)
//   --workloads W1,W2       training workloads to run (default: W1, W2, W3, W0)
//   --engines a,b           training engines (default: all; names as in the table; wasmlp-wasm brings
//                           its thread, FMA and diagnostics variants: wasmlp-wasm-2t, wasmlp-fma,
//                           wasmlp-fma-2t, …, wasmlp-wasm-diag)
//   --threads 1,2,4         thread counts for wasmlp wasm's training and the threaded GEMMs (default:
//                           1, 2 and the cores available; 1 is always included: speedups are against it)
//   --out FILE              JSON output (default bench/results/latest.json; the table goes beside it as .txt)
//   --report FILE           print the table of a saved JSON result and exit
//   --baseline DIR          also train with DIR's built bundle (e.g. a worktree of the previous commit),
//                           interleaved, and report wasmlp / baseline per workload (paired per repetition)
// Reads the BUILT bundle (dist/) and build/*.wasm (release and bench targets): run `npm run build` after changing sources.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, log, summary, table } from './lib/util.js';
import { benchBusy, busyReport } from './busy.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick');
const sections = (option('sections') ?? 'kernels,training,busy,memory,search').split(',');
const workloads = option('workloads')?.split(',');
const engineNames = option('engines')?.split(',');
const out = option('out') ?? `${root}bench/results/latest.json`;
const baseline = option('baseline');
const cores = os.availableParallelism?.() ?? os.cpus().length;
const threadCounts = threadList(option('threads'));

/** --threads: a comma-separated list of counts from 1 to 64, with 1 added; deduplicated, ascending. */
function threadList(text) {
  const asked = text === undefined ? [1, 2, cores] : text.split(',').map((x) => x.trim());
  const bad = asked.filter((x) => !/^\d+$/.test(String(x)) || +x < 1 || +x > 64);
  if (bad.length) {
    console.error(`--threads expects a comma-separated list of integers from 1 to 64 (e.g. 1,2,4), got ${text}`);
    process.exit(2);
  }
  return [...new Set([1, ...asked.map(Number)])].sort((a, b) => a - b);
}

if (option('report')) {
  console.log(report(JSON.parse(readFileSync(option('report'), 'utf8'))));
  process.exit(0);
}

// The bench measures what `npm run build` produced; say so when that is older than the sources.
for (const f of ['dist/index.js', 'dist/node/index.js', 'build/wasmlp.wasm', 'build/wasmlp-bench.wasm']) {
  if (!existsSync(`${root}${f}`)) {
    console.error(`${f} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}
const newest = (dir) =>
  Math.max(
    ...readdirSync(`${root}${dir}`, { recursive: true })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => statSync(`${root}${dir}/${f}`).mtimeMs),
  );
const stale = [];
for (const f of ['build/wasmlp.wasm', 'build/wasmlp-bench.wasm']) {
  if (newest('assembly') > statSync(`${root}${f}`).mtimeMs) stale.push(`${f} is older than assembly/`);
}
if (Math.max(newest('src'), newest('assembly')) > statSync(`${root}dist/index.js`).mtimeMs)
  stale.push('dist/ is older than src/ or assembly/');
for (const s of stale) log(`warning: ${s}: run \`npm run build\` to bench the current sources`);

const { loadMnist } = await import('../dist/node/index.js');
const { benchKernels } = await import('./kernels.js');
const { benchTraining, diagnosticsCost, pairedRuns, threadScaling } = await import('./training.js');
const { benchMemory } = await import('./memory.js');
const { benchSearch } = await import('./search.js');
const { wasmlp } = await import('./engines/wasmlp.js');
const { tfjs } = await import('./engines/tfjs.js');
const { convnet } = await import('./engines/convnetjs.js');
const { brainjs } = await import('./engines/brainjs.js');

function machine() {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1];
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trimEnd();
    } catch {
      return undefined;
    }
  };
  return {
    cpu: field('model name') ?? os.cpus()[0]?.model,
    cpuFamily: field('cpu family'),
    cpuModel: field('model'),
    cores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${os.release()}`,
    date: new Date().toISOString(),
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedSources: (git('status', '--porcelain', '--', 'assembly', 'src') ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
    mode: quick ? 'quick' : 'full',
    threads: threadCounts,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)), // 1, 5, 15 min: other work on the machine makes figures noisy
  };
}

const t0 = Date.now();
const result = { machine: machine(), stale };
log(
  `wasmlp bench (${quick ? 'QUICK: fewer repetitions, shorter runs' : 'full'}) on ${result.machine.cpu}, ${result.machine.cores} cores, Node ${process.version}`,
);
const mnist = await loadMnist();

if (sections.includes('kernels') || sections.includes('gemm-threads')) {
  log('kernels…');
  result.kernels = await benchKernels({
    quick,
    mnist,
    threads: threadCounts,
    threadedOnly: !sections.includes('kernels'),
  });
}
if (sections.includes('training')) {
  log('training…');
  // Each baseline engine right after its counterpart, so a repetition of the two sees the same machine.
  const theirs = baseline ? [wasmlp('wasm', baseline), wasmlp('js', baseline)] : [];
  // wasmlp wasm on every thread count, then the FMA build on 1 thread and on the most: one after
  // another in each repetition (3 in --quick, 5 otherwise), so that their ratios pair runs moments apart.
  const most = Math.max(...threadCounts);
  const variants = [
    ...threadCounts.filter((t) => t > 1).map((t) => wasmlp('wasm', undefined, { threads: t })),
    wasmlp('wasm', undefined, { threads: 1, fma: true }),
    ...(most > 1 ? [wasmlp('wasm', undefined, { threads: most, fma: true })] : []),
    wasmlp('wasm', undefined, { threads: 1, diagnostics: true }),
  ];
  const one = wasmlp('wasm');
  for (const e of [one, ...variants]) e.reps = quick ? 3 : 5;
  for (const e of variants) e.workloads = ['W1', 'W2', 'W3']; // W0's records run on one thread whatever the count
  const all = [
    one,
    theirs[0],
    ...variants,
    wasmlp('js'),
    theirs[1],
    tfjs('wasm'),
    tfjs('cpu'),
    convnet,
    brainjs,
  ].filter(Boolean);
  // A baseline engine or a variant of wasmlp wasm runs whenever wasmlp wasm does.
  const follows = (e) => theirs.includes(e) || variants.includes(e);
  const engines = engineNames
    ? all.filter((e) => engineNames.includes(e.name) || (follows(e) && engineNames.includes(e.plan)))
    : all;
  result.training = await benchTraining({ quick, engines, mnist, only: workloads });
  result.training.threads = threadScaling(result.training.rows);
  result.training.diagnostics = diagnosticsCost(result.training.rows);
  result.training.engines = engines.map((e) => ({ name: e.name, config: e.config }));
}
if (sections.includes('busy')) {
  log('busy core…');
  result.busy = await benchBusy({ quick, mnist, cores });
}
if (sections.includes('memory')) {
  log('memory…');
  result.memory = await benchMemory({ quick, mnist });
}
if (sections.includes('search')) {
  log('search…');
  result.search = await benchSearch({ quick });
}
result.ratios = ratios(result);
result.seconds = (Date.now() - t0) / 1000;
result.machine.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));

mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(result, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(5) : v), 2)}\n`,
);
const text = report(result);
writeFileSync(out.replace(/\.json$/, '') + '.txt', `${text}\n`);
console.log(text);
log(`\nwrote ${out.replace(root, '')} in ${result.seconds.toFixed(0)} s`);
process.exit(0); // the TF.js wasm backend keeps the event loop alive

/** The ratios the targets are stated in (W1–W3 against TF.js, threads, FMA, diagnostics), from medians of this run. */
function ratios(r) {
  const list = [];
  const k = r.kernels?.rows ?? [];
  const t = r.training?.rows ?? [];
  const kern = (kernel, engine, shape) =>
    k.find((x) => x.kernel === kernel && x.engine === engine && x.shape === shape);
  const train = (w, e) => t.find((x) => x.workload === w && x.engine === e && x.median);
  // A paired ratio's spread: its few per-repetition values, or the quartiles of many per-part ones.
  const spread = (x) =>
    x.n > 6
      ? `${x.n} parts paired, quartiles ${fmt(x.q1)}–${fmt(x.q3)}`
      : `per repetition ${x.per.map(fmt).join(', ')}`;
  const add = (target, value, goal, cmp, detail) =>
    list.push({ target, value, goal, met: value === null || value === undefined ? null : cmp(value), detail });
  for (const v of ['NT', 'NN', 'TN']) {
    const w = kern(`gemm${v}`, 'wasm', '128×784×128'),
      j = kern(`gemm${v}`, 'js', '128×784×128');
    if (w && j) {
      add(
        `GEMM ${v} (128,784,128): wasm / pure-JS reference`,
        w.speedup,
        40,
        (x) => x >= 40,
        `${fmt(w.median)} vs ${fmt(j.median)} GFLOP/s; 40× needs ${fmt(40 * j.median)} GFLOP/s (ceiling ${fmt(r.kernels.ceiling)})`,
      );
      add(
        `GEMM ${v} (128,784,128): wasm / f32x4 ceiling`,
        w.ofCeiling,
        0.75,
        (x) => x >= 0.75,
        `${fmt(w.median)} of ${fmt(r.kernels.ceiling)} GFLOP/s`,
      );
    }
  }
  // Threads: the same build on 2 threads ÷ 1 thread, the median of ratios paired per round / repetition.
  for (const x of r.kernels?.threaded?.rows ?? []) {
    if (x.build !== 'default' || x.threads !== 2) continue;
    const one = r.kernels.threaded.rows.find((y) => y.kernel === x.kernel && y.build === x.build && y.threads === 1);
    const c = r.kernels.threaded.ceiling.find((y) => y.threads === 2);
    add(
      `GEMM ${x.kernel.slice(4)} (128,784,128): 2 threads / 1 thread`,
      x.vsOneThread.median,
      1.85,
      (v) => v >= 1.85,
      `${fmt(x.median)} vs ${fmt(one.median)} GFLOP/s; ceiling 2 / 1 thread ${fmt(c.vsOneThread.median)}×, ` +
        `÷ ceiling's ${fmt(x.ofCeilingSpeedup?.median)}`,
    );
  }
  for (const [wl, goal] of [
    ['W2', 1.8],
    ['W3', 1.85],
    ['W1', 1],
  ]) {
    const x = r.training?.threads?.find((y) => y.workload === wl && y.threads === 2 && !y.fma);
    if (x?.vsOneThread)
      add(
        `${wl}: 2 threads / 1 thread (wasmlp-wasm, samples/s, paired)`,
        x.vsOneThread.median,
        goal,
        (v) => v >= goal,
        spread(x.vsOneThread) +
          (x.othersCores ? `; others busy ${x.othersCores.map((v) => fmt(v)).join(', ')} cores` : ''),
      );
  }
  for (const x of r.training?.diagnostics ?? [])
    if (x.workload === 'W2' && x.withVsWithout)
      add(
        'W2: diagnostics every batch / without (wasmlp-wasm, 1 thread, samples/s, paired)',
        x.withVsWithout.median,
        0.95,
        (v) => v >= 0.95,
        `${spread(x.withVsWithout)}; the goal: a cost ≤ 5%`,
      );
  const vs = (wl, a, b, goal) => {
    const x = train(wl, a),
      y = train(wl, b);
    if (x && y)
      add(
        `${wl}: ${a} / ${b} (samples/s)`,
        x.median / y.median,
        goal,
        (v) => v >= goal,
        `${fmt(x.median)} vs ${fmt(y.median)}${y.fullEpoch ? '' : ` (${b}: first ${y.samples} samples)`}`,
      );
  };
  vs('W2', 'wasmlp-wasm', 'wasmlp-js', 25);
  vs('W2', 'wasmlp-wasm', 'tfjs-wasm', 8);
  vs('W1', 'wasmlp-wasm', 'tfjs-wasm', 10);
  vs('W3', 'wasmlp-wasm', 'tfjs-wasm', 8);
  // Against a baseline build: the median over repetitions of this build's speed ÷ the baseline's.
  for (const wl of ['W1', 'W2', 'W3', 'W0']) {
    for (const backend of ['wasm', 'js']) {
      const x = train(wl, `wasmlp-${backend}`),
        y = train(wl, `baseline-${backend}`);
      if (!x || !y) continue;
      const paired = pairedRuns(x, y);
      add(
        `${wl}: wasmlp-${backend} / baseline-${backend} (samples/s, paired per repetition)`,
        summary(paired).median,
        1,
        (v) => v >= 1,
        `per repetition ${paired.map((v) => fmt(v)).join(', ')}; medians ${fmt(x.median)} vs ${fmt(y.median)}`,
      );
    }
  }
  const w0w = train('W0', 'wasmlp-wasm'),
    w0j = train('W0', 'wasmlp-js');
  if (w0w && w0j)
    add(
      'W0: wasmlp-js µs/step ÷ wasmlp-wasm µs/step',
      w0j.usPerStep.median / w0w.usPerStep.median,
      1,
      (x) => x >= 1,
      `${fmt(w0w.usPerStep.median)} vs ${fmt(w0j.usPerStep.median)} µs per step`,
    );
  if (r.memory) {
    const g = r.memory.growthAfterEpoch1;
    add(
      `memory: growth from epoch 1 to ${r.memory.epochs} (W2, wasm), MiB RSS / heap / wasm`,
      g.rssMiB,
      '≈ 0',
      () => Math.abs(g.rssMiB) < 8 && Math.abs(g.heapUsedMiB) < 2 && g.wasmMiB === 0,
      `${fmt(g.rssMiB)} / ${fmt(g.heapUsedMiB)} / ${fmt(g.wasmMiB)}`,
    );
    const c = r.memory.csv;
    if (c)
      add(
        `memory: MiB of RSS a read of a ${fmt(c.fileMiB)} MiB CSV file adds beyond its f32 data`,
        c.beyondDataMiB,
        '≤ 128',
        (x) => x <= 128,
        `${fmt(c.baseRssMiB)} → ${fmt(c.peakRssMiB)} MiB peak for ${fmt(c.dataMiB)} MiB of data (${c.rows} rows)`,
      );
  }
  return list;
}

function report(r) {
  const m = r.machine;
  const range = (x) =>
    x.median === null ? '—' : x.n > 1 ? `${fmt(x.median)} (${fmt(x.min)}–${fmt(x.max)})` : fmt(x.median);
  const parts = [];
  parts.push(
    `wasmlp bench — ${m.mode === 'quick' ? 'QUICK pass (fewer repetitions, shorter runs)' : 'full run'}, ${m.date.slice(0, 16).replace('T', ' ')} UTC`,
  );
  parts.push(
    `${m.cpu} (family ${m.cpuFamily}, model ${m.cpuModel}), ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (V8 ${m.v8}), commit ${m.commit}${m.uncommittedSources.length ? ` + uncommitted changes in ${m.uncommittedSources.join(', ')}` : ''}`,
  );
  if (m.loadAverageAtStart)
    parts.push(
      `Load average (1, 5, 15 min) at start ${m.loadAverageAtStart.join(', ')}, at end ${m.loadAverageAtEnd?.join(', ')}: other processes share the 2 cores, so expect noise.`,
    );
  parts.push(
    `Every figure: median (min–max) of the repetitions; one thread unless it says threads; higher is better unless it says µs. Took ${Math.round(r.seconds ?? 0)} s.`,
  );
  if (r.stale?.length) parts.push(`WARNING: ${r.stale.join('; ')}`);
  if (r.kernels?.rows.length) {
    const k = r.kernels.rows;
    parts.push('', 'Ceilings (same module, one core)');
    parts.push(
      table(
        ['measure', 'value', 'unit', ''],
        k.filter((x) => x.section === 'ceiling').map((x) => [x.kernel, range(x), x.unit, x.note ?? '']),
      ),
    );
    parts.push(
      '',
      'GEMM (M×K×N; NT = forward A·Bᵀ + bias, NN = BP2 A·B, TN = BP4 Aᵀ·B / K), GFLOP/s; wasm/js and of ceiling are medians of per-round ratios (timings moments apart)',
    );
    const g = k.filter((x) => x.section === 'gemm' && x.engine === 'wasm');
    parts.push(
      table(
        ['kernel', 'M×K×N', 'wasm', 'pure JS', 'wasm/js', 'of ceiling'],
        g.map((w) => {
          const j = k.find(
            (x) => x.section === 'gemm' && x.engine === 'js' && x.kernel === w.kernel && x.shape === w.shape,
          );
          return [
            w.kernel,
            w.shape,
            range(w),
            `${range(j)}${j.sampled ? ' *' : ''}`,
            `${fmt(w.speedup)}×`,
            `${(100 * w.ofCeiling).toFixed(0)}%`,
          ];
        }),
      ),
    );
    if (k.some((x) => x.sampled))
      parts.push(`* pure JS on 1024³: ${k.find((x) => x.sampled).sampled} (seconds per call)`);
    parts.push(
      '',
      `Elementwise kernels and the batch gather (GB/s counts the bytes each element reads + writes; stream = ${fmt(r.kernels.stream)} GB/s)`,
    );
    const e = k.filter((x) => x.section === 'elementwise' && x.engine === 'wasm');
    parts.push(
      table(
        ['kernel', 'size', 'wasm Gelem/s', 'wasm GB/s', 'of stream', 'pure JS Gelem/s', 'wasm/js'],
        e.map((w) => {
          const j = k.find((x) => x.section === 'elementwise' && x.engine === 'js' && x.kernel === w.kernel);
          return [
            w.kernel,
            w.shape,
            range(w),
            fmt(w.gbps),
            `${(100 * w.ofStream).toFixed(0)}%`,
            range(j),
            `${fmt(w.speedup)}×`,
          ];
        }),
      ),
    );
  }
  if (r.kernels?.threaded) {
    const th = r.kernels.threaded;
    if (th?.unavailable) parts.push('', `GEMM on threads: not available here (${th.unavailable})`);
    else if (th) {
      parts.push(
        '',
        `GEMM ${th.shape} on threads: the threaded build over a shared memory, one program record split`,
        `by tiles of C as in training; each call timed, in cycles of one call of each (moments apart):`,
        `medians over ${th.rows[0]?.calls ?? 0} cycles, ratios paired per cycle, (quartiles) beside them`,
      );
      const ratio = (x) => (x ? `${fmt(x.median)}× (${fmt(x.q1)}–${fmt(x.q3)})` : '—');
      const quartiles = (x) => `${fmt(x.median)} (${fmt(x.q1)}–${fmt(x.q3)})`;
      parts.push(
        table(
          ['kernel', 'build', 'threads', 'GFLOP/s', 'vs 1 thread', "÷ ceiling's", 'FMA / default'],
          [
            ...th.rows.map((x) => [
              x.kernel,
              x.build,
              x.threads,
              quartiles(x),
              ratio(x.vsOneThread),
              x.ofCeilingSpeedup ? fmt(x.ofCeilingSpeedup.median) : '—',
              ratio(x.fmaVsDefault),
            ]),
            ...th.ceiling.map((x) => ['ceiling', '', x.threads, quartiles(x), ratio(x.vsOneThread), '', '']),
          ],
        ),
      );
      parts.push(
        'ceiling: the f32x4 12-chain mul+add on that many worker threads at once, timed with the GEMMs:',
        'what the cores give right now (another process on a core shows up here as it does in the GEMMs);',
        "÷ ceiling's: a GEMM's speedup over 1 thread ÷ the ceiling's in the same cycle (median of cycles).",
      );
      if (th.othersCores)
        parts.push(
          `Other processes kept ${th.othersCores.map((x) => fmt(x)).join(', ')} cores busy on average during the NT, NN, TN timings.`,
        );
      if (!th.fma.available) parts.push(`FMA: not available (${th.fma.reason})`);
    }
  }
  if (r.training) {
    const notes = [];
    for (const w of r.training.workloads) {
      const rows = r.training.rows.filter((x) => x.workload === w.id);
      if (!rows.length) continue;
      parts.push('', `${w.id}: ${w.title}`);
      parts.push(
        table(
          ['engine', 'samples/s', 'µs/step', 'timed over', 'test accuracy', 'note'],
          rows.map((x) => {
            let mark = '';
            if (x.note) {
              notes.push(`[${notes.length + 1}] ${w.id} ${x.engine}: ${x.note}`);
              mark = `[${notes.length}]`;
            }
            if (x.errors.length) {
              notes.push(`[${notes.length + 1}] ${w.id} ${x.engine}: ${x.errors.length} run(s) failed: ${x.errors[0]}`);
              mark += `[${notes.length}]`;
            }
            const acc = x.accuracy
              ? x.accuracy.n > 1
                ? `${(100 * x.accuracy.median).toFixed(2)}% (${(100 * x.accuracy.min).toFixed(2)}–${(100 * x.accuracy.max).toFixed(2)})`
                : `${(100 * x.accuracy.median).toFixed(2)}%`
              : '—';
            return [
              x.engine,
              range(x),
              range(x.usPerStep),
              x.fullEpoch ? `epoch (${x.samples})` : `first ${x.samples}`,
              acc,
              mark,
            ];
          }),
        ),
      );
    }
    parts.push(
      '',
      'Timed over: "epoch" = one full epoch (after a warm-up on a throwaway model); "first N" = the first N training rows, shuffled, as one epoch of their own (accuracy only after full epochs).',
    );
    if (notes.length) parts.push('Where a peer differs from the workload:', ...notes.map((n) => `  ${n}`));
    const scaling = r.training.threads ?? [];
    if (scaling.length) {
      parts.push(
        '',
        `Threads: wasmlp wasm on ${r.machine.threads?.join(', ') ?? 'several'} threads, default and FMA builds (the rows above);`,
        'ratios: medians, with quartiles, of ratios paired per part between variants on 1 thread (their',
        'epochs in parts, taking turns: the same batches moments apart) and per repetition with more',
        'threads (a whole epoch right after a warm-up, as cores kept busy train: see bench/README.md)',
      );
      const ratio = (x) => (x ? `${fmt(x.median)}× (${fmt(x.q1)}–${fmt(x.q3)})` : '—');
      parts.push(
        table(
          ['workload', 'build', 'threads', 'samples/s', 'vs 1 thread', 'FMA / default'],
          scaling.map((x) => [
            x.workload,
            x.fma ? 'fma' : 'default',
            x.threads,
            range(x.samplesPerSec),
            ratio(x.vsOneThread),
            ratio(x.fmaVsDefault),
          ]),
        ),
      );
    }
    const diag = (r.training.diagnostics ?? []).filter((x) => x.withVsWithout);
    if (diag.length)
      parts.push(
        '',
        'Diagnostics on every batch (fit({ diagnostics: true }), 1 thread): samples/s with ÷ without, paired',
        table(
          ['workload', 'with / without', 'quartiles'],
          diag.map((x) => [
            x.workload,
            `${fmt(x.withVsWithout.median)}×`,
            `${fmt(x.withVsWithout.q1)}–${fmt(x.withVsWithout.q3)} (${x.withVsWithout.n} parts)`,
          ]),
        ),
      );
    const noFma = r.training.unavailable.filter((u) => u.engine.startsWith('wasmlp-fma'));
    if (noFma.length) parts.push(`FMA: not available (${noFma[0].reason})`);
    for (const u of r.training.unavailable.filter((x) => !noFma.includes(x)))
      parts.push(`${u.engine}: not available here (${u.reason})`);
  }
  if (r.busy) parts.push(...busyReport(r.busy, { fmt, range, table }));
  if (r.memory) {
    const mm = r.memory;
    parts.push('', `Memory: W2 on wasmlp wasm, ${mm.epochs} epochs in one fit(), after a full GC (MiB)`);
    parts.push(
      table(
        ['when', 'process RSS', 'JS heap used', 'external', 'network wasm memory'],
        mm.points.map((p) => [p.at, fmt(p.rssMiB), fmt(p.heapUsedMiB), fmt(p.externalMiB), fmt(p.wasmMiB)]),
      ),
    );
    if (mm.csv)
      parts.push(
        '',
        `Reading a CSV table (loadCsv, in a fresh process): ${fmt(mm.csv.fileMiB)} MiB file, ${mm.csv.rows} rows, ${fmt(mm.csv.dataMiB)} MiB of f32 data; RSS ${fmt(mm.csv.baseRssMiB)} MiB before, ${fmt(mm.csv.peakRssMiB)} MiB at its peak: the read added ${fmt(mm.csv.readOverData)}× the data`,
      );
  }
  if (r.search) {
    const sr = r.search;
    parts.push('', `Search: wasmlp search --jobs N, trials/s (${sr.workload}); N jobs / 1, paired per repetition`);
    parts.push(
      table(
        ['jobs', 'trials/s', 'vs 1 job'],
        sr.rows.map((x) => {
          const q = sr.ratios.find((y) => y.jobs === x.jobs)?.vsOneJob;
          return [x.jobs, range(x.trialsPerSec), q ? `${fmt(q.median)}× (${fmt(q.min)}–${fmt(q.max)})` : '1×'];
        }),
      ),
    );
  }
  if (r.ratios.length) {
    parts.push('', "Targets, from this run's medians");
    parts.push(
      table(
        ['target', 'measured', 'goal', 'met', 'detail'],
        r.ratios.map((x) => [
          x.target,
          typeof x.value === 'number'
            ? x.target.includes('ceiling')
              ? `${(100 * x.value).toFixed(1)}%`
              : x.target.startsWith('memory')
                ? fmt(x.value)
                : `${fmt(x.value)}×`
            : '—',
          typeof x.goal === 'number' ? (x.target.includes('ceiling') ? `≥ ${100 * x.goal}%` : `≥ ${x.goal}×`) : x.goal,
          x.met === null ? '—' : x.met ? 'yes' : 'no',
          x.detail ?? '',
        ]),
      ),
    );
  }
  return parts.join('\n');
}
