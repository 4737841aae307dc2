// The demo page's first-hour edges in real Chromium: Train after a network change trains the network
// the form shows, an untrained network gives no verdict on a drawn digit, a run stuck at chance or
// diverged says why (and the accuracy axis does not magnify noise), and a query value a field
// cannot take falls back to the default and says so.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { demoPages } from './browser/chromium.js';
import type { PageGlobals } from './browser/workloads.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const openDemo = demoPages();

/** What demo/app.js puts on window, with the fields these tests read. */
type DemoState = PageGlobals['wasmlpDemo'] & {
  seen: number;
  network: { parameterCount: number; rows: number; trainRows: number } | null;
  prediction: { digit: number; probs: number[]; verdict: boolean } | null;
};

const demo = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as { wasmlpDemo: DemoState }).wasmlpDemo;
    return {
      phase: s.phase,
      seen: s.seen,
      epochs: s.epochs.map((e) => ({ epoch: e.epoch, valAccuracy: e.valAccuracy })),
      parameterCount: s.network?.parameterCount,
      rows: s.network?.rows,
      trainRows: s.network?.trainRows,
      prediction: s.prediction,
    };
  });
/** Click Train and wait until the run it starts has ended (done, or idle after a run that trained nothing). */
async function trainRun(page: Page): Promise<void> {
  // The phases the page goes through (body[data-phase]), seen however short a run is.
  await page.evaluate(() => {
    const w = window as unknown as { phases: string[] };
    w.phases = [];
    new MutationObserver(() => w.phases.push(document.body.dataset.phase!)).observe(document.body, {
      attributes: true,
      attributeFilter: ['data-phase'],
    });
  });
  await page.click('#train');
  await page.waitForFunction(
    () => {
      const { phases } = window as unknown as { phases: string[] };
      return phases.includes('training') && ['done', 'idle'].includes(phases.at(-1)!);
    },
    null,
    { timeout: 90_000 },
  );
}
/** A 1: a slightly slanted vertical stroke, with pointer events. */
async function drawOne(page: Page): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + 150, box.y + 40);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 150 - i * 0.8, box.y + 40 + i * 10);
  await page.mouse.up();
}
const pathPoints = (page: Page, chart: string, series: string) =>
  page.$eval(`#${chart} path[data-series="${series}"]`, (p) => (p.getAttribute('d')?.match(/[ML]/g) ?? []).length);
const yRange = (page: Page, chart: string) =>
  page.$eval(`#${chart}`, (svg) => [Number((svg as SVGElement).dataset.y0), Number((svg as SVGElement).dataset.y1)]);
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });
}

