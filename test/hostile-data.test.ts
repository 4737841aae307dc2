// Hostile data and reentrant calls (issue 23): tables whose text is large, wide or ambiguous,
// settings and rows that are not finite, calls into a network from its own fit's callbacks, and
// worker threads that stop answering. Each case ends in a correct result or a clear Error. The
// child processes run the built bundle (npm run build first) under a heap limit: memory is
// asserted by the limit, never by timing.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Dataset, Network, parseCsv, type NetworkConfig } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-hostile-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs an ES module script in a fresh Node with `flags`; `LIB` in it is the built library's URL. */
function child(script: string, flags: string[] = [], timeout = 120_000) {
  const lib = new URL('../dist/', import.meta.url).href;
  return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script.replaceAll('LIB', lib)], {
    encoding: 'utf8',
    timeout,
  });
}

/** A table of `rows` rows: `columns` numeric features (row r, column j holds r + j / 8) and a 0/1 target y. */
function writeTable(file: string, rows: number, columns: number): void {
  const fd = openSync(file, 'w');
  writeSync(fd, [...Array.from({ length: columns }, (_, j) => `x${j}`), 'y'].join(',') + '\n');
  for (let r = 0; r < rows;) {
    const lines: string[] = [];
    for (const end = Math.min(rows, r + 5000); r < end; r++)
      lines.push([...Array.from({ length: columns }, (_, j) => String(r + j / 8)), String(r % 2)].join(','));
    writeSync(fd, lines.join('\n') + '\n');
  }
  closeSync(fd);
}

