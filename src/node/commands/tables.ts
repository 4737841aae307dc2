// The CLI on tables (CSV): `train --data FILE.csv --target COLUMN`, `eval --data FILE.csv` and
// `predict FILE.csv`. The training table's schema (columns, categories, classes) goes into the model
// file's meta, so that eval and predict read their rows as training read its own.
import {
  checkSchema,
  DEFAULT_LEARNING_RATES,
  formatCsv,
  Network,
  OPTIMIZER_NAMES,
  readModelHeader,
  SCALE_NAMES,
  TABLE_TASKS,
  classProbabilities,
  type ActivationName,
  type Dataset,
  type EpochLog,
  type Evaluation,
  type LayerSpec,
  type Table,
  type TableSchema,
} from '../../index.js';
import { count, int, oneOf, path, pct, real, threadCount, UsageError } from '../args.js';
import { checkWritable, readModelFile, saveModel, writeFileAtomic } from '../files.js';
import { describe } from '../format.js';
import { HIDDEN_ACTIVATIONS } from '../network-flags.js';
import { loadCsv } from '../table.js';

const log = (line: string) => process.stdout.write(line + '\n');

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
`;

/** The flags train reads for a table: any other is refused (e.g. --checkpoint), never ignored. */
const TABLE_FLAGS = new Set([
  ...['data', 'target', 'task', 'test', 'scale', 'drop-missing', 'layers', 'activation', 'seed', 'epochs', 'batch'],
  ...['early-stop', 'validation-split', 'optimizer', 'lr', 'momentum', 'nesterov', 'l2', 'backend', 'threads'],
  ...['fma', 'out', 'json', 'quiet'],
]);
/** The flags train takes only for a table. */
export const TABLE_ONLY = ['target', 'task', 'test', 'scale', 'drop-missing'] as const;

type Flags = Record<string, string | boolean | undefined>;
const str = (o: Flags, k: string) => o[k] as string | undefined;

/** What the CLI keeps in the model file's meta for a table. */
interface TableMeta {
  command: 'train';
  table: TableSchema;
  source: { file: string; rows: number; validationRows: number; test: string | null };
}

/** info's line for a model trained on a table (undefined for any other). */
export function tableText(meta: unknown, scale: string | undefined): string | undefined {
  const m = meta as Partial<TableMeta> | undefined;
  if (!m?.table || !m.source) return undefined;
  const { table: s, source: d } = m;
  return `data: the table ${d.file}, ${count(d.rows)} rows${d.validationRows ? `, ${count(d.validationRows)} held out for validation` : ''}; ${s.task} of ${s.targets.join(', ')}${s.classes ? ` (${s.classes.join(', ')})` : ''}; scale ${scale ?? 'none'}`;
}

/** The schema a model file's meta holds, or an Error saying the model was not trained on a table. */
function schemaOf(bytes: Uint8Array, file: string): TableSchema {
  const meta = readModelHeader(bytes, file).meta as Partial<TableMeta> | undefined;
  if (!meta?.table)
    throw new Error(
      `${file} was not trained on a table ('wasmlp train --data FILE.csv'), so it does not say which columns to read`,
    );
  checkSchema(meta.table);
  return meta.table;
}

/** A short description of the rows: their number, the features, and the classes' counts or the target's range. */
function summary(t: Table, file: string): string {
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

/** Hidden layers for `inputs` features: two, of 2×inputs and half that, within [8, 128]. */
export const defaultHidden = (inputs: number): number[] => {
  const h = Math.min(128, Math.max(8, 2 * inputs));
  return [h, Math.max(8, h >> 1)];
};

/** `wasmlp train` on a table. */
export async function trainTable(o: Flags): Promise<void> {
  for (const k of Object.keys(o))
    if (o[k] !== undefined && !TABLE_FLAGS.has(k))
      throw new UsageError(`--${k} applies to MNIST (IDX) data, not to a table`);
  const file = path('data', str(o, 'data'), true);
  const target = str(o, 'target');
  if (!target) throw new UsageError('--target COLUMN is required with a table: the column to predict');
  const task = str(o, 'task') === undefined ? undefined : oneOf('task', str(o, 'task')!, TABLE_TASKS);
  const scale = oneOf('scale', str(o, 'scale') ?? 'standard', SCALE_NAMES);
  const seed = int('seed', str(o, 'seed') ?? '1', 0, 0xffffffff)!;
  const epochs = int('epochs', str(o, 'epochs') ?? '300', 1, 1e6)!;
  const batchSize = int('batch', str(o, 'batch') ?? '32', 1, 1 << 24)!;
  const patience = int('early-stop', str(o, 'early-stop') ?? '20', 1)!;
  const split = real(
    'validation-split',
    str(o, 'validation-split') ?? '0.2',
    (x) => x >= 0 && x < 1,
    'a fraction from 0 (no validation) up to 1 (exclusive)',
  )!;
  const name = oneOf('optimizer', str(o, 'optimizer') ?? 'adam', OPTIMIZER_NAMES);
  const learningRate =
    real('lr', str(o, 'lr'), (x) => x > 0, 'a number > 0') ?? (name === 'adam' ? 0.01 : DEFAULT_LEARNING_RATES[name]);
  const momentum = real('momentum', str(o, 'momentum'), (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  const l2 = real('l2', str(o, 'l2') ?? '0', (x) => x >= 0, 'a number ≥ 0')!;
  const activation = oneOf<ActivationName>('activation', str(o, 'activation') ?? 'relu', HIDDEN_ACTIVATIONS);
  const backend = oneOf('backend', str(o, 'backend') ?? 'wasm', ['wasm', 'js'] as const);
  const out = path('out', str(o, 'out'));
  if (out) await checkWritable(out, 'out');

  const table = await loadCsv(file, {
    target: target.split(',').map((t) => t.trim()),
    task,
    dropMissing: Boolean(o['drop-missing']),
  });
  const testFile = path('test', str(o, 'test'));
  const test = testFile ? await loadCsv(testFile, { schema: table.schema }) : undefined;
  if (test && !test.hasTargets)
    throw new Error(`${testFile} has no column ${table.schema.targets.join(', ')}: test rows need their targets`);
  const s = table.schema;
  log(summary(table, file));
  if (test) log(`test: ${testFile}: ${count(test.data.length)} rows`);

  const hidden = str(o, 'layers')
    ? str(o, 'layers')!
        .split(',')
        .map((u) => int('layers', u.trim(), 1, 1 << 24)!)
    : defaultHidden(table.data.width);
  const outputs = s.task === 'classification' ? s.classes!.length : s.targets.length;
  const output: ActivationName =
    s.task === 'classification' ? 'softmax' : s.task === 'regression' ? 'identity' : 'sigmoid';
  const layers: LayerSpec[] = [
    ...hidden.map((units) => ({ units, activation })),
    { units: outputs, activation: output },
  ];
  const net = await Network.create({
    inputs: table.data.width,
    layers,
    loss: s.task === 'regression' ? 'mse' : 'cross-entropy',
    seed,
    backend,
    threads: threadCount(str(o, 'threads')),
    fma: Boolean(o.fma),
    scale,
    classes: s.classes,
  });
  const optimizer =
    name === 'momentum' ? { name, learningRate, momentum, nesterov: Boolean(o.nesterov) } : { name, learningRate };
  const data: Dataset = table.data.shuffled(seed);
  const held = split ? data.splitValidation(split) : undefined;
  log(
    `wasmlp: ${describe(net.inputs, net.config.layers)}, ${net.config.loss}, ${name} lr ${learningRate}, batch ${batchSize}, scale ${scale}` +
      (held ? `; ${count(held.train.length)} training rows, ${count(held.validation.length)} validation rows` : ''),
  );
  const every = Math.max(1, Math.round(epochs / 10));
  await net.fit(data, {
    epochs,
    batchSize,
    optimizer,
    l2,
    ...(held && { validationSplit: split, earlyStopping: { patience, restoreBest: true } }),
    onEpochEnd: (e) => {
      if (e.epoch % every === 0 || e.epoch === epochs) log(epochText(e, epochs));
    },
  });
  const stopped = net.earlyStopped;
  if (stopped)
    log(
      `early stop after epoch ${stopped.epoch}: the validation loss had not improved for ${patience} epochs; kept epoch ${stopped.bestEpoch}'s weights`,
    );
  const judged = test?.data ?? held?.validation ?? data;
  const what = test ? 'test' : held ? 'validation' : 'training';
  const result = net.evaluate(judged);
  log(`${what}: ${count(judged.length)} rows  loss ${result.loss.toFixed(4)}  ${metricsText(result)}`);
  if (out) {
    const meta: TableMeta = {
      command: 'train',
      table: s,
      source: { file, rows: table.data.length, validationRows: held?.validation.length ?? 0, test: testFile ?? null },
    };
    await saveModel(net, out, { meta: { ...meta } });
    log(`saved the model to ${out}`);
  }
  if (o.json)
    log(
      JSON.stringify({
        task: s.task,
        ...metricsJson(result),
        loss: result.loss,
        evaluatedOn: what,
        rows: judged.length,
        epochs: net.history.length,
        stoppedEarly: stopped ? stopped.bestEpoch : null,
        model: out ?? null,
      }),
    );
}

