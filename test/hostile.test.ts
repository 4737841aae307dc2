// Hostile input and unlucky users, in the library (issue 9): bounded memory whatever the input,
// no side effects from a failed call, files that always load, clear Errors instead of raw ones.
// The CLI's side (locks, signals, read-only folders) is in cli-hostile.test.ts.
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { Dataset, Network, type NetworkConfig } from '../src/index.js';
import { decodeModel, ModelFileError } from '../src/io/model.js';
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

function data(rows: number, scale = 1, width = 6): Dataset {
  const x = new Float32Array(rows * width),
    y = new Uint8Array(rows);
  let s = 99;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = ((s >>> 8) / 2 ** 24 - 0.5) * scale;
  }
  for (let r = 0; r < rows; r++) y[r] = x[width * r] > 0 ? 0 : x[width * r + 1] > 0 ? 1 : 2;
  return Dataset.fromArrays(x, y, width);
}

/**
 * Everything that says where a network is, as its checkpoint holds it: weights, optimizer state,
 * shuffle stream, lastFit and history (less the epochs' timings, which no two runs share).
 */
function state(net: Network): string {
  const { header, sections } = decodeModel(net.toBytes({ checkpoint: net.lastFit !== undefined }));
  const history = header.history.map(({ seconds, samplesPerSec, ...e }) => e);
  const values = Object.fromEntries(
    Object.entries(sections).map(([k, a]) => [k, Buffer.from(a!.buffer).toString('base64')]),
  );
  return JSON.stringify({ ...header, history, values });
}

