// The search space on the command line: --grid 'layers=16|32,16;lr=1e-3..1e-1;weight-decay=0,1e-4'
// as the library's SearchSpace, and the default space sized from the table.
import type { SearchSpace } from '../index.js';
import { UsageError } from './args.js';
import { defaultHidden, hiddenUnits } from './table-settings.js';

/** --grid's names, the library's settings they set, and how a range lo..hi of them is filled in. */
const KEYS = {
  layers: { setting: 'hidden', range: undefined },
  lr: { setting: 'learningRate', range: 'log' },
  'weight-decay': { setting: 'weightDecay', range: 'log' },
  l2: { setting: 'l2', range: 'log' },
  dropout: { setting: 'dropout', range: 'linear' },
  batch: { setting: 'batchSize', range: 'powers' },
} as const;
type Key = keyof typeof KEYS;

/** The values of a range: 1, 2, 3, 5 × 10ᵏ (log), steps of 0.05 (linear) or powers of two, within [lo, hi]. */
function rangeValues(kind: 'log' | 'linear' | 'powers', lo: number, hi: number): number[] {
  const out: number[] = [];
  if (kind === 'linear') {
    for (let k = Math.ceil(lo * 20); k <= hi * 20; k++) out.push(k / 20);
  } else if (kind === 'powers') {
    for (let v = 1; v <= hi; v *= 2) if (v >= lo) out.push(v);
  } else {
    for (let e = -12; e <= 12; e++)
      for (const m of [1, 2, 3, 5]) {
        const v = Number(`${m}e${e}`); // parsed, so exactly the decimal value in every engine
        if (v >= lo && v <= hi) out.push(v);
      }
  }
  return out;
}

/** A setting's value, checked as its own flag would be. */
function checkValue(key: Key, v: number, text: string): number {
  const ok =
    key === 'lr'
      ? v > 0
      : key === 'dropout'
        ? v >= 0 && v < 1
        : key === 'batch'
          ? Number.isInteger(v) && v >= 1 && v <= 1 << 24
          : v >= 0;
  const expected = { lr: 'a number > 0', dropout: 'a fraction 0 ≤ P < 1', batch: 'an integer ≥ 1' }[key as string];
  if (!ok) throw new UsageError(`--grid ${key}=${text}: expected ${expected ?? 'a number ≥ 0'}`);
  return v;
}

function values(key: Key, text: string): number[] {
  return text.split(',').flatMap((part) => {
    const m = /^\s*([^.\s][^\s]*?)\.\.([^\s]+)\s*$/.exec(part);
    const num = (t: string) => {
      const v = Number(t);
      if (t.trim() === '' || !Number.isFinite(v))
        throw new UsageError(`--grid ${key}=${text}: ${JSON.stringify(t)} is not a number`);
      return checkValue(key, v, text);
    };
    if (!m) return [num(part)];
    const [lo, hi] = [num(m[1]), num(m[2])];
    const kind = KEYS[key].range!;
    const got = lo <= hi && (kind !== 'log' || lo > 0) ? rangeValues(kind, lo, hi) : [];
    if (!got.length)
      throw new UsageError(
        `--grid ${key}=${part}: the range holds no value (expected lo..hi with lo ≤ hi${kind === 'log' ? ' and lo > 0; write 0 as a value of its own: 0,1e-4..1e-2' : ''})`,
      );
    return got;
  });
}

/** --grid SPEC: settings separated by ';', values by ',' (layers' alternatives by '|'), ranges lo..hi. */
export function parseGrid(spec: string): SearchSpace {
  const space: Record<string, unknown[]> = {};
  for (const part of spec.split(';').filter((p) => p.trim())) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim() as Key;
    if (eq < 0 || !Object.hasOwn(KEYS, key))
      throw new UsageError(
        `--grid: ${JSON.stringify(part)} is not NAME=VALUES with NAME one of ${Object.keys(KEYS).join(', ')}, e.g. 'layers=16|32,16;lr=1e-3,3e-3'`,
      );
    const text = part.slice(eq + 1);
    const setting = KEYS[key].setting;
    if (space[setting]) throw new UsageError(`--grid names ${key} twice`);
    space[setting] =
      key === 'layers' ? text.split('|').map((l) => hiddenUnits('grid layers', l)) : [...new Set(values(key, text))];
  }
  if (!Object.keys(space).length) throw new UsageError(`--grid ${JSON.stringify(spec)} names no setting`);
  return space as SearchSpace;
}

/**
 * The default space for a table of `inputs` features: widths of ½, 1 and 2 times train's first
 * layer (8–256), one or two hidden layers (the second half as wide), four learning rates, four
 * weight decays and three dropouts.
 */
export function defaultSpace(inputs: number): SearchSpace {
  const h = defaultHidden(inputs)[0];
  const widths = [...new Set([Math.max(8, h >> 1), h, Math.min(256, 2 * h)])];
  return {
    hidden: widths.flatMap((w) => [[w], [w, Math.max(8, w >> 1)]]),
    learningRate: [0.001, 0.003, 0.01, 0.03],
    weightDecay: [0, 0.001, 0.01, 0.1],
    dropout: [0, 0.1, 0.2],
  };
}

/** The space's settings as flags, for tables: "layers=32,16 lr=0.003 weight-decay=0 dropout=0.1". */
export function settingsText(key: string): string {
  const names = Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [v.setting, k]));
  return key.replace(/(\w+)=/g, (_, s: string) => `${names[s] ?? s}=`);
}
