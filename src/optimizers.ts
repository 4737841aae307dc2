// Optimizer configs ↔ kernel calls and state buffers. State (velocity, moments) lives in the
// network's arena with the same layout as the parameters, allocated once.
import type { Kernels } from './kernels.js';
import type { Arena } from './memory.js';

export type OptimizerConfig =
  | { name: 'sgd'; learningRate: number }
  | { name: 'momentum'; learningRate: number; momentum?: number; nesterov?: boolean }
  | { name: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number };

export type OptimizerName = OptimizerConfig['name'];
export const OPTIMIZER_NAMES: OptimizerName[] = ['sgd', 'momentum', 'adam'];

export interface ResolvedOptimizer {
  name: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The options each optimizer takes. */
const OPTIONS: Record<OptimizerName, (keyof ResolvedOptimizer)[]> = {
  sgd: ['learningRate'], momentum: ['learningRate', 'momentum', 'nesterov'], adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
};

/** The config that resolves to `r`, with only the options its optimizer takes (as saved in model files). */
export function optimizerConfig(r: ResolvedOptimizer): OptimizerConfig {
  return Object.fromEntries([['name', r.name], ...OPTIONS[r.name].map((k) => [k, r[k]])]) as OptimizerConfig;
}

function num(value: unknown, what: string, dflt: number | undefined, ok: (x: number) => boolean, expected: string): number {
  const x = value ?? dflt;
  if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) {
    throw new Error(`optimizer ${what} must be ${expected}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return x;
}

export function resolveOptimizer(config: OptimizerConfig | undefined): ResolvedOptimizer {
  const c = (config ?? { name: 'adam' }) as Record<string, unknown>;
  const name = c.name as OptimizerName;
  if (!OPTIMIZER_NAMES.includes(name)) {
    throw new Error(`unknown optimizer ${JSON.stringify(c.name)}; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const known = OPTIONS[name];
  for (const key of Object.keys(c)) {
    if (key !== 'name' && !(known as string[]).includes(key)) throw new Error(`optimizer ${name} has no option ${JSON.stringify(key)}; it takes ${known.join(', ')}`);
  }
  const unit = (x: number) => x >= 0 && x < 1;
  return {
    name,
    learningRate: num(c.learningRate, 'learningRate', name === 'adam' ? 0.001 : undefined, (x) => x > 0, 'a finite number > 0'),
    momentum: num(c.momentum, 'momentum', 0.9, unit, 'in [0, 1)'),
    nesterov: Boolean(c.nesterov ?? false),
    beta1: num(c.beta1, 'beta1', 0.9, unit, 'in [0, 1)'),
    beta2: num(c.beta2, 'beta2', 0.999, unit, 'in [0, 1)'),
    epsilon: num(c.epsilon, 'epsilon', 1e-8, (x) => x > 0, 'a finite number > 0'),
  };
}

/** One tensor of the parameter block: byte offset from the block start, length, and whether L2 applies. */
export interface Tensor { offset: number; n: number; decay: boolean }

/** What an optimizer carries between steps, so a checkpoint can continue exactly. */
export interface OptimizerState { steps: number; b1t: number; b2t: number; m?: Float32Array; v?: Float32Array }

export class Optimizer {
  private m = 0;
  private v = 0;
  /** Adam's β₁ᵗ and β₂ᵗ, kept as exact running products (no Math.pow: same bits in every engine). */
  private b1t = 1;
  private b2t = 1;
  steps = 0;

  constructor(readonly config: ResolvedOptimizer, private readonly arena: Arena, private readonly bytes: number) {
    if (config.name !== 'sgd') this.v = arena.alloc(bytes);
    if (config.name === 'adam') this.m = arena.alloc(bytes);
    if (this.v) arena.f32(this.v, bytes >> 2).fill(0);
    if (this.m) arena.f32(this.m, bytes >> 2).fill(0);
  }

  /** Copies of the step count, βᵗ products and moment buffers (m for adam, v for momentum and adam). */
  getState(): OptimizerState {
    const n = this.bytes >> 2;
    return { steps: this.steps, b1t: this.b1t, b2t: this.b2t, m: this.m ? this.arena.f32(this.m, n).slice() : undefined, v: this.v ? this.arena.f32(this.v, n).slice() : undefined };
  }

  setState(s: OptimizerState): void {
    const n = this.bytes >> 2;
    for (const [name, ptr, a] of [['m', this.m, s.m], ['v', this.v, s.v]] as const) {
      if (!ptr !== !a || (a && a.length !== n)) throw new Error(`${this.config.name}: optimizer state ${name} must be ${ptr ? `${n} values` : 'absent'}, got ${a ? a.length : 'none'}`);
      if (ptr && a) this.arena.f32(ptr, n).set(a);
    }
    this.steps = s.steps;
    this.b1t = s.b1t;
    this.b2t = s.b2t;
  }

  /** Apply one update to params from grads (same layout); l2 applies to tensors with decay. */
  step(k: Kernels, params: number, grads: number, tensors: Tensor[], l2: number): void {
    const c = this.config;
    this.steps++;
    if (c.name === 'adam') { this.b1t *= c.beta1; this.b2t *= c.beta2; }
    // Without L2 every tensor gets the same update: one call over the whole block.
    if (l2 === 0) this.update(k, params, grads, 0, this.bytes >> 2, 0);
    else for (const t of tensors) this.update(k, params, grads, t.offset, t.n, t.decay ? l2 : 0);
  }

  private update(k: Kernels, params: number, grads: number, o: number, n: number, l2: number): void {
    const c = this.config;
    if (c.name === 'sgd') k.sgd(params + o, grads + o, n, c.learningRate, l2);
    else if (c.name === 'momentum') k.momentum(params + o, grads + o, this.v + o, n, c.learningRate, c.momentum, l2, c.nesterov ? 1 : 0);
    else k.adam(params + o, grads + o, this.m + o, this.v + o, n, c.learningRate, c.beta1, c.beta2, c.epsilon, l2, this.b1t, this.b2t);
  }
}
