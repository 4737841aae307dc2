// The demo page's views of how layers learn, in real Chromium: the activation explorer shades
// saturation by the library's definition (SATURATION, ACTIVATIONS) and says whether it is soft or
// hard, and while training "Inside the layers" shows the core's per-layer diagnostics, one row per layer.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { SATURATION } from '../src/index.js';
import { demoPages } from './browser/chromium.js';
import type { PageGlobals } from './browser/workloads.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const openDemo = demoPages();

async function screenshot(page: Page, selector: string, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator(selector).screenshot({ path: new URL(name, ARTIFACTS).pathname });
}

/** An explorer plot: its saturation sentence and its shaded z intervals, per panel (f above, f′ below). */
const plot = (page: Page, name: string) =>
  page.$eval(`#explorer-grid figure[data-activation="${name}"]`, (fig) => {
    const shaded = (panel: string) =>
      Array.from(fig.querySelectorAll(`rect.saturated[data-panel="${panel}"]`), (r) => [
        Number(r.getAttribute('data-z0')),
        Number(r.getAttribute('data-z1')),
      ]);
    return { text: fig.querySelector('.saturation')!.textContent!, f: shaded('f'), df: shaded('df') };
  });

describe('the demo page', () => {
  test('the explorer shades where f′ < SATURATION · max f′: sigmoid soft on both sides, relu hard on the left, leaky-relu nowhere', async () => {
    const { page, errors } = await openDemo('?rows=1000');
    const STEP = 10 / 400; // the explorer's z grid over [−5, 5]

    const sigmoid = await plot(page, 'sigmoid');
    expect(sigmoid.text).toMatch(/^soft saturation on both sides: f′ → 0 only in the limit/);
    // σ′ = σ(1 − σ) < SATURATION · ¼ where σ < s or σ > 1 − s, s the smaller root of s(1 − s) = SATURATION / 4.
    const s = (1 - Math.sqrt(1 - SATURATION)) / 2;
    const edge = Math.log(s / (1 - s)); // ≈ −3.64 for SATURATION = 0.1
    expect(sigmoid.f).toHaveLength(2);
    const [[l0, l1], [r0, r1]] = sigmoid.f;
    expect([l0, r1]).toEqual([-5, 5]);
    expect(Math.abs(l1 - edge)).toBeLessThanOrEqual(STEP);
    expect(Math.abs(r0 + edge)).toBeLessThanOrEqual(STEP);
    expect(sigmoid.df).toEqual(sigmoid.f); // the same regions on the f′ panel

    const relu = await plot(page, 'relu');
    expect(relu.text).toMatch(/hard on the left \(f′ = 0 beyond a point\), none on the right/);
    expect(relu.f).toEqual([[-5, 0]]); // z ≤ 0, where f′ = 0
    expect(relu.df).toEqual(relu.f);

    const leaky = await plot(page, 'leaky-relu');
    expect(leaky.text).toMatch(/^never saturates: its slope on the left, α = 0\.01, is small but never 0/);
    expect(leaky.f).toEqual([]);
    expect(leaky.df).toEqual([]);

    await page.setViewportSize({ width: 400, height: 900 });
    await screenshot(page, '#explorer-grid figure[data-activation="relu"]', 'demo-explorer-relu-400.png');
    expect(errors).toEqual([]);
  });

  test("while training, Inside the layers shows the core's diagnostics, one row per layer, as they come", async () => {
    const { page, errors } = await openDemo('?hidden=64,32&activation=relu&epochs=1');
    const rows = page.locator('#layer-rows tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(2).locator('td').first().textContent()).toBe('output10 softmax');
    expect(await page.textContent('#layers-caption')).toMatch(/^Train to see/);

    await page.click('#train');
    const caption = () => page.textContent('#layers-caption');
    await expect
      .poll(caption, { timeout: 60_000 })
      .toMatch(/^Epoch 1, batch \d+ of 782 \(one batch in \d+ is measured/); // 50,000 training digits, 10,000 held out
    const first = await caption();
    await expect.poll(caption, { timeout: 60_000 }).not.toBe(first); // a later diagnosed batch replaces it
    // What the rows show and what the worker sent, read at one moment.
    const { shown, widths, layers } = await page.evaluate(() => {
      const tds = (q: string) =>
        Array.from(document.querySelectorAll<HTMLElement>(`#layer-rows td[data-quantity="${q}"]`));
      const value = (td: HTMLElement) => (td.dataset.value === '' ? null : Number(td.dataset.value));
      return {
        shown: ['saturated', 'dead', 'gradNorm', 'updateRatio'].map((q) => tds(q).map(value)),
        widths: tds('saturated').map((td) => parseFloat(td.querySelector<HTMLElement>('.fill')!.style.width)),
        layers: (window as unknown as PageGlobals & { wasmlpDemo: { layers: Record<string, number | null>[] } })
          .wasmlpDemo.layers,
      };
    });
    console.log(`demo page, layers: ${JSON.stringify(layers)}`);
    expect(layers).toHaveLength(3);
    const [saturated, dead, gradNorm, updateRatio] = shown;
    expect(saturated).toEqual(layers.map((l) => l.saturated));
    expect(dead).toEqual(layers.map((l) => l.dead));
    expect(gradNorm).toEqual(layers.map((l) => l.gradNorm));
    expect(updateRatio).toEqual(layers.map((l) => l.updateRatio));
    for (const [i, v] of saturated.entries()) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(widths[i]).toBeCloseTo(100 * v!, 1);
    }
    // relu hidden layers: saturated where z ≤ 0, some rows but not all; a unit dead (z ≤ 0 on every
    // row of the epoch so far) is saturated on every row of this batch, so dead ≤ saturated.
    for (const l of [0, 1]) {
      expect(saturated[l]).toBeGreaterThan(0);
      expect(saturated[l]).toBeLessThan(1);
      expect(dead[l]).toBeGreaterThanOrEqual(0);
      expect(dead[l]).toBeLessThanOrEqual(saturated[l]!);
    }
    expect(dead[2]).toBeNull(); // softmax units cannot die
    expect(await rows.nth(2).locator('[data-quantity="dead"] .v').textContent()).toBe('–');
    for (const v of [...gradNorm, ...updateRatio]) {
      expect(v).toBeGreaterThan(0);
      expect(Number.isFinite(v)).toBe(true);
    }
    await page.setViewportSize({ width: 400, height: 900 });
    await screenshot(page, '#layers', 'demo-layers-400.png');
    expect(errors).toEqual([]);
  });
});
