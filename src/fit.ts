// fit(): epochs of seeded shuffles and mini-batches, validation, early stopping, callbacks and
// history. Everything is checked, and every buffer and program allocated, before anything changes;
// nothing is allocated in the loop. When fit throws, the network is as it was before the fit, or
// at the end of the last epoch it completed.
import {
  bestEpoch,
  checkKeys,
  earlyStopReached,
  resolveOptimizer,
  show,
  validateFitSettings,
  type EarlyStopped,
  type EarlyStopping,
  type EpochProgress,
  type EpochLog,
  type FitSettings,
  type History,
} from './config.js';
import type { Core } from './core/core.js';
import { Optimizer } from './core/optimizer.js';
import { POOL_WAITING } from './core/threads.js';
import { Dataset } from './data/dataset.js';
import { fitScaling } from './data/scaling.js';
import { diagnosticsEvery } from './diagnostics.js';
import { bytesText } from './memory.js';
import { learningRateAt } from './schedule.js';
import type { FitOptions } from './network.js';

const now = () => performance.now();

export async function fit(core: Core, data: Dataset, options: FitOptions): Promise<History> {
  core.beginFit();
  const before = { scaling: core.scaling, epochs: core.history.length };
  try {
    return await fitting(core, data, options);
  } catch (e) {
    // A fit that fitted the scaling and then failed before an epoch ended leaves the network as it was.
    if (!core.disposed && core.scaling !== before.scaling && core.history.length === before.epochs)
      core.setScaling(before.scaling);
    throw e;
  } finally {
    core.endFit();
  }
}

/** Lets other events in (a worker thread's going away among them). */
const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The epochs: each run, then ended (validated, logged, kept); a pause mid-epoch returns at once. */
async function fitting(core: Core, data: Dataset, options: FitOptions): Promise<History> {
  const run = await prepare(core, data, options);
  const history: History = [];
  try {
    // A resumed run whose history already says stop trains nothing.
    for (let epoch = run.initialEpoch + 1; epoch <= run.settings.epochs && !stopsEarly(run); epoch++) {
      const log = await runEpoch(run, epoch);
      if (log === 'paused') return history;
      if (!(await endEpoch(run, log, history))) break;
    }
  } catch (e) {
    if (!core.disposed) core.restoreSnapshot();
    throw e;
  }
  return history;
}

/** What a fit runs with, made by prepare. */
type Run = Awaited<ReturnType<typeof prepare>>;
/** An epoch's sums so far (waited: ms spent in onBatchEnd's promises, not counted as training). */
interface Sums {
  cost: number;
  correct: number;
  seen: number;
  waited: number;
}

/**
 * Every check, the scaling, the threads, one reservation for all this fit allocates (a refusal
 * comes first and changes nothing), the programs and the optimizer; then the snapshot a throw
 * comes back to.
 */
async function prepare(core: Core, data: Dataset, options: FitOptions) {
  const { settings, initialEpoch, train, validation, every } = check(core, data, options);
  // The first fit finds the scaling in its training rows (never the validation rows); later fits keep it.
  const { scale } = core.config;
  if (scale !== 'none' && !core.scaling) core.setScaling(fitScaling(scale, train, core.task(train) === 'regression'));
  await core.startThreads();
  const { batchSize, l2, earlyStopping, weightDecay = 0, maxNorm } = settings;
  const n = train.length,
    rows = Math.min(batchSize, n);
  reserve(core, settings, train, validation, rows, every);
  const optimizer = core.optimizerFor(settings.optimizer);
  const r = core.resident(train, 0);
  if (validation) core.prepareEvaluate(validation);
  const plan = core.plan(rows);
  const stepOptions = { optimizer, withL2: l2 !== 0, decay: weightDecay !== 0, maxNorm: maxNorm !== undefined };
  const program = core.program('train', plan, r, stepOptions);
  // The same step with the diagnostics' sums, on the batches they measure (the same weights, the same masks).
  const diagnosed = every ? core.program('train', plan, r, { ...stepOptions, diagnostics: true }) : undefined;
  if (earlyStopping?.restoreBest) core.reserveBest();

  core.saveSnapshot(); // as the network was: a throw before the first epoch ends comes back here
  core.useFit(settings, optimizer);
  const programs = diagnosed ? [program, diagnosed] : [program];
  for (const p of programs) {
    core.useRows(p, r);
    optimizer.prepare(p, l2);
    p.set('maxNorm', maxNorm ?? 0);
  }
  const batches = Math.ceil(n / rows),
    { onBatchEnd, onEpochEnd } = options;
  const run = { core, settings, initialEpoch, train, validation, every, n, rows, batches, optimizer, r, plan };
  return { ...run, program, diagnosed, programs, onBatchEnd, onEpochEnd };
}

