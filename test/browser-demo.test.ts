// The demo page in real Chromium: it trains MNIST in its worker on every core, the curves move,
// pause holds, a digit drawn with pointer events is classified, and it works without COOP/COEP too
// (on one thread, and says why).
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { demoPages } from './browser/chromium.js';
import type { PageGlobals } from './browser/workloads.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const openDemo = demoPages();

const demo = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as PageGlobals).wasmlpDemo;
    return {
      phase: s.phase as string,
      batches: s.batches as number,
      epochs: s.epochs as { epoch: number; valAccuracy: number }[],
      prediction: s.prediction as { digit: number; probs: number[] } | null,
    };
  });
/** The threads the header says the worker trains on, its reason, and the count the page was told. */
async function shownThreads(page: Page): Promise<{ text: string; reason: string; count: number }> {
  await page.waitForSelector('#env #threads');
  return {
    text: (await page.textContent('#threads'))!,
    reason: (await page.textContent('#threads-reason'))!,
    count: await page.evaluate(() => (window as unknown as PageGlobals).wasmlpDemo.threads!.count),
  };
}
const pathPoints = (page: Page, chart: string, series: string) =>
  page.$eval(`#${chart} path[data-series="${series}"]`, (p) => (p.getAttribute('d')?.match(/[ML]/g) ?? []).length);

test('the page trains in its worker: curves update, pause holds, accuracy rises, a drawn 1 is read as 1', async () => {
  const { page, errors } = await openDemo('?epochs=3');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect.poll(() => page.textContent('#env')).toMatch(/WebAssembly SIMD.*Web Worker.*cross-origin isolated/);
  // The worker trains on every core the browser reports, and the page says how many and why.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = await shownThreads(page);
  console.log(`demo page: ${threads.text} (${threads.reason})`);
  expect(threads).toEqual(
    cores > 1
      ? { text: `${cores} threads`, reason: `auto: ${cores} cores available`, count: cores }
      : { text: '1 thread', reason: 'one core available', count: 1 },
  );
  const before = await demo(page);
  expect(before.epochs).toHaveLength(1); // epoch 0: the untrained network
  expect(before.epochs[0].valAccuracy).toBeLessThan(0.3);
  expect(await pathPoints(page, 'acc-chart', 'test')).toBe(1);

  // Start, see the per-batch curve move, then pause: nothing more is trained until Resume.
  await page.click('#train');
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.batches > 0);
  expect(await pathPoints(page, 'loss-chart', 'smooth')).toBeGreaterThan(0);
  await page.click('#train'); // Pause
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.phase !== 'training');
  const paused = await demo(page);
  console.log(
    `demo page: ${paused.phase === 'paused' ? `paused after ${paused.batches} batches` : 'finished before the pause arrived'}`,
  );
  if (paused.phase === 'paused') {
    await page.waitForTimeout(400);
    expect((await demo(page)).batches).toBe(paused.batches);
    await expect.poll(() => page.textContent('#train')).toBe('Resume');
    await page.click('#train');
  }
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.phase === 'done', null, {
    timeout: 90_000,
  });
  const after = await demo(page);
  const acc = after.epochs.map((e) => e.valAccuracy);
  console.log(`demo page: test accuracy by epoch ${acc.map((a) => `${(100 * a).toFixed(2)}%`).join(', ')}`);
  expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true); // no error shown by the page
  expect(after.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
  expect(acc[1]).toBeGreaterThan(acc[0] + 0.5);
  expect(acc[3]).toBeGreaterThanOrEqual(0.95);
  expect(await pathPoints(page, 'acc-chart', 'test')).toBe(4);
  expect(await pathPoints(page, 'loss-chart', 'train')).toBe(3);
  expect(await page.locator('#epoch-rows tr').count()).toBe(4);
  expect(await page.locator('#gallery-grid figure').count()).toBe(40);
  expect(await page.textContent('#gallery-caption')).toMatch(/of 10,000 test digits misclassified \(after epoch 3\)/);

  // Draw a 1 with pointer events: a slightly slanted vertical stroke.
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + 150, box.y + 40);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 150 - i * 0.8, box.y + 40 + i * 10);
  await page.mouse.up();
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.prediction !== null);
  const { prediction } = await demo(page);
  expect(prediction!.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
  expect(prediction!.digit).toBe(1);
  expect(await page.textContent('#guess')).toBe("It's a 1");

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('demo.png', ARTIFACTS).pathname, fullPage: true });
  expect(errors).toEqual([]);
});

test('the page works without COOP/COEP, and says so', async () => {
  const { page, errors } = await openDemo('?rows=1000&epochs=1', false);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await expect.poll(() => page.textContent('#env')).toMatch(/not cross-origin isolated/);
  expect(await shownThreads(page)).toEqual({
    text: '1 thread',
    reason: 'page not cross-origin isolated (it needs the COOP and COEP headers)',
    count: 1,
  });
  await page.click('#train');
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.phase === 'done', null, {
    timeout: 60_000,
  });
  const { epochs } = await demo(page);
  expect(epochs).toHaveLength(2);
  expect(epochs[1].valAccuracy).toBeGreaterThan(0.7);
  expect(errors).toEqual([]);
});
