// The op table: the one statement of what a program record holds (src/core/program.ts writes
// them, assembly/program.ts and src/reference/ run them). For each op: its id (src/ids.ts), its
// arguments in the kernel's order with their kinds, how exec splits it across threads, and what
// its cost grows with (µs on one core, measured rates rounded: partsFor turns it into parts).
// Derived from it: the Kernels type (src/kernels.ts), the recorder and partsFor
// (src/core/program.ts), the reference's decoding (src/reference/index.ts), and the word positions
// exec reads (assembly/words.ts, written by scripts/ops.js at build time).
//
// A record is OP_WORDS f64 words: the op id, the arguments, then `out` (where a kernel's returned
// value goes, as f64) and `stop` when the op has them, and in the last word its parts.
import * as id from './ids.js';

/**
 * ptr: a byte offset into the memory; int: an i32 (sizes, ids, flags); u32: a hash word;
 * f32, f64: reals, as the kernel takes them.
 */
export type Kind = 'ptr' | 'int' | 'u32' | 'f32' | 'f64';
/** An argument: its name and kind, as `name:kind`. */
export type ArgSpec = `${string}:${Kind}`;
/**
 * How exec (assembly/program.ts) splits a record into parts: tiles of the output, rows, groups
 * of 4 columns, groups of 4 elements, ranges of parameters, or never (one part: a sum or a count
 * kept in order).
 */
export type Split = 'tiles' | 'rows' | 'columns' | 'elements' | 'params' | 'one';

export type NameOf<A> = A extends `${infer N}:${Kind}` ? N : never;
/** A record's arguments by name (what a cost reads). */
export type Named<A extends readonly ArgSpec[]> = { [K in NameOf<A[number]>]: number };

export interface OpSpec {
  readonly id: number;
  readonly args: readonly ArgSpec[];
  readonly split: Split;
  /** µs on one core; none: the op is cheap (one part). */
  readonly cost?: (a: never) => number;
  /** The kernel returns a value, stored as f64 at the record's `out` word. */
  readonly out?: true;
  /** With `stop` = 1, a non-finite returned value ends the program there. */
  readonly stop?: true;
  /** No kernel: the op only marks a place in the program. */
  readonly noKernel?: true;
}

const op = <const S extends OpSpec>(s: S & { cost?: (a: Named<S['args']>) => number }): S => s;

const GEMM = ['c:ptr', 'a:ptr', 'b:ptr', 'bias:ptr', 'M:int', 'N:int', 'K:int', 'alpha:f32', 'beta:f32'] as const;
const gemmCost = (a: Named<typeof GEMM>) => (2 * a.M * a.N * a.K) / 30e3; // 30 GFLOP/s
/** The elementwise activations that cost one operation an element; the others cost about 5. */
const cheap = (act: number) => (act === id.RELU || act === id.IDENTITY || act === id.LEAKY_RELU ? 1 : 5);

