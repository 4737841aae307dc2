// An ensemble: K networks of the same inputs and outputs whose outputs are averaged (a search keeps
// the K fold networks of its best setting as one). Each member keeps its own scaling, so a member
// sees its inputs as its own training did; only their outputs, in the targets' units, are combined.
import { activationOf, checkKeys, typeName, type Evaluation } from './config.js';
import { Dataset } from './data/dataset.js';
import type { TableSchema } from './data/table.js';
import { decodeEnsemble, encodeEnsemble } from './io/ensemble.js';
import { ModelFileError } from './io/model.js';
import { encodeOnnxMean } from './io/onnx.js';
import { VERSION } from './io/version.js';
import { Network, type Rows } from './network.js';

const EPS = 1e-7; // as the loss kernels clamp a probability

export class Ensemble {
  readonly members: readonly Network[];

  /** Members must agree on inputs, outputs, loss, output activation, classes and table (the ensemble owns them). */
  constructor(members: readonly Network[]) {
    if (!Array.isArray(members) || members.length === 0 || !members.every((m) => m instanceof Network))
      throw new Error(`Ensemble: expected an array of one or more Networks, got ${typeName(members)}`);
    const [a] = members;
    const shape = (n: Network) =>
      JSON.stringify({
        inputs: n.inputs,
        outputs: n.outputs,
        loss: n.config.loss,
        output: activationOf(n.config.layers, n.config.layers.length - 1),
        classes: n.config.classes,
        table: n.table ?? null,
      });
    members.forEach((m, i) => {
      if (shape(m) !== shape(a))
        throw new Error(
          `Ensemble: member ${i + 1} differs from member 1 (${shape(m)} vs ${shape(a)}); members need the same inputs, outputs, loss, classes and table`,
        );
    });
    this.members = [...members];
  }

  get size(): number {
    return this.members.length;
  }
  get inputs(): number {
    return this.members[0].inputs;
  }
  get outputs(): number {
    return this.members[0].outputs;
  }
  get table(): TableSchema | undefined {
    return this.members[0].table;
  }

  /**
   * The mean of the members' outputs for each row (rows × outputs, as Network.predict): each
   * member's f32 outputs summed in f64 in member order, divided by K, rounded once to f32.
   */
  predict(x: Rows): Float32Array {
    const sum = new Float64Array(this.members[0].predict(x));
    for (const m of this.members.slice(1)) {
      const a = m.predict(x);
      for (let i = 0; i < a.length; i++) sum[i] += a[i];
    }
    const k = this.members.length;
    return Float32Array.from(sum, (s) => s / k);
  }

  /** The class of each row from the mean outputs: the first argmax, or a ≥ 0.5 with one output. */
  classify(x: Rows): Int32Array;
  classify(x: Rows, options: { names: true }): string[];
  classify(x: Rows, options: { names?: boolean } = {}): Int32Array | string[] {
    checkKeys(options, 'classify', ['names']);
    const a = this.predict(x),
      k = this.outputs;
    const c = Int32Array.from({ length: a.length / k }, (_, i) => argmax(a, i * k, k));
    if (!options.names) return c;
    const names = this.members[0].config.classes.length ? this.members[0].config.classes : this.table?.classes;
    if (!names) throw new Error('classify: this ensemble has no class names (its members have none)');
    return Array.from(c, (j) => names[j]);
  }

