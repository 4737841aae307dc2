// `wasmlp cv`: K-fold cross-validation of train's network on a table: each fold's score and the
// mean ± sd, every network fitting its scaling on its own training rows.
import { crossValidate, TABLE_TASKS } from '../../index.js';
import { count, int, oneOf, parse, path, UsageError } from '../args.js';
import { loadCsv } from '../table.js';
import { tableFit, tableNetwork, tableSettings, TABLE_SETTING_FLAGS, type Flags } from '../table-settings.js';
import { summary, TABLE_TRAIN_HELP } from './tables.js';
import { OPTIONS } from './train.js';
import { log, logJson } from '../text.js';

export const CV_HELP = `Usage: wasmlp cv --data FILE.csv --target COLUMN [--folds K] [train's flags]

Estimates how well train's network does on rows it never saw: the table's rows are dealt into K
folds (seeded by --seed; for a classification, every class spread evenly over the folds), and K
networks are trained, each on the other folds' rows and scored on its own fold: accuracy for
classes, R² for a regression. Each network fits its column scaling, and holds out its validation
rows for early stopping, from its own training rows only, so nothing of the scored fold leaks in.

Options:
  --folds K               number of folds, from 2 to the number of rows (default 5)
  --json                  make the last line of stdout one JSON object:
                          { "task", "metric", "folds": [score, …], "mean", "sd" }
  -h, --help              show this help
  Every flag train takes on a table but --test, --out, --checkpoint and --resume (--data,
  --target, --task, --drop-missing, --layers, --lr, --dropout, --weight-decay, --epochs,
  --early-stop, --seed, …), with train's defaults:

${TABLE_TRAIN_HELP}`;

/** The flags cv reads: train's on a table, and --folds. */
const CV_FLAGS = new Set<string>([...TABLE_SETTING_FLAGS, 'data', 'target', 'task', 'drop-missing', 'folds', 'json']);
export const CV_OPTIONS = { ...OPTIONS, folds: { type: 'string' } } as const;

/** --data, --target and --task: the table, read as train reads it. */
export async function trainingTable(o: Flags) {
  const file = path('data', o.data as string | undefined, true);
  const target = o.target as string | undefined;
  if (!target) throw new UsageError('--target COLUMN is required: the column to predict');
  const task = o.task === undefined ? undefined : oneOf('task', o.task as string, TABLE_TASKS);
  const table = await loadCsv(file, {
    target: target.split(',').map((t) => t.trim()),
    task,
    dropMissing: Boolean(o['drop-missing']),
  });
  return { file, table };
}

/** "r2 0.4812" or "accuracy 96.00%". */
export const scoreText = (metric: string, x: number) =>
  metric === 'r2' ? `r2 ${x.toFixed(4)}` : `accuracy ${(100 * x).toFixed(2)}%`;

export async function cv(argv: string[]): Promise<void> {
  const parsed = parse(argv, CV_OPTIONS, CV_HELP);
  if (!parsed) return;
  const o = parsed.values;
  for (const k of Object.keys(o))
    if (o[k] !== undefined && !CV_FLAGS.has(k)) throw new UsageError(`--${k} does not apply to cv`);
  const settings = tableSettings(o);
  const folds = int('folds', o.folds as string | undefined, 2) ?? 5;
  const { file, table } = await trainingTable(o);
  if (folds > table.data.length)
    throw new UsageError(`--folds ${folds} is more than the table’s ${table.data.length} rows`);
  log(summary(table, file));
  const network = tableNetwork(settings, table.schema, table.data.width);
  log(`cross-validating ${folds} folds of about ${count(table.data.length / folds)} rows`);
  const r = await crossValidate(table.data, network, tableFit(settings), {
    folds,
    seed: settings.seed,
    onFold: ({ fold, test, evaluation }) => {
      const m = evaluation.r2 !== undefined ? 'r2' : 'accuracy';
      log(`fold ${fold + 1}/${folds}: ${count(test.length)} rows  ${scoreText(m, evaluation[m]!)}`);
    },
  });
  log(
    `cv ${scoreText(r.metric, r.mean)} ± ${r.metric === 'r2' ? r.sd.toFixed(4) : `${(100 * r.sd).toFixed(2)}%`} (mean ± sd over ${folds} folds)`,
  );
  if (o.json) logJson({ task: table.schema.task, metric: r.metric, folds: r.scores, mean: r.mean, sd: r.sd });
}
