#!/usr/bin/env node
// W2 (784-128-10 relu + softmax, cross-entropy, sgd 0.1, batch 64, one epoch of the 60k MNIST
// digits) in Node and in Chromium on the same bundle: samples/s, median of `--runs` (default 3).
// Not a test (tests assert no durations): node test/browser/speed.js [--runs N]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../demo/serve.js';
import { w2Run } from './workloads.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(new URL('../../dist/index.js', import.meta.url))) throw new Error('run `npm run build` first');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const lib = await import('../../dist/index.js');
const { loadMnist } = await import('../../dist/node/index.js');
const { train, test } = await loadMnist();
const node = [];
for (let i = 0; i < runs; i++) node.push(await w2Run(lib, train, test));

const server = await startServer({ port: 0, mounts: { '/test/': fileURLToPath(new URL('.', import.meta.url)) } });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage();
await page.goto(`${server.url}/test/`);
await page.waitForFunction(() => document.title === 'ready');
const version = browser.version();
const chrome = await page.evaluate(async (runs) => {
  const { lib, mnist, w2Run } = window.harness;
  const { train, test } = await mnist(lib);
  const out = [];
  for (let i = 0; i < runs; i++) out.push(await w2Run(lib, train, test));
  return out;
}, runs);
await browser.close();
await server.close();

const line = (name, rs) =>
  `${name.padEnd(22)} ${Math.round(median(rs.map((r) => r.samplesPerSec)))
    .toLocaleString('en-US')
    .padStart(8)} samples/s ` +
  `(runs: ${rs.map((r) => Math.round(r.samplesPerSec)).join(', ')}; test accuracy ${(100 * rs[0].accuracy).toFixed(2)}%)`;
console.log(`W2: 784-128-10 relu+softmax, cross-entropy, sgd 0.1, batch 64, 1 epoch of 60,000 — median of ${runs}`);
console.log(line(`Node ${process.version}`, node));
console.log(line(`Chromium ${version}`, chrome));
