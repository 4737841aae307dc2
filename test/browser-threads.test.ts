// Every core in a browser: on a cross-origin isolated page (COOP/COEP), a network trained in a
// module Web Worker on 1, 2 or 4 threads gives the very bits Node computes on one, in Chromium (V8)
// and Firefox ESR (SpiderMonkey); the page's main thread, which may not block, and a page without
// isolation train on one thread, say why, and give the same bits.
import type { IncomingMessage } from 'node:http';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, FIREFOX, launch, launchFirefox, serve, type Served } from './browser/chromium.js';
import { THREADS_CASE, threadedRun, type PageGlobals, type ThreadedResult } from './browser/workloads.js'; // plain JS shared with the browser, typed by workloads.d.ts

// Node trains with the very bundle the pages import, on one thread.
const lib = await import('../dist/index.js');
const { loadMnist: loadMnistFiles } = await import('../dist/node/index.js');

type Threads = 'auto' | number;
type Runs = { out: (ThreadedResult & { spawned: number })[]; isolated: boolean; cores: number };

/** What the tests need of a page, in either driver. */
interface Driven {
  evaluate<A, R>(f: (a: A) => R | Promise<R>, a: A): Promise<R>;
  /** THREADS_CASE on each thread count in the page's Web Worker (PageGlobals.harness.inWorker). */
  inWorker(threads: Threads[]): Promise<Runs>;
  errors: string[];
}

let node: ThreadedResult;
const servers: Served[] = [];
let chromium: ChromiumBrowser | undefined, firefox: FirefoxBrowser | undefined, firefoxPid: number | undefined;
let knocks = 0;

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

async function testPage(isolation: boolean): Promise<Served> {
  const server = await serve({ isolation });
  servers.push(server);
  return server;
}

/** In the page: the runs, one after another (harness.inWorkerAll). */
const runAll = ({ c, threads }: { c: typeof THREADS_CASE; threads: Threads[] }) =>
  (window as unknown as PageGlobals).harness.inWorkerAll(c, threads);

const ENGINES: Record<string, (server: Served) => Promise<Driven>> = {
  Chromium: async ({ url }) => {
    chromium ??= await launch();
    const page = await chromium.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/test/`);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 });
    return {
      evaluate: (f, a) => page.evaluate(f as never, a) as never,
      inWorker: (threads) => page.evaluate(runAll, { c: THREADS_CASE, threads }),
      errors,
    };
  },
  Firefox: async (server) => {
    if (!firefox) {
      firefox = await launchFirefox();
      firefoxPid = firefox.process()?.pid;
    }
    const errors: string[] = [];
    const watch = (p: FirefoxPage) => p.on('pageerror', (e) => errors.push(String(e)));
    let page = await firefox.newPage();
    watch(page);
    await page.goto(`${server.url}/test/`);
    await page.waitForFunction(() => document.title === 'ready', { timeout: 20_000 });
    return {
      evaluate: (f, a) => page.evaluate(f as never, a) as never,
      // Firefox ESR can hang for good in a `new Worker()` called inside a worker (here: the pool's,
      // started in the test's worker) while a WebDriver BiDi session is attached; with none attached
      // it does not. So these runs go on detached: start them, disconnect, wait for the page to
      // knock on the server when they are done, connect again and read what they gave.
      inWorker: async (threads) => {
        const knock = `threads-done-${++knocks}`;
        const knocked = new Promise<void>((resolve, reject) => {
          const onRequest = (req: IncomingMessage) => {
            if (!req.url?.endsWith(knock)) return;
            clearTimeout(timer);
            server.server.off('request', onRequest);
            resolve();
          };
          const timer = setTimeout(() => {
            server.server.off('request', onRequest);
            if (firefoxPid) process.kill(firefoxPid); // detached: end it by its id (the next test starts another)
            firefoxPid = undefined;
            reject(new Error('Firefox: the threaded runs did not end within 90 s'));
          }, 90_000);
          server.server.on('request', onRequest);
        });
        await page.evaluate(
          (a, knock) => {
            const g = window as unknown as PageGlobals & { __runs?: unknown };
            g.harness
              .inWorkerAll(a.c, a.threads)
              .then(
                (ok) => ({ ok }),
                (e: Error) => ({ error: String(e.stack ?? e) }),
              )
              .then((r) => {
                g.__runs = r;
                return fetch(`/test/workloads.js?${knock}`);
              });
          },
          { c: THREADS_CASE, threads },
          knock,
        );
        const ws = firefox!.wsEndpoint();
        await firefox!.disconnect();
        firefox = undefined;
        await knocked;
        const { default: puppeteer } = await import('puppeteer-core');
        firefox = await puppeteer.connect({ browserWSEndpoint: ws, protocol: 'webDriverBiDi' });
        page = (await firefox.pages()).find((p) => p.url().startsWith(server.url))!;
        watch(page);
        const r = await page.evaluate(() => (window as unknown as { __runs: { ok?: Runs; error?: string } }).__runs);
        if (r.error) throw new Error(r.error);
        return r.ok!;
      },
      errors,
    };
  },
};

const weights = (r: ThreadedResult) => ({ hash: r.hash, words: r.words, loss: r.loss });

// Each engine whose browser was found (the file runs when either is: vitest.config.ts).
describe.each(Object.keys(ENGINES).filter((e) => (e === 'Chromium' ? CHROMIUM : FIREFOX)))('%s', (engine) => {
  test('isolated page, in a Web Worker: 1, 2 and 4 threads give the weights Node computes', async () => {
    const page = await ENGINES[engine](await testPage(true));
    const { out, isolated, cores } = await page.inWorker([1, 2, 4, 'auto']);
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
    const { out, isolated } = await page.inWorker(['auto', 2]);
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
