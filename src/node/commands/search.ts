// `wasmlp search`: which network for this table? Trials of settings, each scored by K-fold
// cross-validation, on every core (--jobs) or spread over machines (--shard K/N, then
// `search merge`); the best trained again on every row and saved with its score, its settings and
// the whole trial table. One machine, any --jobs, or shards merged: the same table, the same bytes.
import { createHash } from 'node:crypto';
import {
  bestTrial,
  Ensemble,
  planTrials,
  search as runSearch,
  trainBest,
  trainEnsemble,
  type Metric,
  type Network,
  type SearchBase,
  type SearchSpace,
  type Table,
  type TrialResult,
  type TrialSettings,
} from '../../index.js';
import { commandLine, count, int, parse, path, UsageError } from '../args.js';
import { checkWritable, readInput, saveModel, writeFileAtomic } from '../files.js';
import { describe } from '../format.js';
import { barLine } from '../progress.js';
import { jobCount, poolInit, trialPool } from '../search-pool.js';
import { renderSearchReport } from '../search-report.js';
import { defaultSpace, parseGrid, settingsText } from '../search-space.js';
import { loadCsv } from '../table.js';
import { tableFit, tableNetwork, tableSettings, TABLE_SETTING_FLAGS, type Flags } from '../table-settings.js';
import { scoreText, trainingTable } from './cv.js';
import { metricsText, summary, tableFingerprint } from './tables.js';
import { OPTIONS } from './train.js';
import { log, logJson } from '../text.js';

export const SEARCH_HELP = `Usage: wasmlp search --data FILE.csv --target COLUMN [options] [train's flags]
       wasmlp search merge SHARD.json… --out FILE.wasmlp

Finds the network for a table: each trial's settings go into train's network and training (the
other flags, with train's defaults), are scored by K-fold cross-validation (as 'wasmlp cv', on the
same folds for every trial), and the best mean score wins (accuracy, or R² for a regression; the
earlier trial among equals). The best settings are then trained on every row, scored on --test,
and saved (--out) with their CV score, their settings and the whole trial table ('wasmlp info').
With --ensemble, the best trial's K fold networks are kept instead, as one ensemble file whose
outputs are their mean (predict, eval, info and 'export --format onnx' take it).

The space:
  (default)               sized from the table: hidden widths of ½, 1 and 2 × train's first layer
                          (8–256), one or two hidden layers, lr 0.001 | 0.003 | 0.01 | 0.03,
                          weight decay 0 | 0.001 | 0.01 | 0.1, dropout 0 | 0.1 | 0.2: 48 trials
                          drawn from it, train's own settings first
  --grid SPEC             settings separated by ';', values by ',', layers' alternatives by '|',
                          e.g. 'layers=16|32,16;lr=1e-3,3e-3;weight-decay=0,1e-4'; every
                          combination is a trial. Names: layers, lr, weight-decay, l2, dropout,
                          batch. A range lo..hi stands for the values 1, 2, 3, 5 × 10^k within it
                          (lr, weight-decay, l2), steps of 0.05 (dropout), powers of two (batch)
  --random N              N different combinations drawn from the space instead of all of them
  --folds K               folds per trial (default 5)
  --seed N                seeds the folds, the draws and every trial (default 1): a trial's
                          seed comes from it and the trial's own settings, never from the
                          order trials run in

Running:
  --jobs N|auto           trials at once, each on a worker thread of its own (default auto: one
                          per core); any count gives the same scores and model file, bit for bit
  --shard K/N             run only shard K's trials (K = 1 … N: every Nth trial), and write their
                          scores to --out FILE.json (default shard-K-of-N.json); without --shard,
                          JOB_COMPLETION_INDEX (0-based, set by a Kubernetes Indexed Job) and
                          JOB_COMPLETION_COUNT give it when both are set
  merge SHARD.json…       put the shards' scores together and train the best, exactly as one run
                          would; shards of another search or other data are refused

Output:
  --ensemble              save the best trial's K fold networks (each trained on the other
                          folds, as its CV did) as one ensemble, not one network on every row
  --test FILE.csv         rows to score the best network on, once, at the end
  --out FILE              save the best network (a model file; with --shard, the scores' JSON)
  --report FILE.html      write a page of the trials: the scores by setting, one line per fold,
                          and the table of every trial with each fold's score
  --json                  make the last line of stdout one JSON object: { "task", "metric",
                          "trials", "best": { "settings", "mean", "sd", "scores" }, "test",
                          "model", "ensemble" (its member count, or null) }
  --quiet                 no progress on stderr (a bar on a terminal, else a line per trial)
  -h, --help              show this help
`;

