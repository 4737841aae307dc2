// Network: the public facade. It checks what callers pass and drives the training core
// (src/core/), which owns the memory, the buffers and the passes.
import {
  activationOf,
  checkBatchSize,
  checkKeys,
  typeName,
  type EpochProgress,
  type BatchLog,
  type EarlyStopped,
  type EarlyStopping,
  type Schedule,
  type EpochLog,
  type ThreadCounts,
  type FitSettings,
  type History,
  type LayerSpec,
  type LossName,
  type NetworkConfig,
  type OptimizerConfig,
  type Parameters,
  type Evaluation,
  type Scaling,
} from './config.js';
import { Core, cores } from './core/core.js';
import { checkAttached, Dataset } from './data/dataset.js';
import { checkTableFor, encodeRows, type RawRow } from './data/rows.js';
import { affineOf } from './data/scaling.js';
import type { TableSchema } from './data/table.js';
import { fit } from './fit.js';
import { decodeModel, encodeModel, ModelFileError, PARAMETER_LAYOUT, type SectionName } from './io/model.js';
import { encodeOnnx } from './io/onnx.js';
import { decodeTfjs, encodeTfjs, type TfjsModelJson } from './io/tfjs.js';
import { VERSION } from './io/version.js';

/**
 * Input rows: a Dataset, a Float32Array of rows × inputs (row-major), or an array of rows: each an
 * array of `inputs` numbers or, for a network trained on a table (`net.table`), a raw row of the
 * table's columns (an array in `net.table.features` order, or an object keyed by column name).
 */
export type Rows = Dataset | Float32Array | readonly (readonly number[] | Float32Array)[] | readonly RawRow[];

export interface FitOptions {
  /** The number of the last epoch: fit runs epochs initialEpoch+1 … epochs. */
  epochs: number;
  /** Epochs already done, when continuing a run (e.g. from a checkpoint): they are not run again. Default 0. */
  initialEpoch?: number;
  batchSize: number;
  optimizer?: OptimizerConfig;
  /** L2 weight decay λ: adds ½λ‖W‖² to the cost (weights only, never biases). Default 0. */
  l2?: number;
  /** Shuffle the training rows every epoch (seeded by the network's seed). Default true. */
  shuffle?: boolean;
  validationData?: Dataset;
  /** Validate on the last fraction of `data` instead (held out before any shuffle, as Keras's validation_split). */
  validationSplit?: number;
  /**
   * Stop when the validation loss has not improved for `patience` epochs (counted over the whole
   * history, so a resumed run stops where an uninterrupted one would), and with `restoreBest`
   * (default true) put back the weights of the best epoch; `net.earlyStopped` then says what happened.
   */
  earlyStopping?: EarlyStopping;
  /**
   * The learning rate per epoch (see Schedule): step, exponential, cosine (with warm-up) or
   * plateau, from the optimizer's learningRate. Each epoch's log has its `learningRate`; a resumed
   * run continues the schedule exactly. Default: the optimizer's rate every epoch.
   */
  schedule?: Schedule;
  /** Decoupled weight decay λ (AdamW-style): w ← (1 − ηλ)w before each update, weights only; unlike l2 it bypasses the optimizer's moments. Default 0. */
  weightDecay?: number;
  /** Max-norm c: after every update, each unit's incoming weights (a row of W) whose norm exceeds c are scaled to norm c. Default none. */
  maxNorm?: number;
  /**
   * Measure how each layer learns (src/diagnostics.ts): true for every batch, or { every: N } for
   * every Nth batch of an epoch (the first included). The epoch's log, and onBatchEnd's on the
   * batches measured, carry them. The weights are the same, bit for bit, as without. Default off.
   */
  diagnostics?: boolean | { every: number };
  /** Called after each epoch; may be async. Return false to stop training. */
  onEpochEnd?: (log: EpochLog) => unknown;
  /**
   * Called after each mini-batch. Return false to stop training. It may return a promise, which fit
   * awaits (the wait is not counted in the epoch's seconds): a way to yield to the event loop, or to
   * pause mid-epoch and resume exactly where training was.
   */
  onBatchEnd?: (log: BatchLog) => unknown;
}

/**
 * The parameters of the same function without a scaling step: the inputs' x·f + s folded into the
 * first layer (W·diag(f), b + W·s) and a regression's targets' inverse into the last, identity one
 * (diag(f)·W, f·b + s), in f64 and rounded once. For formats with no per-column scaling (TF.js).
 */
