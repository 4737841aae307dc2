// The CLI on tables (CSV): `train --data FILE.csv --target COLUMN`, `eval --data FILE.csv` and
// `predict FILE.csv`. The training table's schema (columns, categories, classes) goes into the model
// file (net.table), so that eval and predict read their rows as training read its own.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import {
  checkSchema,
  decodeEnsemble,
  Ensemble,
  formatCsv,
  isEnsembleFile,
  Network,
  readModelHeader,
  SCALE_NAMES,
  TABLE_TASKS,
  classProbabilities,
  type Dataset,
  type EpochLog,
  type Evaluation,
  type FitOptions,
  type ModelHeader,
  type Table,
  type TableSchema,
  type TableTask,
} from '../../index.js';
import { count, int, oneOf, path, pct, threadCount, UsageError } from '../args.js';
import { checkpointName, findCheckpoint, keepBest, prepareCheckpointDir } from '../checkpoints.js';
import { checkWritable, readModelFile, saveModel, writeFileAtomic } from '../files.js';
import { describe, regularisationText, scheduleText } from '../format.js';
import { loadCsv } from '../table.js';
import { tableFit, tableNetwork, tableSettings, TABLE_SETTING_FLAGS, type Flags } from '../table-settings.js';
import { log, logJson } from '../text.js';

/** Whether `--data` names a table rather than an IDX folder. */
export const isTable = (data: string | undefined): boolean => /\.(csv|tsv)$/i.test(data ?? '');

export const TABLE_TRAIN_HELP = `Tables (CSV):
  --data FILE.csv         a table: a header row, then one row per sample; comma, semicolon or tab;
                          numeric and categorical columns (categories become one-hot features)
  --target COLUMN         the column to predict (several: comma-separated). A categorical or
                          small-integer column (≤ 10 values) is a classification, a numeric one a
                          regression, several 0/1 columns multi-label
  --task NAME             ${TABLE_TASKS.join(' | ')}: overrides that guess
  --test FILE.csv         rows to test on once, at the end (read as the training table is)
  --scale NAME            ${SCALE_NAMES.join(' | ')}: column scaling fitted on the training rows,
                          kept in the model and applied to every row it reads; a regression's
                          target too: predictions come back in its units (default standard)
  --drop-missing          leave out rows with a missing value (default: refuse them)
  With a table, --layers lists the hidden layers only (default: two, of 2×features and half that,
  at least 8 and at most 128), --activation is theirs; the output layer follows the task (softmax,
  identity with mse, sigmoid). The rows are shuffled (by --seed) and --validation-split holds out
  0.2 of them by default; --epochs defaults to 300, --early-stop to 20 (the best epoch is kept),
  --batch to 32, --lr to 0.01 (adam). Without --test, the validation rows are the test rows.
  Every other training flag works on a table as on MNIST, off by default: --dropout,
  --input-dropout, --l2, --weight-decay, --max-norm, --schedule, --init, --momentum.
  --checkpoint DIR writes DIR/epoch-NNNN.wasmlp after every epoch; --resume DIR continues the run
  exactly, reading the table again (from its file, or --data) and refusing other rows.
`;

/** The flags train reads for a table: any other is refused (e.g. --limit), never ignored. */
const TABLE_FLAGS = new Set<string>([
  ...TABLE_SETTING_FLAGS,
  ...['data', 'target', 'task', 'test', 'drop-missing', 'out', 'json', 'quiet', 'checkpoint', 'resume'],
]);
/** The flags a resumed table run may give: the checkpoint fixes the rest. */
const RESUME_FLAGS = new Set(['resume', 'data', 'test', 'epochs', 'early-stop', 'backend', 'threads', 'fma']);
/** The flags train takes only for a table. */
export const TABLE_ONLY = ['target', 'task', 'test', 'scale', 'drop-missing'] as const;

const str = (o: Flags, k: string) => o[k] as string | undefined;

/** What the CLI keeps in the model file's meta for a table (the schema is the file's own `table`). */
interface TableMeta {
  command: 'train';
  /** Files written before the schema had its place in the model file kept it here. */
  table?: TableSchema;
  source: { file: string; rows: number; validationRows: number; test: string | null };
  /** What a resumed run needs: the rows' hash (in their shuffled order), the split and the patience. */
  run?: { fingerprint: string; split: number; patience: number; task: TableTask | null; dropMissing: boolean };
  /** After an early stop: the epoch whose weights the model file holds. */
  weightsEpoch?: number;
}