describe('CSV tables', () => {
  test('a 60 MB table reads within a 64 MB heap: the text is streamed, never held whole', () => {
    // 400,000 rows × 16 columns ≈ 60 MB of text and 25.6 MB of f32 features (typed arrays live
    // outside the heap). Reading the whole text and splitting it took about 12× the file.
    const file = join(tmp, 'big.csv');
    writeTable(file, 400_000, 16);
    const r = child(
      `const { loadCsv } = await import('LIBnode/index.js');
       const t = await loadCsv(${JSON.stringify(file)}, { target: 'y' });
       const x = t.data.features;
       let sum = 0; for (let i = 0; i < x.length; i++) sum += x[i];
       console.log(JSON.stringify({ rows: t.data.length, width: t.data.width, last: x[x.length - 1], sum, ones: t.data.labels.reduce((a, b) => a + b, 0) }));`,
      ['--max-old-space-size=64'],
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ rows: 400_000, width: 16, last: Math.fround(399_999 + 15 / 8), ones: 200_000 });
    // Σ over rows and columns of (r + j/8), in f32 values summed in f64: close to the exact sum.
    const exact = 16 * ((399_999 * 400_000) / 2) + 400_000 * ((15 * 16) / 2 / 8);
    expect(Math.abs(out.sum - exact) / exact).toBeLessThan(1e-6);
  });

  test('300,000 columns parse in one linear pass (a lookup per column, not a search of the header)', () => {
    // Quadratic in the columns, 100,000 took 24 s; 300,000 would take minutes, past the timeout.
    const file = join(tmp, 'wide.csv');
    writeTable(file, 3, 300_000);
    const r = child(
      `const { loadCsv } = await import('LIBnode/index.js');
       const t = await loadCsv(${JSON.stringify(file)}, { target: 'y', categorical: ['x7'] });
       const f = t.schema.features;
       console.log(JSON.stringify({ width: t.data.width, features: f.length, last: f.at(-1).name, x7: f[7], classes: t.schema.classes, v: t.data.features[t.data.width + 299_999 + 2] }));`,
      [],
      60_000,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      width: 300_002, // x7 is a category of 3 values, one-hot
      features: 300_000,
      last: 'x299999',
      x7: { name: 'x7', kind: 'category', categories: ['0.875', '1.875', '2.875'] },
      classes: ['0', '1'],
      v: 1 + 299_999 / 8,
    });
  });

  test.each([
    [
      'a,a,y\n1,2,0\n3,4,1\n',
      'columns 1 ("a") and 2 ("a") have the same name; expected a distinct name for each column',
    ],
    [
      'a, a ,y\n1,2,0\n3,4,1\n',
      'columns 1 ("a") and 2 (" a ") have the same name once spaces are trimmed; expected a distinct name',
    ],
    ['x,y,y\n1,0,1\n2,1,0\n', 'columns 2 ("y") and 3 ("y") have the same name'],
  ])('a duplicate header is refused, naming both columns: %j', (text, message) => {
    expect(() => parseCsv(text, { target: 'y', name: 'd.csv' })).toThrow(`d.csv: ${message}`);
  });

  test('a CRLF header over LF rows: the message says the line endings differ', () => {
    expect(() => parseCsv('a,b,y\r\n1,2,0\n3,4,1\n5,6,0\n', { target: 'y', name: 'mixed.csv' })).toThrow(
      `mixed.csv: row 1 has 7 fields but the header has 3 columns: the header's line ends in "\\r\\n" but other lines end in "\\n"; expected one kind of line ending throughout`,
    );
  });

  test('a table read from a stream is the table read from its text; a row refused stops the stream', async () => {
    const { Readable } = await import('node:stream');
    const { readCsv } = await import('../src/index.js');
    const text = 'name,x,y\n"Smith, J",1.5,a\n"Doe,\nA",2,b\n"Roe ""B""",3,a\n';
    const chunks = (size: number) => () => {
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
      return Readable.from(parts, { objectMode: false, encoding: 'utf8' });
    };
    const whole = parseCsv(text, { target: 'y', keepRows: true });
    for (const size of [1, 2, 3, 7, 1000]) {
      const t = await readCsv(chunks(size), { target: 'y', keepRows: true });
      expect(t.schema).toEqual(whole.schema);
      expect(t.rows).toEqual(whole.rows);
      expect(Array.from(t.data.features)).toEqual(Array.from(whole.data.features));
    }
    await expect(readCsv(chunks(4), { target: 'z' })).rejects.toThrow('has no column "z"');
  });

  test('a web stream of bytes (a File in a browser) reads as the text, characters split between chunks kept whole', async () => {
    const { readCsv } = await import('../src/index.js');
    const text = 'größe,farbe,y\n1.5,grün,ä\n2,blau,ö\n-3,grün,ö\n';
    const bytes = new TextEncoder().encode(text);
    const oneByteAtATime = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const b of bytes) c.enqueue(Uint8Array.of(b)); // every 2-byte character split in two
          c.close();
        },
      });
    const whole = parseCsv(text, { target: 'y', keepRows: true, delimiter: ',' });
    const t = await readCsv(oneByteAtATime, { target: 'y', keepRows: true, delimiter: ',' });
    expect(t.schema).toEqual(whole.schema);
    expect(t.schema.classes).toEqual(['ä', 'ö']);
    expect(t.rows).toEqual(whole.rows);
    expect(Array.from(t.data.features)).toEqual(Array.from(whole.data.features));
    const file = () => new Blob([text]).stream();
    expect((await readCsv(file, { target: 'y' })).schema).toEqual(whole.schema);
    await expect(readCsv(file, { target: 'farbe', schema: undefined, task: 'regression' })).rejects.toThrow(
      'target column "farbe" holds categories',
    );
    await expect(readCsv(oneByteAtATime, { target: 'nein', delimiter: ',' })).rejects.toThrow('has no column "nein"');
  });
});

const config = (over: Partial<NetworkConfig> = {}): NetworkConfig => ({
  inputs: 3,
  loss: 'cross-entropy',
  seed: 7,
  layers: [
    { units: 5, activation: 'tanh' },
    { units: 2, activation: 'softmax' },
  ],
  ...over,
});