export const OPS = {
  /** out[r] = images[idx[r]] · scale (u8 pixels to f32). */
  gatherU8: op({
    id: id.OP_GATHER_U8,
    args: ['out:ptr', 'images:ptr', 'width:int', 'idx:ptr', 'count:int', 'scale:f32'],
    split: 'rows',
    cost: (a) => (a.width * a.count) / 2e3,
  }),
  gatherF32: op({
    id: id.OP_GATHER_F32,
    args: ['out:ptr', 'features:ptr', 'width:int', 'idx:ptr', 'count:int'],
    split: 'rows',
    cost: (a) => (a.width * a.count) / 2e3,
  }),
  /** The one-hot targets (nOut = 1: the label itself). */
  gatherTargets: op({
    id: id.OP_GATHER_TARGETS,
    args: ['y:ptr', 'labels:ptr', 'idx:ptr', 'count:int', 'nOut:int'],
    split: 'rows',
  }),
  /** C[M×N] = alpha·A·Bᵀ + beta·C + bias; A is M×K, B is N×K (forward: Z = A_prev·Wᵀ + b). */
  gemmNT: op({ id: id.OP_GEMM_NT, args: GEMM, split: 'tiles', cost: gemmCost }),
  /** C[M×N] = alpha·A·B + beta·C + bias; A is M×K, B is K×N (BP2: Δ·W). */
  gemmNN: op({ id: id.OP_GEMM_NN, args: GEMM, split: 'tiles', cost: gemmCost }),
  /** C[M×N] = alpha·Aᵀ·B + beta·C + bias; A is K×M, B is K×N (BP4: Δᵀ·A_prev). */
  gemmTN: op({ id: id.OP_GEMM_TN, args: GEMM, split: 'tiles', cost: gemmCost }),
  /** a = f(z) over rows×cols (softmax per row: split by rows, the others by elements). */
  activate: op({
    id: id.OP_ACTIVATE,
    args: ['act:int', 'z:ptr', 'a:ptr', 'rows:int', 'cols:int', 'p:f32'],
    split: 'elements',
    cost: (a) => (a.rows * a.cols * cheap(a.act)) / 5e3,
  }),
  /** delta ⊙= σ'(z) (softmax: Jacobian-vector product). */
  mulDerivative: op({
    id: id.OP_MUL_DERIVATIVE,
    args: ['act:int', 'z:ptr', 'a:ptr', 'delta:ptr', 'rows:int', 'cols:int', 'p:f32'],
    split: 'elements',
    cost: (a) => (a.rows * a.cols * cheap(a.act)) / 5e3,
  }),
  /** delta = a − y; returns the summed cost of the rows (one sum in row order). */
  lossDelta: op({
    id: id.OP_LOSS_DELTA,
    args: ['loss:int', 'a:ptr', 'y:ptr', 'delta:ptr', 'rows:int', 'cols:int'],
    split: 'one',
    out: true,
    stop: true,
  }),
  /** BP3: db = alpha · column sums of delta. */
  biasGrad: op({
    id: id.OP_BIAS_GRAD,
    args: ['db:ptr', 'delta:ptr', 'rows:int', 'cols:int', 'alpha:f32'],
    split: 'columns',
    cost: (a) => (a.rows * a.cols) / 4e3,
  }),
  /**
   * The updates (in place). stats ≠ 0 (diagnostics): per DIAG_CHUNK floats, three f64 at stats —
   * Σ(Δw)², Σw² before the step, Σg² — and the same weights as with stats = 0.
   */
  sgd: op({
    id: id.OP_SGD,
    args: ['w:ptr', 'g:ptr', 'n:int', 'lr:f32', 'l2:f32', 'stats:ptr'],
    split: 'params',
    cost: (a) => a.n / 2e3,
  }),
  momentum: op({
    id: id.OP_MOMENTUM,
    args: ['w:ptr', 'g:ptr', 'v:ptr', 'n:int', 'lr:f32', 'mu:f32', 'l2:f32', 'nesterov:int', 'stats:ptr'],
    split: 'params',
    cost: (a) => a.n / 2e3,
  }),
  adam: op({
    id: id.OP_ADAM,
    args: [
      'w:ptr',
      'g:ptr',
      'm:ptr',
      'v:ptr',
      'n:int',
      'lr:f32',
      'b1:f32',
      'b2:f32',
      'eps:f32',
      'l2:f32',
      'b1t:f32',
      'b2t:f32',
      'stats:ptr',
    ],
    split: 'params',
    cost: (a) => a.n / 1e3,
  }),
  /** Rows whose predicted class (see argmaxRows) is the target's. */
  countCorrect: op({
    id: id.OP_COUNT_CORRECT,
    args: ['a:ptr', 'y:ptr', 'rows:int', 'cols:int'],
    split: 'one',
    out: true,
  }),
  /** out[r] = the predicted class of row r (i32): the first argmax, or a ≥ 0.5 with one column. */
  argmaxRows: op({ id: id.OP_ARGMAX_ROWS, args: ['out:ptr', 'a:ptr', 'rows:int', 'cols:int'], split: 'one' }),
  /**
   * A layer's forward diagnostics (src/diagnostics.ts) as 3 f64 at out: the count of elements with
   * σ'(z) < t, Σa², and (y ≠ 0) the count of those with |a − y| > 0.5; alive ≠ 0: i32 per unit,
   * set to 1 where z > 0 in some row.
   */
  diagForward: op({
    id: id.OP_DIAG_FORWARD,
    args: ['act:int', 'z:ptr', 'a:ptr', 'y:ptr', 'rows:int', 'cols:int', 'p:f32', 't:f32', 'out:ptr', 'alive:ptr'],
    split: 'one',
  }),
  /** Σ|x| over rows×cols, as f64 at out. */
  absSum: op({ id: id.OP_ABS_SUM, args: ['x:ptr', 'rows:int', 'cols:int', 'out:ptr'], split: 'one' }),
  /**
   * Inverted dropout: out = x / (1 − p) where kept, 0 where dropped (out may be x); element i is
   * dropped when a hash of key, step and i falls below p·2³² (the same mask on any thread split).
   */
  dropout: op({
    id: id.OP_DROPOUT,
    args: ['x:ptr', 'out:ptr', 'rows:int', 'cols:int', 'p:f64', 'key:u32', 'step:u32'],
    split: 'elements',
    cost: (a) => (a.rows * a.cols) / 2e3,
  }),
  /** w[0..n) ·= s (decoupled weight decay, s = 1 − ηλ). */
  scale: op({ id: id.OP_SCALE, args: ['w:ptr', 'n:int', 's:f32'], split: 'elements', cost: (a) => a.n / 4e3 }),
  /** Each row of W (rows × cols: a unit's incoming weights) whose norm exceeds c is scaled to norm c. */
  maxNorm: op({
    id: id.OP_MAX_NORM,
    args: ['W:ptr', 'rows:int', 'cols:int', 'c:f32'],
    split: 'rows',
    cost: (a) => (a.rows * a.cols) / 4e3,
  }),
  /** The index's first pass: per row of x (rows × cols) its groups of 4 columns that are not all zero. */
  sparseRows: op({
    id: id.OP_SPARSE_ROWS,
    args: ['x:ptr', 'rows:int', 'cols:int', 'index:ptr'],
    split: 'rows',
    cost: (a) => (a.rows * a.cols) / 4e3,
  }),
  /**
   * The second pass: per group the rows where it is not all zero and its values there, when at most
   * `percent` of the batch's groups are not (a program passes SPARSE_PERCENT), or always at 100;
   * else a mark that the batch runs dense. As i32 at index (assembly/sparse.ts; sparseIndexBytes is its size).
   */
  sparseIndex: op({
    id: id.OP_SPARSE_INDEX,
    args: ['x:ptr', 'rows:int', 'cols:int', 'index:ptr', 'percent:int'],
    split: 'columns',
    cost: (a) => (a.rows * a.cols) / 6e3,
  }),
  /**
   * gemmNT with A indexed (the first layer's forward): skips A's zero groups when the index says
   * the batch is sparse (split by rows of C), else runs as gemmNT (by its tiles); the same bits
   * either way.
   */
  sparseNT: op({ id: id.OP_SPARSE_NT, args: [...GEMM, 'index:ptr'], split: 'tiles', cost: gemmCost }),
  /** gemmTN with B indexed (the first layer's ∂C/∂W = Δᵀ·x): as sparseNT (by tiles of 8 rows of C). */
  sparseTN: op({ id: id.OP_SPARSE_TN, args: [...GEMM, 'index:ptr'], split: 'tiles', cost: gemmCost }),
  /** No work: the records made beside end here (thread 0 waits for them here). */
  join: op({ id: id.OP_JOIN, args: [], split: 'one', noKernel: true }),
} as const;

