// The training core: one network's arena (parameters, gradients, optimizer state, buffers per batch
// size, the datasets it works on) and its passes as programs of kernel calls. fit() and the Network
// facade drive it; nothing here is public API. TypeScript decides, the kernels compute.
import { ACTIVATIONS } from '../activations.js';
import {
  activationOf,
  classCount,
  resolveOptimizer,
  validateConfig,
  type EarlyStopped,
  type FitSettings,
  type History,
  type NetworkConfig,
  type OptimizerConfig,
  type Parameters,
} from '../config.js';
import { Dataset } from '../data/dataset.js';
import type { Kernels } from '../kernels.js';
import { lossPlan, type LossPlan } from '../losses.js';
import { Arena } from '../memory.js';
import { Random } from '../random.js';
import { referenceKernels } from '../reference/index.js';
import { instantiateKernels } from '../wasm.js';
import { backward, correct, cost, forward, outputError, type Layer, type Plan } from './backprop.js';
import { Optimizer, type Tensor } from './optimizer.js';
import { Program, type Ops } from './program.js';

/** A dataset copied into the arena (pixels stay u8 and are converted per batch by gatherU8). */
export interface Resident {
  data: Dataset;
  features: number;
  labels: number;
  /** u32 row order: the identity, or a shuffle of it for an epoch. */
  order: number;
  bytes: number;
}

/** Resident slots: the training data, evaluation data, and rows given to predict() as an array. */
export type ResidentSlot = 0 | 1 | 2;

/** The passes a program can run; 'train' is a whole step (forward, BP1–BP4, the update). */
export type Pass = 'predict' | 'classify' | 'evaluate' | 'gradients' | 'train';

export class Core {
  readonly config: Readonly<Required<NetworkConfig>>;
  readonly loss: LossPlan;
  readonly layers: Layer[] = [];
  readonly outputs: number;
  /** Parameter block [W¹ b¹ W² b² …], its gradients and a snapshot, with identical layouts. */
  readonly params: number;
  readonly grads: number;
  private readonly snapshot: number;
  /** The best epoch's parameters, for early stopping (allocated on first use), and that epoch. */
  private best = 0;
  bestKept = 0;
  readonly paramBytes: number;
  private readonly tensors: Tensor[] = [];
  private readonly plans = new Map<number, Plan>();
  private readonly programs = new Map<string, Program>();
  private readonly residents: Resident[] = [];
  optimizer?: Optimizer;
  /** Stream for shuffling; initialisation used its own stream from the same seed. */
  readonly random: Random;
  /** Every epoch this network has trained (kept in its model file). */
  readonly history: History = [];
  /** The settings of the last fit(), kept in model files so a run can be continued. */
  lastFit?: FitSettings;
  earlyStopped?: EarlyStopped;
  disposed = false;

  private constructor(
    config: Required<NetworkConfig>,
    readonly k: Kernels,
    readonly arena: Arena,
  ) {
    this.config = config;
    let nIn = config.inputs;
    let offset = 0;
    const shapes = config.layers.map((spec, l) => {
      const info = ACTIVATIONS[activationOf(config.layers, l)];
      const shape = {
        nIn,
        nOut: spec.units,
        info,
        p: spec.alpha ?? info.param ?? 0,
        wOff: offset,
        bOff: offset + 4 * nIn * spec.units,
      };
      this.tensors.push(
        { offset: shape.wOff, n: nIn * spec.units, decay: true },
        { offset: shape.bOff, n: spec.units, decay: false },
      );
      offset = shape.bOff + 4 * spec.units;
      nIn = spec.units;
      return shape;
    });
    this.loss = lossPlan(config.loss, activationOf(config.layers, config.layers.length - 1));
    this.outputs = nIn;
    this.paramBytes = offset;
    this.params = arena.alloc(offset);
    this.grads = arena.alloc(offset);
    this.snapshot = arena.alloc(offset);
    for (const s of shapes) {
      this.layers.push({
        nIn: s.nIn,
        nOut: s.nOut,
        act: s.info.id,
        p: s.p,
        W: this.params + s.wOff,
        b: this.params + s.bOff,
        dW: this.grads + s.wOff,
        db: this.grads + s.bOff,
      });
    }
    this.initialise(new Random(config.seed));
    this.random = new Random((config.seed ^ 0x5bd1e995) >>> 0);
  }

