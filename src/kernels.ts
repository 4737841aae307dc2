// The kernel ABI shared by the WebAssembly module (assembly/index.ts) and its pure-JS twin
// (src/reference/). Pointers are byte offsets into one WebAssembly.Memory; nothing allocates.
export interface Kernels {
  /** C[M×N] = alpha·A·Bᵀ + beta·C + bias; A is M×K, B is N×K (forward: Z = A_prev·Wᵀ + b). */
  gemmNT(
    c: number,
    a: number,
    b: number,
    bias: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    beta: number,
  ): void;
  /** C[M×N] = alpha·A·B + beta·C + bias; A is M×K, B is K×N (BP2: Δ·W). */
  gemmNN(
    c: number,
    a: number,
    b: number,
    bias: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    beta: number,
  ): void;
  /** C[M×N] = alpha·Aᵀ·B + beta·C + bias; A is K×M, B is K×N (BP4: Δᵀ·A_prev). */
  gemmTN(
    c: number,
    a: number,
    b: number,
    bias: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    beta: number,
  ): void;
  /** a = f(z) over rows×cols (softmax per row). */
  activate(act: number, z: number, a: number, rows: number, cols: number, p: number): void;
  /** delta ⊙= σ'(z) (softmax: Jacobian-vector product). */
  mulDerivative(act: number, z: number, a: number, delta: number, rows: number, cols: number, p: number): void;
  /** delta = a − y; returns the summed cost of the rows. */
  lossDelta(loss: number, a: number, y: number, delta: number, rows: number, cols: number): number;
  /** BP3: db = alpha · column sums of delta. */
  biasGrad(db: number, delta: number, rows: number, cols: number, alpha: number): void;
  /**
   * The updates (in place). stats ≠ 0 (diagnostics): per DIAG_CHUNK floats, three f64 at stats —
   * Σ(Δw)², Σw² before the step, Σg² — and the same weights as with stats = 0.
   */
  sgd(w: number, g: number, n: number, lr: number, l2: number, stats: number): void;
  momentum(
    w: number,
    g: number,
    v: number,
    n: number,
    lr: number,
    mu: number,
    l2: number,
    nesterov: number,
    stats: number,
  ): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    l2: number,
    b1t: number,
    b2t: number,
    stats: number,
  ): void;
  /**
   * A layer's forward diagnostics (src/diagnostics.ts) as 3 f64 at out: the count of elements with
   * σ'(z) < t, Σa², and (y ≠ 0) the count of those with |a − y| > 0.5; alive ≠ 0: i32 per unit,
   * set to 1 where z > 0 in some row.
   */
  diagForward(
    act: number,
    z: number,
    a: number,
    y: number,
    rows: number,
    cols: number,
    p: number,
    t: number,
    out: number,
    alive: number,
  ): void;
  /** Σ|x| over rows×cols, as f64 at out. */
  absSum(x: number, rows: number, cols: number, out: number): void;
  gatherU8(out: number, images: number, width: number, idx: number, count: number, scale: number): void;
  gatherF32(out: number, features: number, width: number, idx: number, count: number): void;
  gatherTargets(y: number, labels: number, idx: number, count: number, nOut: number): void;
  /** Rows whose predicted class (see argmaxRows) is the target's. */
  countCorrect(a: number, y: number, rows: number, cols: number): number;
  /** out[r] = the predicted class of row r (i32): the first argmax, or a ≥ 0.5 with one column. */
  argmaxRows(out: number, a: number, rows: number, cols: number): void;
  /** x[r, c] = x[r, c]·factor[c] + shift[c] over rows×cols (f32 vectors at factor, shift): scaling a column. */
  affine(x: number, rows: number, cols: number, factor: number, shift: number): void;
  /**
   * Adds, per column c of a against y, 5 f64 at out + 40c: Σ(a − y)², Σ|a − y|, Σy, Σy² and the
   * rows where a ≥ ½ and y ≥ ½ agree (regression and multi-label metrics), in row order.
   */
  targetSums(a: number, y: number, rows: number, cols: number, out: number): void;
  /**
   * Inverted dropout: out = x / (1 − p) where kept, 0 where dropped (out may be x); element i is
   * dropped when a hash of key, step and i falls below p·2³² (the same mask on any thread split).
   */
  dropout(x: number, out: number, rows: number, cols: number, p: number, key: number, step: number): void;
  /** w[0..n) ·= s (decoupled weight decay, s = 1 − ηλ). */
  scale(w: number, n: number, s: number): void;
  /** Each row of W (rows × cols: a unit's incoming weights) whose norm exceeds c is scaled to norm c. */
  maxNorm(W: number, rows: number, cols: number, c: number): void;
  /** dst[0..n) = std·N(0,1) by Box–Muller from 2⌈n/2⌉ uniform u32 words at u. */
  randn(dst: number, u: number, n: number, std: number): void;
  /**
   * Run a program: `count` records of OP_WORDS f64 words at `ops` (src/ids.ts), each a kernel call.
   * Returns the records run: fewer than `count` when an OP_LOSS_DELTA with `stop` saw a non-finite cost.
   */
  run(ops: number, count: number): number;
}
