// Network: a layer spec → parameters, gradients and per-batch-size buffers in one arena, and the
// forward / backward / step passes as kernel calls. TypeScript decides, the kernels compute.
import { activation, type ActivationName } from './activations.js';
import { Dataset } from './data/dataset.js';
import type { Kernels } from './kernels.js';
import { decodeModel, encodeModel, ModelFileError, PARAMETER_LAYOUT, type FitSettings, type SectionName } from './io/model.js';
import { VERSION } from './io/version.js';
import { lossPlan, type LossName, type LossPlan } from './losses.js';
import { Arena } from './memory.js';
import { Optimizer, resolveOptimizer, type OptimizerConfig, type Tensor } from './optimizers.js';
import { Random } from './random.js';
import { referenceKernels } from './reference/index.js';
import { fit, type FitOptions, type History } from './train.js';
import { instantiateKernels } from './wasm.js';

export type InitName = 'normal' | 'lecun' | 'xavier' | 'he';
export const INIT_NAMES: InitName[] = ['normal', 'lecun', 'xavier', 'he'];

export interface LayerSpec {
  units: number;
  activation?: ActivationName;
  /** The activation's parameter: leaky-relu slope (default 0.01) or elu alpha (default 1). */
  alpha?: number;
}

export interface NetworkConfig {
  inputs: number;
  layers: LayerSpec[];
  loss: LossName;
  /** Weight initialiser; default: 'he' for the relu family, 'xavier' otherwise. */
  init?: InitName;
  /** Seed for initialisation and shuffling (default 1): same seed, same weights, bit for bit. */
  seed?: number;
  /** 'wasm' (default): SIMD WebAssembly kernels; 'js': the pure-JS reference kernels. */
  backend?: 'wasm' | 'js';
}

export interface Parameters { W: Float32Array; b: Float32Array }

/** One layer: z = W·a_prev + b, a = f(z). Pointers are byte offsets in the arena. */
interface Layer {
  nIn: number;
  nOut: number;
  act: number;
  actName: ActivationName;
  p: number;
  W: number;
  b: number;
  dW: number;
  db: number;
}

/** Buffers for one batch size: input x, targets y, and z, a, delta per layer. */
export interface Plan {
  rows: number;
  x: number;
  y: number;
  z: number[];
  a: number[];
  delta: number[];
  out: number; // i32 per row, for argmax in predict
}

/** A dataset copied into the arena (pixels stay u8 and are converted per batch by gatherU8). */
export interface Resident {
  data: Dataset;
  features: number;
  labels: number;
  /** u32 row order: the identity, or a shuffle of it for an epoch. */
  order: number;
  bytes: number;
}

export class Network {
  readonly config: Readonly<Required<NetworkConfig>>;
  readonly loss: LossPlan;
  private readonly layers: Layer[] = [];
  /** Parameter block [W¹ b¹ W² b² …], its gradients and a snapshot, with identical layouts. */
  private readonly params: number;
  private readonly grads: number;
  private readonly snapshot: number;
  private readonly paramBytes: number;
  private readonly tensors: Tensor[] = [];
  private readonly plans = new Map<number, Plan>();
  private readonly residents: Resident[] = [];
  private optimizer?: Optimizer;
  /** Stream for shuffling; initialisation used its own stream from the same seed. */
  readonly random: Random;
  /** Every epoch this network has trained (kept in its model file). */
  readonly history: History = [];
  /** The settings of the last fit(), kept in model files so a run can be continued. */
  lastFit?: FitSettings;
  private disposed = false;

  private constructor(config: Required<NetworkConfig>, readonly k: Kernels, readonly arena: Arena) {
    this.config = config;
    const last = config.layers.length - 1;
    let nIn = config.inputs;
    let offset = 0;
    const shapes = config.layers.map((spec, l) => {
      const info = activation(spec.activation ?? (l === last ? 'softmax' : 'relu'), `layer ${l + 1}`);
      if (info.name === 'softmax' && l !== last) {
        throw new Error(`layer ${l + 1}: softmax is only allowed on the last layer (it normalises outputs into probabilities); use relu, tanh or sigmoid for hidden layers`);
      }
      const shape = { nIn, nOut: spec.units, info, p: spec.alpha ?? info.param ?? 0, wOff: offset, bOff: offset + 4 * nIn * spec.units };
      this.tensors.push({ offset: shape.wOff, n: nIn * spec.units, decay: true }, { offset: shape.bOff, n: spec.units, decay: false });
      offset = shape.bOff + 4 * spec.units;
      nIn = spec.units;
      return shape;
    });
    this.loss = lossPlan(config.loss, shapes[last].info.name);
    this.paramBytes = offset;
    this.params = arena.alloc(offset);
    this.grads = arena.alloc(offset);
    this.snapshot = arena.alloc(offset);
    for (const s of shapes) {
      this.layers.push({
        nIn: s.nIn, nOut: s.nOut, act: s.info.id, actName: s.info.name, p: s.p,
        W: this.params + s.wOff, b: this.params + s.bOff, dW: this.grads + s.wOff, db: this.grads + s.bOff,
      });
    }
    this.initialise(new Random(config.seed));
    this.random = new Random((config.seed ^ 0x5bd1e995) >>> 0);
  }

