// `wasmlp train --report FILE.html`: one self-contained HTML file (no scripts, no network) with the
// loss and accuracy curves as inline SVG, the confusion matrix, a sample of misclassified digits
// (inline PNG data URIs) and the architecture and settings.
import { scaleLinear } from 'd3-scale';
import type { BatchLog, Dataset, EpochLog, Network } from '../index.js';
import { classify } from './format.js';
import { encodeGreyPng } from './images.js';

export interface Misclassified {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  png?: Uint8Array;
}

export interface ReportData {
  command: string;
  /** e.g. "784-128-10, relu / softmax". */
  network: string;
  settings: [string, string][];
  history: EpochLog[];
  /** The running training loss within epochs, x = epoch − 1 + the fraction done (shown when epochs are few). */
  batches?: { epoch: number; loss: number }[];
  /** What the validation columns measured, e.g. "test set" or "6,000 held-out training images". */
  validation: string;
  test: { loss: number; accuracy: number; samples: number };
  /** confusion[true][predicted]. */
  confusion: number[][];
  misclassified: Misclassified[];
  generated: Date;
}

/** Up to this many epochs, the loss chart also draws the running loss of the batches. */
const FEW_EPOCHS = 5;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

interface Series {
  name: string;
  color: string;
  /** [x, y]: x in epochs (epoch e's end is x = e; a batch inside it is e − 1 + its fraction). */
  points: [number, number][];
  dash?: boolean;
  /** A dot at each point (epoch values); per-batch curves are lines only. */
  dots?: boolean;
}

/** The training loss within epochs for the report: the mean over each run of batches, ≤ 100 points an epoch. */
export class BatchCurve {
  readonly points: { epoch: number; loss: number }[] = [];
  private cost = 0;
  private rows = 0;
  private seen = 0;

  add(b: BatchLog): void {
    if (b.batch === 1) this.seen = 0;
    this.cost += b.loss * (b.samples - this.seen);
    this.rows += b.samples - this.seen;
    this.seen = b.samples;
    if (b.batch % Math.ceil(b.batches / 100) && b.batch !== b.batches) return;
    this.points.push({ epoch: b.epoch - 1 + b.batch / b.batches, loss: this.cost / this.rows });
    this.cost = this.rows = 0;
  }
}

/** A line chart over epochs as inline SVG, with nice ticks (d3-scale) on both axes. */
export function lineChart(title: string, series: Series[], kind: 'loss' | 'accuracy'): string {
  const W = 460,
    H = 260,
    left = 58,
    right = 14,
    top = 30,
    bottom = 40;
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1]);
  const xMax = Math.max(1, ...xs),
    xMin = xs.some((a) => a < 1) ? 0 : Math.min(1, xMax - 1);
  const x = scaleLinear()
    .domain(xMin === xMax ? [xMin - 0.5, xMax + 0.5] : [xMin, xMax])
    .range([left, W - right]);
  let lo = ys.length ? Math.min(...ys) : 0,
    hi = ys.length ? Math.max(...ys) : 1;
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.05 * Math.abs(lo || 1), hi + 0.05 * Math.abs(hi || 1)];
  if (kind === 'accuracy') [lo, hi] = [Math.max(0, lo), Math.min(1, hi)]; // never ticks past 0% or 100%
  const y = scaleLinear()
    .domain([lo, hi])
    .nice(5)
    .range([H - bottom, top]);
  const yFormat = y.tickFormat(5, kind === 'accuracy' ? '%' : undefined);
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="title">${esc(title)}</text>`);
  for (const v of y.ticks(5)) {
    const py = y(v).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${py}" y2="${py}" class="grid"/><text x="${left - 6}" y="${py}" dy="4" text-anchor="end">${esc(yFormat(v))}</text>`,
    );
  }
  const xTicks = x.ticks(Math.min(10, Math.max(2, Math.ceil(xMax - xMin)))).filter((t) => t >= 0);
  const xFormat = xTicks.every(Number.isInteger) ? String : x.tickFormat(10);
  for (const t of xTicks)
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${esc(xFormat(t))}</text>`);
  parts.push(`<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">epoch</text>`);
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" class="axis"/><line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" class="axis"/>`,
  );
  let lx = left + 10; // legend entries side by side, each as wide as its name
  for (const s of series) {
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => [x(a), y(b)]);
    if (p.length === 0) continue;
    const dash = s.dash ? ' stroke-dasharray="6 4"' : '';
    if (p.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="${s.dots ? 2 : 1.2}"${dash} points="${p.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`,
      );
    if (s.dots)
      for (const [a, b] of p) parts.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${top + 4}" y2="${top + 4}" stroke="${s.color}" stroke-width="2"${dash}/><text x="${lx + 23}" y="${top + 8}">${esc(s.name)}</text>`,
    );
    lx += 23 + 6.5 * s.name.length + 16;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** The confusion matrix as a table, cells shaded by their share of the row (the true class). */
