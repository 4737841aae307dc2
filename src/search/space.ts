// Search spaces: lists of values per setting, every combination of them (a grid) or seeded draws
// from them, and a trial's settings applied to a base network and fit.
import type { NetworkConfig } from '../config.js';
import type { FitOptions } from '../network.js';
import { Random } from '../random.js';
import { hash32 } from './folds.js';

/** What a trial may set; a setting it leaves out keeps the base network's or fit's value. */
export interface TrialSettings {
  /** The hidden layers' units (the base's output layer follows; its hidden activation is kept). */
  hidden?: number[];
  learningRate?: number;
  weightDecay?: number;
  /** Every hidden layer's dropout. */
  dropout?: number;
  l2?: number;
  batchSize?: number;
}

/** The values each setting may take. */
export type SearchSpace = { [K in keyof TrialSettings]?: NonNullable<TrialSettings[K]>[] };

/** The settings in the order keys, grids and tables list them. */
export const SETTING_NAMES = ['hidden', 'learningRate', 'weightDecay', 'dropout', 'l2', 'batchSize'] as const;

/** A trial's settings as text, the same for the same settings however they were written: keys in SETTING_NAMES order. */
export function trialKey(s: TrialSettings): string {
  return SETTING_NAMES.filter((k) => s[k] !== undefined)
    .map((k) => `${k}=${k === 'hidden' ? s.hidden!.join(',') : s[k]}`)
    .join(' ');
}

function checkSpace(space: SearchSpace): (keyof TrialSettings)[] {
  if (!space || typeof space !== 'object') throw new Error('search: expected a space { hidden?, learningRate?, … }');
  for (const k of Object.keys(space))
    if (!(SETTING_NAMES as readonly string[]).includes(k))
      throw new Error(`search: the space has no setting ${JSON.stringify(k)}; it takes ${SETTING_NAMES.join(', ')}`);
  const names = SETTING_NAMES.filter((k) => space[k] !== undefined);
  for (const k of names)
    if (!Array.isArray(space[k]) || space[k]!.length === 0)
      throw new Error(`search: space.${k} must be a non-empty array of values`);
  return names;
}

/** Every combination of the space's values, the first setting varying slowest. */
export function gridOf(space: SearchSpace): TrialSettings[] {
  let grid: TrialSettings[] = [{}];
  for (const k of checkSpace(space)) grid = grid.flatMap((s) => (space[k] as unknown[]).map((v) => ({ ...s, [k]: v })));
  return grid;
}

/** `n` different combinations drawn from the space (all of them if it holds fewer), seeded. */
export function drawFrom(space: SearchSpace, n: number, seed: number): TrialSettings[] {
  const names = checkSpace(space);
  const size = names.reduce((p, k) => p * space[k]!.length, 1);
  const random = new Random(hash32(`${seed}/draws`));
  const seen = new Set<string>(),
    out: TrialSettings[] = [];
  while (out.length < Math.min(n, size)) {
    const s: TrialSettings = {};
    for (const k of names) (s as Record<string, unknown>)[k] = space[k]![random.below(space[k]!.length)];
    const key = trialKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

/** The base network and fit with a trial's settings in place. */
export function applySettings(
  network: NetworkConfig,
  fit: FitOptions,
  s: TrialSettings,
): { network: NetworkConfig; fit: FitOptions } {
  const output = network.layers.at(-1)!;
  const hidden = network.layers.slice(0, -1);
  const activation = hidden[0]?.activation;
  const layers = (s.hidden ?? hidden.map((l) => l.units)).map((units, i) => {
    const dropout = s.dropout ?? hidden[i]?.dropout ?? hidden[0]?.dropout;
    return { units, ...(activation && { activation }), ...(dropout && { dropout }) };
  });
  return {
    network: { ...network, layers: [...layers, output] },
    fit: {
      ...fit,
      ...(s.learningRate !== undefined && {
        optimizer: { ...(fit.optimizer ?? { name: 'adam' }), learningRate: s.learningRate },
      }),
      ...(s.weightDecay !== undefined && { weightDecay: s.weightDecay }),
      ...(s.l2 !== undefined && { l2: s.l2 }),
      ...(s.batchSize !== undefined && { batchSize: s.batchSize }),
    },
  };
}