/** Everything this fit allocates, in one reservation, named in the refusal. */
function reserve(
  core: Core,
  settings: FitSettings,
  train: Dataset,
  validation: Dataset | undefined,
  rows: number,
  every: number,
): void {
  const newOptimizer = core.sameOptimizer(settings.optimizer) ? undefined : settings.optimizer;
  const needs: [string, number][] = [
    [
      `the ${settings.optimizer.name} optimizer's state`,
      newOptimizer ? Optimizer.bytes(resolveOptimizer(newOptimizer), core.paramBytes) : 0,
    ],
    ['the training data', core.residentBytes(train, 0)],
    ['the validation data', validation ? core.residentBytes(validation, 1) : 0],
    [`buffers for batches of ${rows}`, core.planBytes(rows)],
    ['buffers for validation batches', validation ? core.planBytes(Math.min(1000, validation.length)) : 0],
    ['the best epoch’s weights', settings.earlyStopping?.restoreBest ? core.bestBytes : 0],
    ['the programs of its passes', 1 << 16],
    ['the diagnostics', every ? core.diagnosis.bytes() : 0],
  ];
  const total = needs.reduce((s, [, b]) => s + b, 0);
  core.arena.reserve(
    total,
    `fit (${needs
      .filter(([, b]) => b)
      .map(([what, b]) => `${what} ${bytesText(b)}`)
      .join(', ')})`,
  );
}

/**
 * One epoch's batches (an epoch a fit stopped in the middle of goes on where it stopped, with the
 * same order), and its log; 'paused' when onBatchEnd stopped it before its last batch (nothing goes
 * into the history, and a later fit, or a checkpoint, continues from there).
 */
async function runEpoch(run: Run, epoch: number): Promise<EpochLog | 'paused'> {
  const { core, optimizer, every, batches } = run;
  const t0 = now();
  const { p, before, learningRate } = startEpoch(run, epoch);
  core.pool?.resetClaimed();
  if (core.pool?.auto) core.pool.auto.steps = 0;
  const sums: Sums = { cost: p?.cost ?? 0, correct: p?.correct ?? 0, seen: p?.seen ?? 0, waited: 0 };
  const seconds = () => (p?.seconds ?? 0) + (now() - t0 - sums.waited) / 1000;
  for (let b = p?.batch ?? 0; b < batches; b++) {
    const start = b * run.rows,
      m = Math.min(run.rows, run.n - start);
    const step = run.diagnosed && b % every === 0 ? run.diagnosed : run.program;
    optimizer.next(step);
    const finite = await runStep(run, step, start, m);
    const c = stepped(run, epoch, b, m, finite, sums);
    if (step === run.diagnosed) core.diagnosis.add(m);
    if (!run.onBatchEnd) continue;
    // Where the epoch is: a checkpoint made in onBatchEnd holds it, and a fit stopped here keeps it.
    const at = (): EpochProgress => {
      const { cost, correct, seen } = sums;
      const [batchSize, rows] = [run.rows, run.n];
      return { epoch, batch: b + 1, random: before, cost, correct, seen, seconds: seconds(), batchSize, rows };
    };
    core.enterBatchEnd(at);
    let go: boolean | Promise<boolean>;
    try {
      go = batchEnd(run, epoch, b, start + m, c / m, step === run.diagnosed, sums);
      if (go instanceof Promise) go = await go; // only then: a way to yield (or pause) mid-epoch at no cost otherwise
    } finally {
      core.leaveBatchEnd();
    }
    if (!go && b + 1 < batches) {
      core.pauseEpoch(at());
      return 'paused';
    }
    if (!go) break;
  }
  const took = seconds();
  // Every worker answers before the epoch counts (one that went away while idle is learnt of here).
  for (let a = core.pool?.checkIn(false); a === POOL_WAITING; a = core.pool!.checkIn(true)) {
    await yieldToEvents();
    core.check();
    core.pool!.waited();
  }
  const log: EpochLog = {
    epoch,
    loss: sums.cost / sums.seen,
    ...(!run.train.targets && { accuracy: sums.correct / sums.seen }),
    seconds: took,
    samplesPerSec: sums.seen / took,
    learningRate,
  };
  if (core.pool)
    core.epochThreads = { parts: core.pool.claimed(), ...(core.pool.auto && { alone: core.pool.auto.steps }) };
  if (every && core.diagnosis.epoch!.batches) log.diagnostics = core.diagnosis.epoch!.result();
  return log;
}