export function confusionTable(confusion: number[][]): string {
  const k = confusion.length;
  const head = `<tr><th class="corner">true ↓ / predicted →</th>${confusion.map((_, j) => `<th>${j}</th>`).join('')}<th>recall</th></tr>`;
  const rows = confusion
    .map((row, i) => {
      const total = row.reduce((s, c) => s + c, 0) || 1;
      const cells = row
        .map((c, j) => {
          const share = c / total;
          const bg =
            i === j
              ? `rgba(46,125,50,${(0.15 + 0.7 * share).toFixed(3)})`
              : c
                ? `rgba(198,40,40,${Math.min(0.85, 0.1 + 4 * share).toFixed(3)})`
                : 'transparent';
          return `<td style="background:${bg}" title="true ${i}, predicted ${j}: ${c}">${c}</td>`;
        })
        .join('');
      return `<tr><th>${i}</th>${cells}<td class="recall">${pct(row[i] / total)}</td></tr>`;
    })
    .join('');
  const colTotals = Array.from({ length: k }, (_, j) => confusion.reduce((s, r) => s + r[j], 0));
  const precision = `<tr><th>precision</th>${colTotals.map((t, j) => `<td class="recall">${t ? pct(confusion[j][j] / t) : '–'}</td>`).join('')}<td></td></tr>`;
  return `<table class="confusion">${head}${rows}${precision}</table>`;
}