/** `rows` rows of 3 features in [−1, 1) and a label from their sign; the same for the same arguments. */
function rowsOf(rows: number, seed = 3): { x: Float32Array; y: Uint8Array; data: Dataset } {
  const x = new Float32Array(rows * 3),
    y = new Uint8Array(rows);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  for (let r = 0; r < rows; r++) y[r] = x[3 * r] + x[3 * r + 1] > 0 ? 1 : 0;
  return { x, y, data: Dataset.fromArrays(x, y, 3) };
}

describe('values that are not finite, and arrays that are gone', () => {
  test('min–max scaling of ±3e38 is refused before the first epoch, naming the column', async () => {
    const { x, y } = rowsOf(40);
    for (let r = 0; r < 40; r++) x[3 * r + 1] = r % 2 ? 3e38 : -3e38; // a spread of 6e38: past float32
    const net = await Network.create(config({ scale: 'minmax' }));
    let epochs = 0;
    await expect(
      net.fit(Dataset.fromArrays(x, y, 3), { epochs: 3, batchSize: 8, onEpochEnd: () => void epochs++ }),
    ).rejects.toThrow('cannot scale input 1 (minmax): its range is 6e+38 (from -3e+38 to 3e+38)');
    expect(epochs).toBe(0);
    expect(net.history).toEqual([]);
    expect(net.scaling).toBeUndefined();
    // Standard scaling of the same column is finite (its deviation is 3e38) and trains.
    const std = await Network.create(config({ scale: 'standard' }));
    await std.fit(Dataset.fromArrays(x, y, 3), { epochs: 1, batchSize: 8 });
    expect(std.history).toHaveLength(1);
  });

  test.each([
    ['learning rate NaN', { optimizer: { name: 'sgd', learningRate: NaN } }, 'got NaN'],
    ['learning rate Infinity', { optimizer: { name: 'adam', learningRate: Infinity } }, 'got Infinity'],
    ['batch size NaN', { batchSize: NaN }, 'batch size must be an integer ≥ 1, got NaN'],
    ['batch size -Infinity', { batchSize: -Infinity }, 'got -Infinity'],
    ['epochs NaN', { epochs: NaN }, 'epochs must be an integer ≥ 1, got NaN'],
  ])('a setting of NaN or ±Infinity is reported as it is, not as null: %s', async (_, over, message) => {
    const net = await Network.create(config());
    const fit = net.fit(rowsOf(8).data, { epochs: 1, batchSize: 4, ...over } as never);
    await expect(fit).rejects.toThrow(message);
    await expect(net.fit(rowsOf(8).data, { epochs: 1, batchSize: 4, ...over } as never)).rejects.not.toThrow('null');
  });

  test('features made NaN after Dataset.fromArrays are refused as they are copied, not reported as divergence', async () => {
    const { x, data } = rowsOf(16);
    const net = await Network.create(config());
    x[7] = NaN;
    await expect(net.fit(data, { epochs: 1, batchSize: 4 })).rejects.toThrow(
      'data: features[7] (row 2, column 1) is NaN; every feature must be finite',
    );
    expect(() => net.predict(data)).toThrow('features[7] (row 2, column 1) is NaN');
    expect(net.history).toEqual([]);
  });

  test('detached ArrayBuffers are named as such, never a raw TypeError from %TypedArray%.prototype.set', async () => {
    const detach = <T extends ArrayBufferView>(a: T): T => {
      structuredClone(a, { transfer: [a.buffer as ArrayBuffer] });
      return a;
    };
    const net = await Network.create(config());
    const gone = /a view of a detached ArrayBuffer, which holds nothing: its memory was transferred away/;
    const d1 = rowsOf(8).data;
    detach(d1.features);
    await expect(net.fit(d1, { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /^data: the Dataset's features array: a view of a detached/,
    );
    const d2 = rowsOf(8).data;
    detach(d2.labels);
    await expect(net.fit(d2, { epochs: 1, batchSize: 4 })).rejects.toThrow(/^data: the Dataset's labels array: /);
    expect(() => net.predict(detach(new Float32Array(6)))).toThrow(/^predict: the rows: a view of a detached/);
    expect(() => net.classify([detach(new Float32Array(3))])).toThrow(/^classify: row 0: /);
    expect(() => Dataset.fromArrays(detach(new Float32Array(3)), new Uint8Array(1), 3)).toThrow(gone);
    const p = net.parameters();
    detach(p[1].b);
    expect(() => net.setParameters(p)).toThrow(/^layer 2: b: a view of a detached/);
    await expect(Network.fromBytes(detach(net.toBytes()))).rejects.toThrow(gone);
    const t = net.toTfjs();
    await expect(Network.fromTfjs(t.modelJson, detach(t.weights))).rejects.toThrow(/^fromTfjs: the weights: /);
  });
});

/** Every weight and bias of `net`, as bytes. */
const weights = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)])).toString('hex');

