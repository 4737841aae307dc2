// Shared by the browser tests: Debian's Chromium through playwright-core and Debian's Firefox ESR
// through puppeteer-core (WebDriver BiDi); nothing is downloaded. And the demo's static server with
// the test page mounted at /test/.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error: a plain JS module without types
import { startServer } from '../../demo/serve.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
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

/** Checks that the bundle is built and Chromium is installed, with the fix in the message. */
export function checkPrerequisites(): void {
  if (!existsSync(`${root}dist/index.js`))
    throw new Error('dist/index.js is missing: run `npm run build` before the browser tests');
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y --no-install-recommends chromium\` ` +
        '(or point CHROMIUM_PATH at a Chromium binary); the browser tests never download one',
    );
  }
}

export async function serve(options: { isolation?: boolean } = {}): Promise<Served> {
  return startServer({ port: 0, mounts: { '/test/': fileURLToPath(new URL('.', import.meta.url)) }, ...options });
}

export async function launch(): Promise<Browser> {
  checkPrerequisites();
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
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
  checkPrerequisites();
  if (!existsSync(FIREFOX)) {
    throw new Error(
      `no Firefox at ${FIREFOX}: install it with \`apt-get install -y --no-install-recommends firefox-esr\` ` +
        '(or point FIREFOX_PATH at a Firefox binary); the browser tests never download one',
    );
  }
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
}