export function renderReport(d: ReportData): string {
  const h = d.history;
  const hasVal = h.some((e) => e.valLoss !== undefined);
  const epochs = (f: (e: EpochLog) => number | undefined) =>
    h.flatMap((e): [number, number][] => (f(e) === undefined ? [] : [[e.epoch, f(e)!]]));
  // With few epochs the epoch dots say little: the running training loss within each epoch too.
  const batches = h.length <= FEW_EPOCHS ? (d.batches ?? []) : [];
  const loss = lineChart(
    'Loss per sample',
    [
      ...(batches.length
        ? [
            {
              name: 'training (batches)',
              color: '#90caf9',
              points: batches.map((b): [number, number] => [b.epoch, b.loss]),
            },
          ]
        : []),
      { name: 'training', color: '#1565c0', points: epochs((e) => e.loss), dots: true },
      ...(hasVal
        ? [{ name: 'validation', color: '#ef6c00', points: epochs((e) => e.valLoss), dash: true, dots: true }]
        : []),
    ],
    'loss',
  );
  const acc = lineChart(
    'Accuracy',
    [
      { name: 'training', color: '#1565c0', points: epochs((e) => e.accuracy), dots: true },
      ...(hasVal
        ? [{ name: 'validation', color: '#ef6c00', points: epochs((e) => e.valAccuracy), dash: true, dots: true }]
        : []),
    ],
    'accuracy',
  );
  const epochRows = h
    .map(
      (e) =>
        `<tr><td>${e.epoch}</td><td>${e.loss.toFixed(4)}</td><td>${e.accuracy === undefined ? '–' : pct(e.accuracy)}</td><td>${e.valLoss?.toFixed(4) ?? '–'}</td><td>${e.valAccuracy === undefined ? '–' : pct(e.valAccuracy)}</td><td>${Math.round(e.samplesPerSec ?? 0).toLocaleString('en-US')}</td><td>${(e.seconds ?? 0).toFixed(1)}</td></tr>`,
    )
    .join('');
  const digits = d.misclassified
    .map(
      (m) =>
        `<figure>${m.png ? `<img alt="test image ${m.index}" src="data:image/png;base64,${Buffer.from(m.png).toString('base64')}">` : ''}<figcaption>#${m.index}: <b>${m.label}</b> → ${m.predicted}<br><small>p = ${m.confidence.toFixed(2)}</small></figcaption></figure>`,
    )
    .join('');
  const wrong = d.confusion.reduce((s, r, i) => s + r.reduce((t, c, j) => t + (i === j ? 0 : c), 0), 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasmlp report: ${esc(d.network)}, ${pct(d.test.accuracy)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
code { background: #f4f4f4; padding: 0.1em 0.3em; border-radius: 3px; word-break: break-all; }
.big { font-size: 1.3em; } .muted { color: #777; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
svg text { font: 11px system-ui, sans-serif; fill: #444; } svg .title { font-size: 13px; font-weight: 600; fill: #222; }
svg .grid { stroke: #eee; } svg .axis { stroke: #999; }
table { border-collapse: collapse; } td, th { padding: 0.25em 0.6em; text-align: right; border: 1px solid #e4e4e4; }
th { background: #fafafa; font-weight: 600; } .settings td, .settings th { text-align: left; }
.confusion td { min-width: 2.6em; font-variant-numeric: tabular-nums; } .confusion .corner { font-weight: 400; font-size: 0.8em; }
.recall { color: #555; font-size: 0.85em; }
.digits { display: flex; flex-wrap: wrap; gap: 0.8em; }
figure { margin: 0; text-align: center; } figure img { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #ccc; display: block; margin: 0 auto; }
figcaption { font-size: 0.8em; }
</style></head><body>
<h1>wasmlp training report</h1>
<p class="muted">${esc(d.generated.toISOString())} · <code>${esc(d.command)}</code></p>
<p class="big">Test accuracy <b>${pct(d.test.accuracy)}</b> · test loss ${d.test.loss.toFixed(4)} · ${d.test.samples.toLocaleString('en-US')} test images · ${esc(d.network)}</p>

<h2>Curves</h2>
<p class="muted">Training values are means over each epoch as the weights moved; validation: ${esc(d.validation)}, measured after each epoch.</p>
<div class="charts">${loss}${acc}</div>
<table><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th><th>samples/s</th><th>seconds</th></tr>${epochRows}</table>

<h2>Confusion matrix (test set)</h2>
<p class="muted">Row: the true digit; column: the network's answer. Recall per row, precision per column.</p>
${confusionTable(d.confusion)}

<h2>Misclassified digits</h2>
<p class="muted">${d.misclassified.length ? `${d.misclassified.length} of the ${wrong.toLocaleString('en-US')} misclassified test images: the true label in bold, then the network's answer and its probability.` : 'None: every test image was classified correctly.'}</p>
<div class="digits">${digits}</div>

<h2>Architecture and settings</h2>
<table class="settings">${d.settings.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
</body></html>
`;
}

/** Confusion matrix and a sample of up to 30 misclassified test images spread over the test set. */
export function mistakes(net: Network, test: Dataset): { confusion: number[][]; misclassified: Misclassified[] } {
  const { predicted, probabilities, confusion } = classify(net, test);
  const wrong: number[] = [];
  for (let i = 0; i < test.length; i++) if (predicted[i] !== test.labels[i]) wrong.push(i);
  const take = Math.min(30, wrong.length);
  const side = Math.sqrt(test.width);
  const sample = Array.from({ length: take }, (_, k) => wrong[Math.floor((k * wrong.length) / take)]);
  return {
    confusion,
    misclassified: sample.map((i) => ({
      index: i,
      label: test.labels[i],
      predicted: predicted[i],
      confidence: probabilities[i][predicted[i]],
      png:
        Number.isInteger(side) && test.features instanceof Uint8Array
          ? encodeGreyPng({
              width: side,
              height: side,
              pixels: test.features.subarray(i * test.width, (i + 1) * test.width),
            })
          : undefined,
    })),
  };
}