/** `wasmlp eval --model FILE --data FILE.csv`. */
export async function evalTable(modelFile: string, dataFile: string, backend: 'wasm' | 'js', json: boolean) {
  const bytes = await readModelFile(modelFile);
  const schema = schemaOf(bytes, modelFile);
  const table = await loadCsv(dataFile, { schema });
  if (!table.hasTargets)
    throw new Error(`${dataFile} has no column ${schema.targets.join(', ')}: evaluating needs the rows' targets`);
  const net = await Network.fromBytes(bytes, { backend, name: modelFile });
  const e = net.evaluate(table.data);
  log(
    `model: ${modelFile} (${describe(net.inputs, net.config.layers)}, ${schema.task} of ${schema.targets.join(', ')})`,
  );
  log(`${dataFile}: ${count(table.data.length)} rows  loss ${e.loss.toFixed(4)}  ${metricsText(e)}`);
  if (json) log(JSON.stringify({ task: schema.task, ...metricsJson(e), loss: e.loss, samples: table.data.length }));
}

/** `wasmlp predict --model FILE rows.csv`: the rows with prediction columns, as CSV. */
export async function predictTable(
  modelFile: string,
  dataFile: string,
  o: { out?: string; top?: number; backend: 'wasm' | 'js' },
): Promise<void> {
  const bytes = await readModelFile(modelFile);
  const schema = schemaOf(bytes, modelFile);
  if (o.out) await checkWritable(o.out, 'out');
  const table = await loadCsv(dataFile, { schema, keepRows: true });
  const net = await Network.fromBytes(bytes, { backend: o.backend, name: modelFile });
  const a = net.predict(table.data),
    k = net.outputs;
  const header = [...table.header];
  const rows = table.rows!.map((r) => [...r]);
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
    });
  } else {
    const names = schema.targets.map((t) => (k === 1 ? 'prediction' : `predicted_${t}`));
    header.push(...names);
    rows.forEach((row, i) => {
      for (let j = 0; j < k; j++) {
        const v = a[i * k + j];
        row.push(schema.task === 'multi-label' ? (v >= 0.5 ? '1' : '0') : String(v));
      }
    });
  }
  const text = formatCsv([header, ...rows], table.delimiter);
  if (o.out) {
    await writeFileAtomic(o.out, text);
    process.stderr.write(`wrote ${count(rows.length)} rows with predictions to ${o.out}\n`);
  } else process.stdout.write(text);
}
