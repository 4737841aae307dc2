// The built CLI on tables (npm run build first) with every training option: regularisation and
// schedules change the run and are shown, and --checkpoint/--resume continue a table run exactly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Network } from '../src/index.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-table-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// y = 3x₁ − 2x₂ + x₁x₃ + noise, 400 rows.
let s = 7;
const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
let text = 'x1,x2,x3,y\n';
for (let i = 0; i < 400; i++) {
  const [a, b, c] = [r() * 2 - 1, r() * 2 - 1, r() * 2 - 1];
  text += `${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(3 * a - 2 * b + a * c + (r() - 0.5) * 0.3).toFixed(4)}\n`;
}
const data = join(tmp, 'y.csv');
writeFileSync(data, text);
const params = async (file: string) => (await Network.fromBytes(readFileSync(file))).parameters();

describe('the regularisation and schedule flags on a table', () => {
  const plain = cli('train', '--data', data, '--target', 'y', '--epochs', '30', '--json');
  test.each([
    [['--weight-decay', '0.1'], 'regularisation: weight decay 0.1'],
    [['--dropout', '0.2', '--input-dropout', '0.1'], 'regularisation: dropout 0.2/0.2 (hidden), input dropout 0.1'],
    [['--l2', '0.01', '--max-norm', '2'], 'regularisation: L2 λ 0.01, max-norm 2'],
    [['--schedule', 'cosine:warmup=2'], 'learning rate cosine'],
  ])('%j is taken, said, and changes the result', (flags, said) => {
    expect(plain.status).toBe(0);
    const t = cli('train', '--data', data, '--target', 'y', '--epochs', '30', ...flags, '--json');
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    expect(t.stdout).toContain(said);
    expect(lastJson(t.stdout).mse).not.toBe(lastJson(plain.stdout).mse);
  });

  test('a bad value is refused naming the flag', () => {
    const t = cli('train', '--data', data, '--target', 'y', '--dropout', '1');
    expect(t.status).toBe(2);
    expect(t.stderr).toContain('--dropout expects a fraction P with 0 ≤ P < 1');
  });
});

describe('--checkpoint and --resume on a table', () => {
  const ck = join(tmp, 'ck');
  const whole = join(tmp, 'whole.wasmlp'),
    resumed = join(tmp, 'resumed.wasmlp');
  const flags = ['--data', data, '--target', 'y', '--weight-decay', '0.01', '--early-stop', '1000'];

  test('4 epochs, then a resume to 9, gives the weights of 9 epochs in one run', async () => {
    expect(cli('train', ...flags, '--epochs', '9', '--out', whole).status).toBe(0);
    const first = cli('train', ...flags, '--epochs', '4', '--checkpoint', ck);
    expect(first.status).toBe(0);
    expect(readdirSync(ck).filter((f) => f.endsWith('.wasmlp'))).toHaveLength(4);
    const second = cli('train', '--resume', ck, '--epochs', '9', '--out', resumed);
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('resuming from ');
    expect(second.stdout).toContain('4 of 9 epochs done');
    expect(await params(resumed)).toEqual(await params(whole));
  });

  test('a resume that changes a setting, or reads other rows, is refused', () => {
    const lr = cli('train', '--resume', ck, '--lr', '0.1');
    expect(lr.status).toBe(2);
    expect(lr.stderr).toContain('--lr cannot change with --resume');
    const other = join(tmp, 'other.csv');
    writeFileSync(other, text.replace(/\n[^\n]*\n$/, '\n')); // the last row gone
    const rows = cli('train', '--resume', ck, '--data', other);
    expect(rows.status).toBe(1);
    expect(rows.stderr).toContain('holds other rows than the ones');
  });
});
