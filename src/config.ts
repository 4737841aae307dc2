// The plain data everyone shares: names, the network config and the fit settings, their defaults
// and their validation. A leaf: it imports nothing of ours, so every module (and the model-file
// reader, which checks a header with these same functions) can import it.

export type ActivationName =
  'identity' | 'step' | 'sigmoid' | 'tanh' | 'relu' | 'leaky-relu' | 'elu' | 'softplus' | 'softmax';
export const ACTIVATION_NAMES: ActivationName[] = [
  'identity',
  'step',
  'sigmoid',
  'tanh',
  'relu',
  'leaky-relu',
  'elu',
  'softplus',
  'softmax',
];

export type LossName = 'mse' | 'cross-entropy';
export const LOSS_NAMES: LossName[] = ['mse', 'cross-entropy'];

/** 'network2': weights N(0, 1/nIn) and biases N(0, 1), as Nielsen's network2.py. */
export type InitName = 'normal' | 'lecun' | 'xavier' | 'he' | 'network2';
export const INIT_NAMES: InitName[] = ['normal', 'lecun', 'xavier', 'he', 'network2'];

export type Backend = 'wasm' | 'js';

/** Column scaling fitted on the training rows: standardisation (mean, std) or min–max (min, max − min). */
export type ScaleName = 'standard' | 'minmax' | 'none';
export const SCALE_NAMES: ScaleName[] = ['standard', 'minmax', 'none'];

/** Per column, scaled = (x − center) / spread (f32 values; spread > 0). */
export interface ColumnScaling {
  center: number[];
  spread: number[];
}

/** A network's fitted scaling: of its inputs, and for regression of its targets (outputs come back in their units). */
export interface Scaling {
  method: Exclude<ScaleName, 'none'>;
  inputs: ColumnScaling;
  targets?: ColumnScaling;
}

/** Throws unless `s` is a scaling of `inputs` columns (and of `outputs` targets, if it has them). */
export function validateScaling(s: Scaling, inputs: number, outputs: number): void {
  if (!s || typeof s !== 'object') throw new Error(`scaling must be an object, got ${typeName(s)}`);
  if (s.method !== 'standard' && s.method !== 'minmax')
    throw new Error(`scaling.method must be "standard" or "minmax", got ${show(s.method)}`);
  const check = (c: ColumnScaling | undefined, what: string, n: number) => {
    for (const key of ['center', 'spread'] as const) {
      const v = c?.[key];
      if (!Array.isArray(v) || v.length !== n)
        throw new Error(`scaling.${what}.${key} must be an array of ${n} numbers (one per column), got ${typeName(v)}`);
      const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x) || (key === 'spread' && !(x > 0)));
      if (bad >= 0)
        throw new Error(
          `scaling.${what}.${key}[${bad}] is ${show(v[bad])}; expected a finite number${key === 'spread' ? ' > 0' : ''}`,
        );
    }
  };
  check(s.inputs, 'inputs', inputs);
  if (s.targets !== undefined) check(s.targets, 'targets', outputs);
}

export interface LayerSpec {
  units: number;
  activation?: ActivationName;
  /** The activation's parameter: leaky-relu slope (default 0.01) or elu alpha (default 1). */
  alpha?: number;
  /** Inverted dropout on this (hidden) layer's outputs while training: the fraction p of units dropped, in [0, 1). */
  dropout?: number;
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
  backend?: Backend;
  /**
   * Threads to train with: 'auto' (default: the cores available) or a number. Any number gives the
   * same weights, bit for bit; where threads cannot run (see net.threads), one is used.
   */
  threads?: 'auto' | number;
  /**
   * Fused multiply-adds (relaxed SIMD) in the GEMMs, where the engine has them. Off by default: the
   * results differ from the strict build's, and may differ between CPUs.
   */
  fma?: boolean;
  /**
   * Scale each input column (and a regression's targets) as the first fit() finds them in its
   * training rows, and apply that scaling in every later fit, evaluate and predict: raw rows in,
   * outputs in the targets' units. Default 'none'.
   */
  scale?: ScaleName;
  /** Names of the classes (output unit order; two for one sigmoid unit), kept in the model file. Default none ([]). */
  classes?: string[];
  /** Inverted dropout on the inputs while training: the fraction p dropped, in [0, 1). Default 0. */
  inputDropout?: number;
}

