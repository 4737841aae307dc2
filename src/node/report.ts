// `wasmlp train --report FILE.html`: one self-contained HTML file (no scripts, no network) with the
// loss and accuracy curves as inline SVG, the confusion matrix, a sample of misclassified digits
// (inline PNG data URIs) and the architecture and settings.
import { scaleLinear, scaleLog } from 'd3-scale';
import {
  DIAGNOSTIC_NAMES,
  type BatchLog,
  type Dataset,
  type EpochLog,
  type LayerDiagnostics,
  type Network,
} from '../index.js';
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
  batches?: BatchPoint[];
  /** What the validation columns measured, e.g. "test set" or "6,000 held-out training images". */
  validation: string;
  test: { loss: number; accuracy: number; samples: number };
  /** confusion[true][predicted]. */
  confusion: number[][];
  misclassified: Misclassified[];
  generated: Date;
}

/** Up to this many epochs, the loss chart also draws the running loss of the batches. */
export const FEW_EPOCHS = 5;

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export interface Series {
  name: string;
  color: string;
  /** [x, y]: x in epochs (epoch e's end is x = e; a batch inside it is e − 1 + its fraction). */
  points: [number, number][];
  dash?: boolean;
  /** A dot at each point (epoch values); per-batch curves are lines only. */
  dots?: boolean;
  /** false: drawn, but not named in the legend (the batches beside their epochs' dots). */
  legend?: false;
}

/** A point of the curves within epochs: x = epoch − 1 + the fraction done. */
export interface BatchPoint {
  epoch: number;
  loss: number;
  /** The mean of the diagnosed batches' diagnostics since the previous point, when there were any. */
  diagnostics?: LayerDiagnostics[];
}

/** The training loss (and diagnostics) within epochs for the report: means over runs of batches, ≤ 100 points an epoch. */
export class BatchCurve {
  readonly points: BatchPoint[] = [];
  /** @param perEpoch at most this many points an epoch (fewer: smoother curves). */
  constructor(private readonly perEpoch = 100) {}
  private cost = 0;
  private rows = 0;
  private seen = 0;
  private diagnostics: LayerDiagnostics[] = [];
  private diagnosed = 0;

  add(b: BatchLog): void {
    if (b.batch === 1) this.seen = 0;
    this.cost += b.loss * (b.samples - this.seen);
    this.rows += b.samples - this.seen;
    this.seen = b.samples;
    if (b.diagnostics) {
      this.diagnostics = b.diagnostics.map((d, l) => sumDiagnostics(this.diagnostics[l], d, 1));
      this.diagnosed++;
    }
    if (b.batch % Math.ceil(b.batches / this.perEpoch) && b.batch !== b.batches) return;
    const point: BatchPoint = { epoch: b.epoch - 1 + b.batch / b.batches, loss: this.cost / this.rows };
    if (this.diagnosed)
      point.diagnostics = this.diagnostics.map((d) => sumDiagnostics(undefined, d, 1 / this.diagnosed));
    this.points.push(point);
    this.cost = this.rows = this.diagnosed = 0;
    this.diagnostics = [];
  }
}

/** sum + scale·d, field by field (null and absent fields stay so). */
function sumDiagnostics(sum: LayerDiagnostics | undefined, d: LayerDiagnostics, scale: number): LayerDiagnostics {
  const out = { ...d } as Record<string, number | null | undefined>;
  for (const k of DIAGNOSTIC_NAMES) {
    const v = d[k];
    if (typeof v === 'number') out[k] = ((sum?.[k] as number | undefined) ?? 0) + scale * v;
  }
  return out as unknown as LayerDiagnostics;
}

/** How a chart's y axis reads: a loss, a fraction shown as % (0–100%), or a positive quantity on a log scale. */
export type ChartKind = 'loss' | 'accuracy' | 'fraction' | 'log';

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** A log axis's label: a power of ten as 10ⁿ, anything else with 2 digits (0.002, 30). */
const logLabel = (v: number) => {
  const n = Math.round(Math.log10(v));
  if (Math.abs(Math.log10(v) - n) > 1e-9) return String(+v.toPrecision(2));
  return `10${n < 0 ? '⁻' : ''}${[...String(Math.abs(n))].map((c) => SUPERSCRIPT[+c]).join('')}`;
};

/** The legend: entries side by side from x = from, each as wide as its name, on as many rows as they need before x = to. */
function legendLayout(drawn: Series[], from: number, to: number): { s: Series; x: number; row: number }[] {
  const legend: { s: Series; x: number; row: number }[] = [];
  let lx = from,
    row = 0;
  for (const s of drawn.filter((s) => s.legend !== false)) {
    const width = 23 + 6.5 * s.name.length + 16;
    if (lx > from && lx + width > to) [lx, row] = [from, row + 1];
    legend.push({ s, x: lx, row });
    lx += width;
  }
  return legend;
}