/** The table a model file's header says the network was trained on, if any. */
const tableOf = (h: ModelHeader): TableSchema | undefined =>
  h.table ?? (h.meta as Partial<TableMeta> | undefined)?.table;

/** info's line for a model trained on a table (undefined for any other). */
export function tableText(h: ModelHeader): string | undefined {
  const s = tableOf(h);
  if (!s) return undefined;
  const d = (h.meta as Partial<TableMeta> | undefined)?.source;
  const source = d
    ? `the table ${d.file}, ${count(d.rows)} rows${d.validationRows ? `, ${count(d.validationRows)} held out for validation` : ''}`
    : 'a table';
  return `data: ${source}; ${s.task} of ${s.targets.join(', ')}${s.classes ? ` (${s.classes.join(', ')})` : ''}; scale ${h.network.scale ?? 'none'}`;
}

/** The schema a model file holds, or an Error saying the model was not trained on a table. */
function schemaOf(bytes: Uint8Array, file: string): TableSchema {
  const h = isEnsembleFile(bytes) ? decodeEnsemble(bytes, file).members[0].header : readModelHeader(bytes, file);
  const s = tableOf(h);
  if (!s)
    throw new Error(
      `${file} was not trained on a table ('wasmlp train --data FILE.csv', or fit on rows parseCsv read), so it does not say which columns to read`,
    );
  checkSchema(s);
  return s;
}

/** For a command that reads MNIST images: a model trained on a table is refused, saying what to pass instead. */
export function refuseTableModel(bytes: Uint8Array, file: string, pass: string): void {
  const table = tableOf(readModelHeader(bytes, file));
  if (table)
    throw new UsageError(
      `${file} was trained on a table (${table.task} of ${table.targets.join(', ')}), not on MNIST images: pass ${pass}`,
    );
}

/** A short description of the rows: their number, the features, and the classes' counts or the target's range. */
export function summary(t: Table, file: string): string {
  const s = t.schema,
    d = t.data;
  const categorical = s.features.filter((f) => f.kind === 'category').length;
  const lines = [
    `data: ${file}: ${count(d.length)} rows${t.dropped.length ? ` (${count(t.dropped.length)} with a missing value left out)` : ''}, ${s.features.length} feature columns (${s.features.length - categorical} numeric, ${categorical} categorical) → ${d.width} inputs`,
  ];
  if (s.task === 'classification') {
    const n = new Array<number>(s.classes!.length).fill(0);
    for (const y of d.labels) n[y]++;
    lines.push(
      `target: ${s.targets[0]}, ${s.classes!.length} classes: ${s.classes!.map((c, i) => `${c} ${count(n[i])}`).join(', ')}`,
    );
  } else
    s.targets.forEach((name, j) => {
      const k = s.targets.length;
      let lo = Infinity,
        hi = -Infinity,
        sum = 0;
      for (let i = 0; i < d.length; i++) {
        const v = d.targets![i * k + j];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        sum += v;
      }
      lines.push(
        s.task === 'regression'
          ? `target: ${name} (regression), from ${num(lo)} to ${num(hi)}, mean ${num(sum / d.length)}`
          : `target: ${name} (multi-label), ${count(sum)} of ${count(d.length)} rows are 1`,
      );
    });
  return lines.join('\n');
}

const num = (x: number) => Number(x.toPrecision(4)).toString();

/** The metrics that fit the task, as text. */
export function metricsText(e: Evaluation): string {
  if (e.mse !== undefined) return `mse ${num(e.mse)}  mae ${num(e.mae!)}  r2 ${e.r2!.toFixed(4)}`;
  return `accuracy ${pct(e.accuracy!)}${e.accuracies ? ` (per output: ${e.accuracies.map(pct).join(', ')})` : ''}`;
}

/** The metrics that fit the task, for --json. */
const metricsJson = (e: Evaluation) =>
  e.mse !== undefined ? { mse: e.mse, mae: e.mae, r2: e.r2 } : { accuracy: e.accuracy };

const epochText = (e: EpochLog, epochs: number) =>
  `epoch ${e.epoch}/${epochs}  loss ${e.loss.toFixed(4)}` +
  (e.valLoss === undefined
    ? ''
    : `  val loss ${e.valLoss.toFixed(4)}  val ${metricsText({ loss: e.valLoss, accuracy: e.valAccuracy, accuracies: e.valAccuracies, mse: e.valMse, mae: e.valMae, r2: e.valR2 })}`);