  /** A core whose weights, gradients and buffers live in a WebAssembly.Memory of its own. */
  static async create(config: NetworkConfig): Promise<Core> {
    const c = validateConfig(config);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
    if (c.backend === 'js') return new Core(c, referenceKernels(memory), new Arena(memory, 1024));
    const k = await instantiateKernels(memory);
    return new Core(c, k, new Arena(memory, k.heapBase()));
  }

  /** N(0, σ²) weights by Box–Muller in the kernels; biases 0, or N(0, 1) for 'normal' (as in network.py). */
  private initialise(rng: Random): void {
    const maxN = Math.max(...this.layers.map((l) => l.nIn * l.nOut));
    const u = this.arena.alloc(4 * (maxN + 1)); // uniform words; reused by every layer (growth happens before the views below)
    this.layers.forEach((L, l) => {
      const init = this.config.init ?? ACTIVATIONS[activationOf(this.config.layers, l)].init;
      const std =
        init === 'normal'
          ? 1
          : init === 'lecun'
            ? Math.sqrt(1 / L.nIn)
            : init === 'he'
              ? Math.sqrt(2 / L.nIn)
              : Math.sqrt(2 / (L.nIn + L.nOut));
      const fillNormal = (dst: number, n: number, s: number) => {
        rng.fill(this.arena.u32(u, n + (n & 1)));
        this.k.randn(dst, u, n, s);
      };
      fillNormal(L.W, L.nIn * L.nOut, std);
      if (init === 'normal') fillNormal(L.b, L.nOut, 1);
      else this.arena.f32(L.b, L.nOut).fill(0);
    });
  }

  check(): void {
    if (this.disposed) throw new Error('this network was disposed; create a new one');
  }

  /** Buffers for `rows` samples per batch, allocated the first time that size is used. */
  plan(rows: number): Plan {
    let plan = this.plans.get(rows);
    if (plan) return plan;
    const a = this.arena;
    const x = a.alloc(4 * rows * this.config.inputs);
    const y = a.alloc(4 * rows * this.outputs);
    const z: number[] = [],
      act: number[] = [],
      delta: number[] = [];
    for (const l of this.layers) {
      z.push(a.alloc(4 * rows * l.nOut));
      act.push(a.alloc(4 * rows * l.nOut));
      delta.push(a.alloc(4 * rows * l.nOut));
    }
    plan = { rows, x, y, z, a: act, delta, out: a.alloc(4 * rows), results: a.alloc(16) };
    this.plans.set(rows, plan);
    return plan;
  }