/** A line chart over epochs (or another x, named by `xLabel`) as inline SVG, with nice ticks (d3-scale) on both axes. */
export function lineChart(title: string, series: Series[], kind: ChartKind, xLabel = 'epoch'): string {
  const W = 460,
    right = 14,
    bottom = 40,
    left = 58;
  // A log axis has no place for 0 or below (a layer whose gradient is exactly 0 is left out of it).
  const shown = (p: [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (kind !== 'log' || p[1] > 0);
  const drawn = series.map((s) => ({ ...s, points: s.points.filter(shown) })).filter((s) => s.points.length);
  const legend = legendLayout(drawn, left + 10, W - right),
    row = legend.at(-1)?.row ?? 0;
  const top = 40 + 14 * row, // below the legend
    H = 230 + top;
  const pts = drawn.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1]);
  const xMax = xs.reduce((m, a) => Math.max(m, a), 1),
    xMin = xs.some((a) => a < 1) ? 0 : Math.min(1, xMax - 1);
  const x = scaleLinear()
    .domain(xMin === xMax ? [xMin - 0.5, xMax + 0.5] : [xMin, xMax])
    .range([left, W - right]);
  let lo = ys.length ? ys.reduce((m, a) => Math.min(m, a)) : kind === 'log' ? 1e-3 : 0,
    hi = ys.length ? ys.reduce((m, a) => Math.max(m, a)) : 1;
  if (kind === 'log') {
    if (hi / lo < 10) [lo, hi] = [lo / 3, hi * 3]; // at least a decade, so ticks fall on it
  } else if (hi - lo < 1e-9) [lo, hi] = [lo - 0.05 * Math.abs(lo || 1), hi + 0.05 * Math.abs(hi || 1)];
  if (kind === 'accuracy' || kind === 'fraction') [lo, hi] = [Math.max(0, lo), Math.min(1, hi)]; // never ticks past 0% or 100%
  const y = (kind === 'log' ? scaleLog() : scaleLinear())
    .domain([lo, hi])
    .nice(5)
    .range([H - bottom, top]);
  let yTicks = y.ticks(5),
    yFormat: (v: number) => string = y.tickFormat(5, kind === 'loss' ? undefined : '%');
  if (kind === 'log') {
    // Powers of ten when the range spans several, else every tick d3 gives (1, 2, 5, …).
    const decades = yTicks.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
    const step = Math.ceil(decades.length / 6);
    if (decades.length >= 2) yTicks = decades.filter((_, i) => i % step === 0);
    else if (yTicks.length > 8) yTicks = yTicks.filter((v) => /^[125]/.test(v.toExponential()));
    yFormat = logLabel;
  }
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="title">${esc(title)}</text>`);
  for (const v of yTicks) {
    const py = y(v).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${py}" y2="${py}" class="grid"/><text x="${left - 6}" y="${py}" dy="4" text-anchor="end">${esc(yFormat(v))}</text>`,
    );
  }
  const xTicks = x.ticks(Math.min(10, Math.max(2, Math.ceil(xMax - xMin)))).filter((t) => t >= 0);
  const xFormat = xTicks.every(Number.isInteger) ? String : x.tickFormat(10);
  for (const t of xTicks)
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${esc(xFormat(t))}</text>`);
  parts.push(`<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" class="axis"/><line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" class="axis"/>`,
  );
  const dashOf = (s: Series) => (s.dash ? ' stroke-dasharray="6 4"' : '');
  for (const s of drawn) {
    const p = s.points.map(([a, b]) => [x(a), y(b)]);
    if (p.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="${s.dots ? 2 : 1.2}"${dashOf(s)} points="${p.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`,
      );
    if (s.dots)
      for (const [a, b] of p) parts.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  for (const { s, x: ex, row } of legend) {
    const ey = 34 + 14 * row;
    parts.push(
      `<line x1="${ex}" x2="${ex + 18}" y1="${ey - 4}" y2="${ey - 4}" stroke="${s.color}" stroke-width="2"${dashOf(s)}/><text x="${ex + 23}" y="${ey}">${esc(s.name)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** Colours for curves that differ by kind (layers, variants), in order. */
export const PALETTE = [
  '#1565c0',
  '#ef6c00',
  '#2e7d32',
  '#c62828',
  '#6a1b9a',
  '#00838f',
  '#9e9d24',
  '#5d4037',
  '#ad1457',
  '#37474f',
];

/** The diagnostics the report draws per layer, each with the sentence that ties it to BP1–BP4. */
export const DIAGNOSTIC_CHARTS: {
  key: 'gradNorm' | 'saturated' | 'dead' | 'updateRatio';
  title: string;
  kind: ChartKind;
  why: string;
  withinEpochs?: false;
}[] = [
  {
    key: 'gradNorm',
    title: 'Gradient norm ‖∂C/∂Wˡ‖ (log scale)',
    kind: 'log',
    why: 'BP4: ∂C/∂wˡ_jk = aˡ⁻¹_k δˡ_j, so a layer whose inputs a or errors δ are small learns slowly; δ reaches the first layers only through BP2, so first layers far below the last ones is a vanishing gradient.',
  },
  {
    key: 'saturated',
    title: 'Saturated units (f′ < 0.1 of its largest value)',
    kind: 'fraction',
    why: 'BP2: δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ f′(zˡ), so where f′(z) ≈ 0 a unit passes almost no error back and, by BP3/BP4, its own weights and bias hardly change.',
  },
  {
    key: 'dead',
    // A batch's count is over the epoch so far, which can only fall within an epoch: the epochs' alone.
    withinEpochs: false,
    title: 'Dead units (z ≤ 0 on every row of the epoch)',
    kind: 'fraction',
    why: 'A relu unit with z ≤ 0 for every input has f′(z) = 0 on all of them: BP2 gives it δ = 0, so BP3/BP4 give its bias and weights no gradient and it does not come back.',
  },
  {
    key: 'updateRatio',
    title: 'Update ratio ‖ΔWˡ‖ / ‖Wˡ‖ (log scale)',
    kind: 'log',
    why: 'How far one step moves a layer’s weights relative to their size: around 10⁻³ is a common healthy value; far below it the layer hardly learns, far above it the learning rate is too high for it.',
  },
];

/** "hidden 1", "hidden 2", …, "output": layer l of n (0-based). */
export const layerName = (l: number, n: number) => (l === n - 1 ? 'output' : `hidden ${l + 1}`);

/**
 * One diagnostic per layer over epochs: the epochs' values as dots and, with few epochs, the
 * diagnosed batches' running means as a thin line of the same colour. null where the layer has none.
 */
export function layerSeries(
  history: EpochLog[],
  batches: BatchPoint[],
  value: (d: LayerDiagnostics[]) => number | null | undefined,
  name = '',
  color = PALETTE[0],
): Series[] {
  const points = (logs: { epoch: number; diagnostics?: LayerDiagnostics[] }[]) =>
    logs.flatMap((e): [number, number][] => {
      const v = e.diagnostics && value(e.diagnostics);
      return typeof v === 'number' ? [[e.epoch, v]] : [];
    });
  const few = history.length <= FEW_EPOCHS ? points(batches) : [];
  const byEpoch = points(history);
  if (!byEpoch.length) return [];
  return [
    ...(few.length ? [{ name, color, points: few, legend: false as const }] : []),
    { name, color, points: byEpoch, dots: true },
  ];
}

/** The per-layer charts of a run trained with diagnostics, each with its sentence (empty without them). */
export function diagnosticsCharts(history: EpochLog[], batches: BatchPoint[] = []): string {
  const layers = history.find((e) => e.diagnostics)?.diagnostics?.length ?? 0;
  return DIAGNOSTIC_CHARTS.map(({ key, title, kind, why, withinEpochs }) => {
    const series = Array.from({ length: layers }, (_, l) =>
      layerSeries(
        history,
        withinEpochs === false ? [] : batches,
        (d) => d[l]?.[key],
        layerName(l, layers),
        PALETTE[l % PALETTE.length],
      ),
    ).flat();
    if (!series.length) return ''; // dead units: only relu-like layers have them
    if (key === 'updateRatio')
      series.push({
        name: '10⁻³',
        color: '#999',
        dash: true,
        points: [
          [series.reduce((m, s) => s.points.reduce((n, p) => Math.min(n, p[0]), m), Infinity), 1e-3],
          [history.at(-1)!.epoch, 1e-3],
        ],
      });
    return `<figure class="chart">${lineChart(title, series, kind)}<figcaption>${esc(why)}</figcaption></figure>`;
  }).join('');
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

/** The report's stylesheet (the compare page's too). */
export const STYLE = `body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
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
.chart figcaption { text-align: left; max-width: 460px; font-size: 0.85em; color: #555; }
`;

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
  const diagnostics = diagnosticsCharts(h, d.batches);
  const wrong = d.confusion.reduce((s, r, i) => s + r.reduce((t, c, j) => t + (i === j ? 0 : c), 0), 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasmlp report: ${esc(d.network)}, ${pct(d.test.accuracy)}</title>
<style>
${STYLE}</style></head><body>
<h1>wasmlp training report</h1>
<p class="muted">${esc(d.generated.toISOString())} · <code>${esc(d.command)}</code></p>
<p class="big">Test accuracy <b>${pct(d.test.accuracy)}</b> · test loss ${d.test.loss.toFixed(4)} · ${d.test.samples.toLocaleString('en-US')} test images · ${esc(d.network)}</p>

<h2>Curves</h2>
<p class="muted">Training values are means over each epoch as the weights moved; validation: ${esc(d.validation)}, measured after each epoch.</p>
<div class="charts">${loss}${acc}</div>
<table><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th><th>samples/s</th><th>seconds</th></tr>${epochRows}</table>
${diagnostics && `\n<h2>How each layer learns</h2>\n<p class="muted">Per layer, from the first hidden layer to the output: means over the training batches measured in each epoch${batches.length ? ' (dots), and within epochs (lines)' : ''}.</p>\n<div class="charts">${diagnostics}</div>\n`}
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