/** The most threads a network uses. */
export const MAX_THREADS = 64;

/** The name in `names` nearest to a mistyped `name` (another case, a prefix, or at most 2 edits), if any. */
export function nearest(name: string, names: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  const lower = name.toLowerCase();
  const scored = names.map((n) => {
    const m = n.toLowerCase();
    return { n, d: m === lower ? 0 : m.startsWith(lower) || lower.startsWith(m) ? 1 : distance(lower, m) };
  });
  const best = scored.sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.n : undefined;
}

/** An options object's keys must be known ones: a typo would otherwise be ignored without a word. */
export function checkKeys(o: object, what: string, known: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    throw new Error(
      `${what} has no option ${show(key)}${near ? ` (did you mean ${show(near)}?)` : ''}; it takes ${known.join(', ')}`,
    );
  }
}

/** A value's kind for a message: "null", "undefined", "a number", "an Array", "a Float64Array"… */
export function typeName(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x !== 'object') return `a ${typeof x}`;
  const name = (x as object).constructor?.name ?? 'object';
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/**
 * A value as a message quotes it: JSON-like, two levels deep and 100 characters at most, NaN and
 * Infinity by name. Never throws and never recurses further, whatever the value holds (JSON.stringify
 * overflows the stack on deep input, throws on BigInt and cycles, and says null for NaN).
 */
export function show(x: unknown): string {
  const render = (v: unknown, depth: number): string => {
    if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v !== 'object') return `a ${typeof v}`;
    if (depth === 2) return Array.isArray(v) ? '[…]' : '{…}';
    const parts: string[] = [];
    let more = false;
    const add = (part: () => string) => (parts.length === 8 ? !(more = true) : parts.push(part()) > 0);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && add(() => render(v[i], depth + 1)); i++);
      return `[${parts.join(',')}${more ? ',…' : ''}]`;
    }
    for (const k in v)
      if (Object.hasOwn(v, k) && !add(() => `${render(k, 2)}:${render((v as Record<string, unknown>)[k], depth + 1)}`))
        break;
    return `{${parts.join(',')}${more ? ',…' : ''}}`;
  };
  let text: string;
  try {
    text = render(x, 0);
  } catch {
    text = typeName(x); // a getter or a proxy that throws
  }
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

/** How deep arrays and objects nest in `value`, counted without recursion and no further than `limit` + 1. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, d);
    if (d > limit) break;
    for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return deepest;
}

/** The most layers a network may have (a model file's header holds at most this many). */
export const MAX_LAYERS = 1000;
/** How deep arrays and objects may nest in what is read (a model file's header, a model.json). */
export const MAX_NESTING = 32;

/** One layer's weights W (nOut × nIn, row-major: row j = neuron j) and biases b. */
export interface Parameters {
  W: Float32Array;
  b: Float32Array;
}

/** Layer l's activation: as given, else relu for hidden layers, and for the last softmax (sigmoid for one unit). */
export function activationOf(layers: readonly LayerSpec[], l: number): ActivationName {
  return layers[l].activation ?? (l < layers.length - 1 ? 'relu' : layers[l].units === 1 ? 'sigmoid' : 'softmax');
}

/** Classes a network with `outputs` output units tells apart: one unit means two classes (a ≥ 0.5 is class 1). */
export const classCount = (outputs: number): number => (outputs === 1 ? 2 : outputs);

/** Each class's probability from one row of outputs: the outputs themselves, or [1 − a, a] for one unit. */
export const classProbabilities = (row: ArrayLike<number>): number[] =>
  row.length === 1 ? [1 - row[0], row[0]] : Array.from(row);

/** Number of weights and biases of a network with these layer sizes. */
export function parameterCount(inputs: number, layers: readonly { units: number }[]): number {
  let n = 0,
    nIn = inputs;
  for (const l of layers) {
    n += nIn * l.units + l.units;
    nIn = l.units;
  }
  return n;
}

const isFraction = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x < 1;

const isCount = (x: unknown, max = 2 ** 24): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= max;