  /** Build a network; its weights, gradients and buffers live in a WebAssembly.Memory of its own. */
  static async create(config: NetworkConfig): Promise<Network> {
    const c = validateConfig(config);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
    if (c.backend === 'js') return new Network(c, referenceKernels(memory), new Arena(memory, 1024));
    const k = await instantiateKernels(memory);
    return new Network(c, k, new Arena(memory, k.heapBase()));
  }

  get inputs(): number { return this.config.inputs; }
  get outputs(): number { return this.layers[this.layers.length - 1].nOut; }
  /** Number of trainable parameters (weights and biases). */
  get parameterCount(): number { return this.paramBytes >> 2; }
  /** Bytes of WebAssembly memory this network holds. */
  get memoryBytes(): number { return this.arena.memory.buffer.byteLength; }

  /** N(0, σ²) weights by Box–Muller in the kernels; biases 0, or N(0, 1) for 'normal' (as in network.py). */
  private initialise(rng: Random): void {
    const maxN = Math.max(...this.layers.map((l) => l.nIn * l.nOut));
    const u = this.arena.alloc(4 * (maxN + 1)); // uniform words; reused by every layer (growth happens before the views below)
    for (const l of this.layers) {
      const init = this.config.init ?? (activation(l.actName, '').init);
      const std = init === 'normal' ? 1 : init === 'lecun' ? Math.sqrt(1 / l.nIn) : init === 'he' ? Math.sqrt(2 / l.nIn) : Math.sqrt(2 / (l.nIn + l.nOut));
      const fillNormal = (dst: number, n: number, s: number) => {
        rng.fill(this.arena.u32(u, n + (n & 1)));
        this.k.randn(dst, u, n, s);
      };
      fillNormal(l.W, l.nIn * l.nOut, std);
      if (init === 'normal') fillNormal(l.b, l.nOut, 1);
      else this.arena.f32(l.b, l.nOut).fill(0);
    }
  }

  private check(): void {
    if (this.disposed) throw new Error('this network was disposed; create a new one');
  }

  /** Buffers for `rows` samples per batch, allocated the first time that size is used. */
  plan(rows: number): Plan {
    let plan = this.plans.get(rows);
    if (plan) return plan;
    const a = this.arena;
    const x = a.alloc(4 * rows * this.inputs);
    const y = a.alloc(4 * rows * this.outputs);
    const z: number[] = [], act: number[] = [], delta: number[] = [];
    for (const l of this.layers) {
      z.push(a.alloc(4 * rows * l.nOut));
      act.push(a.alloc(4 * rows * l.nOut));
      delta.push(a.alloc(4 * rows * l.nOut));
    }
    plan = { rows, x, y, z, a: act, delta, out: a.alloc(4 * rows) };
    this.plans.set(rows, plan);
    return plan;
  }