  /**
   * What Network.evaluate reports, of the mean outputs: accuracy for classes (multi-label: each
   * output's and their mean); mse, mae and r2 for a regression. The loss is the members' loss of the
   * mean outputs; for a regression in the targets' units (½ Σ (a − y)² per row), since the members'
   * scalings differ.
   */
  evaluate(data: Dataset): Evaluation {
    if (!(data instanceof Dataset)) throw new Error(`evaluate: expected a Dataset, got ${typeName(data)}`);
    this.members[0].evaluate(data); // checks the rows as a network does (widths, targets, labels), one pass
    const a = this.predict(data),
      k = this.outputs,
      m = data.length;
    const { loss: lossName, layers } = this.members[0].config;
    const softmax = activationOf(layers, layers.length - 1) === 'softmax';
    const y = (i: number, j: number) =>
      data.targets ? data.targets[i * k + j] : k === 1 ? data.labels[i] : +(data.labels[i] === j);
    let loss = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < k; j++) {
        const ai = a[i * k + j],
          yi = y(i, j);
        if (lossName === 'mse') loss += 0.5 * (ai - yi) ** 2;
        else if (softmax) loss -= yi ? yi * Math.log(Math.max(ai, EPS)) : 0;
        else {
          const ac = Math.min(Math.max(ai, EPS), 1 - EPS);
          loss -= yi * Math.log(ac) + (1 - yi) * Math.log1p(-ac);
        }
      }
    loss /= m;
    if (!data.targets) {
      let right = 0;
      for (let i = 0; i < m; i++) right += +(argmax(a, i * k, k) === data.labels[i]);
      return { loss, accuracy: right / m };
    }
    const cols = Array.from({ length: k }, (_, j) => j);
    const mean = (f: (j: number) => number) => cols.map(f).reduce((s, v) => s + v) / k;
    if (lossName !== 'mse') {
      const accuracies = cols.map((j) => {
        let agree = 0;
        for (let i = 0; i < m; i++) agree += +(a[i * k + j] >= 0.5 === y(i, j) >= 0.5);
        return agree / m;
      });
      return { loss, accuracy: mean((j) => accuracies[j]), accuracies };
    }
    const S = cols.map((j) => {
      let res = 0,
        abs = 0,
        sy = 0,
        syy = 0;
      for (let i = 0; i < m; i++) {
        const e = a[i * k + j] - y(i, j);
        res += e * e;
        abs += Math.abs(e);
        sy += y(i, j);
        syy += y(i, j) ** 2;
      }
      return { res, abs, tot: syy - (sy * sy) / m };
    });
    return {
      loss,
      mse: mean((j) => S[j].res / m),
      mae: mean((j) => S[j].abs / m),
      r2: mean((j) => 1 - S[j].res / S[j].tot),
    };
  }

  /** The ensemble file (src/io/ensemble.ts): every member's model file, and `meta`. */
  toBytes(options: { meta?: Record<string, unknown> } = {}): Uint8Array {
    checkKeys(options, 'toBytes', ['meta']);
    return encodeEnsemble(
      this.members.map((m) => m.toBytes()),
      options.meta,
    );
  }

  /**
   * An ensemble from an ensemble file's bytes; a bad file (or a single network's model file: read
   * that with Network.fromBytes) throws a ModelFileError saying how. Options as Network.fromBytes.
   */
  static async fromBytes(
    bytes: Uint8Array,
    options: { backend?: 'wasm' | 'js'; name?: string; threads?: 'auto' | number; fma?: boolean } = {},
  ): Promise<Ensemble> {
    const name = options?.name ?? 'the ensemble file';
    const { members } = decodeEnsemble(bytes, name);
    const nets: Network[] = [];
    try {
      for (const [i, m] of members.entries())
        nets.push(await Network.fromBytes(m.bytes, { ...options, name: `${name} (member ${i + 1})` }));
      return new Ensemble(nets);
    } catch (e) {
      for (const n of nets) n.dispose();
      if (e instanceof ModelFileError) throw e;
      throw new ModelFileError('invalid', `${name}: ${(e as Error).message}`);
    }
  }

  /** The ensemble as one ONNX model: every member's graph on the same input, and their Mean. */
  toOnnx(): Uint8Array {
    return encodeOnnxMean(
      this.members.map((m) => ({
        inputs: m.inputs,
        layers: m.config.layers,
        parameters: m.parameters(),
        scaling: m.scaling,
        producerVersion: VERSION,
      })),
    );
  }

  /** Let go of every member's memory. */
  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/** The first argmax of a[at … at + k), or a ≥ 0.5 with one column. */
function argmax(a: Float32Array, at: number, k: number): number {
  if (k === 1) return a[at] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < k; j++) if (a[at + j] > a[at + best]) best = j;
  return best;
}