describe('the demo page', () => {
  test('Train after a network change in the form builds and trains that network; training settings go on with the same one', async () => {
    const { page, errors } = await openDemo('?rows=1000&epochs=1');
    const first = await demo(page);
    expect(first.parameterCount).toBe(784 * 128 + 128 + 128 * 10 + 10);
    await trainRun(page);
    expect((await demo(page)).epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(await page.textContent('#train')).toBe('Train more');

    // Another network in the form: the button says it builds it, and the hint says why.
    await page.fill('input[name=hidden]', '16');
    await page.locator('input[name=hidden]').blur();
    await expect.poll(() => page.textContent('#train')).toBe('Train new network');
    expect(await page.isVisible('#pending')).toBe(true);
    expect(await page.textContent('#pending')).toMatch(
      /Network settings changed: Train new network builds and trains it/,
    );
    // Back to the trained network: Train more continues it.
    await page.fill('input[name=hidden]', '128');
    await page.locator('input[name=hidden]').blur();
    await expect.poll(() => page.textContent('#train')).toBe('Train more');
    expect(await page.isHidden('#pending')).toBe(true);

    await page.selectOption('select[name=activation]', 'tanh');
    await page.fill('input[name=hidden]', '16');
    await page.locator('input[name=hidden]').blur();
    await expect.poll(() => page.textContent('#train')).toBe('Train new network');
    await screenshot(page, 'demo-pending.png');
    await trainRun(page);
    const rebuilt = await demo(page);
    expect(rebuilt.parameterCount).toBe(784 * 16 + 16 + 16 * 10 + 10); // the network the form shows
    expect(rebuilt.epochs.map((e) => e.epoch)).toEqual([0, 1]); // its own curves, from epoch 0
    expect(await page.textContent('#stat-params')).toBe('12,730');
    expect(await page.textContent('#train')).toBe('Train more');
    expect(await page.isHidden('#pending')).toBe(true);

    // A new learning rate only: the same network trains on with it.
    await page.fill('input[name=lr]', '0.002');
    await page.locator('input[name=lr]').blur();
    await expect
      .poll(() => page.textContent('#pending'))
      .toMatch(/Training settings changed: Train more trains this network on/);
    expect(await page.textContent('#train')).toBe('Train more');
    await trainRun(page);
    const more = await demo(page);
    expect(more.parameterCount).toBe(rebuilt.parameterCount);
    expect(more.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(await page.isHidden('#pending')).toBe(true);
    expect(await page.isHidden('#error')).toBe(true);
    expect(errors).toEqual([]);
  });

  test('an untrained network shows its outputs for a drawn digit but no verdict until it has trained', async () => {
    const { page, errors } = await openDemo('?rows=1000&epochs=2');
    await drawOne(page);
    await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.prediction !== null);
    expect(await page.textContent('#guess')).toBe('Untrained network: train it first');
    const before = await demo(page);
    expect(before.seen).toBe(0);
    expect(before.prediction!.verdict).toBe(false);
    expect(await page.locator('#bars .bar .p').first().textContent()).toMatch(/^\d+%$/); // the bars are shown
    expect(await page.locator('#bars .bar.best').count()).toBe(0); // none of them picked
    await screenshot(page, 'demo-untrained.png');

    await trainRun(page);
    await expect.poll(() => page.textContent('#guess')).toMatch(/^It's a \d$/);
    const after = await demo(page);
    expect(after.seen).toBe(2 * 833); // 1,000 digits, the last 167 of them held out for validation
    expect(after.prediction!.verdict).toBe(true);
    expect(await page.locator('#bars .bar.best').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  test('a run stuck at chance says why (dead relu units), and the accuracy axis keeps a 10-point span', async () => {
    const { page, errors } = await openDemo('?activation=relu&optimizer=sgd&lr=50&rows=1000&epochs=1');
    await trainRun(page);
    const { epochs } = await demo(page);
    expect(epochs[1].valAccuracy).toBeLessThan(0.2);
    await expect.poll(() => page.isVisible('#diagnosis')).toBe(true);
    const text = (await page.textContent('#diagnosis'))!;
    console.log(`demo page, stuck: ${text}`);
    expect(text).toMatch(/^Stuck at chance: validation accuracy \d+\.\d\d% after epoch 1/);
    expect(text).toMatch(/\d+ of 128 hidden units pass no error back/);
    expect(text).toMatch(/the units are dead/);
    expect(text).toMatch(/lower the learning rate \(now 50; sgd starts at 0\.1 by default\)/);
    // Inside the layers agrees: at the epoch's last batch (833 of the 1,000 digits train, 167 validate:
    // a 14-batch epoch has all its batches measured)
    // nearly every (digit, unit) pair of the hidden layer has z ≤ 0.
    expect(await page.textContent('#layers-caption')).toMatch(/^Epoch 1, batch 14 of 14 \(every batch is measured/);
    const saturated = await page.$eval('#layer-rows tr [data-quantity="saturated"]', (td) =>
      Number((td as HTMLElement).dataset.value),
    );
    console.log(`demo page, stuck: hidden layer saturated ${saturated}`);
    expect(saturated).toBeGreaterThan(0.9);
    const [y0, y1] = await yRange(page, 'acc-chart');
    expect(y1 - y0).toBeGreaterThanOrEqual(0.1 - 1e-9);
    expect(y0).toBeGreaterThanOrEqual(0);
    expect(y1).toBeLessThanOrEqual(1);
    await screenshot(page, 'demo-stuck.png');
    expect(errors).toEqual([]);
  });

  // On one thread (no COOP/COEP); test/threads.test.ts diverges on 2 and 3.
  test('a diverged run (the loss became NaN) says where and what to do, and undoes its batches on the curves', async () => {
    const { page, errors } = await openDemo('?activation=leaky-relu&optimizer=sgd&lr=50&rows=1000&epochs=1', false);
    await drawOne(page);
    await trainRun(page);
    await expect.poll(() => page.isVisible('#diagnosis')).toBe(true);
    const text = (await page.textContent('#diagnosis'))!;
    console.log(`demo page, diverged: ${text}`);
    expect(text).toMatch(/^Training diverged: the loss became (NaN|-?Infinity) in epoch 1, batch \d+ of 14\./);
    expect(text).toMatch(/put back as they were before training \(untrained\)/);
    expect(text).toMatch(/Lower the learning rate \(now 50; sgd starts at 0\.1 by default\)/);
    const s = await demo(page);
    expect(s.phase).toBe('idle');
    expect(s.seen).toBe(0);
    expect(s.epochs).toHaveLength(1);
    expect(await page.textContent('#train')).toBe('Train');
    expect(await pathPoints(page, 'loss-chart', 'smooth')).toBe(0); // the undone batches are off the curve
    await expect.poll(() => page.textContent('#guess')).toBe('Untrained network: train it first');
    // Log-axis ticks stay few for a loss that ran to 1e30.
    // (a string, so that the test's bundler leaves the page's import alone)
    const ticks: number[] = await page.evaluate("import('./charts.js').then((m) => m.logTicks(2, 1e30))");
    expect(ticks.length).toBeLessThanOrEqual(9);
    await screenshot(page, 'demo-diverged.png');
    expect(errors).toEqual([]);
  });

  test('a query value that a field cannot take leaves the default and says so', async () => {
    const { page, errors } = await openDemo('?rows=2000&lr=fast&epochs=1');
    expect(await page.inputValue('select[name=rows]')).toBe('60000');
    expect(await page.inputValue('input[name=lr]')).toBe('0.001');
    expect(await page.inputValue('input[name=epochs]')).toBe('1'); // a valid value is taken
    expect(await page.isVisible('#notice')).toBe(true);
    const notice = (await page.textContent('#notice'))!;
    expect(notice).toMatch(/rows=2000 is not valid \(expected one of 60000, 10000, 1000\): using 60000/);
    expect(notice).toMatch(/lr=fast is not valid \(expected a number ≥ 0\): using 0\.001/);
    expect((await demo(page)).rows).toBe(60000);
    expect((await demo(page)).trainRows).toBe(50000); // the last sixth is held out for validation
    expect(await page.isHidden('#error')).toBe(true);
    expect(errors).toEqual([]);
  });
});