  /**
   * The dataset's rows in this arena, copied once (and again only if another dataset takes its slot).
   * Slots: 0 training data, 1 evaluation data, 2 rows given to predict() as an array.
   */
  resident(data: Dataset, slot: 0 | 1 | 2): Resident {
    this.check();
    if (!(data instanceof Dataset)) throw new Error('expected a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
    const found = this.residents.find((r) => r?.data === data);
    if (found) return found;
    if (data.width !== this.inputs) {
      throw new Error(`data rows have ${data.width} features but the network has ${this.inputs} inputs`);
    }
    const classes = this.outputs === 1 ? 2 : this.outputs;
    const maxLabel = data.labels.reduce((m, x) => Math.max(m, x), 0);
    if (maxLabel >= classes) {
      const at = data.labels.findIndex((x) => x >= classes);
      throw new Error(`label ${data.labels[at]} at row ${at} is outside the network's ${this.outputs} output${this.outputs === 1 ? ' (expected 0 or 1)' : `s (expected 0..${classes - 1})`}`);
    }
    const n = data.length;
    // Layout in one region: features, labels, order (each 16-byte aligned).
    const labelsAt = align16(data.features.byteLength), orderAt = labelsAt + align16(n), bytes = orderAt + 4 * n;
    const old = this.residents[slot];
    const base = old && old.bytes >= bytes ? old.features : this.arena.alloc(bytes);
    // bytes is the region's capacity, so a later dataset that fits can reuse it.
    const r: Resident = { data, features: base, labels: base + labelsAt, order: base + orderAt, bytes: base === old?.features ? old.bytes : bytes };
    this.residents[slot] = r;
    const f = data.features;
    if (f instanceof Uint8Array) this.arena.u8(r.features, f.length).set(f);
    else this.arena.f32(r.features, f.length).set(f);
    this.arena.u8(r.labels, n).set(data.labels);
    return r;
  }

  /** Load rows [idx, idx + rows) of r's order into plan.x and plan.y. */
  gather(plan: Plan, r: Resident, idx: number, rows: number): void {
    const d = r.data;
    if (d.features instanceof Uint8Array) this.k.gatherU8(plan.x, r.features, d.width, idx, rows, d.scale);
    else this.k.gatherF32(plan.x, r.features, d.width, idx, rows);
    this.k.gatherTargets(plan.y, r.labels, idx, rows, this.outputs);
  }

  /** Forward pass over plan.x: z = W a_prev + b, a = f(z), layer by layer. */
  forward(plan: Plan, rows: number): void {
    const k = this.k;
    let aPrev = plan.x;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l];
      k.gemmNT(plan.z[l], aPrev, L.W, L.b, rows, L.nOut, L.nIn, 1, 0);
      k.activate(L.act, plan.z[l], plan.a[l], rows, L.nOut, L.p);
      aPrev = plan.a[l];
    }
  }

  /** Summed cost of the batch and δᴸ (BP1) into plan.delta[last]. */
  outputError(plan: Plan, rows: number): number {
    const last = this.layers.length - 1;
    const L = this.layers[last];
    const cost = this.k.lossDelta(this.loss.id, plan.a[last], plan.y, plan.delta[last], rows, L.nOut);
    if (!this.loss.cancelsDerivative) this.k.mulDerivative(L.act, plan.z[last], plan.a[last], plan.delta[last], rows, L.nOut, L.p); // BP1
    return cost;
  }

  /** Backward pass from δᴸ: gradients averaged over the batch into dW, db. */
  backward(plan: Plan, rows: number): void {
    const k = this.k;
    const inv = 1 / rows;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l];
      const aPrev = l > 0 ? plan.a[l - 1] : plan.x;
      k.biasGrad(L.db, plan.delta[l], rows, L.nOut, inv); // BP3
      k.gemmTN(L.dW, plan.delta[l], aPrev, 0, L.nOut, L.nIn, rows, inv, 0); // BP4
      if (l > 0) {
        const P = this.layers[l - 1];
        k.gemmNN(plan.delta[l - 1], plan.delta[l], L.W, 0, rows, L.nIn, L.nOut, 1, 0); // BP2: (Wᵀδ)ᵀ …
        k.mulDerivative(P.act, plan.z[l - 1], plan.a[l - 1], plan.delta[l - 1], rows, P.nOut, P.p); // … ⊙ σ'(z)
      }
    }
  }

  /** The optimizer for this fit: state kept while the config is unchanged, so fit() can continue. */
  useOptimizer(config: OptimizerConfig | undefined): Optimizer {
    const c = resolveOptimizer(config);
    if (!this.optimizer || JSON.stringify(this.optimizer.config) !== JSON.stringify(c)) {
      this.optimizer = new Optimizer(c, this.arena, this.paramBytes);
    }
    return this.optimizer;
  }

  step(optimizer: Optimizer, l2: number): void {
    optimizer.step(this.k, this.params, this.grads, this.tensors, l2);
  }

  /** Layers whose activation has no usable derivative (step), as "layer N" strings. */
  untrainableLayers(): string[] {
    return this.layers.flatMap((L, l) => (activation(L.actName, '').trainable ? [] : [`layer ${l + 1} (${L.actName})`]));
  }

  parametersNonFinite(): boolean {
    return this.arena.f32(this.params, this.paramBytes >> 2).some((v) => !Number.isFinite(v));
  }

  saveSnapshot(): void { this.arena.copy(this.snapshot, this.params, this.paramBytes); }
  restoreSnapshot(): void { this.arena.copy(this.params, this.snapshot, this.paramBytes); }

  /** Train on `data`; see FitOptions. Resolves to the per-epoch history. */
  async fit(data: Dataset, options: FitOptions): Promise<History> {
    this.check();
    return fit(this, data, options);
  }

  /** Mean cost per sample and accuracy over a dataset (batches of up to `batchSize` rows). */
  evaluate(data: Dataset, { batchSize = 1000 }: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    this.check();
    checkBatchSize(batchSize);
    if (data?.length === 0) throw new Error('evaluate: the dataset is empty; expected at least one row');
    const r = this.resident(data, 1);
    resetOrder(this.arena.u32(r.order, data.length)); // the same summation order every time
    const rows = Math.min(batchSize, data.length);
    const plan = this.plan(rows);
    let cost = 0, correct = 0;
    for (let i = 0; i < data.length; i += rows) {
      const n = Math.min(rows, data.length - i);
      this.gather(plan, r, r.order + 4 * i, n);
      this.forward(plan, n);
      cost += this.outputError(plan, n);
      correct += this.k.countCorrect(plan.a[this.layers.length - 1], plan.y, n, this.outputs);
    }
    return { loss: cost / data.length, accuracy: correct / data.length };
  }

  /** Outputs a for each input row: x is rows × inputs (row-major, like the training features) or a Dataset. */
  predict(x: Float32Array | Dataset): Float32Array {
    this.check();
    const data = x instanceof Dataset ? x : Dataset.fromArrays(x, new Uint8Array(x.length / this.inputs | 0), this.inputs);
    const r = this.resident(data, x instanceof Dataset ? 1 : 2); // a drawn digit does not evict the test set
    resetOrder(this.arena.u32(r.order, data.length));
    const rows = Math.min(1000, data.length);
    const plan = this.plan(rows);
    const last = this.layers.length - 1;
    const result = new Float32Array(data.length * this.outputs);
    for (let i = 0; i < data.length; i += rows) {
      const n = Math.min(rows, data.length - i);
      this.gather(plan, r, r.order + 4 * i, n);
      this.forward(plan, n);
      result.set(this.arena.f32(plan.a[last], n * this.outputs), i * this.outputs);
    }
    return result;
  }

  /** ∂C/∂W and ∂C/∂b (BP1–BP4) averaged over all rows of `data` at the current weights; nothing is updated. */
  gradients(data: Dataset): Parameters[] {
    this.check();
    if (data.length === 0) throw new Error('gradients: the dataset is empty');
    const r = this.resident(data, 1);
    resetOrder(this.arena.u32(r.order, data.length));
    const plan = this.plan(data.length);
    this.gather(plan, r, r.order, data.length);
    this.forward(plan, data.length);
    this.outputError(plan, data.length);
    this.backward(plan, data.length);
    return this.layers.map((L) => ({ W: this.arena.f32(L.dW, L.nIn * L.nOut).slice(), b: this.arena.f32(L.db, L.nOut).slice() }));
  }

  /** Copies of every layer's W (nOut × nIn, row j = neuron j) and b. */
  parameters(): Parameters[] {
    this.check();
    return this.layers.map((L) => ({ W: this.arena.f32(L.W, L.nIn * L.nOut).slice(), b: this.arena.f32(L.b, L.nOut).slice() }));
  }

  /** Replace every layer's W and b (shapes as parameters() returns them). */
  setParameters(params: Parameters[]): void {
    this.check();
    if (!Array.isArray(params) || params.length !== this.layers.length) {
      throw new Error(`expected parameters for ${this.layers.length} layers, got ${Array.isArray(params) ? params.length : typeof params}`);
    }
    params.forEach((p, l) => {
      const L = this.layers[l];
      for (const [name, arr, n] of [['W', p?.W, L.nIn * L.nOut], ['b', p?.b, L.nOut]] as const) {
        if (!(arr instanceof Float32Array) || arr.length !== n) throw new Error(`layer ${l + 1}: ${name} must be a Float32Array of ${n} values, got ${arr instanceof Float32Array ? arr.length : typeof arr}`);
        const bad = arr.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`layer ${l + 1}: ${name}[${bad}] is ${arr[bad]}; parameters must be finite`);
      }
    });
    params.forEach((p, l) => {
      this.arena.f32(this.layers[l].W, p.W.length).set(p.W);
      this.arena.f32(this.layers[l].b, p.b.length).set(p.b);
    });
  }

  /**
   * The network as a model file (src/io/model.ts): config, parameters, history, last fit settings
   * and shuffle state. A `checkpoint` also holds the optimizer's state, so that fit() continued
   * from it (initialEpoch: history.length) gives exactly the weights of an uninterrupted run.
   * `meta` is any JSON object to keep alongside.
   */
  toBytes({ checkpoint = false, meta }: { checkpoint?: boolean; meta?: Record<string, unknown> } = {}): Uint8Array {
    this.check();
    const o = checkpoint ? this.optimizer : undefined;
    if (checkpoint && (!o || !this.lastFit)) throw new Error('toBytes: a checkpoint needs a network that has been trained (fit) at least once');
    const state = o?.getState();
    const { inputs, layers, loss, init, seed } = this.config;
    const sections: [SectionName, Float32Array][] = [['parameters', this.arena.f32(this.params, this.paramBytes >> 2)]];
    if (state?.m) sections.push(['optimizer.m', state.m]);
    if (state?.v) sections.push(['optimizer.v', state.v]);
    return encodeModel({
      library: `wasmlp ${VERSION}`, kind: state ? 'checkpoint' : 'model', network: { inputs, layers, loss, init, seed }, layout: PARAMETER_LAYOUT,
      fit: this.lastFit, optimizerState: state && { steps: state.steps, beta1Power: state.b1t, beta2Power: state.b2t },
      random: this.random.state, history: this.history, meta,
    }, sections);
  }

  /** A network from a model file's bytes (see toBytes); a bad file throws a ModelFileError saying how. */
  static async fromBytes(bytes: Uint8Array, { backend = 'wasm', name }: { backend?: 'wasm' | 'js'; name?: string } = {}): Promise<Network> {
    const { header: h, sections } = decodeModel(bytes, name); // every size checked before any memory is touched
    let net: Network;
    try {
      net = await Network.create({ ...h.network, backend });
    } catch (e) {
      throw new ModelFileError('invalid', `${name ?? 'the model file'} describes a network that cannot be built: ${(e as Error).message}`);
    }
    net.arena.f32(net.params, net.paramBytes >> 2).set(sections.parameters!);
    net.history.push(...h.history);
    net.lastFit = h.fit;
    net.random.state = h.random;
    if (h.optimizerState && h.fit) {
      const { steps, beta1Power: b1t, beta2Power: b2t } = h.optimizerState;
      net.useOptimizer(h.fit.optimizer).setState({ steps, b1t, b2t, m: sections['optimizer.m'], v: sections['optimizer.v'] });
    }
    return net;
  }

  /** Drop the network's memory. Further calls throw. */
  dispose(): void {
    this.disposed = true;
    this.plans.clear();
    this.residents.length = 0;
  }
}