function foldScaling(params: Parameters[], scaling: Scaling, layers: readonly LayerSpec[]): Parameters[] {
  const p = params.map(({ W, b }) => ({ W: W.slice(), b: b.slice() }));
  const { factor, shift } = affineOf(scaling.inputs, false);
  const first = p[0],
    nIn = factor.length;
  first.b.forEach((bj, j) => {
    let sum = bj;
    for (let k = 0; k < nIn; k++) sum += params[0].W[j * nIn + k] * shift[k];
    first.b[j] = sum;
    for (let k = 0; k < nIn; k++) first.W[j * nIn + k] = params[0].W[j * nIn + k] * factor[k];
  });
  if (scaling.targets) {
    const l = p.length - 1;
    if (activationOf(layers, l) !== 'identity')
      throw new Error(
        `toTfjs: the targets are scaled but layer ${l + 1} is not identity, so the scaling cannot be folded into it`,
      );
    const inv = affineOf(scaling.targets, true),
      last = p[l],
      n = last.W.length / last.b.length;
    last.b.forEach((bj, j) => {
      last.b[j] = inv.factor[j] * bj + inv.shift[j];
      for (let k = 0; k < n; k++) last.W[j * n + k] *= inv.factor[j];
    });
  }
  return p;
}

export class Network {
  /** Dropped by dispose(), and with it the memory: a disposed network holds nothing, even while referenced. */
  #core?: Core;
  #table?: TableSchema;
  /** The config it was built with, defaults filled in. */
  readonly config: Readonly<Required<NetworkConfig>>;
  /** Number of trainable parameters (weights and biases). */
  readonly parameterCount: number;
  readonly outputs: number;
  /** Every epoch this network has trained (kept in its model file). */
  readonly history: History;
  /**
   * The threads it trains with, and why that many: e.g. { count: 2, reason: 'auto: 2 cores available' }
   * or { count: 1, reason: 'page not cross-origin isolated …' }. They start with the first fit.
   */
  readonly threads: Readonly<{ count: number; reason: string }>;
  /** Whether its GEMMs use fused multiply-adds (fma: true, where the engine has relaxed SIMD), and why. */
  readonly fma: Readonly<{ used: boolean; reason: string }>;

  private constructor(core: Core) {
    this.#core = core;
    cores.set(this, core);
    this.threads = core.runtime.threads;
    this.fma = core.runtime.fma;
    this.config = core.config;
    this.parameterCount = core.paramBytes / 4;
    this.outputs = core.outputs;
    this.history = core.history;
  }

  /** The core, or an Error once disposed. */
  get #live(): Core {
    if (!this.#core) throw new Error('this network was disposed; create a new one');
    return this.#core;
  }

  /** Build a network; its weights, gradients and buffers live in a WebAssembly.Memory of its own. */
  static async create(config: NetworkConfig): Promise<Network> {
    return new Network(await Core.create(config));
  }

  get inputs(): number {
    return this.config.inputs;
  }
  /** Bytes of WebAssembly memory this network holds (0 once disposed). */
  get memoryBytes(): number {
    return this.#core?.arena.memory.buffer.byteLength ?? 0;
  }
  /**
   * On worker threads, what they did over the last epoch's steps: the parts each claimed, thread 0
   * first, and with threads: 'auto' the steps run on thread 0 alone; undefined on one thread or
   * before a fit. Not kept in the history or model files: it changes from run to run, the weights do not.
   */
  get lastEpochThreads(): ThreadCounts | undefined {
    return this.#core?.epochThreads;
  }
  /** The settings of the last fit(), kept in model files so a run can be continued. */
  get lastFit(): FitSettings | undefined {
    return this.#core?.lastFit;
  }
  /** Set when the last fit() ended by early stopping: the best epoch, and whether its weights are the ones kept. */
  get earlyStopped(): EarlyStopped | undefined {
    return this.#core?.earlyStopped;
  }
  /** Set while an epoch is part done: fit() stopped in its middle (onBatchEnd returned false); the next fit of it continues. */
  get progress(): EpochProgress | undefined {
    return this.#core?.progress;
  }

  /** The scaling of the inputs (and a regression's targets) the first fit found, with config.scale ≠ 'none'. */
  get scaling(): Scaling | undefined {
    return this.#core?.scaling;
  }

  /**
   * The table the network was trained on (its first fit on rows parseCsv read, or its model file):
   * the feature columns (numbers, and categories in one-hot order), the target columns, the task
   * and a classification's class names. With it, predict and classify take raw rows.
   */
  get table(): TableSchema | undefined {
    return this.#table;
  }

