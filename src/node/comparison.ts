// `wasmlp compare --out FILE.html`: one self-contained page (no scripts, no network) with the
// variants' table and their curves overlaid, drawn by the report's chart code.
import type { EpochLog } from '../index.js';
import { pct } from './args.js';
import type { Row } from './commands/compare.js';
import {
  DIAGNOSTIC_CHARTS,
  esc,
  FEW_EPOCHS,
  lineChart,
  layerName,
  layerSeries,
  PALETTE,
  STYLE,
  type BatchPoint,
  type Series,
} from './report.js';

export interface Variant {
  row: Row;
  /** e.g. "784-30-30-10 sigmoid/softmax". */
  network: string;
  history: EpochLog[];
  batches: BatchPoint[];
}

export interface ComparisonData {
  command: string;
  variants: Variant[];
  /** What the validation curves measured, e.g. "2,000 held-out training images". */
  validation: string;
  settings: [string, string][];
  generated: Date;
}

/** A ratio that may span decades: 3 digits, in exponent form far from 1. */
export const ratioText = (x: number | null) =>
  x === null ? '–' : x >= 0.01 && x < 1000 ? x.toPrecision(3) : x.toExponential(2);
/** A loss, 4 decimals unless it is huge (a variant near divergence). */
export const lossText = (x: number | null) => (x === null ? '–' : x < 1e4 ? x.toFixed(4) : x.toExponential(2));
const pctOrDash = (x: number | null) => (x === null ? '–' : pct(x));
/** Variant i's look: a colour, dashed after the palette's first round. */
const look = (i: number) => ({ color: PALETTE[i % PALETTE.length], dash: i >= PALETTE.length });
const epochPoints = (h: EpochLog[], f: (e: EpochLog) => number | undefined) =>
  h.flatMap((e): [number, number][] => (f(e) === undefined ? [] : [[e.epoch, f(e)!]]));

export function renderComparison(d: ComparisonData): string {
  const vs = d.variants;
  const perVariant = (f: (e: EpochLog) => number | undefined): Series[] =>
    vs.map((v, i) => ({ name: v.row.variant, ...look(i), points: epochPoints(v.history, f), dots: true }));
  const accuracy = lineChart(
    'Validation accuracy',
    perVariant((e) => e.valAccuracy),
    'accuracy',
  );
  // Within few epochs the running training loss shows more than a few dots: thin lines, as in the report.
  const batchLoss = vs.map((v, i) => ({
    name: v.row.variant,
    ...look(i),
    points: v.history.length <= FEW_EPOCHS ? v.batches.map((b): [number, number] => [b.epoch, b.loss]) : [],
    legend: false as const,
  }));
  const loss = lineChart(
    batchLoss.some((s) => s.points.length)
      ? 'Loss per sample (validation: dots; training batches: lines)'
      : 'Validation loss per sample',
    [...batchLoss, ...perVariant((e) => e.valLoss)],
    'loss',
  );
  const ratioSeries = vs.flatMap((v, i) =>
    layerSeries(
      v.history,
      v.batches,
      (g) => (g.length > 1 ? g[0].gradNorm / g.at(-1)!.gradNorm : null),
      v.row.variant,
      look(i).color,
    ),
  );
  const ratio = ratioSeries.length
    ? lineChart('Gradient norm, first layer / last (log scale)', ratioSeries, 'log')
    : '';
  const gradNorm = DIAGNOSTIC_CHARTS.find((c) => c.key === 'gradNorm')!;
  const perLayer = vs
    .map((v) => {
      const n = v.history.find((e) => e.diagnostics)?.diagnostics?.length ?? 0;
      const series = Array.from({ length: n }, (_, l) =>
        layerSeries(v.history, v.batches, (g) => g[l].gradNorm, layerName(l, n), PALETTE[l % PALETTE.length]),
      ).flat();
      return series.length ? lineChart(`${v.row.variant}: ‖∂C/∂Wˡ‖ per layer (log scale)`, series, 'log') : '';
    })
    .join('');
  const rows = vs
    .map(
      ({ row: r, network }, i) =>
        `<tr><th><span class="swatch" style="background:${look(i).color}"></span>${esc(r.variant)}</th><td class="left">${esc(network)}, ${esc(r.loss)}</td><td>${r.error ? 'failed' : pctOrDash(r.testAccuracy)}</td><td>${lossText(r.testLoss)}</td><td>${r.seconds.toFixed(1)}</td><td>${pctOrDash(r.saturated)}</td><td>${ratioText(r.gradNormRatio)}</td></tr>`,
    )
    .join('');
  const errors = vs
    .filter((v) => v.row.error)
    .map((v) => `<p><b>${esc(v.row.variant)}</b>: ${esc(v.row.error!)}</p>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasmlp comparison: ${vs.length} variants</title>
<style>
${STYLE}.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px; }
td.left, th { text-align: left; } .variants th, .variants td { white-space: nowrap; } .variants td.left { white-space: normal; }
</style></head><body>
<h1>wasmlp comparison</h1>
<p class="muted">${esc(d.generated.toISOString())} · <code>${esc(d.command)}</code></p>
<p>The same data, seed and training for each variant. Saturated: the hidden layers’ units with f′(z) below a tenth of its largest value in the last epoch (BP2 shrinks δ there); ‖∇W¹‖/‖∇Wᴸ‖: the first layer’s gradient norm over the output layer’s (BP4), far below 1 when the gradient vanishes on its way back.</p>
<table class="variants"><tr><th>variant</th><th>network</th><th>test accuracy</th><th>test loss</th><th>seconds</th><th>saturated</th><th>‖∇W¹‖/‖∇Wᴸ‖</th></tr>${rows}</table>
${errors}
<h2>Curves</h2>
<p class="muted">Validation: ${esc(d.validation)}, after each epoch. Losses of variants trained with different costs are each in their own cost.</p>
<div class="charts">${accuracy}${loss}</div>

${ratio && `<h2>Gradients per layer</h2>\n<p class="muted">${esc(gradNorm.why)}</p>\n<div class="charts">${ratio}${perLayer}</div>\n`}
<h2>Settings</h2>
<table class="settings">${d.settings.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
</body></html>
`;
}
