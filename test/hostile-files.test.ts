// Hostile files and paths (issue 23): nothing read from outside the folder it belongs to, nothing
// read that is not a regular file, every read bounded by what its kind may be and what the input
// declares, deep or huge JSON refused in words, TF.js names that must be unique. The CLI is run
// from dist/, as a user runs it; a guard timeout turns a hang into a failure (no duration is asserted).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Network, type TfjsModelJson } from '../src/index.js';
import { crc32 } from '../src/io/crc32.js';

const CLI = 'dist/node/cli.js';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-hostile-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mkfifo = (file: string) => expect(spawnSync('mkfifo', [file]).status).toBe(0);

describe('2. only regular files are read', () => {
  test('a FIFO as the latest checkpoint is refused by name, not waited on', () => {
    const ck = join(tmp, 'ck-fifo');
    mkdirSync(ck);
    mkfifo(join(ck, 'epoch-0009.wasmlp'));
    const r = cli('train', '--resume', ck);
    expect(r.signal).toBeNull(); // not killed by the guard timeout: it did not hang
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /cannot read model file .*epoch-0009\.wasmlp: it is a FIFO \(named pipe\); expected a regular file/,
    );
  });

  test('--data naming /dev/zero through a link is refused, not read without end', () => {
    const zero = join(tmp, 'zero.csv');
    symlinkSync('/dev/zero', zero);
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', CLI, 'train', '--data', zero, '--target', 'y'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read CSV file ${zero}: it is a character device; expected a regular file`);
  });

  test('a model file that is a FIFO (wasmlp info) is refused by name', () => {
    const fifo = join(tmp, 'model-fifo.wasmlp');
    mkfifo(fifo);
    const r = cli('info', '--model', fifo);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(`cannot read model file ${fifo}: it is a FIFO (named pipe); expected a regular file`);
  });
});

