// The built CLI as a user runs it (npm run build first; .ci/run does).
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });

test('wasmlp train --json trains on an MNIST subset and ends with one JSON line', () => {
  const r = cli('train', '--limit', '3000', '--epochs', '2', '--layers', '32,10', '--batch', '32', '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('epoch ')).length).toBe(2);
  expect(lines[0]).toContain('784-32-10 relu/softmax, cross-entropy, adam');
  const result = JSON.parse(lines[lines.length - 1]);
  expect(Object.keys(result).sort()).toEqual(['epochs', 'samplesPerSec', 'testAccuracy', 'testLoss']);
  expect(result.epochs).toBe(2);
  expect(result.testAccuracy).toBeGreaterThan(0.8);
  expect(result.samplesPerSec).toBeGreaterThan(0);
});

test('the textbook flags map onto the network they name', () => {
  const r = cli('train', '--limit', '1000', '--epochs', '1', '--layers', '30,10', '--activation', 'sigmoid', '--loss', 'mse', '--optimizer', 'sgd', '--lr', '3', '--batch', '10', '--init', 'normal', '--backend', 'js');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('784-30-10 sigmoid/sigmoid, mse, sgd lr 3, batch 10, js backend');
  expect(r.stdout).toMatch(/test: loss \d\.\d{4}  accuracy \d+\.\d\d%/);
});

test('help and bad usage', () => {
  expect(cli('train', '--help').stdout).toContain('--layers LIST');
  for (const [args, message] of [
    [['train', '--epochs', '0'], /--epochs expects an integer ≥ 1, got "0"/],
    [['train', '--lr', 'fast'], /--lr expects a number > 0, got "fast"/],
    [['train', '--loss', 'hinge'], /--loss expects one of mse, cross-entropy, got "hinge"/],
    [['train', '--layers', '128,9'], /--layers must end with 10 units/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['fly'], /unknown command "fly"/],
  ] as const) {
    const r = cli(...args);
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.stderr).toMatch(message);
  }
});

test('a missing data directory is a runtime failure (exit 1) that names the directory', () => {
  const r = cli('train', '--data', '/nonexistent/mnist');
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/cannot read directory \/nonexistent\/mnist/);
});
