// Shared by the browser tests: the system's Chromium through playwright-core and its Firefox
// through puppeteer-core (WebDriver BiDi), found by ./find.ts; nothing is downloaded. And the demo's static server with
// the test page mounted at /test/.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { findBrowser, type Engine } from './find.js';
import type { PageGlobals } from './workloads.js';
// @ts-expect-error: a plain JS module without types
import { startServer } from '../../demo/serve.js';

/** The browsers found (see ./find.ts); vitest.config.ts leaves out the files of one that is not. */
export const CHROMIUM = findBrowser('chromium').path;
export const FIREFOX = findBrowser('firefox').path;
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Served {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Checks that the bundle is built and the browser was found, with the fix in the message. */
function checkPrerequisites(engine: Engine, path: string | undefined): string {
  if (!existsSync(`${root}dist/index.js`))
    throw new Error('dist/index.js is missing: run `npm run build` before the browser tests');
  if (!path)
    throw new Error(
      `${engine} not found (looked at ${findBrowser(engine).looked}); the browser tests never download one`,
    );
  return path;
}

export async function serve(options: { isolation?: boolean } = {}): Promise<Served> {
  return startServer({ port: 0, mounts: { '/test/': fileURLToPath(new URL('.', import.meta.url)) }, ...options });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: checkPrerequisites('chromium', CHROMIUM), args: ARGS });
}

/** A page that fails the test on any uncaught page error (collected, checked by the caller). */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1400, height: 1000 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

/** Firefox ESR (SpiderMonkey) over WebDriver BiDi: the second engine for the determinism claim. */
export async function launchFirefox(): Promise<import('puppeteer-core').Browser> {
  const executablePath = checkPrerequisites('firefox', FIREFOX);
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ browser: 'firefox', executablePath, headless: true });
}

/**
 * The demo page for a test file: one Chromium for the file, a server per page (with or without
 * COOP/COEP); the function opens `/demo/QUERY` and resolves once the demo is ready to train.
 */
export function demoPages(): (query: string, isolation?: boolean) => Promise<{ page: Page; errors: string[] }> {
  const servers: Served[] = [];
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (query, isolation = true) => {
    const server = await serve({ isolation });
    servers.push(server);
    const opened = await openPage(browser, `${server.url}/demo/${query}`, { width: 1400, height: 1300 });
    await opened.page
      .waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo?.phase === 'idle', null, { timeout: 30_000 })
      .catch((e) => {
        throw new Error(`the demo did not get ready: ${opened.errors.join('; ') || e.message}`);
      });
    return opened;
  };
}
