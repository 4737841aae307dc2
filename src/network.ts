// Network: the public facade. It checks what callers pass and drives the training core
// (src/core/), which owns the memory, the buffers and the passes.
import {
  checkBatchSize,
  type BatchLog,
  type EarlyStopped,
  type EarlyStopping,
  type EpochLog,
  type FitSettings,
  type History,
  type NetworkConfig,
  type OptimizerConfig,
  type Parameters,
} from './config.js';
import { Core } from './core/core.js';
import { Dataset } from './data/dataset.js';
import { fit } from './fit.js';
import { decodeModel, encodeModel, ModelFileError, PARAMETER_LAYOUT, type SectionName } from './io/model.js';
import { VERSION } from './io/version.js';

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
  /** Called after each epoch; may be async. Return false to stop training. */
  onEpochEnd?: (log: EpochLog) => unknown;
  /**
   * Called after each mini-batch. Return false to stop training. It may return a promise, which fit
   * awaits (the wait is not counted in the epoch's seconds): a way to yield to the event loop, or to
   * pause mid-epoch and resume exactly where training was.
   */
  onBatchEnd?: (log: BatchLog) => unknown;
}

export class Network {
  readonly #core: Core;

  private constructor(core: Core) {
    this.#core = core;
  }

  /** Build a network; its weights, gradients and buffers live in a WebAssembly.Memory of its own. */
  static async create(config: NetworkConfig): Promise<Network> {
    return new Network(await Core.create(config));
  }

  /** The config it was built with, defaults filled in. */
  get config(): Readonly<Required<NetworkConfig>> {
    return this.#core.config;
  }
  get inputs(): number {
    return this.#core.config.inputs;
  }
  get outputs(): number {
    return this.#core.outputs;
  }
  /** Number of trainable parameters (weights and biases). */
  get parameterCount(): number {
    return this.#core.paramBytes >> 2;
  }
  /** Bytes of WebAssembly memory this network holds. */
  get memoryBytes(): number {
    return this.#core.arena.memory.buffer.byteLength;
  }
  /** Every epoch this network has trained (kept in its model file). */
  get history(): History {
    return this.#core.history;
  }
  /** The settings of the last fit(), kept in model files so a run can be continued. */
  get lastFit(): FitSettings | undefined {
    return this.#core.lastFit;
  }
  /** Set when the last fit() ended by early stopping: the best epoch, and whether its weights are the ones kept. */
  get earlyStopped(): EarlyStopped | undefined {
    return this.#core.earlyStopped;
  }

  /** Train on `data`; see FitOptions. Resolves to the history of the epochs it ran. */
  async fit(data: Dataset, options: FitOptions): Promise<History> {
    return fit(this.#core, data, options);
  }

  /** Mean cost per sample and accuracy over a dataset (batches of up to `batchSize` rows). */
  evaluate(data: Dataset, { batchSize = 1000 }: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    this.#core.check();
    checkBatchSize(batchSize);
    if (data?.length === 0) throw new Error('evaluate: the dataset is empty; expected at least one row');
    return this.#core.evaluate(data, batchSize);
  }

  /** Outputs a for each input row: x is rows × inputs (row-major, like the training features) or a Dataset. */
  predict(x: Float32Array | Dataset): Float32Array {
    this.#core.check();
    return this.#core.predict(this.#rows(x), x instanceof Dataset ? 1 : 2); // a drawn digit does not evict the test set
  }

  /** The predicted class of each input row (as predict takes them): argmax of the outputs, or a ≥ 0.5 with one output. */
  classify(x: Float32Array | Dataset): Int32Array {
    this.#core.check();
    return this.#core.classify(this.#rows(x), x instanceof Dataset ? 1 : 2);
  }

  #rows(x: Float32Array | Dataset): Dataset {
    return x instanceof Dataset ? x : Dataset.fromArrays(x, new Uint8Array((x?.length / this.inputs) | 0), this.inputs);
  }

