// The bundle in real Chromium: it loads, fetches MNIST, trains, and gives the same weights as Node.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, openPage, serve, type Served } from './browser/chromium.js';
// @ts-expect-error: plain JS shared with the browser
import { DETERMINISM_CASES, SMALL, determinismRun, type PageGlobals } from './browser/workloads.js';

// Node runs the very same bundle the page imports.
const lib = await import('../dist/index.js');
const { loadMnist: loadMnistFiles } = await import('../dist/node/index.js');

let server: Served, browser: Browser, page: Page, errors: string[];
beforeAll(async () => {
  server = await serve();
  browser = await launch();
  ({ page, errors } = await openPage(browser, `${server.url}/test/`));
  await page
    .waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 })
    .catch((e) => {
      throw new Error(`the test page did not load the bundle: ${errors.join('; ') || e.message}`);
    });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the bundle in Chromium', () => {
  test('loads with WebAssembly SIMD, fetches MNIST with progress, and trains a small net to ≥ 92% test accuracy', async () => {
    const r = await page.evaluate(async () => {
      const { lib, smallRun } = (window as unknown as PageGlobals).harness;
      let progress = 0,
        total = 0;
      const { train, test } = await lib.loadMnist({
        baseUrl: '/mnist/',
        onProgress: (p: { total?: number }) => {
          progress++;
          total = p.total;
        },
      });
      const run = await smallRun(lib, train, test);
      return { simd: lib.simdSupported(), progress, total, train: train.length, test: test.length, ...run };
    });
    const last = r.history[r.history.length - 1];
    console.log(
      `Chromium: ${SMALL.config.layers.map((l) => l.units).join('-')} on ${SMALL.rows} MNIST digits, ${r.history.length} epochs: ` +
        `test accuracy ${(100 * r.accuracy).toFixed(2)}%, ${Math.round(last.samplesPerSec)} samples/s`,
    );
    expect(errors).toEqual([]);
    expect(r.simd).toBe(true);
    expect(r.train).toBe(60000);
    expect(r.test).toBe(10000);
    expect(r.progress).toBeGreaterThan(4);
    expect(r.total).toBe(47040016 + 60008 + 7840016 + 10008);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.92);
    expect(r.history[1].loss).toBeLessThan(r.history[0].loss);
  });

  test('loadMnist names the URL when a file is missing', async () => {
    const message = await page.evaluate(async () => {
      const { lib } = (window as unknown as PageGlobals).harness;
      try {
        await lib.loadMnist({ baseUrl: '/nowhere/' });
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(message).toMatch(/\/nowhere\/(train|t10k)-(images|labels)-idx[13]-ubyte(\.gz)?/); // whichever failed first
    expect(message).toContain('HTTP 404');
  });
});

describe('determinism across engines', () => {
  test.each(DETERMINISM_CASES.map((c) => [c.name, c] as const))(
    'same seed, data and settings → same weights in Node and Chromium: %s',
    async (_name, c) => {
      const { train } = await loadMnistFiles();
      const node = await determinismRun(lib, train, c);
      const chromium = await page.evaluate(async (c) => {
        const { lib, mnist, determinismRun } = (window as unknown as PageGlobals).harness;
        const { train } = await mnist(lib);
        return determinismRun(lib, train, c);
      }, c);
      console.log(
        `${c.name}: Node ${node.hash}, Chromium ${chromium.hash} over ${node.words} parameters after ${Math.ceil(c.rows / c.fit.batchSize) * c.fit.epochs} steps`,
      );
      expect(Number.isFinite(node.loss)).toBe(true);
      expect(chromium).toEqual(node);
    },
  );
});