describe('calls into a network from its own fit', () => {
  test.each([1, 2])(
    'predict, evaluate and classify on the training rows from onBatchEnd leave the fit as it was (%i threads)',
    async (threads) => {
      const { data } = rowsOf(300);
      const validation = rowsOf(50, 11).data;
      const run = async (calls: boolean) => {
        const net = await Network.create(config({ threads, layers: [{ units: 64 }, { units: 2 }] }));
        await net.fit(data, {
          epochs: 3,
          batchSize: 16,
          validationData: validation,
          onBatchEnd: (b) => {
            if (!calls || b.batch % 3 !== 1) return;
            net.predict(data);
            net.evaluate(data, { batchSize: 50 });
            net.classify(data);
            net.predict(validation);
            net.predict([[0.5, -0.5, 0.25]]);
          },
        });
        const w = weights(net);
        net.dispose();
        return w;
      };
      expect(await run(true)).toBe(await run(false));
    },
  );
});

describe('a checkpoint made in onBatchEnd', () => {
  // Made there, it holds where the epoch is (its batches done, their sums, the shuffle's state):
  // what a user who checkpoints every few batches expects is to resume exactly, not to lose the
  // epoch's part or to continue it in another order. 300 rows in batches of 16: 19 batches an epoch.
  test.each([3, 19])(
    'at batch %i of epoch 2 resumes to the weights and history of the uninterrupted run',
    async (at) => {
      const { data } = rowsOf(300);
      const validation = rowsOf(50, 11).data;
      const fit = { epochs: 3, batchSize: 16, validationData: validation, optimizer: { name: 'adam' as const } };
      const losses = (net: Network) => net.history.map((e) => [e.epoch, e.loss, e.accuracy, e.valLoss]);
      const whole = await Network.create(config());
      let bytes: Uint8Array | undefined;
      await whole.fit(data, {
        ...fit,
        onBatchEnd: (b) => {
          if (b.epoch === 2 && b.batch === at) bytes = whole.toBytes({ checkpoint: true });
        },
      });
      const resumed = await Network.fromBytes(bytes!);
      expect(resumed.progress).toMatchObject({ epoch: 2, batch: at, batchSize: 16, rows: 300 });
      await resumed.fit(data, { ...fit, initialEpoch: resumed.history.length });
      expect(weights(resumed)).toBe(weights(whole));
      expect(losses(resumed)).toEqual(losses(whole));
    },
  );
});

