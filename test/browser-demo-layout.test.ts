// The demo page at 1280×900 in real Chromium: no select cuts its options off, the drawing pad is
// above the fold, the zoomed accuracy chart keeps every point inside the plot (epoch 0 on its edge,
// with its value), the output layer's saturation under cross-entropy is shown as harmless, and each
// epoch is validated on held-out training digits.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { demoPages } from './browser/chromium.js';
import type { PageGlobals } from './browser/workloads.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const openDemo = demoPages();

/** Each form select: its width, and the width it would take to show its widest option whole. */
const selectWidths = (page: Page) =>
  page.$$eval('#config select', (selects) =>
    selects.map((s) => {
      const probe = s.cloneNode(true) as HTMLSelectElement;
      probe.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none';
      document.body.appendChild(probe);
      const needed = probe.offsetWidth;
      probe.remove();
      return { name: s.name, width: s.offsetWidth, needed, scrollWidth: s.scrollWidth, clientWidth: s.clientWidth };
    }),
  );

/** Every dot and path vertex of a chart, and its plot's bounds (left, top, right, bottom). */
const chartPoints = (page: Page, chart: string) =>
  page.$eval(`#${chart}`, (svg) => {
    const [l, t, r, b] = svg.getAttribute('data-plot')!.split(' ').map(Number);
    const dots = Array.from(svg.querySelectorAll('circle'), (c) => [
      Number(c.getAttribute('cx')),
      Number(c.getAttribute('cy')),
    ]);
    const vertices = Array.from(svg.querySelectorAll('path[data-series]'), (p) =>
      Array.from((p.getAttribute('d') ?? '').matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g), (m) => [
        Number(m[1]),
        Number(m[2]),
      ]),
    ).flat();
    const off = Array.from(svg.querySelectorAll('circle[data-off-scale]'), (c) =>
      Number(c.getAttribute('data-off-scale')),
    );
    const labels = Array.from(svg.querySelectorAll('text.off-scale'), (t) => t.textContent);
    return { plot: { l, t, r, b }, points: [...dots, ...vertices], off, labels };
  });

test('1280×900: selects whole, the pad above the fold, the zoomed chart inside its plot, harmless saturation shown so', async () => {
  const { page, errors } = await openDemo('?rows=10000&epochs=2');
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const s of await selectWidths(page)) {
    expect(s.needed, `${s.name}: ${s.needed} px needed, ${s.width} px wide`).toBeLessThanOrEqual(s.width);
    expect(s.scrollWidth, s.name).toBeLessThanOrEqual(s.clientWidth);
  }
  const pad = (await page.locator('#pad').boundingBox())!;
  expect(pad.y + pad.height).toBeLessThanOrEqual(900); // the whole canvas, not only its top

  // Each epoch is validated on the last sixth of the digits chosen, held out of training.
  const network = await page.evaluate(() => {
    const n = (window as unknown as { wasmlpDemo: { network: { trainRows: number; validationRows: number } } })
      .wasmlpDemo.network;
    return { trainRows: n.trainRows, validationRows: n.validationRows };
  });
  expect(network).toEqual({ trainRows: 8333, validationRows: 1667 });
  expect(await page.textContent('#stats')).toContain('validation accuracy');

  await page.click('#train');
  await page.waitForFunction(() => (window as unknown as PageGlobals).wasmlpDemo.phase === 'done', null, {
    timeout: 90_000,
  });
  await page.waitForTimeout(200); // the chart redraws on the next frame
  const trained = (await page.locator('#pad').boundingBox())!;
  expect(trained.y + trained.height).toBeLessThanOrEqual(900); // the curves grew no taller
  const acc = await chartPoints(page, 'acc-chart');
  expect(acc.points.length).toBeGreaterThan(4);
  for (const [x, y] of acc.points) {
    expect(x).toBeGreaterThanOrEqual(acc.plot.l);
    expect(x).toBeLessThanOrEqual(acc.plot.r);
    expect(y).toBeGreaterThanOrEqual(acc.plot.t);
    expect(y).toBeLessThanOrEqual(acc.plot.b);
  }
  // Zoomed on the trained epochs: the untrained epoch 0 sits on the bottom edge, hollow, with its value.
  const epoch0 = await page.evaluate(
    () => (window as unknown as PageGlobals).wasmlpDemo.epochs[0].valAccuracy as number,
  );
  expect(acc.off).toEqual([epoch0]);
  expect(acc.labels).toEqual([`↓ ${+(epoch0 * 100).toFixed(1)}%`]);

  // The output layer under cross-entropy: its saturation in grey, said to be harmless; the hidden layer's in orange.
  const cells = await page.$$eval('#layer-rows td[data-quantity="saturated"]', (tds) =>
    tds.map((td) => ({
      harmless: td.classList.contains('harmless'),
      fill: getComputedStyle(td.querySelector('.fill')!).backgroundColor,
      text: td.querySelector('.v')!.textContent,
    })),
  );
  expect(cells.map((c) => c.harmless)).toEqual([false, true]);
  expect(cells[0].fill).toBe('rgb(194, 65, 12)');
  expect(cells[1].fill).not.toBe(cells[0].fill);
  expect(cells[1].text).toMatch(/^\d+(\.\d)?%, harmless$/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('demo-1280x900.png', ARTIFACTS).pathname });

  // Under mse the output's saturation does slow learning (BP1's σ′ factor): it keeps its warning colour.
  await page.selectOption('select[name=preset]', 'textbook');
  await page.click('#reset');
  await expect
    .poll(() => page.$eval('#layer-rows tr:last-child td[data-quantity="saturated"]', (td) => td.className))
    .not.toContain('harmless');
  expect(errors).toEqual([]);
});
