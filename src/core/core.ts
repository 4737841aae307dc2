// The training core: one network's arena (parameters, gradients, optimizer state, buffers per batch
// size, the datasets it works on) and its passes as programs of kernel calls. fit() and the Network
// facade drive it; nothing here is public API. TypeScript decides, the kernels compute.
import { ACTIVATIONS } from '../activations.js';
import {
  activationOf,
  classCount,
  MAX_LAYERS,
  resolveOptimizer,
  validateConfig,
  type EarlyStopped,
  type EpochProgress,
  type FitSettings,
  type History,
  type NetworkConfig,
  type OptimizerConfig,
  type Parameters,
  type Evaluation,
  type Scaling,
  type ThreadCounts,
} from '../config.js';
import { Dataset } from '../data/dataset.js';
import { affineOf } from '../data/scaling.js';
import { saturationThreshold } from '../diagnostics.js';
import * as id from '../ids.js';
import type { Kernels } from '../kernels.js';
import { lossPlan, type LossPlan } from '../losses.js';
import { align16, Arena, bytesText, MEMORY_LIMIT } from '../memory.js';
import { Random } from '../random.js';
import { fmix, referenceKernels } from '../reference/index.js';
import {
  chooseBuild,
  compileModule,
  coresAvailable,
  fmaUnavailable,
  instantiateKernels,
  threadsUnavailable,
  type Build,
  type WasmKernels,
} from '../wasm.js';
import {
  backward,
  correct,
  cost,
  forward,
  outputError,
  sparseIndexBytes,
  type Drops,
  type Layer,
  type Plan,
} from './backprop.js';
import { Diagnosis } from './diagnosis.js';
import { Layout } from './layout.js';
import { Optimizer } from './optimizer.js';
import { Program, Programs, type Ops, type Pass, type ProgramKey } from './program.js';
import { Residents, type Resident, type ResidentSlot } from './residents.js';
import { Snapshot } from './snapshot.js';
import { ThreadPool } from './threads.js';

export type { Resident, ResidentSlot };
/** A training step's options (see Core.program). */
type Step = { optimizer: Optimizer; withL2: boolean; diagnostics?: boolean; decay?: boolean; maxNorm?: boolean };

/** The passes a program can run; 'train' is a whole step (forward, BP1–BP4, the update). */

/** Each Network's core, for tests that reach inside (a Network keeps its own private). */
export const cores = new WeakMap<object, Core>();

export class Core {
  readonly config: Readonly<Required<NetworkConfig>>;
  readonly loss: LossPlan;
  /** Where each layer's W and b are in the parameter block (and its gradients, snapshot, moments). */
  readonly layout: Layout;
  readonly layers: Layer[];
  readonly outputs: number;
  /** The parameter block and its gradients, each `paramBytes` of the layout above. */
  readonly params: number;
  readonly grads: number;
  private readonly snapshot: Snapshot;
  readonly paramBytes: number;
  /** Training passes' dropout (see Drops), each mask keyed by the seed and its place; undefined without any. */
  readonly drops?: Drops;
  private readonly plans = new Map<number, Plan>();
  private readonly programs = new Programs();
  private readonly residents: Residents;
  optimizer?: Optimizer;
  /** Stream for shuffling; initialisation used its own stream from the same seed. */
  readonly random: Random;
  /** Every epoch this network has trained (kept in its model file). */
  readonly history: History = [];
  // A fit's facts, read through the getters below and changed by the methods that say what happened.
  #lastFit?: FitSettings;
  #earlyStopped?: EarlyStopped;
  #progress?: EpochProgress;
  #batchEnd?: () => EpochProgress;
  #fitting = false;
  disposed = false;

  /** The scaling the first fit found (or a model file held): rows are scaled as they are copied in. */
  scaling?: Scaling;
  /** f32 vectors for the affine kernel: inputs' factor and shift, targets' and their inverse; 5 f64 per output for targetSums. */
  private readonly scaleAt: { inputs: number; targets: number; inverse: number; sums: number };

  /** The worker threads, once the first fit has started them. */
  pool?: ThreadPool;
  /** What they did over the last epoch's steps (never in the history: it changes run to run, the weights do not). */
  epochThreads?: ThreadCounts;
  /** The diagnostics' buffers and the sums of the epoch they measure. */
  readonly diagnosis: Diagnosis;