/** One step on rows [start, start + m) of the order, on the threads AutoThreads chooses: whether its loss was finite. */
async function runStep({ core, r }: Run, step: Run['program'], start: number, m: number): Promise<boolean> {
  const auto = core.pool?.auto,
    t = now();
  auto?.before();
  let finite = core.runBatch(step, r, start, m);
  while (finite === 'waiting') {
    await yieldToEvents();
    core.check();
    core.pool!.waited(); // throws after a minute of a worker there but not answering
    finite = step.resume();
  }
  auto?.after(now() - t);
  return finite;
}

/**
 * The epoch's learning rate set, and its row order: where a fit that stopped in its middle left
 * it (p), or drawn from the generator's state (before).
 */
function startEpoch(run: Run, epoch: number) {
  const { core, optimizer, settings, every } = run;
  const { epochs, schedule, shuffle, weightDecay = 0 } = settings;
  const learningRate = learningRateAt(schedule, optimizer.config.learningRate, epoch, epochs, core.history);
  for (const q of run.programs) optimizer.setLearningRate(q, learningRate, weightDecay);
  const p = core.continueEpoch(epoch);
  const before = core.random.state;
  core.putOrder(run.r, shuffle);
  // An epoch continued in this process goes on with its diagnostics; one continued elsewhere has only those after.
  if (every && !(p && core.diagnosis.epoch?.epoch === epoch)) core.diagnosis.start(epoch);
  return { p, before, learningRate };
}

/** Batch b's step ran (`finite`: its loss was finite): its sums added; its cost. */
function stepped(run: Run, epoch: number, b: number, m: number, finite: boolean, sums: Sums): number {
  const { core, optimizer, plan } = run;
  const c = core.cost(plan);
  if (!finite)
    throw new Error(
      `the loss became ${c} in epoch ${epoch}, batch ${b + 1} of ${run.batches}: ${diverged(optimizer, epoch)}`,
    );
  optimizer.stepped();
  sums.cost += c;
  sums.seen += m;
  sums.correct += core.correct(plan);
  return c;
}

/** onBatchEnd's answer for batch b: whether to go on (a promise only when onBatchEnd gave one). */
function batchEnd(
  run: Run,
  epoch: number,
  b: number,
  samples: number,
  loss: number,
  diagnosed: boolean,
  sums: Sums,
): boolean | Promise<boolean> {
  const { core, batches } = run;
  const measured = diagnosed ? core.diagnosis.epoch!.last() : undefined;
  const answer = run.onBatchEnd!({
    epoch,
    batch: b + 1,
    batches,
    loss,
    samples,
    ...(measured && { diagnostics: measured }),
  });
  if (!(answer instanceof Promise)) return answer !== false;
  const t = now();
  return answer.then((a) => {
    sums.waited += now() - t;
    core.check(); // disposed while it waited
    return a !== false;
  });
}

/**
 * The epoch's end: validation, the checks that it went well, the history, the best weights and
 * the snapshot, then onEpochEnd. Whether to go on.
 */
async function endEpoch(run: Run, log: EpochLog, history: History): Promise<boolean> {
  const { core, validation, optimizer } = run,
    { epoch } = log;
  if (validation) {
    const v = core.evaluate(validation, 1000);
    log.valLoss = v.loss;
    if (v.accuracy !== undefined) log.valAccuracy = v.accuracy;
    if (v.accuracies) log.valAccuracies = v.accuracies;
    if (v.mse !== undefined) Object.assign(log, { valMse: v.mse, valMae: v.mae, valR2: v.r2 });
  }
  if (!Number.isFinite(log.loss) || core.stateNonFinite()) {
    throw new Error(`the weights became non-finite in epoch ${epoch}: ${diverged(optimizer, epoch)}`);
  }
  if (!Number.isFinite(log.valLoss ?? 0)) {
    throw new Error(
      `the validation loss became ${log.valLoss} after epoch ${epoch}, though training went well (loss ${log.loss}): the network's outputs overflow on some validation rows, whose features are likely far larger than the training rows'. Scale the validation data as the training data; ${restoredTo(epoch, run.initialEpoch)}.`,
    );
  }
  history.push(log);
  core.history.push(log);
  if (run.settings.earlyStopping?.restoreBest && bestEpoch(core.history) === log) core.keepBest(epoch);
  core.saveSnapshot();
  const { onEpochEnd } = run;
  if (onEpochEnd && (await onEpochEnd(log)) === false) return false;
  core.check();
  if (epoch === run.settings.epochs) stopsEarly(run); // the last epoch can meet the rule too
  return true;
}