describe('a worker thread there but not answering', () => {
  // wedge(1) ends worker 1 without the pool hearing of it: to thread 0 it is alive and silent.
  // Thread 0 then runs every part of each step itself, and finds the silence when every worker
  // must answer, at the epoch's end; a step whose part a silent worker holds waits through the
  // same pool.waited(). The pool gives up after `patience` waits of ≈ 1 s (a minute by default; 3 here).
  test('fit rejects naming the thread, never waits forever', async () => {
    const [rows, batchSize] = [4096, 512];
    const { cores } = await import('../src/core/core.js');
    const net = await Network.create(config({ threads: 2, layers: [{ units: 256 }, { units: 256 }, { units: 2 }] }));
    const before = weights(net);
    const err = await net
      .fit(rowsOf(rows).data, {
        epochs: 2,
        batchSize,
        onBatchEnd: (b) => {
          if (b.epoch !== 1 || b.batch !== 1) return;
          const pool = cores.get(net)!.pool!;
          pool.patience = 3;
          pool.wedge(1);
        },
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^worker thread 1 has not answered for about 3 s though it has not gone away \(alive but not serving\); this network's threads are stopped: dispose\(\) it and create another$/,
    );
    expect(weights(net)).toBe(before); // the fit changed nothing
    expect(() => net.predict(rowsOf(4).data)).toThrow(/worker thread 1 has not answered/);
    net.dispose();
  });
});

describe('the CLI on hostile tables', () => {
  const cli = (args: string[], flags: string[] = []) =>
    spawnSync(process.execPath, [...flags, 'dist/node/cli.js', ...args], { encoding: 'utf8', timeout: 300_000 });
  const put = (name: string, text: string) => {
    const f = join(tmp, name);
    writeFileSync(f, text);
    return f;
  };

  test('train reads a 30 MB table within a 48 MB heap', () => {
    const file = join(tmp, 'cli-big.csv');
    writeTable(file, 200_000, 16);
    const out = join(tmp, 'cli-big.wasmlp');
    const r = cli(
      ['train', '--data', file, '--target', 'y', '--epochs', '1', '--layers', '8', '--out', out],
      ['--max-old-space-size=48'],
    );
    expect(r.stdout + r.stderr).toContain('cli-big.csv: 200,000 rows, 16 feature columns (16 numeric, 0 categorical)');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  test.each([
    [
      'dup.csv',
      'a,b, a\n1,2,0\n3,4,1\n',
      ['--target', 'b'],
      'dup.csv: columns 1 ("a") and 3 (" a") have the same name once spaces are trimmed',
    ],
    [
      'mixed.csv',
      'a,y\r\n1,0\n2,1\n3,0\n',
      ['--target', 'y'],
      `the header's line ends in "\\r\\n" but other lines end in "\\n"`,
    ],
  ])('train refuses %s before anything is written', (name, text, flags, message) => {
    const out = join(tmp, `${name}.wasmlp`);
    const r = cli(['train', '--data', put(name, text), ...flags, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  test('min–max scaling of ±3e38 is refused before epoch 1, naming the column; nothing is saved', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 3e38 : -3e38},${i},${i % 2}`);
    const out = join(tmp, 'huge.wasmlp');
    const r = cli([
      'train',
      '--data',
      put('huge.csv', ['a,b,y', ...rows].join('\n') + '\n'),
      '--target',
      'y',
      '--scale',
      'minmax',
      '--epochs',
      '3',
      '--out',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot scale column a (minmax): its range is 6e+38 (from -3e+38 to 3e+38)');
    expect(r.stderr).not.toMatch(/epoch 1/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a long history', () => {
  test('a model file of 180,000 epochs reads back (no spread of its history onto the stack)', async () => {
    const net = await Network.create(config());
    await net.fit(rowsOf(16).data, { epochs: 1, batchSize: 8 });
    // Short numbers, so that the header stays under its 16 MiB limit.
    const e = { ...net.history[0], loss: 1, accuracy: 1, seconds: 1, samplesPerSec: 1, learningRate: 1 };
    net.history.length = 0;
    for (let i = 1; i <= 180_000; i++) net.history.push({ ...e, epoch: i });
    const back = await Network.fromBytes(net.toBytes());
    expect(back.history).toHaveLength(180_000);
    expect(back.history.at(-1)).toEqual({ ...e, epoch: 180_000 });
    net.dispose();
    back.dispose();
  });
});