/** The flags that decide what the search computes (a shard keeps them, for the merge to redo). */
const PLAN_FLAGS = [
  ...TABLE_SETTING_FLAGS,
  'data',
  'target',
  'task',
  'drop-missing',
  'test',
  'folds',
  'grid',
  'random',
  'ensemble',
];
const RUN_FLAGS = ['jobs', 'shard', 'out', 'report', 'json', 'quiet'];
export const SEARCH_OPTIONS = {
  ...OPTIONS,
  folds: { type: 'string' },
  grid: { type: 'string' },
  random: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  ensemble: { type: 'boolean' },
} as const;

/** Trials drawn from the default space (train's own settings the first of them). */
const DEFAULT_TRIALS = 48;
const SHARD_FORMAT = 'wasmlp search shard';

/** Everything a search computes from, the same for one machine and for the merge of shards. */
interface Plan {
  file: string;
  table: Table;
  base: SearchBase;
  space: SearchSpace;
  options: { folds: number; seed: number; random?: number; first: TrialSettings[] };
  total: number;
  test?: { file: string; table: Table };
  flags: Flags;
  /** Hashes of what the trials compute (settings, folds, seeds, base) and of the rows. */
  searchHash: string;
  dataHash: string;
}

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;

async function makePlan(flags: Flags): Promise<Plan> {
  const settings = tableSettings(flags);
  const grid = flags.grid === undefined ? undefined : parseGrid(flags.grid as string);
  const random = int('random', flags.random as string | undefined, 1, 1e6);
  const folds = int('folds', flags.folds as string | undefined, 2) ?? 5;
  const { file, table } = await trainingTable(flags);
  if (folds > table.data.length)
    throw new UsageError(`--folds ${folds} is more than the table’s ${table.data.length} rows`);
  const network = tableNetwork(settings, table.schema, table.data.width);
  const base = { network, fit: tableFit(settings) };
  const space = grid ?? defaultSpace(table.data.width);
  const first: TrialSettings[] = grid
    ? []
    : [
        {
          hidden: network.layers.slice(0, -1).map((l) => l.units),
          learningRate: settings.fit.optimizer!.learningRate,
          weightDecay: settings.fit.weightDecay ?? 0,
          dropout: settings.dropout,
        },
      ];
  const options = { folds, seed: settings.seed, random: random ?? (grid ? undefined : DEFAULT_TRIALS), first };
  const trials = planTrials(space, options);
  const testFile = path('test', flags.test as string | undefined);
  const test = testFile ? { file: testFile, table: await loadCsv(testFile, { schema: table.schema }) } : undefined;
  if (test && !test.table.hasTargets)
    throw new Error(`${testFile} has no column ${table.schema.targets.join(', ')}: test rows need their targets`);
  const { threads: _, ...computed } = network; // the thread count never changes a weight
  const searchHash = sha(
    JSON.stringify({ network: computed, fit: base.fit, folds, seed: settings.seed, trials: trials.map((t) => t.key) }),
  );
  const kept = Object.fromEntries(PLAN_FLAGS.flatMap((k) => (flags[k] === undefined ? [] : [[k, flags[k]]])));
  return {
    file,
    table,
    base,
    space,
    options,
    total: trials.length,
    test,
    flags: kept,
    searchHash,
    dataHash: tableFingerprint(table.data),
  };
}

