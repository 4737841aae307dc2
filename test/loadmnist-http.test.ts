// loadMnist({ baseUrl }) (the browser loader) over HTTP from the demo server, run here in Node's fetch:
// raw files, the .gz fallback (DecompressionStream), progress, limit, and errors that name the URL.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadMnist, MNIST_FILES } from '../src/index.js';
// @ts-expect-error: a plain JS module without types
import { defaultMnistDir, startServer } from '../demo/serve.js';

/** The first n images / labels of an IDX file, with the header's count rewritten. */
function head(bytes: Uint8Array, n: number, rowBytes: number, header: number): Uint8Array {
  const out = bytes.slice(0, header + n * rowBytes);
  new DataView(out.buffer).setUint32(4, n, false);
  return out;
}

let dir: string, server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  // A small MNIST in .gz files only: 300 training and 100 test digits.
  dir = mkdtempSync(join(tmpdir(), 'wasmlp-mnist-'));
  const src = defaultMnistDir();
  const read = (name: string) => new Uint8Array(readFileSync(join(src, name)));
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes));
  write(MNIST_FILES.trainImages, head(read(MNIST_FILES.trainImages), 300, 784, 16));
  write(MNIST_FILES.trainLabels, head(read(MNIST_FILES.trainLabels), 300, 1, 8));
  write(MNIST_FILES.testImages, head(read(MNIST_FILES.testImages), 100, 784, 16));
  write(MNIST_FILES.testLabels, head(read(MNIST_FILES.testLabels), 100, 1, 8));
  server = await startServer({ port: 0, mnistDir: dir, mounts: { '/real/': src } });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('falls back to .gz files on a 404 and gunzips them; reports progress up to the total', async () => {
  const seen: { loaded: number; total?: number }[] = [];
  const { train, test: t } = await loadMnist({ baseUrl: `${server.url}/mnist`, onProgress: (p) => seen.push(p) });
  expect(train.length).toBe(300);
  expect(t.length).toBe(100);
  expect(train.width).toBe(784);
  const last = seen[seen.length - 1];
  expect(last.total).toBeGreaterThan(0);
  expect(last.loaded).toBe(last.total);
  expect(seen.every((p, i) => i === 0 || p.loaded >= seen[i - 1].loaded)).toBe(true);
});

test('gzip: true asks for the .gz names directly; limit keeps the first training rows', async () => {
  const { train, test: t } = await loadMnist({ baseUrl: `${server.url}/mnist/`, gzip: true, limit: 50 });
  expect(train.length).toBe(50);
  expect(t.length).toBe(100);
});

test('the real raw files load whole and match the Node loader', async () => {
  const { train, test: t } = await loadMnist({ baseUrl: new URL(`${server.url}/real/`), limit: 1000 });
  expect(train.length).toBe(1000);
  expect(t.length).toBe(10000);
  const raw = new Uint8Array(readFileSync(join(defaultMnistDir(), MNIST_FILES.trainLabels)));
  expect(train.labels).toEqual(raw.subarray(8, 1008));
});

test('errors say which URL failed and what was expected', async () => {
  await expect(loadMnist({ baseUrl: `${server.url}/nowhere/` })).rejects.toThrow(
    // the four downloads run at once: whichever fails first is reported
    new RegExp(
      `GET ${server.url}/nowhere/([a-z0-9-]+-ubyte)\\.gz failed: HTTP 404.*after ${server.url}/nowhere/\\1 \\(404\\)`,
    ),
  );
  await expect(loadMnist({ baseUrl: 'http://127.0.0.1:9/' })).rejects.toThrow(
    /could not fetch http:\/\/127\.0\.0\.1:9\/[a-z0-9-]+-ubyte/,
  );
  await expect(loadMnist({ baseUrl: 'relative/' })).rejects.toThrow(/not a valid URL.*pass an absolute URL/);
  await expect(loadMnist({} as never)).rejects.toThrow(/expected \{ baseUrl \}/);
  await expect(loadMnist({ baseUrl: server.url, limit: 0 })).rejects.toThrow(/limit must be an integer ≥ 1/);
});
