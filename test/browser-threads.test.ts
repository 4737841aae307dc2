// Every core in a browser: on a cross-origin isolated page (COOP/COEP), a network trained in a
// module Web Worker on 1, 2 or 4 threads gives the very bits Node computes on one, in Chromium (V8)
// and Firefox ESR (SpiderMonkey); the page's main thread, which may not block, and a page without
// isolation train on one thread, say why, and give the same bits.
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, launchFirefox, serve, type Served } from './browser/chromium.js';
import { THREADS_CASE, threadedRun, type PageGlobals, type ThreadedResult } from './browser/workloads.js'; // plain JS shared with the browser, typed by workloads.d.ts

// Node trains with the very bundle the pages import, on one thread.
const lib = await import('../dist/index.js');
const { loadMnist: loadMnistFiles } = await import('../dist/node/index.js');

/** What the tests need of a page, in either driver: evaluate a function with one argument. */
interface Driven {
  evaluate<A, R>(f: (a: A) => R | Promise<R>, a: A): Promise<R>;
  errors: string[];
}

let node: ThreadedResult;
const servers: Served[] = [];
let chromium: ChromiumBrowser | undefined, firefox: FirefoxBrowser | undefined;

beforeAll(async () => {
  const { train } = await loadMnistFiles({ limit: THREADS_CASE.rows });
  node = await threadedRun(lib, train, THREADS_CASE, 1);
  expect(node.threads).toEqual({ count: 1, reason: 'threads: 1' });
  expect(Number.isFinite(node.loss)).toBe(true);
});
afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function testPage(isolation: boolean): Promise<string> {
  const server = await serve({ isolation });
  servers.push(server);
  return `${server.url}/test/`;
}

const ENGINES: Record<string, (url: string) => Promise<Driven>> = {
  Chromium: async (url) => {
    chromium ??= await launch();
    const page = await chromium.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 });
    return { evaluate: (f, a) => page.evaluate(f as never, a) as never, errors };
  },
  Firefox: async (url) => {
    firefox ??= await launchFirefox();
    const page = await firefox.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready', { timeout: 20_000 });
    return { evaluate: (f, a) => page.evaluate(f as never, a) as never, errors };
  },
};

/** Runs THREADS_CASE in the page's worker on each thread count. */
const inWorker = (page: Driven, threads: ('auto' | number)[]) =>
  page.evaluate(
    async ({ c, threads }) => {
      const { inWorker } = (window as unknown as PageGlobals).harness;
      const out = [];
      for (const t of threads) out.push(await inWorker(c, t));
      return { out, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
    },
    { c: THREADS_CASE, threads },
  );

const weights = (r: ThreadedResult) => ({ hash: r.hash, words: r.words, loss: r.loss });

describe.each(Object.keys(ENGINES))('%s', (engine) => {
  test('isolated page, in a Web Worker: 1, 2 and 4 threads give the weights Node computes', async () => {
    const page = await ENGINES[engine](await testPage(true));
    const { out, isolated, cores } = await inWorker(page, [1, 2, 4, 'auto']);
    console.log(
      `${engine}, ${THREADS_CASE.name}: ${out.map((r, i) => `threads ${[1, 2, 4, 'auto'][i]} (${r.threads.count}) ${r.hash}`).join(', ')}; Node ${node.hash}`,
    );
    expect(isolated).toBe(true);
    [1, 2, 4].forEach((t, i) => {
      expect(out[i].threads, `${t} threads`).toEqual({ count: t, reason: `threads: ${t}` });
      expect(out[i].spawned, `${t} threads: Web Workers started`).toBe(t - 1);
      expect(weights(out[i]), `${t} threads`).toEqual(weights(node));
    });
    // auto: every core the browser reports
    expect(out[3].threads).toEqual(
      cores > 1
        ? { count: cores, reason: `auto: ${cores} cores available` }
        : { count: 1, reason: 'one core available' },
    );
    expect(out[3].spawned).toBe(out[3].threads.count - 1);
    expect(weights(out[3])).toEqual(weights(node));
    expect(page.errors).toEqual([]);
  });

  test('isolated page, on its main thread: one thread (it may not block), the reason, the same weights', async () => {
    const page = await ENGINES[engine](await testPage(true));
    const r = await page.evaluate(async (c) => {
      const { lib, mnist, threadedRun } = (window as unknown as PageGlobals).harness;
      const { train } = await mnist(lib);
      return threadedRun(lib, train, c, 2);
    }, THREADS_CASE);
    expect(r.threads).toEqual({
      count: 1,
      reason: "a page's main thread cannot wait for other threads: train in a Web Worker to use them",
    });
    expect(weights(r)).toEqual(weights(node));
    expect(page.errors).toEqual([]);
  });

  test('page without COOP/COEP: auto and 2 give one thread, say the page is not isolated, and the same weights', async () => {
    const page = await ENGINES[engine](await testPage(false));
    const { out, isolated } = await inWorker(page, ['auto', 2]);
    expect(isolated).toBe(false);
    for (const r of out) {
      expect(r.spawned).toBe(0);
      expect(r.threads).toEqual({
        count: 1,
        reason: 'page not cross-origin isolated (it needs the COOP and COEP headers)',
      });
      expect(weights(r)).toEqual(weights(node));
    }
    expect(page.errors).toEqual([]);
  });
});
