// The same bundle in Firefox ESR (SpiderMonkey, a second engine besides V8): it trains, and its
// weights after the determinism runs are the very bits Node computes.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchFirefox, serve, type Served } from './browser/chromium.js';
// @ts-expect-error: plain JS shared with the browser
import { DETERMINISM_CASES, determinismRun, smallRun, type PageGlobals } from './browser/workloads.js';

const lib = await import('../dist/index.js');
const { loadMnist: loadMnistFiles } = await import('../dist/node/index.js');

let server: Served, browser: Browser, page: Page;
const errors: string[] = [];
beforeAll(async () => {
  server = await serve();
  browser = await launchFirefox();
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/test/`);
  await page.waitForFunction(() => document.title === 'ready', { timeout: 20_000 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('Firefox: SIMD kernels train the small net to the same accuracy as Node and Chromium', async () => {
  const { train, test: t } = await loadMnistFiles();
  const node = await smallRun(lib, train, t);
  const firefox = await page.evaluate(async () => {
    const { lib, mnist, smallRun } = (window as unknown as PageGlobals).harness;
    const { train, test } = await mnist(lib);
    return { simd: lib.simdSupported(), ...(await smallRun(lib, train, test)) };
  });
  console.log(
    `Firefox ${await browser.version()}: test accuracy ${(100 * firefox.accuracy).toFixed(2)}% (Node ${(100 * node.accuracy).toFixed(2)}%)`,
  );
  expect(firefox.simd).toBe(true);
  expect(firefox.accuracy).toBeGreaterThanOrEqual(0.92);
  expect(firefox.accuracy).toBe(node.accuracy);
  expect(firefox.loss).toBe(node.loss);
  expect(errors).toEqual([]);
});

test('Firefox: same seed, data and settings → the same weights as Node, bit for bit, in every case', async () => {
  const { train } = await loadMnistFiles();
  const node = [];
  for (const c of DETERMINISM_CASES) node.push(await determinismRun(lib, train, c));
  const firefox = await page.evaluate(async (cases) => {
    const { lib, mnist, determinismRun } = (window as unknown as PageGlobals).harness;
    const { train } = await mnist(lib);
    const out = [];
    for (const c of cases) out.push(await determinismRun(lib, train, c));
    return out;
  }, DETERMINISM_CASES);
  console.log(`Firefox vs Node weight hashes: ${firefox.map((f, i) => `${f.hash}/${node[i].hash}`).join(', ')}`);
  expect(firefox).toEqual(node);
});
