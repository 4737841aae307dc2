// K-fold cross-validation: one network per fold, trained on the other folds' rows and scored on its
// own. Each network fits its scaling on its own training rows (fit() does, and never sees the fold
// it is scored on), so nothing of the scored rows leaks into what scores them.
import { checkKeys, type Evaluation, type NetworkConfig } from '../config.js';
import type { Dataset } from '../data/dataset.js';
import { Network, type FitOptions } from '../network.js';
import { foldSplit, hash32, kFolds } from './folds.js';

/** What a fold is scored by: accuracy for classes (multi-label: the mean over outputs), R² for a regression. */
export type Metric = 'accuracy' | 'r2';

export interface CrossValidateOptions {
  /** Number of folds (default 5). */
  folds?: number;
  /** Seeds the split into folds (default 1); each fold's network seed comes from config.seed and the fold. */
  seed?: number;
  /** Called with each fold's trained network before it is disposed (may be async): to keep or inspect it. */
  onFold?: (fold: { fold: number; net: Network; train: Dataset; test: Dataset; evaluation: Evaluation }) => unknown;
}

export interface CrossValidation {
  metric: Metric;
  /** Each fold's score, in fold order. */
  scores: number[];
  mean: number;
  /** The population standard deviation of the scores (as numpy's std, sklearn's usual report). */
  sd: number;
  evaluations: Evaluation[];
}

export const metricOf = (e: Evaluation): Metric => (e.r2 !== undefined ? 'r2' : 'accuracy');

/** The seed of fold f's network: from the configuration's seed and the fold, never from an order of runs. */
export const foldSeed = (seed: number, f: number): number => hash32(`${seed}/fold ${f}`);

/** The mean and population standard deviation, summed in order (exactly rounded operations only). */
export function meanSd(x: readonly number[]): { mean: number; sd: number } {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  return { mean, sd: Math.sqrt(x.reduce((s, v) => s + (v - mean) * (v - mean), 0) / x.length) };
}

/**
 * Trains one network per fold (`config` with each fold's seed, `fit` as given: a validationSplit and
 * early stopping come out of that fold's training rows) and scores it on the fold's rows.
 */
export async function crossValidate(
  data: Dataset,
  config: NetworkConfig,
  fit: FitOptions,
  options: CrossValidateOptions = {},
): Promise<CrossValidation> {
  checkKeys(options, 'crossValidate', ['folds', 'seed', 'onFold']);
  const { folds: k = 5, seed = 1, onFold } = options;
  const folds = kFolds(data, k, seed);
  const evaluations: Evaluation[] = [];
  for (let f = 0; f < k; f++) {
    const { train, test } = foldSplit(data, folds, f);
    const net = await Network.create({ ...config, seed: foldSeed(config.seed ?? 1, f) });
    try {
      await net.fit(train, fit);
      const evaluation = net.evaluate(test);
      evaluations.push(evaluation);
      await onFold?.({ fold: f, net, train, test, evaluation });
    } finally {
      net.dispose();
    }
  }
  const metric = metricOf(evaluations[0]);
  const scores = evaluations.map((e) => e[metric]!);
  return { metric, scores, ...meanSd(scores), evaluations };
}