  /** The dataset's rows in this arena, copied once (and again only if another dataset takes its slot). */
  resident(data: Dataset, slot: ResidentSlot): Resident {
    this.check();
    if (!(data instanceof Dataset))
      throw new Error('expected a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
    const found = this.residents.find((r) => r?.data === data);
    if (found) return found;
    if (data.width !== this.config.inputs) {
      throw new Error(`data rows have ${data.width} features but the network has ${this.config.inputs} inputs`);
    }
    const classes = classCount(this.outputs);
    const maxLabel = data.labels.reduce((m, x) => Math.max(m, x), 0);
    if (maxLabel >= classes) {
      const at = data.labels.findIndex((x) => x >= classes);
      throw new Error(
        `label ${data.labels[at]} at row ${at} is outside the network's ${this.outputs} output${this.outputs === 1 ? ' (expected 0 or 1)' : `s (expected 0..${classes - 1})`}`,
      );
    }
    const n = data.length;
    // Layout in one region: features, labels, order (each 16-byte aligned).
    const labelsAt = align16(data.features.byteLength),
      orderAt = labelsAt + align16(n),
      bytes = orderAt + 4 * n;
    const old = this.residents[slot];
    const base = old && old.bytes >= bytes ? old.features : this.arena.alloc(bytes);
    // bytes is the region's capacity, so a later dataset that fits can reuse it.
    const r: Resident = {
      data,
      features: base,
      labels: base + labelsAt,
      order: base + orderAt,
      bytes: base === old?.features ? old.bytes : bytes,
    };
    this.residents[slot] = r;
    const f = data.features;
    if (f instanceof Uint8Array) this.arena.u8(r.features, f.length).set(f);
    else this.arena.f32(r.features, f.length).set(f);
    this.arena.u8(r.labels, n).set(data.labels);
    return r;
  }

  /**
   * The program of `pass` over `plan`'s buffers, for rows like `r`'s (u8 or f32), built once. A
   * training step holds the optimizer's buffers (useOptimizer drops the steps of a replaced one)
   * and, `withL2`, one update per tensor so that λ reaches the weights only.
   */
  program(pass: Pass, plan: Plan, r: Resident, withL2 = false): Program {
    const u8 = r.data.features instanceof Uint8Array;
    const o = this.optimizer;
    if (pass === 'train' && !o) throw new Error('program: a training step needs an optimizer');
    const key = `${pass}/${plan.rows}/${u8 ? 'u8' : 'f32'}${pass === 'train' && withL2 ? '/l2' : ''}`;
    let program = this.programs.get(key);
    if (program) return program;
    const { layers, loss, outputs } = this,
      last = layers.length - 1;
    const has = (...passes: Pass[]) => passes.includes(pass);
    program = new Program(this.k, this.arena, (k) => {
      gather(k, plan, this.config.inputs, outputs, u8 ? r.data.scale : 0, !has('predict', 'classify'));
      forward(k, layers, plan, 'rows');
      if (has('classify')) k.argmaxRows(plan.out, plan.a[last], 'rows', outputs);
      if (has('evaluate', 'gradients', 'train')) outputError(k, layers, loss, plan, 'rows', has('train'));
      if (has('evaluate', 'train')) k.countCorrect(plan.a[last], plan.y, 'rows', outputs, correct(plan));
      if (has('gradients', 'train')) backward(k, layers, plan, 'rows', 'invRows');
      if (has('train')) o!.update(k, this.params, this.grads, this.tensors, withL2);
    });
    this.programs.set(key, program);
    return program;
  }

  /** Point `program` at r's rows; then runBatch runs it on a range of r's order. */
  useRows(program: Program, r: Resident): void {
    program.set('features', r.features);
    program.set('labels', r.labels);
  }

  /** Run `program` on rows [start, start + n) of the order of the rows it uses; false when the cost was not finite (train). */
  runBatch(program: Program, r: Resident, start: number, n: number): boolean {
    program.set('idx', r.order + 4 * start);
    program.setRows(n);
    return program.run();
  }

  /** The batch's summed cost and count of correct rows, as the last run of a program on `plan` left them. */
  cost(plan: Plan): number {
    return this.arena.view.f64()[cost(plan) >> 3];
  }
  correct(plan: Plan): number {
    return this.arena.view.f64()[correct(plan) >> 3];
  }

  /**
   * The one batch loop of evaluate, predict, classify and gradients: `pass` over every row of
   * `data` in order, in batches of up to `batchSize`, `each(plan, n, start)` after each batch.
   */
  sweep(
    data: Dataset,
    slot: ResidentSlot,
    batchSize: number,
    pass: Pass,
    each: (plan: Plan, n: number, start: number) => void,
  ): void {
    const r = this.resident(data, slot);
    resetOrder(this.arena.u32(r.order, data.length)); // the same summation order every time
    const rows = Math.min(batchSize, data.length),
      plan = this.plan(rows),
      program = this.program(pass, plan, r);
    this.useRows(program, r);
    for (let start = 0; start < data.length; start += rows) {
      const n = Math.min(rows, data.length - start);
      this.runBatch(program, r, start, n);
      each(plan, n, start);
    }
  }

  /** Mean cost per sample and accuracy over a dataset. */
  evaluate(data: Dataset, batchSize: number): { loss: number; accuracy: number } {
    let loss = 0,
      right = 0;
    this.sweep(data, 1, batchSize, 'evaluate', (plan) => {
      loss += this.cost(plan);
      right += this.correct(plan);
    });
    return { loss: loss / data.length, accuracy: right / data.length };
  }

  /** The outputs a for each row, rows × outputs. */
  predict(data: Dataset, slot: ResidentSlot): Float32Array {
    const k = this.outputs,
      last = this.layers.length - 1;
    const result = new Float32Array(data.length * k);
    this.sweep(data, slot, 1000, 'predict', (plan, n, start) =>
      result.set(this.arena.f32(plan.a[last], n * k), start * k),
    );
    return result;
  }

  /** The predicted class of each row (the first argmax of a, or a ≥ 0.5 with one output). */
  classify(data: Dataset, slot: ResidentSlot): Int32Array {
    const result = new Int32Array(data.length);
    this.sweep(data, slot, 1000, 'classify', (plan, n, start) => result.set(this.arena.i32(plan.out, n), start));
    return result;
  }

  /** ∂C/∂W and ∂C/∂b (BP1–BP4) averaged over all rows of `data` at the current weights, in one batch. */
  gradients(data: Dataset): Parameters[] {
    this.sweep(data, 1, data.length, 'gradients', () => {});
    return this.layers.map((L) => ({
      W: this.arena.f32(L.dW, L.nIn * L.nOut).slice(),
      b: this.arena.f32(L.db, L.nOut).slice(),
    }));
  }

  /** The optimizer for this fit: state kept while the config is unchanged, so fit() can continue. */
  useOptimizer(config: OptimizerConfig | undefined): Optimizer {
    const c = resolveOptimizer(config);
    if (!this.optimizer || JSON.stringify(this.optimizer.config) !== JSON.stringify(c)) {
      this.optimizer = new Optimizer(c, this.arena, this.paramBytes);
      for (const key of this.programs.keys()) if (key.startsWith('train/')) this.programs.delete(key);
    }
    return this.optimizer;
  }

  /** Layers whose activation has no usable derivative (step), as "layer N (name)" strings. */
  untrainableLayers(): string[] {
    return this.config.layers.flatMap((_, l) => {
      const name = activationOf(this.config.layers, l);
      return ACTIVATIONS[name].trainable ? [] : [`layer ${l + 1} (${name})`];
    });
  }

  parametersView(): Float32Array {
    return this.arena.f32(this.params, this.paramBytes >> 2);
  }

  parametersNonFinite(): boolean {
    return this.parametersView().some((v) => !Number.isFinite(v));
  }

  saveSnapshot(): void {
    this.arena.copy(this.snapshot, this.params, this.paramBytes);
  }
  restoreSnapshot(): void {
    this.arena.copy(this.params, this.snapshot, this.paramBytes);
  }

  /** Keep a copy of the parameters as epoch `epoch`'s, the best so far (early stopping), or put that copy back. */
  keepBest(epoch: number): void {
    this.best ||= this.arena.alloc(this.paramBytes);
    this.arena.copy(this.best, this.params, this.paramBytes);
    this.bestKept = epoch;
  }
  restoreBest(): void {
    this.arena.copy(this.params, this.best, this.paramBytes);
  }
  /** Allocate the best-epoch copy now, so that fit() allocates nothing once it runs. */
  reserveBest(): void {
    this.best ||= this.arena.alloc(this.paramBytes);
  }

  dispose(): void {
    this.disposed = true;
    this.plans.clear();
    this.programs.clear();
    this.residents.length = 0;
  }
}

/** Load the rows of the batch (slots 'features', 'idx', 'rows') into plan.x and, with targets, plan.y. */
function gather(k: Ops, plan: Plan, inputs: number, outputs: number, u8Scale: number, targets: boolean): void {
  if (u8Scale) k.gatherU8(plan.x, 'features', inputs, 'idx', 'rows', u8Scale);
  else k.gatherF32(plan.x, 'features', inputs, 'idx', 'rows');
  if (targets) k.gatherTargets(plan.y, 'labels', 'idx', 'rows', outputs);
}

const align16 = (n: number) => (n + 15) & ~15;

export function resetOrder(order: Uint32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
}
