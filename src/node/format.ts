// What the commands print about networks and classifications: a network's one-line name, the
// classes of a dataset as the model sees them, the confusion matrix as text, the diagnostics table and thread counts.
import {
  activationOf,
  classCount,
  classProbabilities,
  type Dataset,
  type LayerDiagnostics,
  type LayerSpec,
  type Network,
  type Schedule,
  type ThreadCounts,
} from '../index.js';

/** Every layer's activation, the library's defaults filled in. */
export const activations = (layers: LayerSpec[]): string[] => layers.map((_, i) => activationOf(layers, i));

/** "cosine (warmup 2, min 0)": a schedule and its options. */
export const scheduleText = (s: Schedule): string =>
  `${s.name} (${Object.entries(s)
    .filter(([k]) => k !== 'name')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')})`;

/** The regularisers a fit and a network use, as "dropout 0.5 (hidden), 0.2 (inputs), max-norm 3, weight decay 0.01", or 'none'. */
export function regularisationText(
  network: { inputDropout?: number; layers: LayerSpec[] },
  fit: { l2?: number; weightDecay?: number; maxNorm?: number },
): string {
  const drops = network.layers.map((l) => l.dropout ?? 0);
  const parts = [
    ...(drops.some((p) => p > 0) ? [`dropout ${drops.slice(0, -1).join('/')} (hidden)`] : []),
    ...(network.inputDropout ? [`input dropout ${network.inputDropout}`] : []),
    ...(fit.l2 ? [`L2 λ ${fit.l2}`] : []),
    ...(fit.weightDecay ? [`weight decay ${fit.weightDecay}`] : []),
    ...(fit.maxNorm !== undefined ? [`max-norm ${fit.maxNorm}`] : []),
  ];
  return parts.length ? parts.join(', ') : 'none';
}

/** "784-128-10 relu/softmax" (hidden activations, then the output's). */
export function describe(inputs: number, layers: LayerSpec[]): string {
  const acts = activations(layers);
  const hidden = [...new Set(acts.slice(0, -1))].join('+');
  return `${[inputs, ...layers.map((l) => l.units)].join('-')} ${hidden ? `${hidden}/` : ''}${acts.at(-1)}`;
}

export interface Classified {
  /** The predicted class of each row (net.classify). */
  predicted: Int32Array;
  /** Each row's class probabilities (classProbabilities of its outputs). */
  probabilities: number[][];
  /** confusion[true][predicted] */
  confusion: number[][];
}

export function classify(net: Network, data: Dataset): Classified {
  const outputs = net.predict(data),
    predicted = net.classify(data),
    k = net.outputs,
    classes = classCount(k);
  const probabilities = Array.from({ length: data.length }, (_, r) =>
    classProbabilities(outputs.subarray(r * k, (r + 1) * k)),
  );
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let r = 0; r < data.length; r++) confusion[data.labels[r]][predicted[r]]++;
  return { predicted, probabilities, confusion };
}

/** The confusion matrix as aligned text: rows are the true class, columns the prediction. */
export function confusionText(confusion: number[][]): string {
  const w = confusion.flat().reduce((m, c) => Math.max(m, String(c).length + 1), 5);
  const pad = (s: string | number) => String(s).padStart(w);
  const lines = [`true\\pred${confusion.map((_, j) => pad(j)).join('')}`];
  confusion.forEach((row, i) => lines.push(`${String(i).padStart(9)}${row.map(pad).join('')}`));
  return lines.join('\n');
}

/** Checks that a model fits MNIST-shaped data before anything runs. */
export function checkShape(net: Network, data: Dataset, file: string, what: string): void {
  if (net.inputs !== data.width)
    throw new Error(`${file} takes ${net.inputs} inputs, but ${what} have ${data.width} pixels`);
  if (data.numClasses > classCount(net.outputs))
    throw new Error(
      `${file} has ${net.outputs} output${net.outputs === 1 ? '' : 's'}, but ${what} have labels up to ${data.numClasses - 1}`,
    );
}

/** An epoch's diagnostics (README, "Diagnostics"), one row per layer, within 80 columns. */
/** An epoch's thread counts (net.lastEpochThreads) as a line: "parts claimed per thread: 812 / 790". */
export function threadsLine(t: ThreadCounts): string {
  const alone = t.alone === undefined ? '' : `; ${t.alone} steps on thread 0 alone (auto: where that was faster)`;
  return `  parts claimed per thread: ${t.parts.join(' / ')}${alone}`;
}

export function diagnosticsTable(layers: LayerSpec[], d: LayerDiagnostics[]): string {
  const acts = activations(layers);
  const e = (x: number) => x.toExponential(1),
    p = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rows = [
    ['layer', 'saturated', 'dead', '‖∂C/∂W‖', 'mean |δ|', '‖ΔW‖/‖W‖', 'rms W', 'rms a'],
    ...d.map((l, i) => [
      `${i + 1} ${acts[i]} ${layers[i].units}`,
      p(l.saturated),
      l.dead === null ? '–' : p(l.dead),
      e(l.gradNorm),
      e(l.deltaMean),
      e(l.updateRatio),
      l.weightRms.toPrecision(2),
      l.activationRms.toPrecision(2),
    ]),
  ];
  const widths = rows[0].map((_, c) => rows.reduce((m, r) => Math.max(m, r[c].length), 0));
  const lines = rows.map((r) => '  ' + r.map((x, c) => (c ? x.padStart(widths[c]) : x.padEnd(widths[c]))).join('  '));
  const wrong = d.at(-1)?.saturatedWrong;
  if (wrong !== undefined)
    lines.push(`  outputs saturated and wrong: ${p(wrong)} (mse: BP1's σ′(zᴸ) makes them learn slowly)`);
  return lines.join('\n');
}