/** Trials done / total, the best so far and the time left, on stderr. */
class TrialProgress {
  private t0 = performance.now();
  private best = -Infinity;
  private lastDraw = 0;
  constructor(
    private readonly mode: 'bar' | 'lines' | 'none',
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  trial(r: TrialResult, done: number): void {
    this.best = Math.max(this.best, r.mean);
    if (this.mode === 'none') return;
    const now = performance.now(),
      rate = done / ((now - this.t0) / 1000),
      left = (this.total - done) / rate;
    const eta = Number.isFinite(left)
      ? `${Math.floor(left / 60)}:${String(Math.floor(left % 60)).padStart(2, '0')}`
      : '?';
    const parts = [
      `${done}/${this.total} trials`,
      `${rate.toFixed(2)} trials/s`,
      `best ${scoreText(r.metric, this.best)}`,
      `ETA ${eta}`,
    ];
    if (this.mode === 'lines')
      this.out.write(
        `trial ${r.index + 1}: ${scoreText(r.metric, r.mean)} ± ${r.sd.toFixed(4)}  ${settingsText(r.key)}  (${parts.join('  ')})\n`,
      );
    else if (now - this.lastDraw >= 100 || done === this.total) {
      this.lastDraw = now;
      this.out.write(`\r\x1b[K${barLine('search', done / this.total, parts, this.out.columns)}`);
    }
  }

  clear(): void {
    if (this.mode === 'bar') this.out.write('\r\x1b[K');
  }
}

/** --shard K/N, else JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT when both are set; undefined: every trial. */
function shardOf(flag: string | undefined): { index: number; count: number } | undefined {
  const env = process.env;
  if (flag === undefined && env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_COUNT !== undefined) {
    const [i, n] = [Number(env.JOB_COMPLETION_INDEX), Number(env.JOB_COMPLETION_COUNT)];
    if (!(Number.isInteger(i) && Number.isInteger(n) && i >= 0 && i < n))
      throw new UsageError(
        `JOB_COMPLETION_INDEX ${env.JOB_COMPLETION_INDEX} and JOB_COMPLETION_COUNT ${env.JOB_COMPLETION_COUNT}: expected 0 ≤ index < count`,
      );
    return { index: i + 1, count: n };
  }
  if (flag === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(flag);
  const [k, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!(k >= 1 && k <= n))
    throw new UsageError(`--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/3), got ${JSON.stringify(flag)}`);
  return { index: k, count: n };
}

/** --report FILE.html: a page name, and not with --shard (a shard has no best to show). */
function reportFlag(value: string | undefined, shard: boolean): string | undefined {
  const report = path('report', value);
  if (report && !/\.html?$/i.test(report))
    throw new UsageError(`--report expects a file name ending in .html, got ${JSON.stringify(report)}`);
  if (report && shard) throw new UsageError('--report goes with the whole search or its merge, not with --shard');
  return report;
}

export async function search(argv: string[]): Promise<void> {
  if (argv[0] === 'merge') return merge(argv.slice(1));
  const parsed = parse(argv, SEARCH_OPTIONS, SEARCH_HELP);
  if (!parsed) return;
  const o = parsed.values;
  for (const k of Object.keys(o))
    if (o[k] !== undefined && !PLAN_FLAGS.includes(k) && !RUN_FLAGS.includes(k) && k !== 'threads')
      throw new UsageError(`--${k} does not apply to search`);
  const jobs = jobCount(o.jobs as string | undefined);
  const shard = shardOf(o.shard as string | undefined);
  const out = path('out', o.out as string | undefined) ?? (shard && `shard-${shard.index}-of-${shard.count}.json`);
  if (shard && !out!.endsWith('.json'))
    throw new UsageError(`--out with --shard names the scores' JSON file (FILE.json), got ${out}`);
  const report = reportFlag(o.report as string | undefined, shard !== undefined);
  for (const [file, flag] of [
    [out, 'out'],
    [report, 'report'],
  ] as const)
    if (file) await checkWritable(file, flag);
  const plan = await makePlan(o);
  log(summary(plan.table, plan.file));
  const mine = shard ? Math.ceil((plan.total - shard.index + 1) / shard.count) : plan.total;
  log(
    `search: ${plan.total} trials × ${plan.options.folds} folds${shard ? `, shard ${shard.index}/${shard.count}: ${mine} of them` : ''}, ${jobs} job${jobs === 1 ? '' : 's'}`,
  );
  const progress = new TrialProgress(o.quiet ? 'none' : process.stderr.isTTY ? 'bar' : 'lines', mine);
  const pool =
    jobs > 1 ? trialPool(jobs, poolInit(plan.table.data, plan.base, plan.options.folds, plan.options.seed)) : undefined;
  const t0 = performance.now();
  let result;
  try {
    result = await runSearch(plan.table.data, plan.space, {
      ...plan.base,
      ...plan.options,
      shard,
      runTrial: pool?.runTrial,
      parallel: jobs,
      ensemble: Boolean(o.ensemble),
      onTrial: (r, done) => progress.trial(r, done),
    });
  } finally {
    progress.clear();
    await pool?.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  log(
    `${result.trials.length} trials in ${seconds.toFixed(1)} s (${(result.trials.length / seconds).toFixed(2)} trials/s)`,
  );
  if (shard) {
    const text = JSON.stringify({
      format: SHARD_FORMAT,
      version: 1,
      search: plan.searchHash,
      data: plan.dataHash,
      shard,
      total: plan.total,
      flags: plan.flags,
      trials: result.trials,
    });
    await writeFileAtomic(out!, text + '\n');
    log(
      `wrote shard ${shard.index}/${shard.count}'s ${result.trials.length} trials to ${out}; put the shards together with: wasmlp search merge SHARD.json… --out FILE.wasmlp`,
    );
    if (o.json) logJson({ shard, trials: result.trials.length, out });
    return;
  }
  await finish(plan, result.trials, result.best!, (result.ensemble ?? result.network)!, {
    out,
    report,
    json: Boolean(o.json),
    command: commandLine('search', argv),
  });
}

/** What a search keeps in its model file's meta, beside a table's schema and source. */
interface SearchMeta {
  metric: Metric;
  folds: number;
  seed: number;
  search: string;
  data: string;
  best: TrialResult;
  /** Every trial, in index order: its settings' key, the folds' scores, their mean and sd. */
  trials: { index: number; key: string; scores: number[]; mean: number; sd: number }[];
}

/** The best network scored, shown and saved: the same for one run and for merged shards. */
async function finish(
  plan: Plan,
  trials: TrialResult[],
  best: TrialResult,
  net: Network | Ensemble,
  o: { out?: string; report?: string; json: boolean; command: string },
): Promise<void> {
  const { out, json } = o;
  const members = net instanceof Ensemble ? net.members : [net];
  // The model file keeps no timing, so that its bytes are the same on every run.
  for (const m of members) for (const e of m.history) e.seconds = e.samplesPerSec = 0;
  const metric = best.metric,
    sdText = (x: number) => (metric === 'r2' ? x.toFixed(4) : `${(100 * x).toFixed(2)}%`);
  const ranked = [...trials].sort((a, b) => b.mean - a.mean || a.index - b.index);
  log(`the best ${Math.min(10, trials.length)} of ${trials.length} trials (${plan.options.folds}-fold CV, mean ± sd):`);
  for (const t of ranked.slice(0, 10))
    log(`  ${String(t.index + 1).padStart(4)}  ${scoreText(metric, t.mean)} ± ${sdText(t.sd)}  ${settingsText(t.key)}`);
  log(
    `best: trial ${best.index + 1}, ${settingsText(best.key)}: cv ${scoreText(metric, best.mean)} ± ${sdText(best.sd)}`,
  );
  const rows = plan.table.data.length,
    split = plan.base.fit.validationSplit ?? 0;
  if (net instanceof Ensemble)
    log(
      `kept its ${net.size} fold networks as an ensemble (their outputs averaged): ${describe(net.inputs, members[0].config.layers)}, ${members.map((m) => m.history.length).join(', ')} epochs`,
    );
  else
    log(
      `trained it on all ${count(rows)} rows: ${describe(net.inputs, net.config.layers)}, ${net.history.length} epochs${net.earlyStopped ? ` (kept epoch ${net.earlyStopped.bestEpoch}'s weights)` : ''}`,
    );
  const test = plan.test && net.evaluate(plan.test.table.data);
  if (plan.test && test)
    log(`test: ${count(plan.test.table.data.length)} rows  loss ${test.loss.toFixed(4)}  ${metricsText(test)}`);
  const meta = {
    command: 'search',
    table: plan.table.schema,
    source: {
      file: plan.file,
      rows,
      validationRows: split ? Math.round(rows * split) : 0,
      test: plan.test?.file ?? null,
    },
    search: {
      metric,
      folds: plan.options.folds,
      seed: plan.options.seed,
      search: plan.searchHash,
      data: plan.dataHash,
      best,
      trials: trials.map(({ index, key, scores, mean, sd }) => ({ index, key, scores, mean, sd })),
    } satisfies SearchMeta,
  };
  if (out) {
    if (net instanceof Ensemble) await writeFileAtomic(out, net.toBytes({ meta }));
    else await saveModel(net, out, { meta });
    log(`saved the ${net instanceof Ensemble ? 'ensemble' : 'model'}, its CV score and the trial table to ${out}`);
  }
  if (o.report) {
    const page = { command: o.command, metric, folds: plan.options.folds, trials, best, generated: new Date() };
    await writeFileAtomic(o.report, renderSearchReport({ ...page, ...(test && { test: metricsText(test) }) }));
    log(`wrote the page of the trials to ${o.report}`);
  }
  if (json)
    logJson({
      task: plan.table.schema.task,
      metric,
      trials: trials.length,
      best: { index: best.index, settings: best.settings, mean: best.mean, sd: best.sd, scores: best.scores },
      test: test
        ? {
            loss: test.loss,
            ...(test.r2 !== undefined ? { r2: test.r2, mse: test.mse, mae: test.mae } : { accuracy: test.accuracy }),
          }
        : null,
      model: out ?? null,
      ensemble: net instanceof Ensemble ? net.size : null,
    });
}

const MERGE_HELP = `Usage: wasmlp search merge SHARD.json… --out FILE.wasmlp [--json]

Puts the scores of the shards of one search ('wasmlp search --shard K/N') together and trains the
best settings on every row, exactly as one 'wasmlp search' would: the same trial table, the same
model file. The table is read again from the file the shards name (or --data) and must hold the
same rows; shards of different searches or data, a missing shard or one given twice are refused.

Options:
  --out FILE              save the best network (required)
  --data FILE.csv         read the table from here instead of the path the shards name
  --report FILE.html      as search's --report
  --json                  as search's --json
  -h, --help              show this help
`;

interface Shard {
  format: string;
  version: number;
  search: string;
  data: string;
  shard: { index: number; count: number };
  total: number;
  flags: Flags;
  trials: TrialResult[];
}

async function readShard(file: string): Promise<Shard> {
  const text = (await readInput(file, 'shard file', 256 * 2 ** 20)).toString('utf8');
  let s: Shard;
  try {
    s = JSON.parse(text) as Shard;
  } catch (e) {
    throw new Error(`${file} is not JSON (${(e as Error).message}); expected the file a 'wasmlp search --shard' wrote`);
  }
  if (s?.format !== SHARD_FORMAT || s.version !== 1 || !Array.isArray(s.trials) || typeof s.flags !== 'object')
    throw new Error(`${file} is not a search shard (format "${SHARD_FORMAT}", version 1)`);
  return s;
}

async function merge(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    { out: { type: 'string' }, data: { type: 'string' }, report: { type: 'string' }, json: { type: 'boolean' } },
    MERGE_HELP,
    true,
  );
  if (!parsed) return;
  const { values: o, positionals: files } = parsed;
  const out = path('out', o.out as string | undefined, true);
  if (!files.length)
    throw new UsageError('search merge needs the shard files: wasmlp search merge SHARD.json… --out FILE');
  await checkWritable(out, 'out');
  const report = reportFlag(o.report as string | undefined, false);
  if (report) await checkWritable(report, 'report');
  const shards = await Promise.all(files.map(readShard));
  const [first] = shards;
  shards.forEach((s, i) => {
    if (s.search !== first.search || s.data !== first.data)
      throw new Error(
        `${files[i]} is a shard of ${s.search !== first.search ? 'another search (other settings, folds or seed)' : 'a search on other rows'} than ${files[0]}; merge only the shards of one search`,
      );
  });
  const n = first.shard.count;
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    if (s.shard.count !== n)
      throw new Error(`${files[i]} is shard ${s.shard.index}/${s.shard.count}, ${files[0]} one of ${n}`);
    if (seen.has(s.shard.index))
      throw new Error(`${files[i]} and ${seen.get(s.shard.index)} are both shard ${s.shard.index}/${n}`);
    seen.set(s.shard.index, files[i]);
  });
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length)
    throw new Error(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing: merge needs all ${n}`,
    );
  const trials = shards.flatMap((s) => s.trials).sort((a, b) => a.index - b.index);
  if (trials.length !== first.total || trials.some((t, i) => t.index !== i))
    throw new Error(`the shards hold ${trials.length} trials, the search has ${first.total}: a shard file is damaged`);
  const plan = await makePlan({ ...first.flags, ...(o.data !== undefined && { data: o.data }) });
  if (plan.dataHash !== first.data)
    throw new Error(
      `${plan.file} holds other rows than the ones the shards were scored on: point --data at the same table`,
    );
  if (plan.searchHash !== first.search)
    throw new Error(`the shards' search differs from the one their flags describe here (another wasmlp version?)`);
  log(summary(plan.table, plan.file));
  log(`merged ${shards.length} shards: ${trials.length} trials × ${plan.options.folds} folds`);
  const best = bestTrial(trials);
  const { folds, seed } = plan.options;
  const net = plan.flags.ensemble
    ? await trainEnsemble(plan.table.data, plan.base, best, { folds, seed })
    : await trainBest(plan.table.data, plan.base, best, seed);
  await finish(plan, trials, best, net, {
    out,
    report,
    json: Boolean(o.json),
    command: commandLine('search', ['merge', ...argv]),
  });
}

/** info's lines for a model a search saved (undefined for any other): the best's CV score and the trial table. */
export function searchText(meta: unknown): string | undefined {
  const m = meta as { command?: string; search?: SearchMeta } | undefined;
  const s = m?.search;
  if (m?.command !== 'search' || !s?.best) return undefined;
  const sd = (x: number) => (s.metric === 'r2' ? x.toFixed(4) : `${(100 * x).toFixed(2)}%`);
  return [
    `search: the best of ${s.trials.length} trials by ${s.folds}-fold cross-validation (seed ${s.seed}): trial ${s.best.index + 1}, ${settingsText(s.best.key)}, cv ${scoreText(s.metric, s.best.mean)} ± ${sd(s.best.sd)}`,
    'trials (mean ± sd over the folds, then each fold):',
    ...s.trials.map(
      (t) =>
        `  ${String(t.index + 1).padStart(4)}  ${scoreText(s.metric, t.mean)} ± ${sd(t.sd)}  ${settingsText(t.key)}  [${t.scores.map((x) => x.toFixed(4)).join(' ')}]`,
    ),
  ].join('\n');
}