  /** Train on `data`; see FitOptions. Resolves to the history of the epochs it ran. */
  async fit(data: Dataset, options: FitOptions): Promise<History> {
    const core = this.#live;
    const before = { table: this.#table, epochs: core.history.length };
    const schema = data instanceof Dataset ? data.schema : undefined;
    if (schema) this.#table = this.#checkTable(schema);
    try {
      return await fit(core, data, options);
    } catch (e) {
      if (core.history.length === before.epochs) this.#table = before.table; // as the network was
      throw e;
    }
  }

  /** `s` if it fits this network (and is the table it was trained on, if any), else an Error. */
  #checkTable(s: TableSchema): TableSchema {
    try {
      checkTableFor(s, this.inputs, this.outputs, this.config.classes);
    } catch (e) {
      throw new Error(`fit: ${(e as Error).message}`);
    }
    if (this.#table && JSON.stringify(this.#table) !== JSON.stringify(s))
      throw new Error(
        `fit: the network was trained on a table of ${this.#table.features.map((f) => f.name).join(', ')} → ${this.#table.targets.join(', ')}; these rows were read with another schema (read them with parseCsv(text, { schema: net.table }))`,
      );
    return this.#table ?? structuredClone(s); // its own copy: the caller's schema may change later
  }

  /**
   * Mean cost per sample over a dataset (batches of up to `batchSize` rows) and what fits its
   * targets: `accuracy` for class labels; `mse`, `mae` (in the targets' units) and `r2` for a
   * regression (means over the outputs); `accuracy` and each output's `accuracies` for multi-label.
   */
  evaluate(data: Dataset, { batchSize = 1000 }: { batchSize?: number } = {}): Evaluation {
    const core = this.#live;
    checkBatchSize(batchSize);
    core.checkRows(data);
    if (data.length === 0) throw new Error('evaluate: the dataset is empty; expected at least one row');
    return core.evaluate(data, batchSize);
  }

  /** Outputs a for each input row (rows × outputs): x is an array of rows, rows × inputs row-major (like the training features), or a Dataset. */
  predict(x: Rows): Float32Array {
    const core = this.#live;
    return core.predict(this.#rows(x, 'predict'), x instanceof Dataset ? 1 : 2); // a drawn digit does not evict the test set
  }

  /**
   * The predicted class of each input row (as predict takes them): argmax of the outputs, or a ≥ 0.5
   * with one output. `{ names: true }` gives the classes' names (config.classes, or the table's).
   */
  classify(x: Rows): Int32Array;
  classify(x: Rows, options: { names: true }): string[];
  classify(x: Rows, options?: { names?: boolean }): Int32Array | string[];
  classify(x: Rows, options: { names?: boolean } = {}): Int32Array | string[] {
    const core = this.#live;
    if (!options || typeof options !== 'object')
      throw new Error(`classify: expected options { names? }, got ${typeName(options)}`);
    checkKeys(options, 'classify', ['names']);
    const names = this.config.classes.length ? this.config.classes : this.#table?.classes;
    if (options.names && !names)
      throw new Error(
        'classify: this network has no class names: give them in Network.create({ classes }), or train it on a table (parseCsv) whose target is a class',
      );
    const k = core.classify(this.#rows(x, 'classify'), x instanceof Dataset ? 1 : 2);
    return options.names ? Array.from(k, (c) => names![c]) : k;
  }

  #rows(x: Rows, what: string): Dataset {
    if (x instanceof Dataset) return x;
    if (Array.isArray(x) && this.#table) return encodeRows(this.#table, x as readonly RawRow[], what);
    if (Array.isArray(x)) {
      const n = this.inputs,
        flat = new Float32Array(x.length * n);
      if (typeof x[0] === 'number')
        throw new Error(
          `${what}: expected an array of rows (each an array of ${n} numbers), got an array of numbers: pass [row] for one row, or a Float32Array of rows × ${n}`,
        );
      x.forEach((row, i) => {
        if (row instanceof Float32Array) checkAttached(row, `${what}: row ${i}`);
        if (!(Array.isArray(row) || row instanceof Float32Array) || row.length !== n)
          throw new Error(
            `${what}: row ${i} must be an array of ${n} numbers (one per input), got ${Array.isArray(row) || row instanceof Float32Array ? `${row.length} numbers` : typeName(row)}`,
          );
        flat.set(row as readonly number[], i * n);
      });
      x = flat;
    }
    if (!(x instanceof Float32Array)) {
      throw new Error(
        `${what}: expected the rows as an array of rows, a Float32Array (rows × ${this.inputs}, row-major) or a Dataset, got ${typeName(x)}`,
      );
    }
    checkAttached(x, `${what}: the rows`);
    return Dataset.fromArrays(x, new Uint8Array((x.length / this.inputs) | 0), this.inputs);
  }

  /** ∂C/∂W and ∂C/∂b (BP1–BP4) averaged over all rows of `data` at the current weights; nothing is updated. */
  gradients(data: Dataset): Parameters[] {
    const core = this.#live;
    core.checkRows(data);
    if (data.length === 0) throw new Error('gradients: the dataset is empty');
    return core.gradients(data);
  }

  /** Copies of every layer's W (nOut × nIn, row j = neuron j) and b. */
  parameters(): Parameters[] {
    const core = this.#live;
    return core.layers.map((L) => ({
      W: core.arena.f32(L.W, L.nIn * L.nOut).slice(),
      b: core.arena.f32(L.b, L.nOut).slice(),
    }));
  }

  /** Replace every layer's W and b (shapes as parameters() returns them). */
  setParameters(params: Parameters[]): void {
    const core = this.#live;
    if (!Array.isArray(params) || params.length !== core.layers.length) {
      throw new Error(
        `expected parameters for ${core.layers.length} layers, got ${Array.isArray(params) ? params.length : typeName(params)}`,
      );
    }
    params.forEach((p, l) => {
      const L = core.layers[l];
      for (const [name, arr, n] of [
        ['W', p?.W, L.nIn * L.nOut],
        ['b', p?.b, L.nOut],
      ] as const) {
        if (arr instanceof Float32Array) checkAttached(arr, `layer ${l + 1}: ${name}`);
        if (!(arr instanceof Float32Array) || arr.length !== n)
          throw new Error(
            `layer ${l + 1}: ${name} must be a Float32Array of ${n} values, got ${arr instanceof Float32Array ? arr.length : typeName(arr)}`,
          );
        const bad = arr.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`layer ${l + 1}: ${name}[${bad}] is ${arr[bad]}; parameters must be finite`);
      }
    });
    params.forEach((p, l) => {
      core.arena.f32(core.layers[l].W, p.W.length).set(p.W);
      core.arena.f32(core.layers[l].b, p.b.length).set(p.b);
    });
  }

  /**
   * The network as a model file (src/io/model.ts): config, parameters, history, last fit settings
   * and shuffle state. A `checkpoint` also holds the optimizer's state (and where an epoch stopped
   * part-way, if one did, or where the epoch is when made in onBatchEnd), so that fit() continued
   * from it (initialEpoch: history.length) gives exactly the weights of an uninterrupted run. `meta` is any JSON object to keep alongside.
   * What it returns passes every check the reader makes; anything that would not throws here.
   */
  toBytes(options: { checkpoint?: boolean; meta?: Record<string, unknown> } = {}): Uint8Array {
    const core = this.#live;
    if (!options || typeof options !== 'object')
      throw new Error(`toBytes: expected options { checkpoint?, meta? }, got ${typeName(options)}`);
    const { checkpoint = false, meta } = options;
    if (typeof checkpoint !== 'boolean')
      throw new Error(`toBytes: checkpoint must be true or false, got ${typeName(checkpoint)}`);
    const o = checkpoint ? core.optimizer : undefined;
    if (checkpoint && (!o || !core.lastFit))
      throw new Error('toBytes: a checkpoint needs a network that has been trained (fit) at least once');
    const state = o?.getState();
    const { inputs, layers, loss, init, seed, scale, classes, inputDropout } = core.config;
    const sections: [SectionName, Float32Array][] = [['parameters', core.parametersView()]];
    if (state?.m) sections.push(['optimizer.m', state.m]);
    if (state?.v) sections.push(['optimizer.v', state.v]);
    return encodeModel(
      {
        library: `wasmlp ${VERSION}`,
        kind: state ? 'checkpoint' : 'model',
        network: {
          inputs,
          layers,
          loss,
          init,
          seed,
          ...(scale !== 'none' && { scale }),
          ...(classes.length && { classes }),
          ...(inputDropout && { inputDropout }),
        },
        scaling: core.scaling,
        table: this.#table,
        layout: PARAMETER_LAYOUT,
        fit: core.lastFit,
        optimizerState: state && { steps: state.steps, beta1Power: state.b1t, beta2Power: state.b2t },
        // In onBatchEnd, the epoch so far: continued from this checkpoint it ends as the uninterrupted one.
        progress: state && (core.batchEnd?.() ?? core.progress),
        random: core.random.state,
        history: core.history,
        meta,
      },
      sections,
    );
  }

  /**
   * A network from a model file's bytes (see toBytes); a bad file throws a ModelFileError saying
   * how. `backend`, `threads` and `fma` say how it runs, as in Network.create.
   */
  static async fromBytes(
    bytes: Uint8Array,
    options: { backend?: 'wasm' | 'js'; name?: string; threads?: 'auto' | number; fma?: boolean } = {},
  ): Promise<Network> {
    if (!options || typeof options !== 'object')
      throw new Error(`fromBytes: expected options { backend?, name?, threads?, fma? }, got ${typeName(options)}`);
    const { backend = 'wasm', name, threads, fma } = options;
    if (backend !== 'wasm' && backend !== 'js')
      throw new Error(`fromBytes: unknown backend ${JSON.stringify(backend)}; expected "wasm" or "js"`);
    if (name !== undefined && typeof name !== 'string')
      throw new Error(`fromBytes: name must be a string (the file's name, for messages), got ${typeName(name)}`);
    if (bytes instanceof Uint8Array) checkAttached(bytes, `fromBytes: ${name ?? 'the model bytes'}`);
    const { header: h, sections } = decodeModel(bytes, name); // every size checked before any memory is touched
    let core: Core;
    try {
      core = await Core.create({ ...h.network, backend, threads, fma });
    } catch (e) {
      throw new ModelFileError(
        'invalid',
        `${name ?? 'the model file'} describes a network that cannot be built: ${(e as Error).message}`,
      );
    }
    core.parametersView().set(sections.parameters!);
    core.setScaling(h.scaling);
    for (const e of h.history) core.history.push(e); // no spread: a history may be longer than the stack
    core.loadRun(h.fit, h.random, h.progress);
    if (h.optimizerState && h.fit) {
      const { steps, beta1Power: b1t, beta2Power: b2t } = h.optimizerState;
      const o = core.optimizerFor(h.fit.optimizer);
      core.useOptimizer(o);
      o.setState({ steps, b1t, b2t, m: sections['optimizer.m'], v: sections['optimizer.v'] });
    }
    const net = new Network(core);
    net.#table = h.table;
    return net;
  }

  /** The network as an ONNX model's bytes (opset 13; see src/io/onnx.ts). A step layer has no ONNX op: it throws. */
  toOnnx(): Uint8Array {
    const { inputs, layers } = this.#live.config;
    return encodeOnnx({
      inputs,
      layers,
      parameters: this.parameters(),
      scaling: this.scaling,
      producerVersion: VERSION,
    });
  }

  /**
   * The network as a TensorFlow.js layers model (src/io/tfjs.ts): `modelJson` is model.json's
   * content, `weights` its one weights file (named in the manifest `model.weights.bin`).
   */
  toTfjs(): { modelJson: TfjsModelJson; weights: Uint8Array } {
    const { inputs, layers, loss } = this.#live.config;
    const parameters = this.scaling ? foldScaling(this.parameters(), this.scaling, layers) : this.parameters();
    return encodeTfjs({ inputs, layers, loss, parameters, producerVersion: VERSION });
  }

  /**
   * A network from a TensorFlow.js Sequential model of Dense layers: model.json's content (object
   * or text) and its weights files' bytes, concatenated in manifest order. The loss comes from
   * `loss`, else from the model's own record of it; `seed` as in Network.create. Anything wasmlp
   * cannot compute exactly throws an Error naming the layer.
   */
  static async fromTfjs(
    modelJson: TfjsModelJson | string,
    weights: Uint8Array | ArrayBuffer,
    options: { loss?: LossName; seed?: number; backend?: 'wasm' | 'js'; threads?: 'auto' | number } = {},
  ): Promise<Network> {
    if (!options || typeof options !== 'object')
      throw new Error(`fromTfjs: expected options { loss?, seed?, backend?, threads? }, got ${typeName(options)}`);
    checkKeys(options, 'fromTfjs', ['loss', 'seed', 'backend', 'threads']);
    if (weights instanceof Uint8Array || weights instanceof ArrayBuffer)
      checkAttached(weights, 'fromTfjs: the weights');
    const { config, parameters } = decodeTfjs(modelJson, weights, options.loss);
    const net = await Network.create({
      ...config,
      seed: options.seed,
      backend: options.backend,
      threads: options.threads,
    });
    net.setParameters(parameters);
    return net;
  }

  /** Let go of the network's memory (its weights, buffers and data copies). Further calls throw. */
  dispose(): void {
    this.#core?.dispose();
    this.#core = undefined;
    cores.delete(this);
  }
}
