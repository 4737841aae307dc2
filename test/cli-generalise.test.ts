// The regularisation and schedule flags through the built CLI: train keeps them in its checkpoints
// and model file, prints each epoch's learning rate, info shows them, a resumed run continues them
// exactly (and refuses a flag that changes them), and bad values are usage errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { decodeModel } from '../src/io/model.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-generalise-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RUN = [
  'train',
  '--limit',
  '3000',
  '--layers',
  '48,10',
  '--batch',
  '50',
  '--optimizer',
  'momentum',
  '--lr',
  '0.02',
  '--dropout',
  '0.4',
  '--input-dropout',
  '0.1',
  '--schedule',
  'step:every=1,factor=0.5',
  '--max-norm',
  '2',
  '--weight-decay',
  '0.001',
  '--init',
  'network2',
  '--quiet',
];

test('train keeps the flags in the model file, prints the learning rates, and info shows them', () => {
  const out = join(tmp, 'whole.wasmlp');
  const r = cli(...RUN, '--epochs', '3', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/epoch 1\/3 .* lr 0\.02 /);
  expect(r.stdout).toMatch(/epoch 3\/3 .* lr 0\.005 /);
  const { header } = decodeModel(readFileSync(out));
  expect(header.network).toMatchObject({ inputDropout: 0.1, init: 'network2' });
  expect(header.network.layers.map((l) => l.dropout)).toEqual([0.4, undefined]);
  expect(header.fit).toMatchObject({
    schedule: { name: 'step', every: 1, factor: 0.5 },
    maxNorm: 2,
    weightDecay: 0.001,
  });
  expect(header.history.map((e) => e.learningRate)).toEqual([0.02, 0.01, 0.005]);
  const info = cli('info', '--model', out);
  expect(info.status).toBe(0);
  expect(info.stdout).toContain(
    'regularisation: dropout 0.4 (hidden), input dropout 0.1, weight decay 0.001, max-norm 2; learning rate schedule step (every 1, factor 0.5)',
  );
  expect(info.stdout).toMatch(/init network2/);
});

test('a run resumed from its checkpoint ends with the bytes of the uninterrupted one; a changed flag is refused', () => {
  const dir = join(tmp, 'ck');
  expect(cli(...RUN, '--epochs', '2', '--checkpoint', dir).status).toBe(0);
  const changed = cli('train', '--resume', dir, '--epochs', '3', '--dropout', '0.5');
  expect(changed.status).toBe(2);
  expect(changed.stderr).toMatch(/--dropout 0.5 differs from .*'s 0.4/);
  // The same schedule written another way is the same schedule.
  const out = join(tmp, 'resumed.wasmlp');
  const r = cli(
    'train',
    '--resume',
    dir,
    '--epochs',
    '3',
    '--schedule',
    'step:factor=0.5,every=1',
    '--out',
    out,
    '--quiet',
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const a = decodeModel(readFileSync(out)).sections.parameters!,
    b = decodeModel(readFileSync(join(tmp, 'whole.wasmlp'))).sections.parameters!;
  expect(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  ).toBe(true);
});

test('bad values are usage errors that say what was expected', () => {
  const bad = (flags: string[], message: RegExp) => {
    const r = cli('train', '--limit', '100', '--epochs', '1', ...flags);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  };
  bad(['--dropout', '1'], /--dropout .*0 ≤ P < 1/);
  bad(['--input-dropout', '-0.2'], /--input-dropout .*0 ≤ P < 1/);
  bad(['--dropout', '0.5', '--layers', '10'], /--dropout applies to hidden layers/);
  bad(['--schedule', 'linear'], /--schedule linear: schedule must be an object .* step, exponential, cosine, plateau/);
  bad(['--schedule', 'step'], /--schedule step: schedule step: every must be an integer ≥ 1/);
  bad(['--schedule', 'cosine:warmup'], /expected NAME\[:key=number,…\]/);
  bad(['--max-norm', '0'], /--max-norm/);
  bad(['--weight-decay', '-1'], /--weight-decay/);
});