export type OpName = keyof typeof OPS;
type Spec<K extends OpName> = (typeof OPS)[K];
type Numbers<A> = { -readonly [I in keyof A]: number };

/** The ops that call a kernel, typed from the table: the kernel's arguments and what it returns. */
export type OpKernels = {
  [K in OpName as Spec<K> extends { noKernel: true } ? never : K]: (
    ...args: Numbers<Spec<K>['args']>
  ) => Spec<K> extends { out: true } ? number : void;
};

/** A record's words after the op id, as the recorder takes them: the arguments, then `out` and `stop`. */
export type RecordWords<K extends OpName> = [
  ...Numbers<Spec<K>['args']>,
  ...(Spec<K> extends { out: true } ? [out: number] : []),
  ...(Spec<K> extends { stop: true } ? [stop: number] : []),
];

/** Every word of a record after the op id, by name and kind: the arguments, then `out` and `stop`. */
export function recordArgs(s: OpSpec): readonly ArgSpec[] {
  return [...s.args, ...(s.out ? ['out:ptr' as const] : []), ...(s.stop ? ['stop:int' as const] : [])];
}

/** The table's ops by id. */
export const OP_BY_ID: readonly (OpSpec & { name: OpName })[] = (() => {
  const byId: (OpSpec & { name: OpName })[] = [];
  for (const [name, s] of Object.entries(OPS) as [OpName, OpSpec][]) byId[s.id] = { ...s, name };
  return byId;
})();