const align16 = (n: number) => (n + 15) & ~15;

export function resetOrder(order: Uint32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
}

export function checkBatchSize(b: unknown): void {
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) throw new Error(`batch size must be an integer ≥ 1, got ${JSON.stringify(b)}`);
}

function validateConfig(config: NetworkConfig): Required<NetworkConfig> {
  if (!config || typeof config !== 'object') throw new Error('Network.create expects a config object { inputs, layers, loss }');
  const { inputs, layers, loss, init, seed = 1, backend = 'wasm' } = config;
  const positive = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 1 << 24;
  if (!positive(inputs)) throw new Error(`inputs must be an integer ≥ 1, got ${JSON.stringify(inputs)}`);
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('layers must be a non-empty array of { units, activation }');
  layers.forEach((l, i) => {
    if (!positive(l?.units)) throw new Error(`layer ${i + 1}: units must be an integer ≥ 1, got ${JSON.stringify(l?.units)}`);
    if (l.alpha !== undefined && !Number.isFinite(l.alpha)) throw new Error(`layer ${i + 1}: alpha must be a finite number, got ${l.alpha}`);
  });
  if (init !== undefined && !INIT_NAMES.includes(init)) throw new Error(`unknown init ${JSON.stringify(init)}; expected one of ${INIT_NAMES.join(', ')}`);
  if (backend !== 'wasm' && backend !== 'js') throw new Error(`unknown backend ${JSON.stringify(backend)}; expected "wasm" or "js"`);
  return { inputs, layers: layers.map((l) => ({ ...l })), loss, init: init as InitName, seed, backend };
}