/** Whether the early-stopping rule says stop (noted on the network). */
function stopsEarly({ core, settings: { earlyStopping } }: Run): boolean {
  if (earlyStopping === undefined) return false;
  core.noteEarlyStop(earlyStop(core, earlyStopping));
  return core.earlyStopped !== undefined;
}
const FIT_OPTIONS: (keyof FitOptions)[] = [
  'epochs',
  'initialEpoch',
  'batchSize',
  'optimizer',
  'l2',
  'shuffle',
  'validationData',
  'validationSplit',
  'earlyStopping',
  'schedule',
  'weightDecay',
  'maxNorm',
  'onEpochEnd',
  'onBatchEnd',
  'diagnostics',
];

/** The settings and data of a fit, every check made; nothing is changed. */
function check(core: Core, data: Dataset, options: FitOptions) {
  core.check();
  if (!options || typeof options !== 'object') throw new Error('fit expects options { epochs, batchSize, … }');
  checkKeys(options, 'fit', FIT_OPTIONS);
  const settings = validateFitSettings(options);
  const { initialEpoch = 0 } = options;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= settings.epochs)
    throw new Error(
      `initialEpoch must be an integer from 0 to epochs − 1 = ${settings.epochs - 1}, got ${show(initialEpoch)}`,
    );
  if (!(data instanceof Dataset))
    throw new Error('fit: expected the training data as a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
  if (data.length === 0) throw new Error('the training data is empty: expected at least one row');
  let train = data,
    validation = options.validationData;
  if (validation !== undefined && settings.validationSplit !== undefined)
    throw new Error('give validationData or validationSplit, not both');
  if (settings.validationSplit !== undefined) {
    try {
      ({ train, validation } = data.splitValidation(settings.validationSplit));
    } catch (e) {
      throw new Error(`validationSplit ${(e as Error).message}`);
    }
  }
  if (validation !== undefined) {
    if (!(validation instanceof Dataset))
      throw new Error('validationData: expected a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
    if (validation.length === 0)
      throw new Error('validationData is empty: expected at least one row, or no validationData');
  }
  const untrainable = core.untrainableLayers();
  if (untrainable.length) {
    throw new Error(
      `${untrainable.join(', ')} cannot be trained by backpropagation: the step function's derivative is 0 wherever it exists (hard saturation), so no error signal reaches its weights. Use sigmoid (a smooth step) or relu instead.`,
    );
  }
  if (settings.earlyStopping && !validation)
    throw new Error('earlyStopping needs validation data: give validationData or validationSplit');
  core.checkRows(train);
  if (validation) core.checkRows(validation, 'validation data');
  const p = core.progress;
  if (
    p?.epoch === initialEpoch + 1 &&
    (p.batchSize !== Math.min(settings.batchSize, train.length) || p.rows !== train.length)
  ) {
    throw new Error(
      `epoch ${p.epoch} stopped after batch ${p.batch} of batches of ${p.batchSize} over ${p.rows} rows; continuing it needs the same data and batch size (now ${train.length} rows, batch size ${settings.batchSize}), or call fit with another initialEpoch`,
    );
  }
  return { settings, initialEpoch, train, validation, every: diagnosticsEvery(options.diagnostics) };
}

const restoredTo = (epoch: number, initialEpoch: number) =>
  `the network was restored to ${epoch > initialEpoch + 1 ? `the end of epoch ${epoch - 1}` : 'where it was before this fit'}`;

/** The network goes back to the end of the last good epoch: weights, optimizer and shuffle state alike. */
const diverged = (optimizer: Optimizer, epoch: number) =>
  `training diverged. Try a lower learning rate (now ${optimizer.config.learningRate}). The weights were restored to the end of ${epoch > 1 ? `epoch ${epoch - 1}` : 'initialisation'}.`;

/** The rule, and with restoreBest the best epoch's weights put back if this network kept them (keepBest). */
function earlyStop(core: Core, { patience, restoreBest }: Required<EarlyStopping>): EarlyStopped | undefined {
  const stop = earlyStopReached(core.history, patience);
  if (stop && !stop.restored && restoreBest && core.bestKept === stop.bestEpoch) {
    core.restoreBest();
    stop.restored = true;
  }
  return stop;
}