  /** ∂C/∂W and ∂C/∂b (BP1–BP4) averaged over all rows of `data` at the current weights; nothing is updated. */
  gradients(data: Dataset): Parameters[] {
    this.#core.check();
    if (data.length === 0) throw new Error('gradients: the dataset is empty');
    return this.#core.gradients(data);
  }

  /** Copies of every layer's W (nOut × nIn, row j = neuron j) and b. */
  parameters(): Parameters[] {
    const core = this.#core;
    core.check();
    return core.layers.map((L) => ({
      W: core.arena.f32(L.W, L.nIn * L.nOut).slice(),
      b: core.arena.f32(L.b, L.nOut).slice(),
    }));
  }

  /** Replace every layer's W and b (shapes as parameters() returns them). */
  setParameters(params: Parameters[]): void {
    const core = this.#core;
    core.check();
    if (!Array.isArray(params) || params.length !== core.layers.length) {
      throw new Error(
        `expected parameters for ${core.layers.length} layers, got ${Array.isArray(params) ? params.length : typeof params}`,
      );
    }
    params.forEach((p, l) => {
      const L = core.layers[l];
      for (const [name, arr, n] of [
        ['W', p?.W, L.nIn * L.nOut],
        ['b', p?.b, L.nOut],
      ] as const) {
        if (!(arr instanceof Float32Array) || arr.length !== n)
          throw new Error(
            `layer ${l + 1}: ${name} must be a Float32Array of ${n} values, got ${arr instanceof Float32Array ? arr.length : typeof arr}`,
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
   * and shuffle state. A `checkpoint` also holds the optimizer's state, so that fit() continued
   * from it (initialEpoch: history.length) gives exactly the weights of an uninterrupted run.
   * `meta` is any JSON object to keep alongside.
   */
  toBytes({ checkpoint = false, meta }: { checkpoint?: boolean; meta?: Record<string, unknown> } = {}): Uint8Array {
    const core = this.#core;
    core.check();
    const o = checkpoint ? core.optimizer : undefined;
    if (checkpoint && (!o || !core.lastFit))
      throw new Error('toBytes: a checkpoint needs a network that has been trained (fit) at least once');
    const state = o?.getState();
    const { inputs, layers, loss, init, seed } = core.config;
    const sections: [SectionName, Float32Array][] = [['parameters', core.parametersView()]];
    if (state?.m) sections.push(['optimizer.m', state.m]);
    if (state?.v) sections.push(['optimizer.v', state.v]);
    return encodeModel(
      {
        library: `wasmlp ${VERSION}`,
        kind: state ? 'checkpoint' : 'model',
        network: { inputs, layers, loss, init, seed },
        layout: PARAMETER_LAYOUT,
        fit: core.lastFit,
        optimizerState: state && { steps: state.steps, beta1Power: state.b1t, beta2Power: state.b2t },
        random: core.random.state,
        history: core.history,
        meta,
      },
      sections,
    );
  }

  /** A network from a model file's bytes (see toBytes); a bad file throws a ModelFileError saying how. */
  static async fromBytes(
    bytes: Uint8Array,
    { backend = 'wasm', name }: { backend?: 'wasm' | 'js'; name?: string } = {},
  ): Promise<Network> {
    const { header: h, sections } = decodeModel(bytes, name); // every size checked before any memory is touched
    let core: Core;
    try {
      core = await Core.create({ ...h.network, backend });
    } catch (e) {
      throw new ModelFileError(
        'invalid',
        `${name ?? 'the model file'} describes a network that cannot be built: ${(e as Error).message}`,
      );
    }
    core.parametersView().set(sections.parameters!);
    core.history.push(...h.history);
    core.lastFit = h.fit;
    core.random.state = h.random;
    if (h.optimizerState && h.fit) {
      const { steps, beta1Power: b1t, beta2Power: b2t } = h.optimizerState;
      core
        .useOptimizer(h.fit.optimizer)
        .setState({ steps, b1t, b2t, m: sections['optimizer.m'], v: sections['optimizer.v'] });
    }
    return new Network(core);
  }

  /** Drop the network's memory. Further calls throw. */
  dispose(): void {
    this.#core.dispose();
  }
}
