// fit(): epochs of seeded shuffles and mini-batches, validation, early stopping, callbacks and
// history. Everything is checked, and every buffer and program allocated, before anything changes;
// nothing is allocated in the loop. When fit throws, the network is as it was before the fit, or
// at the end of the last epoch it completed.
import {
  bestEpoch,
  checkKeys,
  earlyStopReached,
  resolveOptimizer,
  shown,
  validateFitSettings,
  type EarlyStopped,
  type EarlyStopping,
  type EpochProgress,
  type EpochLog,
  type History,
} from './config.js';
import type { Core } from './core/core.js';
import { Optimizer } from './core/optimizer.js';
import { POOL_WAITING } from './core/threads.js';
import { Dataset } from './data/dataset.js';
import { fitScaling } from './data/scaling.js';
import { diagnosticsEvery, EpochDiagnostics } from './diagnostics.js';
import { bytesText } from './memory.js';
import { learningRateAt } from './schedule.js';
import type { FitOptions } from './network.js';

const now = () => performance.now();

export async function fit(core: Core, data: Dataset, options: FitOptions): Promise<History> {
  if (core.fitting)
    throw new Error('this network is already training: another fit() of it is running; wait for it to end');
  core.fitting = true;
  const before = { scaling: core.scaling, epochs: core.history.length };
  try {
    return await fitting(core, data, options);
  } catch (e) {
    // A fit that fitted the scaling and then failed before an epoch ended leaves the network as it was.
    if (!core.disposed && core.scaling !== before.scaling && core.history.length === before.epochs)
      core.setScaling(before.scaling);
    throw e;
  } finally {
    core.fitting = false;
  }
}

/** Lets other events in (a worker thread's going away among them). */
const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

