// K-fold cross-validation: folds that partition the rows (stratified by class), scaling fitted on
// each fold's training rows only, and the same scores for the same seed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { crossValidate, Dataset, foldSplit, kFolds, type NetworkConfig } from '../src/index.js';

let s = 5;
const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);

/** 30 rows of 2 features, classes 0, 1, 2 in 17, 8 and 5 rows. */
function classes(): Dataset {
  const labels = Uint8Array.from({ length: 30 }, (_, i) => (i < 17 ? 0 : i < 25 ? 1 : 2));
  const x = Float32Array.from({ length: 60 }, (_, i) => labels[i >> 1] + r());
  return Dataset.fromArrays(x, labels, 2);
}

describe('kFolds', () => {
  test.each([2, 3, 4, 7])('%i folds partition the rows, each class spread to within one row', (k) => {
    const d = classes(),
      folds = kFolds(d, k, 9);
    const all = folds.flatMap((f) => [...f]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const sizes = folds.map((f) => f.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const [c, n] of [
      [0, 17],
      [1, 8],
      [2, 5],
    ]) {
      const per = folds.map((f) => [...f].filter((i) => d.labels[i] === c).length);
      for (const m of per) expect([Math.floor(n / k), Math.ceil(n / k)]).toContain(m);
    }
  });

  test('real targets: a partition too; seeded (same seed, same folds; another seed, others)', () => {
    const d = Dataset.fromArrays(Float32Array.from({ length: 23 }, r), Float32Array.from({ length: 23 }, r), 1);
    const folds = kFolds(d, 5, 1);
    expect(
      folds
        .flatMap((f) => [...f])
        .sort((a, b) => a - b)
        .join(),
    ).toBe(Array.from({ length: 23 }, (_, i) => i).join());
    expect(kFolds(d, 5, 1)).toEqual(folds);
    expect(kFolds(d, 5, 2)).not.toEqual(folds);
    const { train, test } = foldSplit(d, folds, 2);
    expect(train.length + test.length).toBe(23);
    expect([...test.targets!]).toEqual([...folds[2]].map((i) => d.targets![i]));
  });

  test.each([1, 31, 2.5])('%s folds of 30 rows are refused', (k) => {
    expect(() => kFolds(classes(), k, 1)).toThrow('folds must be an integer from 2 to the number of rows (30)');
  });
});

/** A regression y = 2x − 1 with one row whose x is 10⁶ (and y to match). */
function outlier(): { data: Dataset; row: number } {
  const n = 40,
    row = 17;
  const x = Float32Array.from({ length: n }, (_, i) => (i === row ? 1e6 : r() * 2 - 1));
  return {
    data: Dataset.fromArrays(
      x,
      x.map((v) => 2 * v - 1),
      1,
    ),
    row,
  };
}

const regression: NetworkConfig = {
  inputs: 1,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 1, activation: 'identity' },
  ],
  loss: 'mse',
  scale: 'standard',
  seed: 3,
};

describe('crossValidate', () => {
  test('each network’s scaling comes from its own training rows: the fold holding the outlier never sees it', async () => {
    const { data, row } = outlier();
    const folds = kFolds(data, 4, 1);
    const holder = folds.findIndex((f) => f.includes(row));
    const centers: number[] = [];
    const cv = await crossValidate(
      data,
      regression,
      { epochs: 2, batchSize: 8 },
      {
        folds: 4,
        seed: 1,
        onFold: ({ fold, net, train, test }) => {
          expect(test.length + train.length).toBe(40);
          let sum = 0;
          for (let i = 0; i < train.length; i++) sum += train.features[i];
          expect(net.scaling!.inputs.center[0]).toBe(Math.fround(sum / train.length));
          centers[fold] = net.scaling!.inputs.center[0];
        },
      },
    );
    expect(cv.scores).toHaveLength(4);
    centers.forEach((c, f) => {
      if (f === holder) expect(Math.abs(c)).toBeLessThan(1);
      else expect(c).toBeGreaterThan(1e6 / 40);
    });
  });

  test('the same seed gives the same scores; the mean and sd are those of the scores', async () => {
    const d = classes();
    const config: NetworkConfig = {
      inputs: 2,
      layers: [{ units: 6 }, { units: 3, activation: 'softmax' }],
      loss: 'cross-entropy',
      scale: 'standard',
    };
    const fit = { epochs: 30, batchSize: 4, optimizer: { name: 'adam' as const, learningRate: 0.03 } };
    const a = await crossValidate(d, config, fit, { folds: 3, seed: 4 });
    const b = await crossValidate(d, config, fit, { folds: 3, seed: 4 });
    expect(b).toEqual(a);
    expect(a.metric).toBe('accuracy');
    const mean = a.scores.reduce((x, y) => x + y) / 3;
    expect(a.mean).toBeCloseTo(mean, 12);
    expect(a.sd).toBeCloseTo(Math.sqrt(a.scores.reduce((x, y) => x + (y - mean) ** 2, 0) / 3), 12);
    expect(a.scores.every((x) => x > 0.5)).toBe(true);
    await expect(crossValidate(d, config, fit, { folds: 3, sed: 4 } as object)).rejects.toThrow(
      'crossValidate has no option "sed" (did you mean "seed"?)',
    );
  });
});

describe('wasmlp cv (the built CLI)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-cv-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let text = 'a,b,y\n';
  for (let i = 0; i < 200; i++) {
    const [a, b] = [r() * 2 - 1, r() * 2 - 1];
    text += `${a.toFixed(4)},${b.toFixed(4)},${(a * 3 + b * b).toFixed(4)}\n`;
  }
  const data = join(tmp, 'y.csv');
  writeFileSync(data, text);
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });

  test('one line per fold, then the mean ± sd; --json the scores; the same twice', () => {
    const run = () => cli('cv', '--data', data, '--target', 'y', '--folds', '4', '--epochs', '40', '--json');
    const t = run();
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    expect(t.stdout.match(/^fold \d\/4: 50 rows {2}r2 [\d.-]+$/gm)).toHaveLength(4);
    expect(t.stdout).toMatch(/^cv r2 [\d.-]+ ± [\d.]+ \(mean ± sd over 4 folds\)$/m);
    const j = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(j).toMatchObject({ task: 'regression', metric: 'r2' });
    expect(j.folds).toHaveLength(4);
    expect(j.mean).toBeGreaterThan(0.8);
    expect(run().stdout).toBe(t.stdout);
  });

  test.each([
    [['--folds', '1'], '--folds expects an integer ≥ 2, got "1"'],
    [['--folds', '300'], '--folds 300 is more than the table’s 200 rows'],
    [['--out', 'x.wasmlp'], '--out does not apply to cv'],
  ])('%j is refused', (flags, message) => {
    const t = cli('cv', '--data', data, '--target', 'y', ...flags);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain(message);
  });
});
