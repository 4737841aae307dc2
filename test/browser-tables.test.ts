// A table in real Chromium: the bundle parses the CSV (text, or a File as a stream), trains with
// scaling and predicts the same bits as Node, and a model saved in Node (with its scaling) predicts
// the same from raw rows there; the library's search runs there too, with the same trial table and
// model bytes.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, openPage, serve, type Served } from './browser/chromium.js';

// Node runs the very same bundle the page imports.
const lib = await import('../dist/index.js');

let server: Served, browser: Browser, page: Page, errors: string[];
beforeAll(async () => {
  server = await serve();
  browser = await launch();
  ({ page, errors } = await openPage(browser, `${server.url}/test/`));
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** y = sin(x₁) + x₂² on raw columns of different scales, semicolon-separated, with a categorical column. */
function table(n: number): string {
  let s = 5,
    text = 'x1;x2;group;y\n';
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const a = r() * 6 - 3,
      b = r() * 4 - 2,
      g = r() < 0.5 ? 'a' : 'b';
    text += `${(100 * a).toFixed(2)};${b.toFixed(4)};${g};${(20 + Math.sin(a) + b * b + (g === 'a' ? 1 : 0)).toFixed(4)}\n`;
  }
  return text;
}

/** What both sides run: parse, train with standard scaling, predict raw rows. Plain JS, so the page can run it too. */
const RUN = `async (lib, text, rows) => {
  const t = lib.parseCsv(text, { target: 'y' });
  const net = await lib.Network.create({
    inputs: t.data.width,
    layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'identity' }],
    loss: 'mse',
    scale: 'standard',
    threads: 1,
  });
  await net.fit(t.data, { epochs: 4, batchSize: 16 });
  const q = lib.parseCsv(rows, { schema: t.schema });
  return { predictions: Array.from(net.predict(q.data)), bytes: Array.from(net.toBytes({ meta: { table: t.schema } })) };
}`;

test('parseCsv, fit with scaling and predict give the same bits in Chromium as in Node; a saved model predicts the same there', async () => {
  const text = table(400),
    rows = 'group;x2;x1\na;0;0\nb;1;150\na;-1.5;-250\n';
  const run = (0, eval)(RUN) as (
    l: unknown,
    t: string,
    r: string,
  ) => Promise<{ predictions: number[]; bytes: number[] }>;
  const node = await run(lib, text, rows);
  const browserSide = await page.evaluate(
    async ({ RUN, text, rows, bytes }) => {
      const l = (window as unknown as { harness: { lib: typeof import('../dist/index.js') } }).harness.lib;
      const trained = await (0, eval)(RUN)(l, text, rows);
      // Node's model file: its scaling and schema, applied to the raw rows here.
      const b = Uint8Array.from(bytes);
      const schema = l.readModelHeader(b).meta!.table as import('../dist/index.js').TableSchema;
      const loaded = await l.Network.fromBytes(b);
      return { trained: trained.predictions, loaded: Array.from(loaded.predict(l.parseCsv(rows, { schema }).data)) };
    },
    { RUN, text, rows, bytes: node.bytes },
  );
  expect(errors).toEqual([]);
  expect(browserSide.trained).toEqual(node.predictions);
  expect(browserSide.loaded).toEqual(node.predictions);
  // In the target's units (≈ 20 + …), not the scaled ones.
  for (const p of node.predictions) expect(p).toBeGreaterThan(15);
});

/** The library's search on the table, in plain JS: the trial table and the best network's bytes. */
const SEARCH = `async (lib, text) => {
  const t = lib.parseCsv(text, { target: 'y' });
  const network = {
    inputs: t.data.width,
    layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'identity' }],
    loss: 'mse',
    scale: 'standard',
    threads: 1,
  };
  const r = await lib.search(t.data, { hidden: [[8], [16]], learningRate: [0.003, 0.01] }, {
    network,
    fit: { epochs: 3, batchSize: 16, validationSplit: 0.2 },
    folds: 3,
    seed: 2,
  });
  for (const e of r.network.history) e.seconds = e.samplesPerSec = 0;
  return { trials: r.trials.map((x) => [x.key, x.scores]), bytes: Array.from(r.network.toBytes()) };
}`;

test('search (folds, cross-validation, the best trained again) gives the same table and bytes in Chromium as in Node', async () => {
  const text = table(150);
  const node = await ((0, eval)(SEARCH) as (l: unknown, t: string) => Promise<{ trials: unknown; bytes: number[] }>)(
    lib,
    text,
  );
  const browserSide = await page.evaluate(
    async ({ SEARCH, text }) => {
      const l = (window as unknown as { harness: { lib: unknown } }).harness.lib;
      return (0, eval)(SEARCH)(l, text);
    },
    { SEARCH, text },
  );
  expect(errors).toEqual([]);
  expect((node.trials as unknown[]).length).toBe(4);
  expect(browserSide).toEqual(node);
});

test('readCsv reads a File in Chromium as parseCsv reads its text', async () => {
  const text = table(3000).replaceAll('group', 'grüppe');
  const result = await page.evaluate(async (text) => {
    const l = (window as unknown as { harness: { lib: typeof import('../dist/index.js') } }).harness.lib;
    const file = new File([text], 't.csv');
    const a = await l.readCsv(() => file.stream(), { target: 'y' });
    const b = l.parseCsv(text, { target: 'y' });
    return {
      schema: [a.schema, b.schema],
      features: [Array.from(a.data.features), Array.from(b.data.features)],
      targets: [Array.from(a.data.targets!), Array.from(b.data.targets!)],
    };
  }, text);
  expect(errors).toEqual([]);
  expect(result.schema[0]).toEqual(result.schema[1]);
  expect(result.schema[0].features.map((f) => f.name)).toEqual(['x1', 'x2', 'grüppe']);
  expect(result.features[0]).toEqual(result.features[1]);
  expect(result.targets[0]).toEqual(result.targets[1]);
  expect(result.features[0]).toHaveLength(3000 * 4);
});
