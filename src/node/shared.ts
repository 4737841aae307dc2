// What the commands share: naming a network, classifying a dataset, the confusion matrix as text.
import type { Dataset, LayerSpec, Network } from '../index.js';

/** Layer activations with the defaults Network applies (relu hidden, softmax last). */
export function activations(layers: LayerSpec[]): string[] {
  return layers.map((l, i) => l.activation ?? (i === layers.length - 1 ? 'softmax' : 'relu'));
}

/** "784-128-10 relu/softmax" (hidden activations, then the output's). */
export function describe(inputs: number, layers: LayerSpec[]): string {
  const acts = activations(layers);
  const hidden = [...new Set(acts.slice(0, -1))].join('+');
  return `${[inputs, ...layers.map((l) => l.units)].join('-')} ${hidden ? `${hidden}/` : ''}${acts.at(-1)}`;
}

export interface Classified {
  /** Predicted class per row (argmax; ≥ 0.5 with a single output), as the accuracy kernel decides. */
  predicted: Uint8Array;
  /** The output value of the predicted class. */
  confidence: Float32Array;
  outputs: Float32Array;
  /** confusion[true][predicted] */
  confusion: number[][];
}

export function classify(net: Network, data: Dataset): Classified {
  const outputs = net.predict(data);
  const k = net.outputs, classes = k === 1 ? 2 : k;
  const predicted = new Uint8Array(data.length), confidence = new Float32Array(data.length);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let r = 0; r < data.length; r++) {
    const row = outputs.subarray(r * k, (r + 1) * k);
    let best = 0;
    if (k === 1) best = row[0] >= 0.5 ? 1 : 0;
    else for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j; // the first maximum, as the kernel's argmax
    predicted[r] = best;
    confidence[r] = k === 1 ? (best ? row[0] : 1 - row[0]) : row[best];
    confusion[data.labels[r]][best]++;
  }
  return { predicted, confidence, outputs, confusion };
}

/** The confusion matrix as aligned text: rows are the true class, columns the prediction. */
export function confusionText(confusion: number[][]): string {
  const w = Math.max(5, ...confusion.flat().map((c) => String(c).length + 1));
  const pad = (s: string | number) => String(s).padStart(w);
  const lines = [`true\\pred${confusion.map((_, j) => pad(j)).join('')}`];
  confusion.forEach((row, i) => lines.push(`${String(i).padStart(9)}${row.map(pad).join('')}`));
  return lines.join('\n');
}

/** Checks that a model fits MNIST-shaped data before anything runs. */
export function checkShape(net: Network, data: Dataset, file: string, what: string): void {
  if (net.inputs !== data.width) throw new Error(`${file} takes ${net.inputs} inputs, but ${what} have ${data.width} pixels`);
  const classes = net.outputs === 1 ? 2 : net.outputs;
  if (data.numClasses > classes) throw new Error(`${file} has ${net.outputs} output${net.outputs === 1 ? '' : 's'}, but ${what} have labels up to ${data.numClasses - 1}`);
}