/** Layer i's settings (`last`: the output layer), or an Error saying what is wrong. */
function checkLayer(l: LayerSpec, i: number, last: boolean): void {
  if (!isCount(l?.units)) throw new Error(`layer ${i + 1}: units must be an integer ≥ 1, got ${show(l?.units)}`);
  checkKeys(l, `layer ${i + 1}`, ['units', 'activation', 'alpha', 'dropout']);
  if (l.dropout !== undefined && !isFraction(l.dropout))
    throw new Error(`layer ${i + 1}: dropout must be a fraction p in [0, 1) of units dropped, got ${show(l.dropout)}`);
  if (l.dropout && last)
    throw new Error(
      `layer ${i + 1}: dropout applies to hidden layers only; the output layer's units are the network's answer`,
    );
  if (l.activation !== undefined && !ACTIVATION_NAMES.includes(l.activation)) {
    throw new Error(
      `layer ${i + 1}: unknown activation ${show(l.activation)}; expected one of ${ACTIVATION_NAMES.join(', ')}`,
    );
  }
  if (l.alpha !== undefined && !Number.isFinite(l.alpha))
    throw new Error(`layer ${i + 1}: alpha must be a finite number, got ${l.alpha}`);
  if (l.activation === 'softmax' && !last) {
    throw new Error(
      `layer ${i + 1}: softmax is only allowed on the last layer (it normalises outputs into probabilities); use relu, tanh or sigmoid for hidden layers`,
    );
  }
  if (l.activation === 'softmax' && l.units === 1) {
    throw new Error(
      `layer ${i + 1}: softmax over 1 unit always outputs 1 (its outputs sum to 1), so it cannot learn; use sigmoid for one output (a 0/1 target), or 2 or more units`,
    );
  }
}

/** The class names: `count` distinct strings, or none. */
function checkClasses(classes: unknown, count: number): void {
  if (
    !Array.isArray(classes) ||
    (classes.length !== 0 && classes.length !== count) ||
    classes.some((c) => typeof c !== 'string') ||
    new Set(classes).size !== classes.length
  )
    throw new Error(
      `classes must be ${count} distinct strings (one per class of the output layer) or none, got ${show(classes)}`,
    );
}

