// The model file format: round trips, exact resume from checkpoints, and a distinct error for each
// way a file can be bad.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Dataset, Network, type NetworkConfig, type OptimizerConfig } from '../src/index.js';
import { crc32 } from '../src/io/crc32.js';
import {
  decodeModel,
  MODEL_FORMAT_VERSION,
  MODEL_LIMITS,
  ModelFileError,
  readModelHeader,
  type ModelErrorCode,
} from '../src/io/model.js';
import { VERSION } from '../src/io/version.js';
import { rawModelFile } from './harness.js';

const config = (over: Partial<NetworkConfig> = {}): NetworkConfig => ({
  inputs: 6,
  loss: 'cross-entropy',
  seed: 5,
  layers: [
    { units: 7, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  ...over,
});

/** 3 classes from a fixed rule over deterministic pseudo-random features. */
function data(rows: number): Dataset {
  const x = new Float32Array(rows * 6),
    y = new Uint8Array(rows);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) / 2 ** 24 - 0.5;
  }
  for (let r = 0; r < rows; r++) y[r] = x[6 * r] + x[6 * r + 1] > 0.2 ? 0 : x[6 * r + 2] > 0 ? 1 : 2;
  return Dataset.fromArrays(x, y, 6);
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const flat = (net: Network) => Float32Array.from(net.parameters().flatMap((p) => [...p.W, ...p.b]));

test('CRC-32 is the IEEE one (zip, gzip, PNG)', () => {
  expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  expect(crc32(new Uint8Array(0))).toBe(0);
});

test("the version written into files is package.json's", () => {
  expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
});

test('a model round-trips: same parameters, outputs, history and the same bytes again', async () => {
  const train = data(300);
  const net = await Network.create(config());
  await net.fit(train, {
    epochs: 2,
    batchSize: 16,
    optimizer: { name: 'adam', learningRate: 0.01 },
    validationData: data(50),
  });
  const bytes = net.toBytes({ meta: { note: 'hello' } });
  const header = readModelHeader(bytes);
  expect(header.kind).toBe('model');
  expect(header.library).toBe(`wasmlp ${VERSION}`);
  expect(header.sections).toEqual([{ name: 'parameters', count: 7 * 6 + 7 + 3 * 7 + 3 }]);
  expect(header.meta).toEqual({ note: 'hello' });
  expect(header.fit).toEqual({
    epochs: 2,
    batchSize: 16,
    optimizer: { name: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    l2: 0,
    shuffle: true,
  });

  const back = await Network.fromBytes(bytes);
  expect(bytesOf(flat(back))).toEqual(bytesOf(flat(net)));
  expect(back.predict(train)).toEqual(net.predict(train));
  expect(back.history).toEqual(net.history);
  expect(back.history.map((e) => e.epoch)).toEqual([1, 2]);
  expect(back.toBytes({ meta: { note: 'hello' } })).toEqual(bytes);
  // The js backend reads the same file.
  expect(bytesOf(flat(await Network.fromBytes(bytes, { backend: 'js' })))).toEqual(bytesOf(flat(net)));
});

test('an untrained network saves and loads too (no fit settings, empty history)', async () => {
  const net = await Network.create(config({ init: 'lecun' }));
  const back = await Network.fromBytes(net.toBytes());
  expect(back.config.init).toBe('lecun');
  expect(back.history).toEqual([]);
  expect(back.lastFit).toBeUndefined();
  expect(bytesOf(flat(back))).toEqual(bytesOf(flat(net)));
  expect(() => net.toBytes({ checkpoint: true })).toThrow(/a checkpoint needs a network that has been trained/);
});

describe('a checkpoint resumes exactly: the weights and optimizer state of an uninterrupted run, bit for bit', () => {
  const cases: [string, OptimizerConfig, number][] = [
    ['sgd', { name: 'sgd', learningRate: 0.3 }, 0],
    ['momentum (nesterov) with l2', { name: 'momentum', learningRate: 0.05, momentum: 0.8, nesterov: true }, 1e-3],
    ['adam', { name: 'adam', learningRate: 0.01 }, 0],
  ];
  for (const [label, optimizer, l2] of cases) {
    test(label, async () => {
      const train = data(203); // not a multiple of the batch size: the last batch is short
      const options = { epochs: 5, batchSize: 16, optimizer, l2 };
      const straight = await Network.create(config());
      await straight.fit(train, options);

      const first = await Network.create(config());
      await first.fit(train, { ...options, epochs: 2 });
      const checkpoint = first.toBytes({ checkpoint: true });
      first.dispose();
      const resumed = await Network.fromBytes(checkpoint);
      expect(resumed.lastFit).toEqual({
        ...options,
        epochs: 2,
        optimizer: expect.objectContaining(optimizer),
        shuffle: true,
      });
      const rest = await resumed.fit(train, { ...resumed.lastFit!, epochs: 5, initialEpoch: resumed.history.length });
      expect(rest.map((e) => e.epoch)).toEqual([3, 4, 5]);

      expect(bytesOf(flat(resumed))).toEqual(bytesOf(flat(straight)));
      const a = decodeModel(resumed.toBytes({ checkpoint: true })),
        b = decodeModel(straight.toBytes({ checkpoint: true }));
      for (const s of ['optimizer.m', 'optimizer.v'] as const) {
        if (b.sections[s]) expect(bytesOf(a.sections[s]!), s).toEqual(bytesOf(b.sections[s]!));
      }
      expect(a.header.optimizerState).toEqual(b.header.optimizerState);
      expect(a.header.random).toEqual(b.header.random);
      expect(resumed.history.map((e) => [e.epoch, e.loss, e.accuracy])).toEqual(
        straight.history.map((e) => [e.epoch, e.loss, e.accuracy]),
      );
    });
  }

  test('the optimizer state is what makes it exact: resuming adam from a plain model file does not match', async () => {
    const train = data(203);
    const options = { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } as const };
    const straight = await Network.create(config());
    await straight.fit(train, options);
    const first = await Network.create(config());
    await first.fit(train, { ...options, epochs: 2 });
    const fromModel = await Network.fromBytes(first.toBytes()); // parameters and shuffle state, no moments
    await fromModel.fit(train, { ...options, initialEpoch: 2 });
    expect(bytesOf(flat(fromModel))).not.toEqual(bytesOf(flat(straight)));
  });
});

test('fit checks initialEpoch', async () => {
  const net = await Network.create(config());
  await expect(net.fit(data(20), { epochs: 2, initialEpoch: 2, batchSize: 4 })).rejects.toThrow(
    /initialEpoch must be an integer from 0 to epochs − 1 = 1, got 2/,
  );
  await expect(net.fit(data(20), { epochs: 2, initialEpoch: -1, batchSize: 4 })).rejects.toThrow(
    /initialEpoch must be an integer/,
  );
});

describe('bad files: each gets its own error code and a message that says what is wrong', () => {
  let good: Uint8Array;
  const load = async (bytes: Uint8Array) => Network.fromBytes(bytes, { name: 'm.wasmlp' });
  const rejects = async (bytes: Uint8Array, code: ModelErrorCode, message: RegExp) => {
    const err = await load(bytes).then(
      () => undefined,
      (e) => e,
    );
    expect(err, `expected ${code}`).toBeInstanceOf(ModelFileError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(() => readModelHeader(bytes, 'm.wasmlp')).toThrow(message);
  };
  const edit = (f: (b: Uint8Array, v: DataView) => void) => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return b;
  };
  const reseal = (b: Uint8Array) => {
    // recompute both CRCs after an edit, as a buggy writer would produce
    const v = new DataView(b.buffer);
    v.setUint32(24, crc32(b.subarray(0, 24)), true);
    v.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    return b;
  };

  test('setup', async () => {
    const net = await Network.create(config());
    await net.fit(data(100), { epochs: 1, batchSize: 10, optimizer: { name: 'momentum', learningRate: 0.1 } });
    good = net.toBytes({ checkpoint: true });
    await expect(load(good)).resolves.toBeInstanceOf(Network);
  });

  test('truncated: empty, inside the fixed header, inside the header, inside the payload, the checksum cut off', async () => {
    await rejects(new Uint8Array(0), 'truncated', /m\.wasmlp is empty \(0 bytes\)/);
    await rejects(good.subarray(0, 5), 'truncated', /is truncated: 5 bytes, shorter than the 28-byte fixed header/);
    for (const n of [40, good.length >> 1, good.length - 1]) {
      await rejects(
        good.subarray(0, n),
        'truncated',
        new RegExp(`is truncated: ${n} bytes, but its header declares ${good.length} \\(${good.length - n} missing\\)`),
      );
    }
  });

  test('wrong magic: another kind of file, or a text-mode copy', async () => {
    await rejects(
      new TextEncoder().encode('<!DOCTYPE html><html></html>'),
      'wrong-magic',
      /is not a wasmlp model file: it starts with 3c 21 44 4f 43 54 59 50 \("<!DOCTYP"\)/,
    );
    await rejects(
      edit((b) => {
        b[5] = 0x0a;
      }),
      'wrong-magic',
      /not the magic 89 57 4d 4c 50 0d 0a 1a/,
    );
    await rejects(Uint8Array.of(0x89, 0x50, 0x4e, 0x47), 'wrong-magic', /starts with 89 50 4e 47/);
  });

  test('newer version', async () => {
    await rejects(
      edit((_, v) => v.setUint32(8, MODEL_FORMAT_VERSION + 1, true)),
      'newer-version',
      new RegExp(
        `uses model format version ${MODEL_FORMAT_VERSION + 1}, newer than this wasmlp \\(0\\.1\\.0\\) reads \\(up to version ${MODEL_FORMAT_VERSION}\\); upgrade wasmlp`,
      ),
    );
  });

  test('corrupted: a flipped bit in the payload, in the JSON header, in the checksum, in a size field', async () => {
    for (const at of [good.length - 20, 40, good.length - 2]) {
      await rejects(
        edit((b) => {
          b[at] ^= 0x10;
        }),
        'corrupted',
        /is corrupted: CRC-32 mismatch over its \d+ bytes \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/,
      );
    }
    await rejects(
      edit((b) => {
        b[13] ^= 1;
      }),
      'corrupted',
      /is corrupted: its fixed header \(bytes 0–23\) fails the CRC-32 check/,
    );
  });

  test('oversized: sizes over the limits, or more bytes than the header declares', async () => {
    await rejects(
      reseal(edit((_, v) => v.setUint32(12, MODEL_LIMITS.headerBytes + 1, true))),
      'oversized',
      /declares a 16777217-byte header; the limit is 16777216 bytes/,
    );
    await rejects(
      reseal(edit((_, v) => v.setBigUint64(16, 2n ** 40n, true))),
      'oversized',
      new RegExp(
        `declares a 1099511627776-byte payload; the limit is ${4 * MODEL_LIMITS.sectionValues * MODEL_LIMITS.sections} bytes`,
      ),
    );
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    await rejects(
      longer,
      'oversized',
      new RegExp(`is ${good.length + 3} bytes, 3 more than the ${good.length} its header declares`),
    );
  });

  test('invalid: a well-sealed file whose header does not describe its payload', async () => {
    const { header, sections } = decodeModel(good);
    const write = (
      h: object,
      s = [
        ['parameters', sections.parameters!],
        ['optimizer.v', sections['optimizer.v']!],
      ] as const,
    ) => rawModelFile(h, s as never);
    const net = header.network;
    await rejects(
      write({ ...header, network: { ...net, layers: [{ units: 8, activation: 'tanh' }, net.layers[1]] } }),
      'invalid',
      /the network 6-8-3 has 83 parameters but the parameters section holds 73/,
    );
    await rejects(
      write({ ...header, network: { ...net, loss: 'hinge' } }),
      'invalid',
      /invalid header: unknown loss "hinge"; expected one of mse, cross-entropy/,
    );
    await rejects(
      write({ ...header, network: { ...net, layers: [{ units: 7, activation: 'swish' }, net.layers[1]] } }),
      'invalid',
      /invalid header: layer 1: unknown activation "swish"; expected one of/,
    );
    await rejects(
      write({ ...header, network: { ...net, layers: [net.layers[0], { units: 3, activation: 'relu' }] } }),
      'invalid',
      /invalid header: loss "cross-entropy" needs a softmax or sigmoid output/,
    );
    await rejects(write({ ...header, random: [1, 2, 3] }), 'invalid', /random must be 4 integers/);
    await rejects(
      write(header, [['parameters', sections.parameters!]] as never),
      'invalid',
      /a momentum checkpoint holds the sections parameters,optimizer\.v, not parameters/,
    );
    await rejects(
      write({ ...header, kind: 'model' }),
      'invalid',
      /a model \(not a checkpoint\) holds only the parameters section/,
    );
    await rejects(
      write({ ...header, fit: { ...header.fit, optimizer: { name: 'rmsprop' } } }),
      'invalid',
      /unknown optimizer "rmsprop"/,
    );
    const nan = sections.parameters!.slice();
    nan[3] = NaN;
    await rejects(
      write(header, [
        ['parameters', nan],
        ['optimizer.v', sections['optimizer.v']!],
      ] as never),
      'invalid',
      /non-finite value \(NaN\) at parameters\[3\]/,
    );
    // Not JSON at all, with valid checksums.
    const b = good.slice();
    b[28] = 0x7b + 1;
    await rejects(reseal(b), 'invalid', /has a header that is not valid UTF-8 JSON/);
  });

  test('a file that declares a huge payload but is short fails before allocating anything', async () => {
    const b = reseal(edit((_, v) => v.setBigUint64(16, BigInt(4 * MODEL_LIMITS.sectionValues), true)));
    await rejects(b, 'truncated', /is truncated: .* but its header declares \d{9,} \(/);
  });
});