async function fitting(core: Core, data: Dataset, options: FitOptions): Promise<History> {
  const { settings, initialEpoch, train, validation, every } = check(core, data, options);
  // The first fit finds the scaling in its training rows (never the validation rows); later fits keep it.
  const { scale } = core.config;
  if (scale !== 'none' && !core.scaling) core.setScaling(fitScaling(scale, train, core.task(train) === 'regression'));
  await core.startThreads();
  const { epochs, batchSize, l2, shuffle, earlyStopping, schedule, weightDecay = 0, maxNorm } = settings;
  const { onEpochEnd, onBatchEnd } = options;
  const n = train.length,
    rows = Math.min(batchSize, n),
    batches = Math.ceil(n / rows);

  // Everything this fit allocates, in one reservation: a refusal comes first and changes nothing.
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
    ['the best epoch’s weights', earlyStopping?.restoreBest ? core.bestBytes : 0],
    ['the programs of its passes', 1 << 16],
    ['the diagnostics', every ? core.diagBytes() : 0],
  ];
  const total = needs.reduce((s, [, b]) => s + b, 0);
  core.arena.reserve(
    total,
    `fit (${needs
      .filter(([, b]) => b)
      .map(([what, b]) => `${what} ${bytesText(b)}`)
      .join(', ')})`,
  );
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
  core.useOptimizer(optimizer);
  core.lastFit = settings;
  core.earlyStopped = undefined;
  for (const p of diagnosed ? [program, diagnosed] : [program]) {
    core.useRows(p, r);
    optimizer.prepare(p, l2);
    p.set('maxNorm', maxNorm ?? 0);
  }
  const history: History = [];
  const stopsEarly = () =>
    earlyStopping !== undefined && (core.earlyStopped = earlyStop(core, earlyStopping)) !== undefined;
  try {
    // A resumed run whose history already says stop trains nothing.
    for (let epoch = initialEpoch + 1; epoch <= epochs && !stopsEarly(); epoch++) {
      const t0 = now();
      const learningRate = learningRateAt(schedule, optimizer.config.learningRate, epoch, epochs, core.history);
      for (const q of diagnosed ? [program, diagnosed] : [program])
        optimizer.setLearningRate(q, learningRate, weightDecay);
      // An epoch a fit stopped in the middle of goes on where it stopped, with the same order.
      const p = core.progress?.epoch === epoch ? core.progress : undefined;
      core.progress = undefined;
      if (p) core.random.state = p.random;
      const before = core.random.state;
      core.putOrder(r, shuffle);
      // An epoch continued in this process goes on with its diagnostics; one continued elsewhere has only those after.
      if (every && !(p && core.diagnostics?.epoch === epoch)) {
        core.diagnostics = new EpochDiagnostics(epoch, core.layers.length);
        core.clearAlive();
      }
      let cost = p?.cost ?? 0,
        correct = p?.correct ?? 0,
        seen = p?.seen ?? 0,
        waited = 0;
      for (let b = p?.batch ?? 0; b < batches; b++) {
        const start = b * rows;
        const m = Math.min(rows, n - start);
        const step = diagnosed && b % every === 0 ? diagnosed : program;
        optimizer.next(step);
        let finite = core.runBatch(step, r, start, m);
        while (finite === 'waiting') {
          await yieldToEvents();
          core.check();
          core.pool!.waited(); // throws after a minute of a worker there but not answering
          finite = step.resume();
        }
        const c = core.cost(plan);
        if (!finite)
          throw new Error(
            `the loss became ${c} in epoch ${epoch}, batch ${b + 1} of ${batches}: ${diverged(optimizer, epoch)}`,
          );
        optimizer.stepped();
        cost += c;
        seen += m;
        correct += core.correct(plan);
        if (step === diagnosed) core.diagnostics!.add(core.diagSums(m));
        const measured = step === diagnosed && onBatchEnd ? core.diagnostics!.last() : undefined;
        if (!onBatchEnd) continue;
        // Where the epoch is: a checkpoint made in onBatchEnd holds it, and a fit stopped here keeps it.
        const at = (): EpochProgress => ({
          epoch,
          batch: b + 1,
          random: before,
          cost,
          correct,
          seen,
          seconds: (p?.seconds ?? 0) + (now() - t0 - waited) / 1000,
          batchSize: rows,
          rows: n,
        });
        core.batchEnd = at;
        let go: boolean;
        try {
          const answer = onBatchEnd({
            epoch,
            batch: b + 1,
            batches,
            loss: c / m,
            samples: start + m,
            ...(measured && { diagnostics: measured }),
          });
          go = answer !== false;
          // Awaited only when it returns a promise: a way to yield (or pause) mid-epoch at no cost otherwise.
          if (answer instanceof Promise) {
            const t = now();
            go = (await answer) !== false;
            waited += now() - t;
            core.check(); // disposed while it waited
          }
        } finally {
          core.batchEnd = undefined;
        }
        if (!go && b + 1 < batches) {
          // Stopped mid-epoch: nothing goes into the history, and a later fit (or a checkpoint) continues from here.
          core.progress = at();
          return history;
        }
        if (!go) break;
      }
      const seconds = (p?.seconds ?? 0) + (now() - t0 - waited) / 1000;
      // Every worker answers before the epoch counts (one that went away while idle is learnt of here).
      for (let a = core.pool?.checkIn(false); a === POOL_WAITING; a = core.pool!.checkIn(true)) {
        await yieldToEvents();
        core.check();
        core.pool!.waited();
      }
      const log: EpochLog = {
        epoch,
        loss: cost / seen,
        ...(!train.targets && { accuracy: correct / seen }),
        seconds,
        samplesPerSec: seen / seconds,
        learningRate,
      };
      if (every && core.diagnostics!.batches) log.diagnostics = core.diagnostics!.result();
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
          `the validation loss became ${log.valLoss} after epoch ${epoch}, though training went well (loss ${log.loss}): the network's outputs overflow on some validation rows, whose features are likely far larger than the training rows'. Scale the validation data as the training data; ${restoredTo(epoch, initialEpoch)}.`,
        );
      }
      history.push(log);
      core.history.push(log);
      if (earlyStopping?.restoreBest && bestEpoch(core.history) === log) core.keepBest(epoch);
      core.saveSnapshot();
      if (onEpochEnd && (await onEpochEnd(log)) === false) break;
      core.check();
      if (epoch === epochs) stopsEarly(); // the last epoch can meet the rule too
    }
  } catch (e) {
    if (!core.disposed) core.restoreSnapshot();
    throw e;
  }
  return history;
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
      `initialEpoch must be an integer from 0 to epochs − 1 = ${settings.epochs - 1}, got ${shown(initialEpoch)}`,
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