/** Identifies a table's rows in their order, features and targets: a resume on other rows is refused. */
export function tableFingerprint(d: Dataset): string {
  const h = createHash('sha256');
  for (const a of [d.features, d.targets ?? d.labels]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}

/** Whether a --resume target is a checkpoint of a table run (else train resumes it as MNIST). */
export async function isTableCheckpoint(target: string): Promise<boolean> {
  try {
    const file = await findCheckpoint(target);
    return Boolean(tableOf(readModelHeader(await readModelFile(file), file)));
  } catch {
    return false; // train's MNIST resume says what is wrong with it
  }
}

/** A table run: the network, its shuffled rows, the fit and what goes into the model file. */
interface TableRun {
  net: Network;
  data: Dataset;
  fit: FitOptions;
  test: Table | undefined;
  meta: TableMeta;
  checkpointDir: string | undefined;
  resumedFrom?: string;
}

/** `wasmlp train` on a table. */
export async function trainTable(o: Flags): Promise<void> {
  for (const k of Object.keys(o))
    if (o[k] !== undefined && !TABLE_FLAGS.has(k))
      throw new UsageError(`--${k} applies to MNIST (IDX) data, not to a table`);
  const out = path('out', str(o, 'out'));
  if (out) await checkWritable(out, 'out');
  const run = str(o, 'resume') ? await resumeTable(o) : await newTable(o);
  const unlock = run.checkpointDir ? await prepareCheckpointDir(run.checkpointDir, !run.resumedFrom) : undefined;
  try {
    await fitTable(run, o, out);
  } finally {
    await unlock?.();
  }
}

async function newTable(o: Flags): Promise<TableRun> {
  const file = path('data', str(o, 'data'), true);
  const target = str(o, 'target');
  if (!target) throw new UsageError('--target COLUMN is required with a table: the column to predict');
  const task = str(o, 'task') === undefined ? undefined : oneOf('task', str(o, 'task')!, TABLE_TASKS);
  const settings = tableSettings(o);
  const checkpointDir = path('checkpoint', str(o, 'checkpoint'));
  const dropMissing = Boolean(o['drop-missing']);
  const table = await loadCsv(
    file,
    { target: target.split(',').map((t) => t.trim()), task, dropMissing },
    '--drop-missing',
  );
  const testFile = path('test', str(o, 'test'));
  const test = testFile ? await testTable(testFile, table.schema) : undefined;
  log(summary(table, file));
  if (test) log(`test: ${testFile}: ${count(test.data.length)} rows`);
  const net = await Network.create(tableNetwork(settings, table.schema, table.data.width));
  const data = table.data.shuffled(settings.seed);
  const fit = tableFit(settings);
  const validationRows = fit.validationSplit ? data.splitValidation(fit.validationSplit).validation.length : 0;
  const meta: TableMeta = {
    command: 'train',
    source: { file, rows: table.data.length, validationRows, test: testFile ?? null },
    run: {
      fingerprint: tableFingerprint(data),
      split: settings.split,
      patience: settings.patience,
      task: task ?? null,
      dropMissing,
    },
  };
  return { net, data, fit, test, meta, checkpointDir };
}

async function testTable(file: string, schema: TableSchema): Promise<Table> {
  const test = await loadCsv(file, { schema });
  if (!test.hasTargets)
    throw new Error(`${file} has no column ${schema.targets.join(', ')}: test rows need their targets`);
  return test;
}

/** `train --resume FILE|DIR` of a table run: the same rows (checked), the checkpoint's settings. */
async function resumeTable(o: Flags): Promise<TableRun> {
  for (const k of Object.keys(o))
    if (o[k] !== undefined && !RESUME_FLAGS.has(k) && !['out', 'json', 'quiet', 'checkpoint'].includes(k))
      throw new UsageError(
        `--${k} cannot change with --resume: the checkpoint fixes the network, the table and the training settings so that the run continues exactly (only --epochs, --early-stop, --data, --test, --backend, --threads, --fma and the output flags may be given)`,
      );
  const file = await findCheckpoint(path('resume', str(o, 'resume'), true));
  const bytes = await readModelFile(file);
  const header = readModelHeader(bytes, file);
  const meta = header.meta as unknown as TableMeta;
  const schema = tableOf(header);
  if (!meta.run || !schema) throw new Error(`${file} does not say which rows it was trained on: it cannot be resumed`);
  const dataFile = path('data', str(o, 'data')) ?? meta.source.file;
  const table = await loadCsv(dataFile, { schema, dropMissing: meta.run.dropMissing });
  const net = await Network.fromBytes(bytes, {
    backend: oneOf('backend', str(o, 'backend') ?? 'wasm', ['wasm', 'js'] as const),
    name: file,
    threads: threadCount(str(o, 'threads')),
    fma: Boolean(o.fma),
  });
  const data = table.data.shuffled(net.config.seed);
  if (tableFingerprint(data) !== meta.run.fingerprint)
    throw new Error(
      `${dataFile} holds other rows than the ones ${file} was trained on; resuming would not reproduce the run: point --data at the same table`,
    );
  const done = net.history.at(-1)?.epoch ?? 0;
  const { validationSplit: _, earlyStopping: __, ...last } = net.lastFit!;
  const epochs = int('epochs', str(o, 'epochs'), 1, 1e6) ?? last.epochs;
  if (epochs < done)
    throw new UsageError(`--epochs ${epochs} is fewer than the ${done} epochs ${file} has already trained`);
  const patience = int('early-stop', str(o, 'early-stop'), 1) ?? meta.run.patience;
  const split = meta.run.split;
  const testFile = path('test', str(o, 'test')) ?? meta.source.test ?? undefined;
  log(`resuming from ${file}: ${done} of ${epochs} epochs done`);
  return {
    net,
    data,
    fit: {
      ...last,
      epochs,
      initialEpoch: done,
      ...(split > 0 && { validationSplit: split, earlyStopping: { patience, restoreBest: true } }),
    },
    test: testFile ? await testTable(testFile, schema) : undefined,
    meta: { ...meta, run: { ...meta.run, patience } },
    checkpointDir: path('checkpoint', str(o, 'checkpoint')) ?? dirname(file),
    resumedFrom: file,
  };
}

async function fitTable(run: TableRun, o: Flags, out: string | undefined): Promise<void> {
  const { net, data, fit, test, meta, checkpointDir } = run;
  const held = fit.validationSplit ? data.splitValidation(fit.validationSplit) : undefined;
  const opt = fit.optimizer!;
  log(
    `wasmlp: ${describe(net.inputs, net.config.layers)}, ${net.config.loss}, ${opt.name} lr ${opt.learningRate}, batch ${fit.batchSize}, scale ${net.config.scale}` +
      (held ? `; ${count(held.train.length)} training rows, ${count(held.validation.length)} validation rows` : ''),
  );
  const regularisation = regularisationText(net.config, fit);
  if (regularisation !== 'none' || fit.schedule)
    log(`regularisation: ${regularisation}${fit.schedule ? `; learning rate ${scheduleText(fit.schedule)}` : ''}`);
  const epochs = fit.epochs,
    every = Math.max(1, Math.round(epochs / 10));
  await net.fit(data, {
    ...fit,
    onEpochEnd: async (e) => {
      if (e.epoch % every === 0 || e.epoch === epochs) log(epochText(e, epochs));
      if (checkpointDir)
        await saveModel(net, join(checkpointDir, checkpointName(e.epoch)), { checkpoint: true, meta: { ...meta } });
    },
  });
  const stopped = net.earlyStopped;
  if (stopped) {
    const kept = await keepBest(net, stopped, checkpointDir);
    log(
      `early stop after epoch ${stopped.epoch}: the validation loss had not improved for ${fit.earlyStopping!.patience} epochs; ${kept}`,
    );
  }
  const judged = test?.data ?? held?.validation ?? data;
  const what = test ? 'test' : held ? 'validation' : 'training';
  const result = net.evaluate(judged);
  log(`${what}: ${count(judged.length)} rows  loss ${result.loss.toFixed(4)}  ${metricsText(result)}`);
  if (out) {
    const weightsEpoch = stopped && (stopped.restored ? stopped.bestEpoch : stopped.epoch);
    await saveModel(net, out, { meta: { ...meta, ...(weightsEpoch && { weightsEpoch }) } });
    log(`saved the model to ${out}`);
  }
  if (o.json)
    logJson({
      task: net.table!.task,
      ...metricsJson(result),
      loss: result.loss,
      evaluatedOn: what,
      rows: judged.length,
      epochs: net.history.length,
      stoppedEarly: stopped ? stopped.bestEpoch : null,
      model: out ?? null,
    });
}

/** A model file's network or an ensemble file's ensemble: they predict and evaluate alike. */
async function networkOf(bytes: Uint8Array, file: string, backend: 'wasm' | 'js'): Promise<Network | Ensemble> {
  const o = { backend, name: file };
  return isEnsembleFile(bytes) ? Ensemble.fromBytes(bytes, o) : Network.fromBytes(bytes, o);
}

/** How eval names what a model file holds: a network's layers, or an ensemble of K of them. */
export const modelText = (net: Network | Ensemble): string =>
  net instanceof Ensemble
    ? `an ensemble of ${net.size} networks ${describe(net.inputs, net.members[0].config.layers)}, their outputs averaged`
    : describe(net.inputs, net.config.layers);

/** `wasmlp eval --model FILE --data FILE.csv`. */
export async function evalTable(modelFile: string, dataFile: string, backend: 'wasm' | 'js', json: boolean) {
  const bytes = await readModelFile(modelFile);
  const schema = schemaOf(bytes, modelFile);
  const table = await loadCsv(dataFile, { schema });
  if (!table.hasTargets)
    throw new Error(`${dataFile} has no column ${schema.targets.join(', ')}: evaluating needs the rows' targets`);
  const net = await networkOf(bytes, modelFile, backend);
  const e = net.evaluate(table.data);
  log(`model: ${modelFile} (${modelText(net)}, ${schema.task} of ${schema.targets.join(', ')})`);
  log(`${dataFile}: ${count(table.data.length)} rows  loss ${e.loss.toFixed(4)}  ${metricsText(e)}`);
  if (json) logJson({ task: schema.task, ...metricsJson(e), loss: e.loss, samples: table.data.length });
}

/** `wasmlp predict --model FILE rows.csv`: the rows with prediction columns, as CSV (and with --json, as JSON). */
export async function predictTable(
  modelFile: string,
  dataFile: string,
  o: { out?: string; top?: number; backend: 'wasm' | 'js'; json?: boolean },
): Promise<void> {
  const bytes = await readModelFile(modelFile);
  const schema = schemaOf(bytes, modelFile);
  if (o.out) await checkWritable(o.out, 'out');
  const table = await loadCsv(dataFile, { schema, keepRows: true });
  const net = await networkOf(bytes, modelFile, o.backend);
  const a = net.predict(table.data),
    k = net.outputs;
  const header = [...table.header];
  const rows = table.rows!.map((r) => [...r]);
  const json: object[] = []; // one object per row, for --json
  if (schema.task === 'classification') {
    const classes = schema.classes!,
      top = Math.min(o.top ?? 0, classes.length);
    header.push('prediction');
    for (let j = 1; j <= top; j++)
      header.push(...(j === 1 ? ['probability'] : [`prediction_${j}`, `probability_${j}`]));
    rows.forEach((row, i) => {
      const p = classProbabilities(a.subarray(i * k, (i + 1) * k));
      const order = p.map((_, c) => c).sort((x, y) => p[y] - p[x] || x - y);
      row.push(classes[order[0]]);
      for (let j = 0; j < top; j++) row.push(...(j === 0 ? [] : [classes[order[j]]]), num(p[order[j]]));
      const ranked = order.slice(0, Math.max(1, top)).map((c) => ({ label: classes[c], p: p[c] }));
      json.push({ row: i + 1, label: classes[order[0]], top: ranked });
    });
  } else {
    const names = schema.targets.map((t) => (k === 1 ? 'prediction' : `predicted_${t}`));
    header.push(...names);
    rows.forEach((row, i) => {
      const values: Record<string, number> = {};
      for (let j = 0; j < k; j++) {
        const v = a[i * k + j];
        values[schema.targets[j]] = schema.task === 'multi-label' ? (v >= 0.5 ? 1 : 0) : v;
        row.push(String(values[schema.targets[j]]));
      }
      json.push({ row: i + 1, values });
    });
  }
  const text = formatCsv([header, ...rows], table.delimiter);
  if (o.out) {
    await writeFileAtomic(o.out, text);
    process.stderr.write(`wrote ${count(rows.length)} rows with predictions to ${o.out}\n`);
  } else if (!o.json) process.stdout.write(text);
  if (o.json) logJson({ task: schema.task, predictions: json });
}
