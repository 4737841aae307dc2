// The report's charts: ticks at round values (d3-scale), never past 0% or 100% on accuracy, and the
// per-batch training loss drawn when there are few epochs (a one-epoch report is more than two dots).
import { describe, expect, test } from 'vitest';
import { BatchCurve, lineChart } from '../src/node/report.js';

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