  private constructor(
    config: Required<NetworkConfig>,
    readonly k: Kernels,
    readonly arena: Arena,
    readonly runtime: Runtime,
  ) {
    this.config = config;
    const layout = (this.layout = new Layout(config)),
      nOut = layout.outputs;
    this.loss = lossPlan(config.loss, activationOf(config.layers, config.layers.length - 1));
    this.outputs = nOut;
    this.paramBytes = layout.bytes;
    this.scaleAt = {
      inputs: arena.alloc(8 * config.inputs),
      targets: arena.alloc(8 * nOut),
      inverse: arena.alloc(8 * nOut),
      sums: arena.alloc(40 * nOut),
    };
    this.params = arena.alloc(layout.bytes);
    this.grads = arena.alloc(layout.bytes);
    this.snapshot = new Snapshot(arena, this.params, layout.bytes);
    this.residents = new Residents(arena);
    this.layers = layout.layers(this.params, this.grads);
    this.diagnosis = new Diagnosis(arena, this.layers, this.loss.id === id.MSE);
    const ps = [config.inputDropout, ...config.layers.map((l) => l.dropout ?? 0)];
    if (ps.some((p) => p > 0))
      this.drops = ps.map((p, i) =>
        p > 0 ? { p, key: fmix((config.seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0) } : undefined,
      );
    this.initialise(new Random(config.seed));
    this.random = new Random((config.seed ^ 0x5bd1e995) >>> 0);
  }

  /** A core whose weights, gradients and buffers live in a WebAssembly.Memory of its own. */
  static async create(config: NetworkConfig): Promise<Core> {
    const c = validateConfig(config);
    checkSize(c);
    const runtime = chooseRuntime(c);
    const build = chooseBuild(runtime.threads.count > 1, c.fma);
    runtime.build = build;
    runtime.fma.used = build.fma;
    const memory = createMemory(build.shared);
    const limit = build.shared ? sharedMaximum : MEMORY_LIMIT;
    if (c.backend === 'js') return new Core(c, referenceKernels(memory), new Arena(memory, 1024), runtime);
    const k = await instantiateKernels(memory, build.bytes);
    return new Core(c, k, new Arena(memory, k.heapBase(), limit), runtime);
  }

  /** Start the worker threads (the first fit does): from then on, the passes that pay for it run on all of them. */
  async startThreads(): Promise<void> {
    const { count } = this.runtime.threads;
    if (count <= 1 || this.pool) return;
    this.pool = await ThreadPool.start(
      await compileModule(this.runtime.build!.bytes),
      this.k as WasmKernels,
      this.arena,
      count,
      count <= coresAvailable(),
      this.config.threads === 'auto',
    );
    this.programs.clear(); // built for one thread: build them again for all
  }

  /**
   * N(0, σ²) weights by Box–Muller in the kernels; biases 0, or N(0, 1) for 'normal' and 'network2' (as in network.py and network2.py).
   * The uniform words come in chunks of INIT_CHUNK (even, so the pairs never straddle two chunks):
   * the same stream, and so the same weights, as one fill of the whole layer.
   */
  private initialise(rng: Random): void {
    const largest = this.layers.reduce((m, L) => Math.max(m, L.nIn * L.nOut), 0);
    const u = this.arena.alloc(4 * (Math.min(INIT_CHUNK, largest) + 1)); // uniform words, reused by every chunk
    const fillNormal = (dst: number, n: number, std: number) => {
      for (let done = 0; done < n; done += INIT_CHUNK) {
        const m = Math.min(INIT_CHUNK, n - done);
        rng.fill(this.arena.u32(u, m + (m & 1)));
        this.k.randn(dst + 4 * done, u, m, std);
      }
    };
    this.layers.forEach((L, l) => {
      const init = this.config.init ?? ACTIVATIONS[activationOf(this.config.layers, l)].init;
      const std =
        init === 'normal'
          ? 1
          : init === 'lecun' || init === 'network2'
            ? Math.sqrt(1 / L.nIn)
            : init === 'he'
              ? Math.sqrt(2 / L.nIn)
              : Math.sqrt(2 / (L.nIn + L.nOut));
      fillNormal(L.W, L.nIn * L.nOut, std);
      if (init === 'normal' || init === 'network2') fillNormal(L.b, L.nOut, 1);
      else this.arena.f32(L.b, L.nOut).fill(0);
    });
  }

  /** Use scaling `s` from now on. Rows copied in before were scaled otherwise: they are copied again when next used. */
  setScaling(s: Scaling | undefined): void {
    this.scaling = s;
    const put = (at: number, v: { factor: Float32Array; shift: Float32Array }) => {
      this.arena.f32(at, v.factor.length).set(v.factor);
      this.arena.f32(at + 4 * v.factor.length, v.shift.length).set(v.shift);
    };
    if (s) put(this.scaleAt.inputs, affineOf(s.inputs, false));
    if (s?.targets) {
      put(this.scaleAt.targets, affineOf(s.targets, false));
      put(this.scaleAt.inverse, affineOf(s.targets, true));
    }
    this.residents.clear(); // once per network (its first fit, before any row is copied, as a rule)
  }

  /** x·factor + shift over rows × cols with the factor and shift vectors at `at`. */
  private affine(x: number, rows: number, cols: number, at: number): void {
    this.k.affine(x, rows, cols, at, at + 4 * cols);
  }

  /** What `data`'s targets make of this network: classes (u8 labels), regression (mse) or multi-label (cross-entropy). */
  task(data: Dataset): 'classes' | 'regression' | 'multi-label' {
    return !data.targets ? 'classes' : this.loss.id === id.MSE ? 'regression' : 'multi-label';
  }

  check(): void {
    if (this.disposed) throw new Error('this network was disposed; create a new one');
  }

  /** Bytes plan(rows) would allocate (0 once it exists). */
  planBytes(rows: number): number {
    if (this.plans.has(rows)) return 0;
    const row = (n: number) => align16(4 * rows * n);
    return (
      row(this.config.inputs) +
      row(this.outputs) +
      this.layers.reduce((s, L, l) => s + (this.drops?.[l + 1] ? 4 : 3) * row(L.nOut), 0) +
      row(1) +
      16 +
      align16(sparseIndexBytes(rows, this.config.inputs))
    );
  }

  /** Buffers for `rows` samples per batch, allocated the first time that size is used. */
  plan(rows: number): Plan {
    let plan = this.plans.get(rows);
    if (plan) return plan;
    const a = this.arena;
    a.reserve(this.planBytes(rows), `buffers for batches of ${rows.toLocaleString('en-US')} rows`);
    const x = a.alloc(4 * rows * this.config.inputs);
    const y = a.alloc(4 * rows * this.outputs);
    const z: number[] = [],
      act: number[] = [],
      delta: number[] = [],
      d: number[] = [];
    this.layers.forEach((L, l) => {
      z.push(a.alloc(4 * rows * L.nOut));
      act.push(a.alloc(4 * rows * L.nOut));
      delta.push(a.alloc(4 * rows * L.nOut));
      d.push(this.drops?.[l + 1] ? a.alloc(4 * rows * L.nOut) : 0);
    });
    const out = a.alloc(4 * rows),
      results = a.alloc(16),
      index = a.alloc(sparseIndexBytes(rows, this.config.inputs));
    plan = { rows, x, y, z, a: act, delta, d, out, results, index };
    this.plans.set(rows, plan);
    return plan;
  }

  /** Throws, saying what is wrong, when `data` cannot go through this network (its type, width or labels). */
  checkRows(data: Dataset, what = 'data'): void {
    this.check();
    if (!(data instanceof Dataset))
      throw new Error('expected a Dataset (Dataset.fromArrays, Dataset.fromIdx or loadMnist)');
    if (this.residents.has(data)) return; // checked when it was copied
    // Checked again before each copy (resident() comes here first): a Dataset holds the caller's arrays, which may have changed since.
    data.checkIntact(what);
    if (data.width !== this.config.inputs) {
      throw new Error(`${what} rows have ${data.width} features but the network has ${this.config.inputs} inputs`);
    }
    if (this.config.scale !== 'none' && data.features instanceof Uint8Array)
      throw new Error(
        `${what}: the network scales its inputs (scale "${this.config.scale}"), which needs Float32Array features; u8 features (pixels) are read as value / 255: use scale "none"`,
      );
    if (data.targets) {
      if (data.targetWidth !== this.outputs)
        throw new Error(
          `${what} rows have ${data.targetWidth} target value${data.targetWidth === 1 ? '' : 's'} but the network has ${this.outputs} output${this.outputs === 1 ? '' : 's'}`,
        );
      if (this.loss.id === id.CE)
        throw new Error(
          `${what}: real-valued targets with a softmax output: give class labels (a Uint8Array), or use sigmoid outputs for 0/1 targets (multi-label)`,
        );
      if (this.loss.id === id.BCE) {
        const bad = data.targets.findIndex((t) => t !== 0 && t !== 1);
        if (bad >= 0)
          throw new Error(
            `${what}: target ${data.targets[bad]} at row ${Math.floor(bad / this.outputs)}, output ${bad % this.outputs}: a sigmoid output with cross-entropy (multi-label) needs 0 or 1 targets; use loss "mse" with an identity output for real values`,
          );
      }
      return;
    }
    const classes = classCount(this.outputs);
    const maxLabel = data.labels.reduce((m, x) => Math.max(m, x), 0);
    if (maxLabel >= classes) {
      const at = data.labels.findIndex((x) => x >= classes);
      throw new Error(
        `label ${data.labels[at]} at row ${at} is outside the network's ${this.outputs} output${this.outputs === 1 ? ' (expected 0 or 1)' : `s (expected 0..${classes - 1})`}`,
      );
    }
  }

  /** Bytes resident(data, slot) would allocate: 0 when it is there, or fits where its slot's rows are. */
  residentBytes(data: Dataset, slot: ResidentSlot): number {
    return this.residents.bytes(data, slot);
  }

  /** The dataset's rows in this arena, copied once (and again only if another dataset takes its slot). */
  resident(data: Dataset, slot: ResidentSlot): Resident {
    this.checkRows(data);
    const { r, copied } = this.residents.place(data, slot);
    // Scaled once here, not per batch: the copy is the network's own, and every pass then reads scaled rows.
    if (copied && this.scaling) {
      this.affine(r.features, data.length, data.width, this.scaleAt.inputs);
      if (this.scaling.targets && data.targets) this.affine(r.labels, data.length, this.outputs, this.scaleAt.targets);
    }
    return r;
  }

  /**
   * The program of `pass` over `plan`'s buffers, for rows like `r`'s (u8 or f32), built once. A
   * training step holds the optimizer's buffers (useOptimizer drops the steps of a replaced one)
   * and, `withL2`, one update per tensor so that λ reaches the weights only; `decay`, the decoupled
   * weight decay before it, and `maxNorm`, the constraint after it. Training steps apply the
   * network's dropout; a 'gradients' pass does too with `dropout` (its masks those of the slot 'step').
   */
  program(pass: Pass, plan: Plan, r: Resident, step?: Step, dropout = false): Program {
    const u8 = r.data.features instanceof Uint8Array,
      t32 = Boolean(r.data.targets);
    if ((pass === 'train') !== Boolean(step))
      throw new Error('program: a training step, and only one, takes an optimizer');
    const key: ProgramKey = {
      pass,
      rows: plan.rows,
      u8,
      t32,
      ...(step && {
        optimizer: step.optimizer.id,
        withL2: step.withL2,
        diagnostics: Boolean(step.diagnostics),
        decay: Boolean(step.decay),
        maxNorm: Boolean(step.maxNorm),
      }),
      dropout,
    };
    return this.programs.get(key, () => this.build(pass, plan, r, step, dropout));
  }

  /** The program of program()'s arguments. */
  private build(pass: Pass, plan: Plan, r: Resident, step: Step | undefined, dropout: boolean): Program {
    const u8 = r.data.features instanceof Uint8Array,
      t32 = Boolean(r.data.targets);
    const { layers, loss, outputs } = this,
      last = layers.length - 1;
    const has = (...passes: Pass[]) => passes.includes(pass);
    const drops = step || dropout ? this.drops : undefined;
    return new Program(
      this.k,
      this.arena,
      (k) => {
        gather(k, plan, this.config.inputs, outputs, u8 ? r.data.scale : 0, !has('predict', 'classify'), t32);
        forward(k, layers, plan, 'rows', drops);
        if (has('classify')) k.argmaxRows(plan.out, plan.a[last], 'rows', outputs);
        if (has('evaluate', 'gradients', 'train')) outputError(k, layers, loss, plan, 'rows', has('train'));
        // While training, the count goes beside backprop's first records (read only after the step).
        const count = () => k.countCorrect(plan.a[last], plan.y, 'rows', outputs, correct(plan));
        if (has('evaluate', 'train') && !t32) {
          if (has('train') && last > 0) k.beside(count);
          else count();
        }
        if (has('gradients', 'train')) backward(k, layers, plan, 'rows', 'invRows', drops);
        const d = step?.diagnostics ? this.diagnosis.buffers() : undefined;
        if (d)
          layers.forEach((L, l) => {
            const y = l === last && this.loss.id === id.MSE ? plan.y : 0;
            const t = saturationThreshold(activationOf(this.config.layers, l), L.p);
            k.diagForward(L.act, plan.z[l], plan.a[l], y, 'rows', L.nOut, L.p, t, d.forward[l], d.alive[l]);
            k.absSum(plan.delta[l], 'rows', L.nOut, d.delta[l]);
          });
        // With diagnostics, the weights' updates (tensors 0, 2, 4…) also leave their sums.
        const stats = d && this.layout.tensors.map((_, i) => (i % 2 ? 0 : d.update[i >> 1]));
        if (step) k.join(); // the gradients and the count made beside backprop are all there
        if (step?.decay)
          for (const t of this.layout.tensors) if (t.decay) k.scale(this.params + t.offset, t.n, 'decay'); // w ← (1 − ηλ)w
        if (step) step.optimizer.update(k, this.params, this.grads, this.layout.tensors, step.withL2, stats);
        if (step?.maxNorm) for (const L of layers) k.maxNorm(L.W, L.nOut, L.nIn, 'maxNorm'); // ‖w_j‖ ≤ c
      },
      this.pool,
      plan.rows,
    );
  }

  /**
   * Put r's row order in place: the identity, or with `shuffle` a shuffle of it drawn from the
   * generator. An order already in place is kept, and a shuffle drawn from the generator's state
   * now is not drawn again (the generator moves on as if it were): an epoch that a later fit
   * continues costs no second shuffle of every row.
   */
  putOrder(r: Resident, shuffle: boolean): void {
    const from = this.random.state,
      o = r.ordered;
    if (!shuffle && o === 'identity') return;
    if (shuffle && typeof o === 'object' && o.from.every((w, i) => w === from[i])) {
      this.random.state = o.to;
      return;
    }
    const order = this.arena.u32(r.order, r.data.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (shuffle) this.random.shuffle(order);
    r.ordered = shuffle ? { from, to: this.random.state } : 'identity';
  }

  /** Point `program` at r's rows; then runBatch runs it on a range of r's order. */
  useRows(program: Program, r: Resident): void {
    program.set('features', r.features);
    program.set('labels', r.labels);
  }

  /**
   * Run `program` on rows [start, start + n) of the order of the rows it uses: true when done,
   * false when the cost was not finite (train), 'waiting' while the threads still run it (see Program.run).
   */
  runBatch(program: Program, r: Resident, start: number, n: number): boolean | 'waiting' {
    program.set('idx', r.order + 4 * start);
    program.setRows(n);
    return program.run();
  }

  /** The batch's summed cost and count of correct rows, as the last run of a program on `plan` left them. */
  cost(plan: Plan): number {
    return this.arena.view.f64()[cost(plan) >>> 3];
  }
  correct(plan: Plan): number {
    return this.arena.view.f64()[correct(plan) >>> 3];
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
    const shuffled = r.ordered; // a fit's shuffle, if this is its training data (called from its onBatchEnd)
    this.putOrder(r, false); // the same summation order every time
    const rows = Math.min(batchSize, data.length),
      plan = this.plan(rows),
      program = this.program(pass, plan, r);
    this.useRows(program, r);
    for (let start = 0; start < data.length; start += rows) {
      const n = Math.min(rows, data.length - start);
      program.finish(this.runBatch(program, r, start, n)); // no events can come in here: wait

      each(plan, n, start);
    }
    if (typeof shuffled === 'object') {
      // Put the fit's order back (drawn again from the state it was drawn from), and the generator where it is now.
      const now = this.random.state;
      this.random.state = shuffled.from;
      this.putOrder(r, true);
      this.random.state = now;
    }
  }

  /** Copy `data` in and build evaluate's buffers and program, so that evaluating it later allocates nothing. */
  prepareEvaluate(data: Dataset): void {
    this.program('evaluate', this.plan(Math.min(1000, data.length)), this.resident(data, 1));
  }

  /**
   * Mean cost per sample (of the scaled targets, as training sees them) and what fits the task:
   * accuracy for classes; mse, mae (in the targets' units) and r2 for a regression, each the mean
   * over the outputs; accuracy and each output's for multi-label.
   */
  evaluate(data: Dataset, batchSize: number): Evaluation {
    let loss = 0,
      right = 0;
    const task = this.task(data),
      k = this.outputs,
      sums = this.scaleAt.sums,
      last = this.layers.length - 1;
    if (task !== 'classes') this.arena.view.f64().fill(0, sums >>> 3, (sums >>> 3) + 5 * k);
    this.sweep(data, 1, batchSize, 'evaluate', (plan, n) => {
      loss += this.cost(plan);
      if (task === 'classes') right += this.correct(plan);
      else this.k.targetSums(plan.a[last], plan.y, n, k, sums); // one thread, row order, batch after batch
    });
    const m = data.length;
    if (task === 'classes') return { loss: loss / m, accuracy: right / m };
    const S = this.arena.view.f64().slice(sums >>> 3, (sums >>> 3) + 5 * k);
    const mean = (f: (c: number) => number) => Array.from({ length: k }, (_, c) => f(c)).reduce((a, b) => a + b) / k;
    if (task === 'multi-label') {
      const accuracies = Array.from({ length: k }, (_, c) => S[5 * c + 4] / m);
      return { loss: loss / m, accuracy: mean((c) => accuracies[c]), accuracies };
    }
    const spread = (c: number) => this.scaling?.targets?.spread[c] ?? 1;
    return {
      loss: loss / m,
      mse: mean((c) => (S[5 * c] / m) * spread(c) * spread(c)),
      mae: mean((c) => (S[5 * c + 1] / m) * spread(c)),
      // R² = 1 − SS_res / SS_tot, with SS_tot = Σy² − (Σy)²/m: scaling leaves it as it is.
      r2: mean((c) => 1 - S[5 * c] / (S[5 * c + 3] - (S[5 * c + 2] * S[5 * c + 2]) / m)),
    };
  }

  /** The outputs a for each row, rows × outputs. */
  predict(data: Dataset, slot: ResidentSlot): Float32Array {
    const k = this.outputs,
      last = this.layers.length - 1;
    const result = new Float32Array(data.length * k);
    const inverse = this.scaling?.targets;
    this.sweep(data, slot, 1000, 'predict', (plan, n, start) => {
      if (inverse) this.affine(plan.a[last], n, k, this.scaleAt.inverse); // back to the targets' units
      result.set(this.arena.f32(plan.a[last], n * k), start * k);
    });
    return result;
  }

  /** The predicted class of each row (the first argmax of a, or a ≥ 0.5 with one output). */
  classify(data: Dataset, slot: ResidentSlot): Int32Array {
    const result = new Int32Array(data.length);
    this.sweep(data, slot, 1000, 'classify', (plan, n, start) => result.set(this.arena.i32(plan.out, n), start));
    return result;
  }

  /** ∂C/∂W and ∂C/∂b (BP1–BP4) averaged over all rows of `data` at the current weights, in one batch. */
  gradients(data: Dataset, dropoutStep?: number): Parameters[] {
    if (dropoutStep === undefined) this.sweep(data, 1, data.length, 'gradients', () => {});
    else {
      // With the training steps' dropout, the masks of step `dropoutStep` (for checking BP2 through a fixed mask).
      const r = this.resident(data, 1),
        plan = this.plan(data.length),
        program = this.program('gradients', plan, r, undefined, true);
      this.putOrder(r, false);
      this.useRows(program, r);
      program.set('step', dropoutStep);
      program.finish(this.runBatch(program, r, 0, data.length));
    }
    return this.layers.map((L) => ({
      W: this.arena.f32(L.dW, L.nIn * L.nOut).slice(),
      b: this.arena.f32(L.db, L.nOut).slice(),
    }));
  }

  /** Whether `config` is the optimizer in use: its state then carries on, so fit() can continue. */
  sameOptimizer(config: OptimizerConfig | undefined): boolean {
    return (
      this.optimizer !== undefined && JSON.stringify(this.optimizer.config) === JSON.stringify(resolveOptimizer(config))
    );
  }

  /** The optimizer in use if `config` is it, else a new one (allocated, not yet in use). */
  optimizerFor(config: OptimizerConfig | undefined): Optimizer {
    return this.sameOptimizer(config)
      ? this.optimizer!
      : new Optimizer(resolveOptimizer(config), this.arena, this.paramBytes);
  }

  /** Put `o` in use (its training steps were built for it; a replaced optimizer's steps are dropped). */
  useOptimizer(o: Optimizer): void {
    if (o === this.optimizer) return;
    const old = this.optimizer;
    this.optimizer = o;
    if (old) this.programs.dropSteps(old.id);
  }

  /** Layers whose activation has no usable derivative (step), as "layer N (name)" strings. */
  untrainableLayers(): string[] {
    return this.config.layers.flatMap((_, l) => {
      const name = activationOf(this.config.layers, l);
      return ACTIVATIONS[name].trainable ? [] : [`layer ${l + 1} (${name})`];
    });
  }

  parametersView(): Float32Array {
    return this.arena.f32(this.params, this.paramBytes >>> 2);
  }

  /** True when a weight or an optimizer moment holds NaN or ±Infinity: such a network cannot be saved. */
  stateNonFinite(): boolean {
    return this.parametersView().some((v) => !Number.isFinite(v)) || (this.optimizer?.nonFinite() ?? false);
  }

  /** The settings of the last fit(), kept in model files so a run can be continued. */
  get lastFit(): FitSettings | undefined {
    return this.#lastFit;
  }
  /** What the early-stopping rule said when the last fit ended (undefined: it did not stop it). */
  get earlyStopped(): EarlyStopped | undefined {
    return this.#earlyStopped;
  }
  /** Set while an epoch is part done (a fit stopped mid-epoch): the next fit of that epoch continues it. */
  get progress(): EpochProgress | undefined {
    return this.#progress;
  }
  /** While a fit's onBatchEnd runs: where its epoch is, for a checkpoint made there. */
  get batchEnd(): (() => EpochProgress) | undefined {
    return this.#batchEnd;
  }
  /** True while a fit() runs (another is refused). */
  get fitting(): boolean {
    return this.#fitting;
  }
  /** A fit begins (refused while another runs), and ends, however it ends. */
  beginFit(): void {
    if (this.#fitting)
      throw new Error('this network is already training: another fit() of it is running; wait for it to end');
    this.#fitting = true;
  }
  endFit(): void {
    this.#fitting = false;
  }

  /** A fit's settings and optimizer are in use from now on; the last fit's early stop is forgotten. */
  useFit(settings: FitSettings, optimizer: Optimizer): void {
    this.useOptimizer(optimizer);
    this.#lastFit = settings;
    this.#earlyStopped = undefined;
  }

  /** The run a model file holds: the last fit's settings, the shuffle stream, an epoch part done. */
  loadRun(lastFit: FitSettings | undefined, random: number[], progress: EpochProgress | undefined): void {
    this.#lastFit = lastFit;
    this.random.state = random;
    this.#progress = progress;
  }

  /**
   * Where a fit stopped in epoch `epoch`, if one did, with the shuffle stream put back there; the
   * epoch is no longer part done either way (this fit runs it now).
   */
  continueEpoch(epoch: number): EpochProgress | undefined {
    const p = this.#progress?.epoch === epoch ? this.#progress : undefined;
    this.#progress = undefined;
    if (p) this.random.state = p.random;
    return p;
  }
  /** The fit stopped part way through an epoch, at `p`: the next fit of that epoch continues it. */
  pauseEpoch(p: EpochProgress): void {
    this.#progress = p;
  }

  /** onBatchEnd is called, `at` saying where the epoch is (for a checkpoint made in it); and has returned. */
  enterBatchEnd(at: () => EpochProgress): void {
    this.#batchEnd = at;
  }
  leaveBatchEnd(): void {
    this.#batchEnd = undefined;
  }

  /** The early-stopping rule's verdict on the history so far (undefined: go on). */
  noteEarlyStop(stop: EarlyStopped | undefined): void {
    this.#earlyStopped = stop;
  }

  /**
   * A point to come back to: the parameters, the optimizer in use and its state, the shuffle
   * stream, and the last fit's settings and outcome. fit() saves one before it changes anything
   * and after every epoch, and restores it when it throws: the network is then as it was.
   */
  saveSnapshot(): void {
    const { optimizer, lastFit, earlyStopped, progress } = this;
    this.snapshot.save({ optimizer, random: this.random.state, lastFit, earlyStopped, progress });
  }
  restoreSnapshot(): void {
    const s = this.snapshot.restore();
    if (s.optimizer) this.useOptimizer(s.optimizer);
    else this.optimizer = undefined;
    this.optimizer?.restore();
    this.random.state = s.random;
    this.#lastFit = s.lastFit;
    this.#earlyStopped = s.earlyStopped;
    this.#progress = s.progress;
  }

  /** Keep a copy of the parameters as epoch `epoch`'s, the best so far (early stopping), or put that copy back. */
  keepBest(epoch: number): void {
    this.snapshot.keepBest(epoch);
  }
  restoreBest(): void {
    this.snapshot.restoreBest();
  }
  /** The epoch whose parameters keepBest kept (0: none). */
  get bestKept(): number {
    return this.snapshot.bestKept;
  }
  /** Bytes reserveBest() would allocate, and the allocation: fit() makes it before it runs. */
  get bestBytes(): number {
    return this.snapshot.bestBytes;
  }
  reserveBest(): void {
    this.snapshot.reserveBest();
  }

  /** Let go of everything, the memory first: a disposed network holds nothing, even while referenced. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
    this.disposed = true;
    this.plans.clear();
    this.programs.clear();
    this.residents.clear();
    this.optimizer = undefined;
    this.snapshot.drop();
  }
}

/** Load the rows of the batch (slots 'features', 'idx', 'rows') into plan.x and, with targets, plan.y. */
function gather(
  k: Ops,
  plan: Plan,
  inputs: number,
  outputs: number,
  u8Scale: number,
  targets: boolean,
  t32: boolean,
): void {
  if (u8Scale) k.gatherU8(plan.x, 'features', inputs, 'idx', 'rows', u8Scale);
  else k.gatherF32(plan.x, 'features', inputs, 'idx', 'rows');
  // Real targets are rows of f32 like the features: the same gather. Labels become one-hot rows.
  if (targets && t32) k.gatherF32(plan.y, 'labels', outputs, 'idx', 'rows');
  else if (targets) k.gatherTargets(plan.y, 'labels', 'idx', 'rows', outputs);
}

/** How a network runs: on how many threads and why, with FMA or not and why, and the build. */
export interface Runtime {
  threads: { count: number; reason: string };
  fma: { used: boolean; reason: string };
  build?: Build;
}

function chooseRuntime(c: Required<NetworkConfig>): Runtime {
  const cores = coresAvailable();
  const asked = c.threads === 'auto' ? cores : c.threads;
  const why =
    c.backend === 'js'
      ? 'the js backend is single-threaded'
      : asked <= 1
        ? c.threads === 'auto'
          ? 'one core available'
          : 'threads: 1'
        : threadsUnavailable();
  const threads = why
    ? { count: 1, reason: why }
    : { count: asked, reason: c.threads === 'auto' ? `auto: ${cores} cores available` : `threads: ${asked}` };
  const noFma = !c.fma
    ? 'fma: false (strict SIMD: the same bits in every engine)'
    : c.backend === 'js'
      ? 'the js backend has no FMA'
      : fmaUnavailable();
  return { threads, fma: { used: false, reason: noFma ?? 'fma: true (relaxed-SIMD multiply-adds in the GEMMs)' } };
}

/** A shared memory is made with its maximum: the largest the engine gives (V8 reserves the address space of any memory anyway). */
let sharedMaximum = MEMORY_LIMIT;

function createMemory(shared: boolean): WebAssembly.Memory {
  let last: unknown;
  for (const maximum of shared ? [MEMORY_LIMIT, 2 ** 31, 2 ** 30] : [MEMORY_LIMIT]) {
    try {
      const m = new WebAssembly.Memory({ initial: 16, maximum: maximum / 65536, shared });
      if (shared) sharedMaximum = maximum;
      return m;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(
    `cannot create the network's WebAssembly memory (${(last as Error).message}): the engine is out of memory or address space. Each network alive holds one memory (in V8, 10 GiB of address space each): dispose() the networks you no longer use.`,
  );
}

/** A resident dataset's region: features, labels, order (each 16-byte aligned). */

/** Weights drawn per call of randn at initialisation (the scratch for their uniform words is 4 bytes each). */
const INIT_CHUNK = 1 << 20;

/**
 * A network whose parameters, gradients and snapshot (three copies, built at once) cannot fit in
 * one WebAssembly memory is refused before any memory is taken, naming its largest layer; so is
 * one of more layers than a model file holds.
 */
function checkSize(c: Required<NetworkConfig>): void {
  const { slots, bytes: total } = new Layout(c);
  let largest = { l: 0, bytes: 0, shape: '' };
  slots.forEach(({ nIn, nOut }, l) => {
    const bytes = 4 * (nIn * nOut + nOut);
    if (bytes > largest.bytes) largest = { l, bytes, shape: `${nOut} × ${nIn}` };
  });
  const need = 3 * total + 4 * (INIT_CHUNK + 1) + 2 ** 20;
  if (need > MEMORY_LIMIT) {
    throw new Error(
      `the network is too large for WebAssembly: its ${(total / 4).toLocaleString('en-US')} parameters take ${bytesText(total)} (layer ${largest.l + 1}, ${largest.shape} weights, ${bytesText(largest.bytes)}), and training keeps three copies (weights, gradients, a snapshot): ${bytesText(need)}, more than the ${bytesText(MEMORY_LIMIT)} one WebAssembly memory can hold`,
    );
  }
  // A model file holds at most MAX_LAYERS: a longer network could train but never be saved.
  if (c.layers.length > MAX_LAYERS)
    throw new Error(`layers holds ${c.layers.length} layers; a network has at most ${MAX_LAYERS}`);
}