/** The config with its defaults, or an Error saying what is wrong. The model-file reader calls this too. */
export function validateConfig(config: NetworkConfig): Required<NetworkConfig> {
  if (!config || typeof config !== 'object')
    throw new Error('Network.create expects a config object { inputs, layers, loss }');
  checkKeys(config, 'the network config', [
    'inputs',
    'layers',
    'loss',
    'init',
    'seed',
    'backend',
    'threads',
    'fma',
    'scale',
    'classes',
    'inputDropout',
  ]);
  const {
    inputs,
    layers,
    loss,
    init,
    seed = 1,
    backend = 'wasm',
    threads = 'auto',
    fma = false,
    scale = 'none',
    classes = [],
    inputDropout = 0,
  } = config;
  if (!isCount(inputs)) throw new Error(`inputs must be an integer ≥ 1, got ${show(inputs)}`);
  if (!Array.isArray(layers) || layers.length === 0)
    throw new Error('layers must be a non-empty array of { units, activation }');
  layers.forEach((l, i) => checkLayer(l, i, i === layers.length - 1));
  if (!LOSS_NAMES.includes(loss))
    throw new Error(`unknown loss ${show(loss)}; expected one of ${LOSS_NAMES.join(', ')}`);
  const output = activationOf(layers, layers.length - 1);
  if (loss === 'cross-entropy' && output !== 'softmax' && output !== 'sigmoid') {
    throw new Error(
      `loss "cross-entropy" needs a softmax or sigmoid output layer (its outputs are probabilities); the last layer is ${show(output)}`,
    );
  }
  if (init !== undefined && !INIT_NAMES.includes(init))
    throw new Error(`unknown init ${show(init)}; expected one of ${INIT_NAMES.join(', ')}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  if (backend !== 'wasm' && backend !== 'js')
    throw new Error(`unknown backend ${show(backend)}; expected "wasm" or "js"`);
  if (threads !== 'auto' && !isCount(threads, MAX_THREADS))
    throw new Error(`threads must be "auto" or an integer from 1 to ${MAX_THREADS}, got ${show(threads)}`);
  if (typeof fma !== 'boolean') throw new Error(`fma must be true or false, got ${show(fma)}`);
  if (!SCALE_NAMES.includes(scale))
    throw new Error(`unknown scale ${show(scale)}; expected one of ${SCALE_NAMES.join(', ')}`);
  checkClasses(classes, classCount(layers[layers.length - 1].units));
  if (!isFraction(inputDropout))
    throw new Error(`inputDropout must be a fraction p in [0, 1) of inputs dropped, got ${show(inputDropout)}`);
  return {
    inputs,
    layers: layers.map((l) => ({ ...l })),
    loss,
    init: init as InitName,
    seed,
    backend,
    threads,
    fma,
    scale,
    classes: [...classes],
    inputDropout,
  };
}

// ---- Optimizers ---------------------------------------------------------------------------------

export type OptimizerConfig =
  | { name: 'sgd'; learningRate: number }
  | { name: 'momentum'; learningRate: number; momentum?: number; nesterov?: boolean }
  | { name: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number };

export type OptimizerName = OptimizerConfig['name'];
export const OPTIMIZER_NAMES: OptimizerName[] = ['sgd', 'momentum', 'adam'];

/**
 * A learning rate to start from for each optimizer (the CLI's and the demo's default; adam's also
 * when a config leaves it out). Momentum 0.9 multiplies the step by 1/(1 − 0.9) = 10, so it gets
 * sgd's rate / 10.
 */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = { sgd: 0.1, momentum: 0.01, adam: 0.001 };

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
const OPTIMIZER_OPTIONS: Record<OptimizerName, (keyof ResolvedOptimizer)[]> = {
  sgd: ['learningRate'],
  momentum: ['learningRate', 'momentum', 'nesterov'],
  adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
};

/** The config that resolves to `r`, with only the options its optimizer takes (as saved in model files). */
export function optimizerConfig(r: ResolvedOptimizer): OptimizerConfig {
  return Object.fromEntries([['name', r.name], ...OPTIMIZER_OPTIONS[r.name].map((k) => [k, r[k]])]) as OptimizerConfig;
}

function optimizerNumber(
  value: unknown,
  what: string,
  dflt: number | undefined,
  ok: (x: number) => boolean,
  expected: string,
): number {
  const x = value ?? dflt;
  if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) {
    throw new Error(`optimizer ${what} must be ${expected}, got ${value === undefined ? 'nothing' : show(value)}`);
  }
  return x;
}

/** Every option of the optimizer, defaults filled in (adam when `config` is undefined). */
export function resolveOptimizer(config: OptimizerConfig | undefined): ResolvedOptimizer {
  const c = (config ?? { name: 'adam' }) as Record<string, unknown>;
  const name = c.name as OptimizerName;
  if (!OPTIMIZER_NAMES.includes(name)) {
    throw new Error(`unknown optimizer ${show(c.name)}; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const known = OPTIMIZER_OPTIONS[name];
  for (const key of Object.keys(c)) {
    if (key !== 'name' && !(known as string[]).includes(key))
      throw new Error(`optimizer ${name} has no option ${show(key)}; it takes ${known.join(', ')}`);
  }
  const unit = (x: number) => x >= 0 && x < 1;
  return {
    name,
    learningRate: optimizerNumber(
      c.learningRate,
      'learningRate',
      name === 'adam' ? DEFAULT_LEARNING_RATES.adam : undefined,
      (x) => x > 0,
      'a finite number > 0',
    ),
    momentum: optimizerNumber(c.momentum, 'momentum', 0.9, unit, 'in [0, 1)'),
    nesterov: Boolean(c.nesterov ?? false),
    beta1: optimizerNumber(c.beta1, 'beta1', 0.9, unit, 'in [0, 1)'),
    beta2: optimizerNumber(c.beta2, 'beta2', 0.999, unit, 'in [0, 1)'),
    epsilon: optimizerNumber(c.epsilon, 'epsilon', 1e-8, (x) => x > 0, 'a finite number > 0'),
  };
}

// ---- Training settings and history --------------------------------------------------------------

/** Stop when the validation loss has not improved for `patience` epochs. */
export interface EarlyStopping {
  patience: number;
  /** On stopping, put back the weights of the epoch with the lowest validation loss. Default true. */
  restoreBest?: boolean;
}

/** How the last fit() ended, when early stopping ended it. */
export interface EarlyStopped {
  /** The last epoch trained. */
  epoch: number;
  /** The epoch with the lowest validation loss, and that loss. */
  bestEpoch: number;
  bestValLoss: number;
  /** True when the weights are now bestEpoch's (it was the last, or restoreBest put them back). */
  restored: boolean;
}

/** The serialisable settings of a fit() call: what a resumed run passes to fit() again (kept in model files). */
export interface FitSettings {
  /** The number of the last epoch (with initialEpoch, the run covers initialEpoch+1 … epochs). */
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  l2: number;
  shuffle: boolean;
  /** Validation on the last fraction of the training rows (present only when given). */
  validationSplit?: number;
  earlyStopping?: Required<EarlyStopping>;
  /** The learning rate per epoch (src/schedule.ts); absent: the optimizer's, every epoch. */
  schedule?: Schedule;
  /** Decoupled weight decay λ (AdamW-style): w ← (1 − ηλ)w before each update, weights only (present only when given). */
  weightDecay?: number;
  /** Max-norm c: after each update, a unit's incoming weights whose norm exceeds c are scaled to norm c (present only when given). */
  maxNorm?: number;
}

// ---- Learning-rate schedules (src/schedule.ts computes them) -----------------------------------

/**
 * η_e for epoch e (1-based) from the optimizer's η: 'step' η·factor^⌊(e − 1)/every⌋; 'exponential'
 * η·factor^(e − 1); 'cosine' linear warm-up over `warmup` epochs, then from η down to `min` along
 * half a cosine by the fit's last epoch; 'plateau' η·factor each time the validation loss (the
 * training loss without validation) has not improved for `patience` epochs, never below `min`.
 */
export type Schedule =
  | { name: 'step'; every: number; factor?: number }
  | { name: 'exponential'; factor: number }
  | { name: 'cosine'; warmup?: number; min?: number }
  | { name: 'plateau'; factor?: number; patience?: number; min?: number };
export type ScheduleName = Schedule['name'];
export const SCHEDULE_NAMES: ScheduleName[] = ['step', 'exponential', 'cosine', 'plateau'];

/** The options each schedule takes, and their defaults (undefined: required). */
const SCHEDULE_OPTIONS: Record<ScheduleName, Record<string, number | undefined>> = {
  step: { every: undefined, factor: 0.1 },
  exponential: { factor: undefined },
  cosine: { warmup: 0, min: 0 },
  plateau: { factor: 0.1, patience: 5, min: 0 },
};

/** The schedule with its defaults filled in, or an Error saying what is wrong. */
export function validateSchedule(schedule: unknown): Schedule {
  const c = schedule as Record<string, unknown>;
  if (!c || typeof c !== 'object' || !SCHEDULE_NAMES.includes(c.name as ScheduleName))
    throw new Error(
      `schedule must be an object { name, … } with name one of ${SCHEDULE_NAMES.join(', ')}, got ${show(schedule)}`,
    );
  const name = c.name as ScheduleName,
    options = SCHEDULE_OPTIONS[name];
  checkKeys(c, `schedule ${name}`, ['name', ...Object.keys(options)]);
  const out: Record<string, unknown> = { name };
  for (const [key, dflt] of Object.entries(options)) {
    const x = c[key] ?? dflt;
    const ok =
      typeof x === 'number' &&
      (key === 'factor'
        ? x > 0 && x < 1
        : key === 'every' || key === 'patience'
          ? isCount(x, 2 ** 31)
          : key === 'warmup'
            ? Number.isInteger(x) && x >= 0 && x < 2 ** 31
            : Number.isFinite(x) && x >= 0);
    if (!ok)
      throw new Error(
        `schedule ${name}: ${key} must be ${key === 'factor' ? 'a number in (0, 1)' : key === 'min' ? 'a finite number ≥ 0' : key === 'warmup' ? 'an integer ≥ 0 (epochs)' : 'an integer ≥ 1 (epochs)'}, got ${c[key] === undefined ? 'nothing' : show(c[key])}`,
      );
    out[key] = x;
  }
  return out as Schedule;
}

/** One layer's diagnostics (l = 1 is the first hidden layer), over the diagnosed batches of an epoch. */
export interface LayerDiagnostics {
  /** Fraction of the (row, unit) pairs saturated (see SATURATION in diagnostics.ts): where BP2's ⊙ f′(z) shrinks δ. */
  saturated: number;
  /** relu and leaky-relu only (else null): fraction of units with zˡ ≤ 0 for every diagnosed row of the epoch. */
  dead: number | null;
  /** ‖∂C/∂Wˡ‖ (Frobenius; BP4's batch-mean gradient of the cost, without L2): mean over the diagnosed batches. */
  gradNorm: number;
  /** Mean |δˡ| over rows and units (BP1 for the output layer, BP2 below it). */
  deltaMean: number;
  /** ‖ΔWˡ‖ / ‖Wˡ‖: the optimizer's change of the weights in a step over their size before it, mean over the batches. */
  updateRatio: number;
  /** √(mean of (Wˡ)²) before each step, mean over the batches. */
  weightRms: number;
  /** √(mean of (aˡ)²) over rows and units. */
  activationRms: number;
  /**
   * The output layer under the quadratic cost only: fraction of the outputs that are saturated and
   * wrong (|a − y| > 0.5), which BP1's σ′(zᴸ) factor makes learn slowly. Absent elsewhere.
   */
  saturatedWrong?: number;
}

/** The names above, in the order tables show them. */
export const DIAGNOSTIC_NAMES = [
  'saturated',
  'dead',
  'gradNorm',
  'deltaMean',
  'updateRatio',
  'weightRms',
  'activationRms',
  'saturatedWrong',
] as const satisfies readonly (keyof LayerDiagnostics)[];

/** What evaluate() reports: the loss and what fits the targets (see Network.evaluate). */
export interface Evaluation {
  loss: number;
  /** Class labels; multi-label: the mean of `accuracies`. */
  accuracy?: number;
  /** Multi-label: each output's share of rows where a ≥ ½ and y ≥ ½ agree. */
  accuracies?: number[];
  /** Regression: means over the outputs, mse and mae in the targets' units. */
  mse?: number;
  mae?: number;
  r2?: number;
}

export interface EpochLog {
  epoch: number;
  /** Mean cost per training sample over the epoch (as the weights moved), without the L2 term. */
  loss: number;
  /** With class labels (targets of a regression or multi-label fit have none here: see the val* metrics). */
  accuracy?: number;
  valLoss?: number;
  /** With class labels, or multi-label targets (the mean of the outputs' accuracies). */
  valAccuracy?: number;
  /** Multi-label: each output's accuracy on the validation rows. */
  valAccuracies?: number[];
  /** Regression: the validation rows' mean squared and absolute errors (in the targets' units) and R². */
  valMse?: number;
  valMae?: number;
  valR2?: number;
  seconds: number;
  samplesPerSec: number;
  /** The learning rate η of the epoch (the schedule's; absent in files written before schedules). */
  learningRate?: number;
  /** With fit({ diagnostics }): one entry per layer, from the first hidden layer to the output (src/diagnostics.ts). */
  diagnostics?: LayerDiagnostics[];
}

/**
 * What the worker threads did over an epoch's steps: the parts of records each claimed (thread 0
 * first; thread 0 runs the records not split by itself, uncounted), and with threads: 'auto', the
 * steps thread 0 ran alone because that was faster (another process keeping a core busy).
 */
export interface ThreadCounts {
  parts: number[];
  alone?: number;
}

export type History = EpochLog[];

/**
 * Where a fit() stopped in the middle of an epoch (an onBatchEnd returned false, or the CLI was
 * interrupted): what continuing that epoch exactly needs, kept in checkpoints.
 */
export interface EpochProgress {
  /** The epoch in progress, and the batches of it done. */
  epoch: number;
  batch: number;
  /** The shuffle generator's state before this epoch's shuffle (continuing makes the same order). */
  random: number[];
  /** The epoch's sums so far (summed cost, correct rows, rows seen) and its seconds. */
  cost: number;
  correct: number;
  seen: number;
  seconds: number;
  /** The batch size and training rows the order was made for: continuing needs the same. */
  batchSize: number;
  rows: number;
}

export interface BatchLog {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  samples: number;
  /** With fit({ diagnostics }), on the batches diagnosed: this batch's, per layer (dead: over the epoch so far). */
  diagnostics?: LayerDiagnostics[];
}

export function checkBatchSize(b: unknown): void {
  if (!isCount(b, Number.MAX_SAFE_INTEGER)) throw new Error(`batch size must be an integer ≥ 1, got ${show(b)}`);
}

/** The settings fit() runs with (defaults filled in), or an Error saying what is wrong. Model headers are checked by it too. */
export function validateFitSettings(
  s: Partial<Omit<FitSettings, 'earlyStopping'>> & { earlyStopping?: EarlyStopping },
): FitSettings {
  const { epochs, batchSize, l2 = 0, shuffle = true, validationSplit, earlyStopping, weightDecay, maxNorm } = s;
  if (!isCount(epochs, Number.MAX_SAFE_INTEGER)) throw new Error(`epochs must be an integer ≥ 1, got ${show(epochs)}`);
  checkBatchSize(batchSize);
  if (typeof l2 !== 'number' || !Number.isFinite(l2) || l2 < 0)
    throw new Error(`l2 must be a finite number ≥ 0, got ${show(l2)}`);
  if (typeof shuffle !== 'boolean') throw new Error(`shuffle must be true or false, got ${show(shuffle)}`);
  const optimizer = optimizerConfig(resolveOptimizer(s.optimizer));
  const settings: FitSettings = { epochs, batchSize: batchSize as number, optimizer, l2, shuffle };
  if (s.schedule !== undefined) settings.schedule = validateSchedule(s.schedule);
  if (weightDecay !== undefined) {
    if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay) || weightDecay < 0)
      throw new Error(`weightDecay must be a finite number ≥ 0, got ${show(weightDecay)}`);
    settings.weightDecay = weightDecay;
  }
  if (maxNorm !== undefined) {
    if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0)
      throw new Error(
        `maxNorm must be a finite number > 0 (the largest norm of a unit's incoming weights), got ${show(maxNorm)}`,
      );
    settings.maxNorm = maxNorm;
  }
  if (validationSplit !== undefined) {
    if (typeof validationSplit !== 'number' || !(validationSplit > 0 && validationSplit < 1)) {
      throw new Error(`validationSplit must be a fraction between 0 and 1 (exclusive), got ${show(validationSplit)}`);
    }
    settings.validationSplit = validationSplit;
  }
  if (earlyStopping !== undefined) {
    if (typeof earlyStopping !== 'object' || earlyStopping === null)
      throw new Error(`earlyStopping must be an object { patience, restoreBest? }, got ${show(earlyStopping)}`);
    checkKeys(earlyStopping, 'earlyStopping', ['patience', 'restoreBest']);
    const { patience, restoreBest = true } = earlyStopping as Partial<EarlyStopping>;
    if (!isCount(patience, Number.MAX_SAFE_INTEGER))
      throw new Error(
        `earlyStopping.patience must be an integer ≥ 1 (epochs without a lower validation loss), got ${show(patience)}`,
      );
    if (typeof restoreBest !== 'boolean')
      throw new Error(`earlyStopping.restoreBest must be true or false, got ${show(restoreBest)}`);
    settings.earlyStopping = { patience, restoreBest };
  }
  return settings;
}

/** The validated epoch with the lowest validation loss (the first of equals), if any. */
export function bestEpoch(history: History): EpochLog | undefined {
  let best: EpochLog | undefined;
  for (const e of history) if (e.valLoss !== undefined && (best === undefined || e.valLoss < best.valLoss!)) best = e;
  return best;
}

/**
 * The early-stopping rule: a run whose validation loss has not improved for `patience` epochs
 * stops. Returns where (`restored` says whether the weights are the best epoch's: true only when
 * that is the last), or undefined while it goes on.
 */
export function earlyStopReached(history: History, patience: number): EarlyStopped | undefined {
  const best = bestEpoch(history),
    last = history.at(-1);
  if (!best || !last || last.epoch - best.epoch < patience) return undefined;
  return { epoch: last.epoch, bestEpoch: best.epoch, bestValLoss: best.valLoss!, restored: best === last };
}