describe('7. a lock that is not a lock file says what it is', () => {
  test('a .lock folder in the checkpoint folder', () => {
    const ck = join(tmp, 'ck-lockdir');
    mkdirSync(join(ck, '.lock'), { recursive: true });
    const r = cli('train', '--limit', '100', '--epochs', '1', '--checkpoint', ck, '--out', join(tmp, 'x.wasmlp'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `cannot lock --checkpoint ${ck}: ${join(ck, '.lock')} is not a lock a run wrote (it is a folder); remove it if no run is using the folder`,
    );
    expect(r.stderr).not.toMatch(/at the same moment/);
  });
});

/** A TF.js model (3 inputs, Dense 3 tanh, Dense 3 softmax) whose model.json `edit` changes. */
async function tfjsModel(
  edit: (json: TfjsModelJson, layers: { config: Record<string, unknown> }[]) => void = () => {},
) {
  const net = await Network.create({
    inputs: 3,
    layers: [
      { units: 3, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    seed: 3,
  });
  const { modelJson, weights } = net.toTfjs();
  net.dispose();
  const json = structuredClone(modelJson);
  edit(json, (json.modelTopology.config as { layers: { config: Record<string, unknown> }[] }).layers);
  return { json, weights };
}

/** A folder holding model.json (edited) and its weights; returns model.json's path. */
async function tfjsFolder(name: string, edit?: Parameters<typeof tfjsModel>[0], weights = true): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const m = await tfjsModel(edit);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(m.json));
  if (weights) writeFileSync(join(dir, 'model.weights.bin'), m.weights);
  return join(dir, 'model.json');
}
const WEIGHT_BYTES = 4 * (3 * 3 + 3 + 3 * 3 + 3);
const paths =
  (...p: string[]) =>
  (j: TfjsModelJson) =>
    (j.weightsManifest[0].paths = p);

describe("1. TF.js weights paths stay inside model.json's folder", () => {
  const secret = join(tmp, 'secret');
  beforeAll(() => {
    mkdirSync(secret);
    writeFileSync(join(secret, 'key.bin'), Buffer.alloc(WEIGHT_BYTES, 7)); // the size the manifest declares
    writeFileSync(join(secret, 'big.bin'), Buffer.alloc(5000, 7));
  });
  const refused = (json: string, out: string) => {
    const r = cli('import', '--tfjs', json, '--out', join(tmp, out));
    expect(r.status, r.stdout).toBe(1);
    expect(existsSync(join(tmp, out))).toBe(false);
    return r.stderr;
  };

  test('".." and absolute paths are refused before anything is read', async () => {
    const up = await tfjsFolder('tf-up', paths('../secret/key.bin'));
    expect(refused(up, 'up.wasmlp')).toMatch(
      /names the weights file "\.\.\/secret\/key\.bin"; expected a path relative to model\.json's folder: names of letters, digits, _, \. and -, joined by \/, without \. or \.\./,
    );
    const abs = await tfjsFolder('tf-abs', paths(join(secret, 'key.bin')));
    expect(refused(abs, 'abs.wasmlp')).toMatch(/names the weights file ".*key\.bin"; expected a path relative/);
    const big = await tfjsFolder('tf-big', paths('../secret/big.bin'));
    expect(refused(big, 'big.wasmlp')).not.toMatch(/5000|bytes/); // nothing about the file's size
  });

  test('a link out of the folder is refused with one message, whether its target exists or not', async () => {
    const json = await tfjsFolder('tf-link', paths('w.bin'), false);
    symlinkSync(join(secret, 'key.bin'), join(tmp, 'tf-link', 'w.bin'));
    const there = refused(json, 'link.wasmlp');
    expect(there).toContain(
      `${json} names the weights file "w.bin", which is not a file inside model.json's folder ${join(tmp, 'tf-link')} (missing, or a link that leads out of it)`,
    );
    rmSync(join(tmp, 'tf-link', 'w.bin'));
    symlinkSync(join(secret, 'nothing-here.bin'), join(tmp, 'tf-link', 'w.bin'));
    expect(refused(json, 'link.wasmlp')).toBe(there);
    rmSync(join(tmp, 'tf-link', 'w.bin'));
    symlinkSync(join(secret, 'big.bin'), join(tmp, 'tf-link', 'w.bin'));
    expect(refused(json, 'link.wasmlp')).toBe(there);
    // A folder linked out of the model's folder is outside it too.
    const sub = await tfjsFolder('tf-sublink', paths('sub/key.bin'), false);
    symlinkSync(secret, join(tmp, 'tf-sublink', 'sub'));
    expect(refused(sub, 'sub.wasmlp')).toMatch(/"sub\/key\.bin", which is not a file inside model\.json's folder/);
  });

  test('weights in a subfolder, and a link that stays inside, are read', async () => {
    const json = await tfjsFolder('tf-inside', paths('shards/w.bin'), false);
    const { weights } = await tfjsModel();
    mkdirSync(join(tmp, 'tf-inside', 'shards'));
    writeFileSync(join(tmp, 'tf-inside', 'real.bin'), weights);
    symlinkSync('../real.bin', join(tmp, 'tf-inside', 'shards', 'w.bin'));
    const r = cli('import', '--tfjs', json, '--out', join(tmp, 'inside.wasmlp'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/wrote .*inside\.wasmlp: 3-3-3 tanh\/softmax, loss cross-entropy, 24 parameters/);
  });
});

describe('2. only regular files are read (TF.js weights)', () => {
  test('a FIFO inside the folder is refused by name; /dev/zero through a link is outside it', async () => {
    const json = await tfjsFolder('tf-fifo', paths('w.bin'), false);
    mkfifo(join(tmp, 'tf-fifo', 'w.bin'));
    const r = cli('import', '--tfjs', json, '--out', join(tmp, 'fifo.wasmlp'));
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(
      /cannot read weights file .*tf-fifo\/w\.bin: it is a FIFO \(named pipe\); expected a regular file/,
    );
    const zero = await tfjsFolder('tf-zero', paths('w.bin'), false);
    symlinkSync('/dev/zero', join(tmp, 'tf-zero', 'w.bin'));
    const z = cli('import', '--tfjs', zero, '--out', join(tmp, 'zero.wasmlp'));
    expect(z.signal).toBeNull();
    expect(z.stderr).toMatch(/"w\.bin", which is not a file inside model\.json's folder/);
  });
});

describe('3. weights files: each read once, their sizes against the manifest before any is read', () => {
  test('one file listed 2,000 times is refused, naming it', async () => {
    const json = await tfjsFolder('tf-2000', paths(...Array(2000).fill('model.weights.bin')));
    writeFileSync(join(tmp, 'tf-2000', 'model.weights.bin'), Buffer.alloc(2 * 2 ** 20)); // 4 GB if read 2,000 times
    const r = cli('import', '--tfjs', json, '--out', join(tmp, 'x2000.wasmlp'));
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(`${json} names the weights file "model.weights.bin" twice; each is read once`);
  });

  test('two names of one file are refused; sizes that do not add up are refused before reading', async () => {
    const json = await tfjsFolder('tf-alias', paths('model.weights.bin', 'again.bin'));
    symlinkSync('model.weights.bin', join(tmp, 'tf-alias', 'again.bin'));
    expect(cli('import', '--tfjs', json, '--out', join(tmp, 'alias.wasmlp')).stderr).toContain(
      'names one weights file twice: "again.bin" is "model.weights.bin"; each is read once',
    );
    const sum = await tfjsFolder('tf-sum', paths('model.weights.bin', 'more.bin'));
    writeFileSync(join(tmp, 'tf-sum', 'more.bin'), Buffer.alloc(8));
    expect(cli('import', '--tfjs', sum, '--out', join(tmp, 'sum.wasmlp')).stderr).toContain(
      `${sum}: its weights files hold ${WEIGHT_BYTES + 8} bytes, but its weights manifest describes ${WEIGHT_BYTES} bytes`,
    );
  });
});

describe('6. TF.js names are unique', () => {
  test('two layers of one name are refused (the second block was read for both)', async () => {
    const { json, weights } = await tfjsModel((j, L) => {
      L[0].config.name = L[1].config.name = 'd';
      for (const w of j.weightsManifest[0].weights) w.name = w.name.replace(/dense_\d/, 'd');
    });
    await expect(Network.fromTfjs(json, weights)).rejects.toThrow(
      /^fromTfjs: layer 2 "d" \(Dense\) has the name of layer 1; layer names must be unique$/,
    );
  });

  test('a weight listed twice in the manifest is refused (the second was used, the first ignored)', async () => {
    const { json, weights } = await tfjsModel((j) =>
      j.weightsManifest[0].weights.push({ name: 'dense_2/bias', shape: [3], dtype: 'float32' }),
    );
    const more = new Uint8Array(weights.length + 12);
    more.set(weights);
    await expect(Network.fromTfjs(json, more)).rejects.toThrow(
      /^fromTfjs: the weights manifest lists the weight "dense_2\/bias" twice; names must be unique$/,
    );
  });

  test('nameless Dense layers are refused (they shared one /kernel)', async () => {
    const { json, weights } = await tfjsModel((j, L) => {
      for (const l of L) delete l.config.name;
      for (const w of j.weightsManifest[0].weights) w.name = w.name.replace(/dense_\d/, '');
    });
    await expect(Network.fromTfjs(json, weights)).rejects.toThrow(
      /^fromTfjs: layer 1 \(Dense\) has no name; its weights are found by it \(name\/kernel, name\/bias\)$/,
    );
  });
});

describe('5. deep JSON and huge lists are refused in words, not by a stack overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = { a: deep };
  const many = Array.from({ length: 200_000 }, () => ({ units: 1 }));

  test('a network config holding a value nested 200,000 deep, or 200,000 layers', async () => {
    await expect(Network.create({ inputs: 2, layers: [{ units: deep as number }], loss: 'mse' })).rejects.toThrow(
      /^layer 1: units must be an integer ≥ 1, got \{"a":\{"a":\{…\}\}\}$/,
    );
    await expect(
      Network.create({
        inputs: 2,
        layers: [{ units: 2, activation: 'softmax' }],
        loss: 'cross-entropy',
        classes: deep as string[],
      }),
    ).rejects.toThrow(/^classes must be 2 distinct strings .* got \{"a":\{"a":\{…\}\}\}$/);
    await expect(Network.create({ inputs: 2, layers: many, loss: 'mse' })).rejects.toThrow(
      /^layers holds 200000 layers; a network has at most 1000$/,
    );
  });

  test('a model.json nested 200,000 deep, or of 200,000 layers', async () => {
    const { json, weights } = await tfjsModel();
    const text = JSON.stringify(json).replace(
      '"use_bias":true',
      `"use_bias":true,"bias_constraint":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`,
    );
    await expect(Network.fromTfjs(text, weights)).rejects.toThrow(
      /^fromTfjs: model\.json's arrays and objects nest more than 32 deep; a layers model needs far fewer$/,
    );
    const { json: wide } = await tfjsModel((_, L) => {
      for (let i = 0; i < 200_000; i++) L.push({ class_name: 'Dense', config: { name: `d${i}`, units: 1 } } as never);
    });
    await expect(Network.fromTfjs(wide, weights)).rejects.toThrow(
      /^fromTfjs: the Sequential model has 200002 layers; wasmlp imports at most 1000 Dense layers$/,
    );
  });
});

describe('4. pictures are bounded by their declared size before they are decoded', () => {
  /** A PNG chunk: length, type, data, CRC-32 of type and data. */
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  /** A valid 1-bit grey PNG of width × height, all black: a few hundred KB for 20000 × 20000. */
  const blackPng = (width: number, height: number) => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 1; // bit depth; colour type 0 (grey), deflate, filter 0, no interlace
    const row = Buffer.alloc(1 + Math.ceil(width / 8)),
      z = createDeflate({ level: 9 }),
      parts: Buffer[] = [];
    z.on('data', (c: Buffer) => parts.push(c));
    for (let y = 0; y < height; y++) z.write(row);
    return new Promise<Buffer>((done) => {
      z.on('end', () =>
        done(
          Buffer.concat([
            Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
            chunk('IHDR', ihdr),
            chunk('IDAT', Buffer.concat(parts)),
            chunk('IEND', Buffer.alloc(0)),
          ]),
        ),
      );
      z.end();
    });
  };
  const model = join(tmp, 'digits.wasmlp');
  beforeAll(async () => {
    const net = await Network.create({
      inputs: 784,
      layers: [{ units: 10, activation: 'softmax' }],
      loss: 'cross-entropy',
    });
    writeFileSync(model, net.toBytes());
    net.dispose();
  });
  const predict = (picture: string) =>
    spawnSync(process.execPath, ['--max-old-space-size=256', CLI, 'predict', '--model', model, picture], {
      encoding: 'utf8',
      timeout: 120_000,
    });

  test('a 20000×20000 PNG of a few hundred KB is refused from its header (it aborted V8 out of memory)', async () => {
    const file = join(tmp, 'huge.png');
    const png = await blackPng(20000, 20000);
    expect(png.length).toBeLessThan(2 ** 20);
    writeFileSync(file, png);
    const r = predict(file);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${file} is 20000×20000 = 400000000 pixels, more than the 16777216 (4096×4096) a picture may have; resize it first`,
    );
  });

  test('PGM has the same bound (it capped each side at 65536, so 4 G pixels)', () => {
    const file = join(tmp, 'huge.pgm');
    writeFileSync(file, 'P5\n4097 4096\n255\n');
    const r = predict(file);
    expect(r.stderr).toContain(`${file} is 4097×4096 = 16781312 pixels, more than the 16777216 (4096×4096) a picture`);
  });

  test('a picture within the bound is read', async () => {
    const file = join(tmp, 'small.png');
    writeFileSync(file, await blackPng(28, 28));
    const r = predict(file);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/small\.png (\(inverted\) )?\s*\d  /); // decoded and classified
  });
});