/** Peak resident memory (VmHWM, MiB) of a Node child running `code`, and its output. */
function peak(code: string): { mib: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${code}\nconsole.log('VmHWM', /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);`,
    ],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const m = /VmHWM (\d+)/.exec(r.stdout);
  return { mib: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout, stderr: r.stderr };
}

describe('1. gzip bombs inflate no further than the IDX header declares', () => {
  // A gzip stream of 1 GiB of zeros behind a valid 60000×28×28 header: 1 MB compressed, the
  // header promises 47 MB. Without a limit, inflating it takes over a GiB.
  const bomb = `
    import { createGzip } from 'node:zlib';
    import { createRequire } from 'node:module';
    globalThis.require = createRequire(import.meta.url);
    const { parseIdx } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const header = Buffer.alloc(16); header.writeUInt32BE(0x803, 0); header.writeUInt32BE(60000, 4); header.writeUInt32BE(28, 8); header.writeUInt32BE(28, 12);
    const gz = createGzip({ level: 9 }), parts = [];
    gz.on('data', (c) => parts.push(c));
    const done = new Promise((r) => gz.on('end', r));
    gz.write(header);
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
    gz.end(); await done;
    const file = Buffer.concat(parts);
    try { await parseIdx(file, 'bomb.gz'); console.log('parsed'); } catch (e) { console.log('ERROR', e.message); }
  `;

  test('a 1 MB file that inflates to 1 GiB is refused, with peak memory near the 47 MB it declares', () => {
    const r = peak(bomb);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /ERROR bomb\.gz: the gzip data inflates to more than the 47040016 bytes its IDX header declares/,
    );
    expect(r.mib).toBeLessThan(400); // without the limit: > 1,100 MiB
  });

  test('a header declaring more than any file may hold is refused before anything is allocated', async () => {
    const { gzipSync } = await import('node:zlib');
    const { parseIdx } = await import('../src/index.js');
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0x803, 0);
    h.writeUInt32BE(0xffffffff, 4);
    h.writeUInt32BE(0xffff, 8);
    h.writeUInt32BE(0xffff, 12);
    await expect(parseIdx(gzipSync(h), 'huge.gz')).rejects.toThrow(
      /huge\.gz: the IDX header declares dims 4294967295×65535×65535, .* bytes in all; the limit is 2147483647 bytes/,
    );
    // All zeros (head -c 4G /dev/zero | gzip) is not IDX at all: refused after 4 inflated bytes.
    await expect(parseIdx(gzipSync(Buffer.alloc(1 << 20)), 'zeros.gz')).rejects.toThrow(
      /zeros\.gz: unsupported IDX element type 0x00/,
    );
  });
});

describe('2. sizes are computed without wrap-around, and refused before anything is allocated', () => {
  test('networks too large for one WebAssembly memory are refused at once, naming the layer and the bytes', async () => {
    await expect(
      Network.create({
        inputs: 784,
        layers: [{ units: 100000 }, { units: 100000 }, { units: 10 }],
        loss: 'cross-entropy',
      }),
    ).rejects.toThrow(
      /the network is too large for WebAssembly: its 10,079,600,010 parameters take 37\.5 GiB \(layer 2, 100000 × 100000 weights, 37\.3 GiB\).*more than the 4\.0 GiB one WebAssembly memory can hold/,
    );
    await expect(
      Network.create({ inputs: 784, layers: [{ units: 700000 }, { units: 10 }], loss: 'cross-entropy' }),
    ).rejects.toThrow(/too large for WebAssembly: .*\(layer 1, 700000 × 784 weights, 2\.0 GiB\)/);
    const deep = Array.from({ length: 2000 }, () => ({ units: 784, activation: 'relu' as const }));
    await expect(
      Network.create({ inputs: 784, layers: [...deep, { units: 10 }], loss: 'cross-entropy' }),
    ).rejects.toThrow(/too large for WebAssembly/);
  });

  test('a refused allocation changes nothing: the network trains and predicts afterwards', async () => {
    // 1-20000-1: 60,001 parameters, but a batch of 20,000 rows needs 3 × 20,000 × 20,000 floats (4.5 GiB) of buffers.
    const net = await Network.create({
      inputs: 1,
      layers: [
        { units: 20000, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'mse',
    });
    const rows = Dataset.fromArrays(
      Float32Array.from({ length: 20000 }, (_, i) => (i % 7) / 7 - 0.5),
      Uint8Array.from({ length: 20000 }, (_, i) => i & 1),
      1,
    );
    const before = state(net);
    expect(() => net.gradients(rows)).toThrow(
      /buffers for batches of 20,000 rows needs 4\.5 GiB more WebAssembly memory, but the network has .* and one WebAssembly memory holds at most 4\.0 GiB/,
    );
    await expect(net.fit(rows, { epochs: 1, batchSize: 20000, optimizer: { name: 'adam' } })).rejects.toThrow(
      /fit \(.*buffers for batches of 20000 4\.5 GiB.*\) needs 4\.5 GiB more WebAssembly memory/,
    );
    expect(net.lastFit).toBeUndefined();
    await net.fit(rows.slice(0, 200), { epochs: 1, batchSize: 50, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const trained = state(net);
    expect(() => net.gradients(rows)).toThrow(/needs 4\.5 GiB more/);
    await expect(
      net.fit(rows, { epochs: 2, initialEpoch: 1, batchSize: 20000, optimizer: { name: 'adam' } }),
    ).rejects.toThrow(/needs 4\.5 GiB more/);
    expect(state(net)).toBe(trained); // the refusals changed nothing
    await net.fit(rows.slice(0, 200), {
      epochs: 2,
      initialEpoch: 1,
      batchSize: 50,
      optimizer: { name: 'sgd', learningRate: 0.1 },
    });
    expect(net.predict(new Float32Array([0.25])).length).toBe(1);
    expect(state(net)).not.toBe(trained); // and it trains on
    expect(before).not.toBe(trained);
  });
});

describe('3. a fit that throws leaves the network as it was', () => {
  // relu: nothing saturates, so a huge learning rate overflows the weights within a few steps.
  const trained = async () => {
    const net = await Network.create(
      config({
        layers: [
          { units: 7, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
      }),
    );
    await net.fit(data(120), { epochs: 2, batchSize: 16, optimizer: { name: 'momentum', learningRate: 0.1 } });
    return net;
  };

  test('bad data, wrong width, a label out of range, empty validation data: refused before anything changes', async () => {
    const net = await trained();
    const before = state(net);
    const adam = { name: 'adam' } as const;
    const bad: [() => Promise<unknown>, RegExp][] = [
      [
        () => net.fit(data(40, 1, 5), { epochs: 3, initialEpoch: 2, batchSize: 8, optimizer: adam }),
        /data rows have 5 features but the network has 6 inputs/,
      ],
      [
        () =>
          net.fit(Dataset.fromArrays(new Float32Array(12), Uint8Array.of(0, 7), 6), {
            epochs: 3,
            initialEpoch: 2,
            batchSize: 8,
            optimizer: adam,
          }),
        /label 7 at row 1 is outside the network's 3 outputs/,
      ],
      [
        () => net.fit(data(40), { epochs: 3, initialEpoch: 2, batchSize: 8, optimizer: adam, validationData: data(0) }),
        /validationData is empty/,
      ],
      [
        () =>
          net.fit(data(40), {
            epochs: 3,
            initialEpoch: 2,
            batchSize: 8,
            optimizer: adam,
            validationData: data(10, 1, 4),
          }),
        /validation data rows have 4 features/,
      ],
      [
        () =>
          net.fit(data(40), {
            epochs: 3,
            initialEpoch: 2,
            batchSize: 8,
            optimizer: adam,
            earlyStopping: { patience: 1 },
          }),
        /earlyStopping needs validation data/,
      ],
      [
        () => net.fit(null as never, { epochs: 3, initialEpoch: 2, batchSize: 8, optimizer: adam }),
        /fit: expected the training data as a Dataset/,
      ],
    ];
    for (const [call, message] of bad) {
      await expect(call()).rejects.toThrow(message);
      expect(state(net)).toBe(before);
    }
  });

  test('after a divergence: weights, optimizer state, shuffle state and lastFit as at the end of the last good epoch', async () => {
    const net = await trained();
    const before = state(net),
      lastFit = net.lastFit;
    // Another optimizer config (a new optimizer, its predecessor kept): a huge learning rate diverges in epoch 3.
    const err = await net
      .fit(data(120), {
        epochs: 4,
        initialEpoch: 2,
        batchSize: 16,
        optimizer: { name: 'momentum', learningRate: 1e12 },
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/training diverged/);
    expect(state(net)).toBe(before);
    expect(net.lastFit).toEqual(lastFit);
    // A checkpoint written now continues as the original run would.
    const twin = await trained();
    await twin.fit(data(120), {
      epochs: 3,
      initialEpoch: 2,
      batchSize: 16,
      optimizer: { name: 'momentum', learningRate: 0.1 },
    });
    await net.fit(data(120), {
      epochs: 3,
      initialEpoch: 2,
      batchSize: 16,
      optimizer: { name: 'momentum', learningRate: 0.1 },
    });
    expect(state(net)).toBe(state(twin));
  });

  test('a callback that throws mid-epoch: back to the end of the last epoch', async () => {
    const net = await trained();
    const before = state(net);
    await expect(
      net.fit(data(120), {
        epochs: 4,
        initialEpoch: 2,
        batchSize: 16,
        optimizer: { name: 'momentum', learningRate: 0.1 },
        onBatchEnd: (b) => {
          if (b.batch === 3) throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect(state(net)).toBe(before);
  });
});

describe('4. whatever is written loads', () => {
  test('a validation loss that is not finite is refused (the file could not hold it), and the network stays as it was', async () => {
    // relu lets the overflow through (tanh would saturate it): z = ∞ on the huge rows, then ∞ − ∞.
    const net = await Network.create(
      config({
        layers: [
          { units: 7, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
      }),
    );
    await net.fit(data(40), { epochs: 1, batchSize: 8 });
    const before = state(net);
    const huge = Dataset.fromArrays(new Float32Array(20 * 6).fill(3e38), new Uint8Array(20), 6);
    await expect(net.fit(data(40), { epochs: 2, initialEpoch: 1, batchSize: 8, validationData: huge })).rejects.toThrow(
      /the validation loss became (NaN|Infinity) after epoch 2, though training went well.*the network was restored to where it was before this fit/,
    );
    expect(state(net)).toBe(before);
  });

  test('saveModel with meta that would not load leaves the good file as it was', async () => {
    const { saveModel, loadModel } = await import('../src/node/files.js');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'wasmlp-meta-')), 'm.wasmlp');
    const net = await Network.create(config());
    await saveModel(net, file, { meta: { run: 6 } });
    const good = readFileSync(file);
    await expect(saveModel(net, file, { meta: 'run 7' as never })).rejects.toThrow(
      /would not load, so it is not written: meta must be an object/,
    );
    expect(readFileSync(file).equals(good)).toBe(true);
    expect((await loadModel(file)).parameterCount).toBe(net.parameterCount);
  });

  test('meta that is not a JSON object, or not JSON at all, is refused with a clear Error', async () => {
    const net = await Network.create(config());
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    let deep: unknown = 1;
    for (let i = 0; i < 20000; i++) deep = [deep];
    const cases: [unknown, RegExp][] = [
      ['run 7', /would not load, so it is not written: meta must be an object, got a string/],
      [{ n: 10n }, /its header is not JSON \(.*BigInt.*\); meta must hold plain JSON values/],
      [circular, /would not load.*nest more than 32 deep, or refer to themselves/],
      [{ deep }, /would not load.*arrays and objects nest more than 32 deep/],
    ];
    for (const [meta, message] of cases) expect(() => net.toBytes({ meta: meta as never })).toThrow(message);
    expect(() => net.toBytes({ meta: { run: 7, tags: ['a', 'b'] } })).not.toThrow();
  });
});

describe('5. every bad header is a ModelFileError at load, in plain words', () => {
  const sealed = async () => {
    const net = await Network.create(config());
    await net.fit(data(40), { epochs: 1, batchSize: 8, optimizer: { name: 'adam' } });
    const { header, sections } = decodeModel(net.toBytes({ checkpoint: true }));
    const parts = (names = ['parameters', 'optimizer.m', 'optimizer.v']) =>
      names.map((n) => [n, sections[n as 'parameters']!] as [string, Float32Array]);
    return { header, parts };
  };
  test('null where an object belongs, sections with other names, nesting 20,000 deep', async () => {
    const { header, parts } = await sealed();
    const deep = (json: string) => json.replace('"DEEP"', `${'['.repeat(20000)}1${']'.repeat(20000)}`);
    const cases: [Uint8Array, RegExp][] = [
      [
        rawModelFile({ ...header, fit: { ...header.fit, optimizer: null } }, parts()),
        /fit must be an object with epochs, batchSize, an optimizer object/,
      ],
      [rawModelFile({ ...header, fit: null }, parts()), /fit must be an object/],
      [rawModelFile({ ...header, optimizerState: null }, parts()), /optimizerState\.steps must be an integer/],
      [rawModelFile({ ...header, network: null }, parts()), /network must be an object/],
      [
        rawModelFile(header, [['optimizer.m,optimizer.v', parts()[0][1]]]),
        /an adam checkpoint holds the sections parameters,optimizer\.m,optimizer\.v, not optimizer\.m,optimizer\.v/,
      ],
      [
        rawModelFile({ ...header, meta: { deep: 'DEEP' } }, parts(), 1, deep),
        /arrays and objects nest more than 32 deep/,
      ],
      [
        rawModelFile({ ...header, history: [{ epoch: 1, loss: null, accuracy: 1 }] }, parts()),
        /history\[0\] must have an integer epoch, a finite loss and, when present, a finite accuracy/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const err = await Network.fromBytes(bytes, { name: 'm.wasmlp' }).catch((e) => e);
      expect(err, String(message)).toBeInstanceOf(ModelFileError);
      expect(err.message).toMatch(/^m\.wasmlp has an invalid header: /);
      expect(err.message).toMatch(message);
    }
  });
});

describe('7. the API says what was wrong, never a raw TypeError', () => {
  test('null, undefined and other wrong kinds of argument', async () => {
    const net = await Network.create(config());
    expect(() => net.predict(null as never)).toThrow(
      /^predict: expected the rows as an array of rows, a Float32Array \(rows × 6, row-major\) or a Dataset, got null$/,
    );
    expect(() => net.classify([1, 2, 3] as never)).toThrow(
      /classify: expected an array of rows \(each an array of 6 numbers\), got an array of numbers: pass \[row\] for one row/,
    );
    expect(() => net.gradients(undefined as never)).toThrow(/expected a Dataset/);
    expect(() => net.evaluate(undefined as never)).toThrow(/expected a Dataset/);
    await expect(net.fit(data(10), null as never)).rejects.toThrow(/fit expects options/);
    await expect(Network.fromBytes(net.toBytes(), { backend: 'gpu' as never })).rejects.toThrow(
      /^fromBytes: unknown backend "gpu"; expected "wasm" or "js"$/,
    );
    await expect(Network.fromBytes(new Float32Array(4) as never)).rejects.toThrow(
      /expected the model file as a Uint8Array, got a Float32Array/,
    );
    expect(() => net.setParameters(null as never)).toThrow(/expected parameters for 2 layers, got null/);
    expect(() => net.toBytes(null as never)).toThrow(/toBytes: expected options/);
  });
});

describe('8. dispose() lets go of the memory', () => {
  test('disposed networks that are still referenced hold no WebAssembly memory', () => {
    // V8 reserves 10 GiB of address space per WebAssembly memory: the reservation shows in VmSize.
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--input-type=module',
        '-e',
        `
        import { readFileSync } from 'node:fs';
        const { Network } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
        const vm = () => Number(/VmSize:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 2 ** 20; // GiB
        const kept = [];
        const start = vm();
        for (let i = 0; i < 40; i++) kept.push(await Network.create({ inputs: 784, layers: [{ units: 128 }, { units: 10 }], loss: 'cross-entropy' }));
        const alive = vm();
        for (const net of kept) net.dispose();
        for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
        console.log(JSON.stringify({ start, alive, disposed: vm(), held: kept.length, memory: kept[0].memoryBytes }));
      `,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout);
    expect(v.alive - v.start).toBeGreaterThan(300); // 40 × 10 GiB reserved while alive
    expect(v.disposed - v.start).toBeLessThan(20); // all of it given back, the Network objects still held
    expect(v.memory).toBe(0);
  });
});
