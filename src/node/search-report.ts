// search's HTML page: the trials' scores by setting, one line per fold and the mean, and the table
// of every trial. Self-contained: inline SVG and CSS, no script, nothing fetched.
import type { Metric, TrialResult } from '../index.js';
import { esc, lineChart, PALETTE, STYLE, type Series } from './report.js';
import { settingsText } from './search-space.js';

export interface SearchPage {
  command: string;
  metric: Metric;
  folds: number;
  trials: TrialResult[];
  best: TrialResult;
  /** The best network's score on --test, as text. */
  test?: string;
  generated: Date;
}

export function renderSearchReport(d: SearchPage): string {
  const ranked = [...d.trials].sort((a, b) => b.mean - a.mean || a.index - b.index);
  const fmt = (x: number) => (d.metric === 'r2' ? x.toFixed(4) : `${(100 * x).toFixed(2)}%`);
  const series: Series[] = Array.from({ length: d.folds }, (_, f) => ({
    name: `fold ${f + 1}`,
    color: PALETTE[(f + 1) % PALETTE.length],
    points: ranked.map((t, i) => [i + 1, t.scores[f]] as [number, number]),
  }));
  series.push({ name: 'mean', color: PALETTE[0], dots: true, points: ranked.map((t, i) => [i + 1, t.mean]) });
  const kind = d.metric === 'r2' ? 'loss' : 'accuracy';
  const chart = lineChart(
    `${d.metric === 'r2' ? 'R²' : 'accuracy'} by trial, best first`,
    series,
    kind,
    'trial (by rank)',
  );
  const rows = ranked
    .map(
      (t, i) =>
        `<tr${t === d.best ? ' class="best"' : ''}><td>${i + 1}</td><td>${t.index + 1}</td><td class="setting">${esc(settingsText(t.key))}</td><td>${fmt(t.mean)}</td><td>${fmt(t.sd)}</td>${t.scores.map((x) => `<td>${fmt(x)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const folds = Array.from({ length: d.folds }, (_, f) => `<th>fold ${f + 1}</th>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wasmlp search: ${esc(settingsText(d.best.key))}</title>
<style>${STYLE} td.setting, th.setting { text-align: left; white-space: nowrap; } tr.best td { background: #e8f5e9; font-weight: 600; }</style></head>
<body>
<h1>wasmlp search</h1>
<p class="muted"><code>${esc(d.command)}</code> · ${esc(d.generated.toISOString().slice(0, 16).replace('T', ' '))} UTC</p>
<p class="big">Best of ${d.trials.length} trials: <b>${esc(settingsText(d.best.key))}</b>, ${d.folds}-fold CV ${d.metric === 'r2' ? 'R²' : 'accuracy'} ${fmt(d.best.mean)} ± ${fmt(d.best.sd)}${d.test ? `; on the test rows: ${esc(d.test)}` : ''}</p>
<h2>Scores by setting</h2>
<div class="charts">${chart}</div>
<p class="muted">Each line is one fold's score across the trials, ranked by their mean (the thick line): folds that cross each other say the ranking is within the noise of the split.</p>
<h2>Every trial</h2>
<table><tr><th>rank</th><th>trial</th><th class="setting">settings</th><th>mean</th><th>sd</th>${folds}</tr>
${rows}
</table>
</body></html>
`;
}
