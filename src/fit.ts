// fit(): epochs of seeded shuffles and mini-batches, validation, early stopping, callbacks and
// history. Nothing is allocated in WebAssembly memory inside the loop: every buffer and program
// exists before it starts.
import {
  bestEpoch,
  earlyStopReached,
  validateFitSettings,
  type EarlyStopped,
  type EarlyStopping,
  type EpochLog,
  type History,
} from './config.js';
import { resetOrder, type Core } from './core/core.js';
import { Dataset } from './data/dataset.js';
import type { FitOptions } from './network.js';

const now = () => performance.now();

export async function fit(core: Core, data: Dataset, options: FitOptions): Promise<History> {
  core.check();
  const o = options ?? ({} as FitOptions);
  const { initialEpoch = 0, onEpochEnd, onBatchEnd } = o;
  const settings = validateFitSettings(o);
  const { epochs, batchSize, l2, shuffle, earlyStopping } = settings;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs)
    throw new Error(
      `initialEpoch must be an integer from 0 to epochs − 1 = ${epochs - 1}, got ${JSON.stringify(initialEpoch)}`,
    );
  if (!(data instanceof Dataset))
    throw new Error('fit: expected the training data as a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
  if (data.length === 0) throw new Error('the training data is empty: expected at least one row');
  if (o.validationData && settings.validationSplit !== undefined)
    throw new Error('give validationData or validationSplit, not both');
  const untrainable = core.untrainableLayers();
  if (untrainable.length) {
    throw new Error(
      `${untrainable.join(', ')} cannot be trained by backpropagation: the step function's derivative is 0 wherever it exists (hard saturation), so no error signal reaches its weights. Use sigmoid (a smooth step) or relu instead.`,
    );
  }
  let train = data,
    validationData = o.validationData;
  if (settings.validationSplit !== undefined) {
    try {
      ({ train, validation: validationData } = data.splitValidation(settings.validationSplit));
    } catch (e) {
      throw new Error(`validationSplit ${(e as Error).message}`);
    }
  }
  if (earlyStopping && !validationData)
    throw new Error('earlyStopping needs validation data: give validationData or validationSplit');
  const optimizer = core.useOptimizer(settings.optimizer);
  core.lastFit = settings;
  core.earlyStopped = undefined;
  const r = core.resident(train, 0);
  if (validationData) core.resident(validationData, 1); // validate and copy before the first epoch
  const n = train.length;
  const rows = Math.min(batchSize, n);
  const plan = core.plan(rows);
  const program = core.program('train', plan, r, l2 !== 0);
  core.useRows(program, r);
  optimizer.prepare(program, l2);
  if (earlyStopping?.restoreBest) core.reserveBest();
  const batches = Math.ceil(n / rows);
  const history: History = [];
  const stopsEarly = () =>
    earlyStopping !== undefined && (core.earlyStopped = earlyStop(core, earlyStopping)) !== undefined;
  core.saveSnapshot();

  // A resumed run whose history already says stop trains nothing.
  for (let epoch = initialEpoch + 1; epoch <= epochs && !stopsEarly(); epoch++) {
    const t0 = now();
    const order = core.arena.u32(r.order, n);
    resetOrder(order);
    if (shuffle) core.random.shuffle(order);
    let cost = 0,
      correct = 0,
      seen = 0,
      waited = 0,
      stop = false;
    for (let b = 0; b < batches; b++) {
      const start = b * rows;
      const m = Math.min(rows, n - start);
      optimizer.next(program);
      const finite = core.runBatch(program, r, start, m);
      const c = core.cost(plan);
      if (!finite) {
        core.restoreSnapshot();
        throw new Error(
          `the loss became ${c} in epoch ${epoch}, batch ${b + 1} of ${batches}: training diverged. Try a lower learning rate (now ${optimizer.config.learningRate}). The weights were restored to the end of ${epoch > 1 ? `epoch ${epoch - 1}` : 'initialisation'}.`,
        );
      }
      optimizer.stepped();
      cost += c;
      seen += m;
      correct += core.correct(plan);
      if (onBatchEnd) {
        const answer = onBatchEnd({ epoch, batch: b + 1, batches, loss: c / m, samples: start + m });
        // Awaited only when it returns a promise: a way to yield (or pause) mid-epoch at no cost otherwise.
        if (answer instanceof Promise) {
          const t = now();
          const value = await answer;
          waited += now() - t;
          if (value === false) {
            stop = true;
            break;
          }
        } else if (answer === false) {
          stop = true;
          break;
        }
      }
    }
    const seconds = (now() - t0 - waited) / 1000;
    const log: EpochLog = {
      epoch,
      loss: cost / seen,
      accuracy: correct / seen,
      seconds,
      samplesPerSec: seen / seconds,
    };
    if (validationData) {
      const v = core.evaluate(validationData, 1000);
      log.valLoss = v.loss;
      log.valAccuracy = v.accuracy;
    }
    if (!Number.isFinite(log.loss) || core.parametersNonFinite()) {
      core.restoreSnapshot();
      throw new Error(
        `the weights became non-finite in epoch ${epoch}: training diverged. Try a lower learning rate (now ${optimizer.config.learningRate}). The weights were restored to the end of ${epoch > 1 ? `epoch ${epoch - 1}` : 'initialisation'}.`,
      );
    }
    core.saveSnapshot();
    history.push(log);
    core.history.push(log);
    if (earlyStopping?.restoreBest && bestEpoch(core.history) === log) core.keepBest(epoch);
    if (stop || (onEpochEnd && (await onEpochEnd(log)) === false)) break;
    if (epoch === epochs) stopsEarly(); // the last epoch can meet the rule too
  }
  return history;
}

/** The rule, and with restoreBest the best epoch's weights put back if this network kept them (keepBest). */
function earlyStop(core: Core, { patience, restoreBest }: Required<EarlyStopping>): EarlyStopped | undefined {
  const stop = earlyStopReached(core.history, patience);
  if (stop && !stop.restored && restoreBest && core.bestKept === stop.bestEpoch) {
    core.restoreBest();
    stop.restored = true;
  }
  return stop;
}
