// A search: trials of settings, each scored by K-fold cross-validation on the same folds, then the
// best one trained again on every row. A trial's seed comes from the search's seed and its own
// settings (its folds' from that and the fold), so its score is the same whichever runs it, in
// whatever order: one after another here, on a pool of threads, or on other machines (shards).
import type { NetworkConfig } from '../config.js';
import type { Dataset } from '../data/dataset.js';
import { Ensemble } from '../ensemble.js';
import { Network, type FitOptions } from '../network.js';
import { crossValidate, type Metric } from './cv.js';
import { hash32 } from './folds.js';
import { applySettings, drawFrom, gridOf, trialKey, type SearchSpace, type TrialSettings } from './space.js';

/** The base a trial's settings go into: the network (its hidden layers, output and loss) and the fit. */
export interface SearchBase {
  network: NetworkConfig;
  fit: FitOptions;
}

export interface Trial {
  /** Its place in the search's list of trials (the table's order, and the tie-break). */
  index: number;
  settings: TrialSettings;
  key: string;
  seed: number;
}

export interface TrialResult extends Trial {
  metric: Metric;
  /** Each fold's score, in fold order. */
  scores: number[];
  mean: number;
  sd: number;
}

export interface SearchOptions extends SearchBase {
  /** Folds per trial (default 5). */
  folds?: number;
  /** Seeds the folds, the draws and every trial (default 1). */
  seed?: number;
  /** Draw this many different combinations from the space instead of trying all of them. */
  random?: number;
  /** Put these settings first (e.g. the defaults, so that the search is never worse than them in CV). */
  first?: TrialSettings[];
  /** Run only the trials of shard `index` (1 … count): those whose index ≡ index − 1 (mod count); no retraining. */
  shard?: { index: number; count: number };
  /** How a trial is run (default: in this thread, by scoreTrial); a pool of workers gives its own. */
  runTrial?: (trial: Trial) => Promise<TrialResult>;
  /** How many trials runTrial may run at once (default 1). */
  parallel?: number;
  /** Called as each trial ends (in the order they end). */
  onTrial?: (result: TrialResult, done: number, total: number) => unknown;
  /** Keep the best trial's K fold networks as an Ensemble instead of training it again on every row. */
  ensemble?: boolean;
}

export interface SearchResult {
  /** Every trial run, in index order. */
  trials: TrialResult[];
  /** The best trial (the highest mean score; the lowest index among equals); undefined for a shard. */
  best?: TrialResult;
  /** The best settings trained on every row (not for a shard, nor with `ensemble`). */
  network?: Network;
  /** With `ensemble`: the best trial's fold networks, its outputs their mean. */
  ensemble?: Ensemble;
}

/** The search's trials: `first`, then the space's grid (or `random` draws from it), each once. */
export function planTrials(space: SearchSpace, options: { seed?: number; random?: number; first?: TrialSettings[] }) {
  const { seed = 1, random, first = [] } = options;
  if (random !== undefined && !(Number.isInteger(random) && random >= 1))
    throw new Error(`search: random must be an integer ≥ 1 (trials to draw), got ${random}`);
  const keys = new Set<string>();
  const all = [...first, ...(random === undefined ? gridOf(space) : drawFrom(space, random, seed))];
  const trials: Trial[] = [];
  for (const settings of all) {
    const key = trialKey(settings);
    if (keys.has(key) || (random !== undefined && trials.length >= random)) continue;
    keys.add(key);
    trials.push({ index: trials.length, settings, key, seed: hash32(`${seed}|${key}`) });
  }
  return trials;
}

/** One trial: its settings on the base, cross-validated on the search's folds, on one thread. */
export async function scoreTrial(
  data: Dataset,
  base: SearchBase,
  trial: Trial,
  options: { folds?: number; seed?: number } = {},
): Promise<TrialResult> {
  const { network, fit } = applySettings(base.network, base.fit, trial.settings);
  const cv = await crossValidate(data, { ...network, seed: trial.seed, threads: 1 }, fit, options);
  return { ...trial, metric: cv.metric, scores: cv.scores, mean: cv.mean, sd: cv.sd };
}

/** The highest mean score; the lowest index among equals (so the order trials end in never matters). */
export function bestTrial(trials: readonly TrialResult[]): TrialResult {
  if (!trials.length) throw new Error('search: no trial has a score');
  return [...trials].sort((a, b) => b.mean - a.mean || a.index - b.index)[0];
}

/** The best trial's settings trained on every row of `data` (shuffled by `seed`), with the trial's seed. */
export async function trainBest(data: Dataset, base: SearchBase, best: Trial, seed = 1): Promise<Network> {
  const { network, fit } = applySettings(base.network, base.fit, best.settings);
  const net = await Network.create({ ...network, seed: best.seed });
  await net.fit(data.shuffled(seed), fit);
  return net;
}

/**
 * The best trial's K fold networks (each trained on the other folds' rows, as its cross-validation
 * trained them: the same seeds, one thread), kept as one Ensemble that averages their outputs.
 */
export async function trainEnsemble(
  data: Dataset,
  base: SearchBase,
  best: Trial,
  options: { folds?: number; seed?: number } = {},
): Promise<Ensemble> {
  const { network, fit } = applySettings(base.network, base.fit, best.settings);
  const members: Network[] = [];
  try {
    await crossValidate(data, { ...network, seed: best.seed, threads: 1 }, fit, {
      ...options,
      onFold: async ({ net }) => {
        members.push(await Network.fromBytes(net.toBytes())); // the fold's net is disposed after this
      },
    });
    return new Ensemble(members);
  } catch (e) {
    for (const m of members) m.dispose();
    throw e;
  }
}

/**
 * Scores every trial of the space by cross-validation on `data` and trains the best one on every
 * row: the trial table (index order) and the best network.
 */
export async function search(data: Dataset, space: SearchSpace, options: SearchOptions): Promise<SearchResult> {
  const { network, fit, folds = 5, seed = 1, shard, onTrial, parallel = 1 } = options;
  const base = { network, fit };
  const runTrial = options.runTrial ?? ((t: Trial) => scoreTrial(data, base, t, { folds, seed }));
  let trials = planTrials(space, options);
  if (shard) {
    const { index, count } = shard;
    if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 1 && index <= count))
      throw new Error(`search: shard must be { index, count } with 1 ≤ index ≤ count, got ${index}/${count}`);
    trials = trials.filter((t) => t.index % count === index - 1);
  }
  const results: TrialResult[] = [];
  const queue = [...trials];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      results.push(await runTrial(t));
      await onTrial?.(results.at(-1)!, results.length, trials.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, trials.length)) }, worker));
  results.sort((a, b) => a.index - b.index);
  if (shard) return { trials: results };
  const best = bestTrial(results);
  if (options.ensemble)
    return { trials: results, best, ensemble: await trainEnsemble(data, base, best, { folds, seed }) };
  return { trials: results, best, network: await trainBest(data, base, best, seed) };
}
