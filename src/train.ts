// fit(): epochs of seeded shuffles and mini-batches, validation, callbacks and history.
// Nothing is allocated in WebAssembly memory inside the loop: every buffer exists before it starts.
import type { Dataset } from './data/dataset.js';
import { checkBatchSize, resetOrder, type Network } from './network.js';
import { optimizerConfig, type OptimizerConfig } from './optimizers.js';

export interface EpochLog {
  epoch: number;
  /** Mean cost per training sample over the epoch (as the weights moved), without the L2 term. */
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  samplesPerSec: number;
}

export type History = EpochLog[];

export interface BatchLog { epoch: number; batch: number; batches: number; loss: number; samples: number }

export interface FitOptions {
  /** The number of the last epoch: fit runs epochs initialEpoch+1 … epochs. */
  epochs: number;
  /** Epochs already done, when continuing a run (e.g. from a checkpoint): they are not run again. Default 0. */
  initialEpoch?: number;
  batchSize: number;
  optimizer?: OptimizerConfig;
  /** L2 weight decay λ: adds ½λ‖W‖² to the cost (weights only, never biases). Default 0. */
  l2?: number;
  /** Shuffle the training rows every epoch (seeded by the network's seed). Default true. */
  shuffle?: boolean;
  validationData?: Dataset;
  /** Called after each epoch; may be async. Return false to stop training. */
  onEpochEnd?: (log: EpochLog) => unknown;
  /**
   * Called after each mini-batch. Return false to stop training. It may return a promise, which fit
   * awaits (the wait is not counted in the epoch's seconds): a way to yield to the event loop, or to
   * pause mid-epoch and resume exactly where training was.
   */
  onBatchEnd?: (log: BatchLog) => unknown;
}

const now = () => performance.now();

export async function fit(net: Network, data: Dataset, options: FitOptions): Promise<History> {
  const { epochs, initialEpoch = 0, batchSize, l2 = 0, shuffle = true, validationData, onEpochEnd, onBatchEnd } = options ?? ({} as FitOptions);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be an integer ≥ 1, got ${JSON.stringify(epochs)}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) throw new Error(`initialEpoch must be an integer from 0 to epochs − 1 = ${epochs - 1}, got ${JSON.stringify(initialEpoch)}`);
  checkBatchSize(batchSize);
  if (data?.length === 0) throw new Error('the training data is empty: expected at least one row');
  if (typeof l2 !== 'number' || !Number.isFinite(l2) || l2 < 0) throw new Error(`l2 must be a finite number ≥ 0, got ${JSON.stringify(l2)}`);
  const untrainable = net.untrainableLayers();
  if (untrainable.length) {
    throw new Error(`${untrainable.join(', ')} cannot be trained by backpropagation: the step function's derivative is 0 wherever it exists (hard saturation), so no error signal reaches its weights. Use sigmoid (a smooth step) or relu instead.`);
  }
  const optimizer = net.useOptimizer(options.optimizer);
  net.lastFit = { epochs, batchSize, optimizer: optimizerConfig(optimizer.config), l2, shuffle };
  const train = net.resident(data, 0);
  if (validationData) net.resident(validationData, 1); // validate and copy before the first epoch
  const n = data.length;
  const rows = Math.min(batchSize, n);
  const plan = net.plan(rows);
  const batches = Math.ceil(n / rows);
  const history: History = [];
  const last = plan.a.length - 1;
  net.saveSnapshot();

  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    const t0 = now();
    const order = net.arena.u32(train.order, n);
    resetOrder(order);
    if (shuffle) net.random.shuffle(order);
    let cost = 0, correct = 0, seen = 0, waited = 0, stop = false;
    for (let b = 0; b < batches; b++) {
      const start = b * rows;
      const m = Math.min(rows, n - start);
      net.gather(plan, train, train.order + 4 * start, m);
      net.forward(plan, m);
      const c = net.outputError(plan, m);
      if (!Number.isFinite(c)) {
        net.restoreSnapshot();
        throw new Error(`the loss became ${c} in epoch ${epoch}, batch ${b + 1} of ${batches}: training diverged. Try a lower learning rate (now ${optimizer.config.learningRate}). The weights were restored to the end of ${epoch > 1 ? `epoch ${epoch - 1}` : 'initialisation'}.`);
      }
      cost += c;
      seen += m;
      correct += net.k.countCorrect(plan.a[last], plan.y, m, net.outputs);
      net.backward(plan, m);
      net.step(optimizer, l2);
      if (onBatchEnd) {
        const r = onBatchEnd({ epoch, batch: b + 1, batches, loss: c / m, samples: start + m });
        // Awaited only when it returns a promise: a way to yield (or pause) mid-epoch at no cost otherwise.
        if (r instanceof Promise) {
          const t = now();
          const answer = await r;
          waited += now() - t;
          if (answer === false) { stop = true; break; }
        } else if (r === false) { stop = true; break; }
      }
    }
    const seconds = (now() - t0 - waited) / 1000;
    const log: EpochLog = { epoch, loss: cost / seen, accuracy: correct / seen, seconds, samplesPerSec: seen / seconds };
    if (validationData) {
      const v = net.evaluate(validationData);
      log.valLoss = v.loss;
      log.valAccuracy = v.accuracy;
    }
    if (!Number.isFinite(log.loss) || net.parametersNonFinite()) {
      net.restoreSnapshot();
      throw new Error(`the weights became non-finite in epoch ${epoch}: training diverged. Try a lower learning rate (now ${optimizer.config.learningRate}). The weights were restored to the end of ${epoch > 1 ? `epoch ${epoch - 1}` : 'initialisation'}.`);
    }
    net.saveSnapshot();
    history.push(log);
    net.history.push(log);
    if (stop || (onEpochEnd && (await onEpochEnd(log)) === false)) break;
  }
  return history;
}
