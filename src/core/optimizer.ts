// The optimizer's state (velocity, moments, step count, Adam's βᵗ) and the kernel calls of an
// update. State lives in the network's arena with the same layout as the parameters, allocated once.
import type { ResolvedOptimizer } from '../config.js';
import type { Arena } from '../memory.js';
import type { Ops, Program } from './program.js';

/** One tensor of the parameter block: byte offset from the block start, length, and whether L2 applies. */
export interface Tensor {
  offset: number;
  n: number;
  decay: boolean;
}

/** What an optimizer carries between steps, so a checkpoint can continue exactly. */
export interface OptimizerState {
  steps: number;
  b1t: number;
  b2t: number;
  m?: Float32Array;
  v?: Float32Array;
}

let made = 0;

export class Optimizer {
  /** Tells optimizers apart (a training step's program is built for one). */
  readonly id = ++made;
  private m = 0;
  private v = 0;
  /** Copies of m and v, and of the numbers below, for the network's snapshot (save, restore). */
  private mSaved = 0;
  private vSaved = 0;
  private saved: { steps: number; b1t: number; b2t: number } = { steps: 0, b1t: 1, b2t: 1 };
  /** Adam's β₁ᵗ and β₂ᵗ, kept as exact running products (no Math.pow: same bits in every engine). */
  private b1t = 1;
  private b2t = 1;
  steps = 0;

  /** Bytes an optimizer of `config` takes for a network of `paramBytes`: its moments and their copies. */
  static bytes(config: ResolvedOptimizer, paramBytes: number): number {
    return { sgd: 0, momentum: 2, adam: 4 }[config.name] * paramBytes;
  }

  constructor(
    readonly config: ResolvedOptimizer,
    private readonly arena: Arena,
    private readonly bytes: number,
  ) {
    arena.reserve(Optimizer.bytes(config, bytes), `the ${config.name} optimizer's state`);
    if (config.name !== 'sgd') [this.v, this.vSaved] = [arena.alloc(bytes), arena.alloc(bytes)];
    if (config.name === 'adam') [this.m, this.mSaved] = [arena.alloc(bytes), arena.alloc(bytes)];
    for (const p of [this.m, this.v, this.mSaved, this.vSaved]) if (p) arena.f32(p, bytes >>> 2).fill(0);
  }

  /** True when a moment holds NaN or ±Infinity (a gradient overflowed): training diverged there too. */
  nonFinite(): boolean {
    const n = this.bytes >>> 2;
    return [this.m, this.v].some((p) => p !== 0 && this.arena.f32(p, n).some((x) => !Number.isFinite(x)));
  }

  save(): void {
    if (this.m) this.arena.copy(this.mSaved, this.m, this.bytes);
    if (this.v) this.arena.copy(this.vSaved, this.v, this.bytes);
    this.saved = { steps: this.steps, b1t: this.b1t, b2t: this.b2t };
  }

  restore(): void {
    if (this.m) this.arena.copy(this.m, this.mSaved, this.bytes);
    if (this.v) this.arena.copy(this.v, this.vSaved, this.bytes);
    ({ steps: this.steps, b1t: this.b1t, b2t: this.b2t } = this.saved);
  }

  /** Copies of the step count, βᵗ products and moment buffers (m for adam, v for momentum and adam). */
  getState(): OptimizerState {
    const n = this.bytes >>> 2;
    return {
      steps: this.steps,
      b1t: this.b1t,
      b2t: this.b2t,
      m: this.m ? this.arena.f32(this.m, n).slice() : undefined,
      v: this.v ? this.arena.f32(this.v, n).slice() : undefined,
    };
  }

  setState(s: OptimizerState): void {
    const n = this.bytes >>> 2;
    for (const [name, ptr, a] of [
      ['m', this.m, s.m],
      ['v', this.v, s.v],
    ] as const) {
      if (!ptr !== !a || (a && a.length !== n))
        throw new Error(
          `${this.config.name}: optimizer state ${name} must be ${ptr ? `${n} values` : 'absent'}, got ${a ? a.length : 'none'}`,
        );
      if (ptr && a) this.arena.f32(ptr, n).set(a);
    }
    this.steps = s.steps;
    this.b1t = s.b1t;
    this.b2t = s.b2t;
  }

  /**
   * The update of params from grads (same layout). Without L2 every tensor gets the same update:
   * one call over the whole block; with it, one per tensor, L2 (slot 'l2') where it applies. With
   * `stats` (diagnostics: a pointer or 0 per tensor) one per tensor too, each with its pointer.
   */
  update(k: Ops, params: number, grads: number, tensors: Tensor[], withL2: boolean, stats?: number[]): void {
    if (!withL2 && !stats) this.tensor(k, params, grads, 0, this.bytes >>> 2, 0, 0);
    else
      tensors.forEach((t, i) =>
        this.tensor(k, params, grads, t.offset, t.n, withL2 && t.decay ? 'l2' : 0, stats?.[i] ?? 0),
      );
  }

  private tensor(k: Ops, params: number, grads: number, o: number, n: number, l2: 'l2' | 0, stats: number): void {
    const c = this.config;
    if (c.name === 'sgd') k.sgd(params + o, grads + o, n, 'lr', l2, stats);
    else if (c.name === 'momentum')
      k.momentum(params + o, grads + o, this.v + o, n, 'lr', c.momentum, l2, c.nesterov ? 1 : 0, stats);
    else
      k.adam(
        params + o,
        grads + o,
        this.m + o,
        this.v + o,
        n,
        'lr',
        c.beta1,
        c.beta2,
        c.epsilon,
        l2,
        'b1t',
        'b2t',
        stats,
      );
  }

  /** Give `program` (which holds this update) its λ, once per fit. */
  prepare(program: Program, l2: number): void {
    program.set('l2', l2);
  }

  /** Give `program` an epoch's learning rate η (the schedule's), and the decoupled decay's factor 1 − ηλ. */
  setLearningRate(program: Program, lr: number, weightDecay: number): void {
    program.set('lr', lr);
    program.set('decay', 1 - lr * weightDecay);
  }

  /** Give `program` the step number and βᵗ of the next step; call stepped() once it ran. */
  next(program: Program): void {
    const c = this.config;
    program.set('step', this.steps % 2 ** 32); // dropout's masks: a function of the step
    if (c.name !== 'adam') return;
    program.set('b1t', this.b1t * c.beta1);
    program.set('b2t', this.b2t * c.beta2);
  }

  stepped(): void {
    const c = this.config;
    this.steps++;
    if (c.name === 'adam') {
      this.b1t *= c.beta1;
      this.b2t *= c.beta2;
    }
  }
}
