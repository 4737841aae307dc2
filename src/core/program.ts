// A pass (a training step, an evaluation batch…) as data: a list of kernel calls written once into
// the arena as records of OP_WORDS f64 words (src/ids.ts), run by one call of the module's `run`
// (assembly/program.ts) or of its pure-JS twin. Arguments known only at run time (the batch's
// rows and row order, Adam's βᵗ, …) are named slots, patched in place before each run.
import * as id from '../ids.js';
import type { Kernels } from '../kernels.js';
import type { Arena } from '../memory.js';
import { POOL_WAITING, type ThreadPool } from './threads.js';

/** A value set before each run (Program.set), not when the program is built. */
export type Slot =
  'rows' | 'invRows' | 'features' | 'labels' | 'idx' | 'l2' | 'b1t' | 'b2t' | 'lr' | 'decay' | 'maxNorm' | 'step';
export type Arg = number | Slot;

/** The operations a program can hold: kernel signatures, with results written to `out` pointers. */
interface Signatures extends Pick<
  Kernels,
  | 'gatherU8'
  | 'gatherF32'
  | 'gatherTargets'
  | 'gemmNT'
  | 'gemmNN'
  | 'gemmTN'
  | 'activate'
  | 'mulDerivative'
  | 'biasGrad'
  | 'sgd'
  | 'momentum'
  | 'adam'
  | 'argmaxRows'
  | 'diagForward'
  | 'absSum'
  | 'dropout'
  | 'scale'
  | 'maxNorm'
> {
  /** The summed cost as f64 at `out`; `stop` = 1: a non-finite cost ends the program there. */
  lossDelta(
    loss: number,
    a: number,
    y: number,
    delta: number,
    rows: number,
    cols: number,
    out: number,
    stop: number,
  ): void;
  /** The count as f64 at `out`. */
  countCorrect(a: number, y: number, rows: number, cols: number, out: number): void;
  /** No work: the records made beside end here (thread 0 waits for them here). */
  join(): void;
}

type Symbolic<F> = F extends (...args: infer A) => unknown ? (...args: { [I in keyof A]: Arg }) => void : never;
/**
 * Records kernel calls instead of making them: the same names and argument order as Kernels; and
 * `beside(build)`: the records `build` makes that run on one thread run beside those after them
 * (assembly/program.ts besideOf). Only for records that read nothing those later ones write,
 * whose outputs nothing reads before the next join() or the program's end, and that cannot stop
 * the program (not a loss with `stop`: only thread 0 stops a run).
 */
export type Ops = { [K in keyof Signatures]: Symbolic<Signatures[K]> } & { beside(build: () => void): void };

const OP_IDS: Record<keyof Signatures, number> = {
  gatherU8: id.OP_GATHER_U8,
  gatherF32: id.OP_GATHER_F32,
  gatherTargets: id.OP_GATHER_TARGETS,
  gemmNT: id.OP_GEMM_NT,
  gemmNN: id.OP_GEMM_NN,
  gemmTN: id.OP_GEMM_TN,
  activate: id.OP_ACTIVATE,
  mulDerivative: id.OP_MUL_DERIVATIVE,
  lossDelta: id.OP_LOSS_DELTA,
  biasGrad: id.OP_BIAS_GRAD,
  sgd: id.OP_SGD,
  momentum: id.OP_MOMENTUM,
  adam: id.OP_ADAM,
  countCorrect: id.OP_COUNT_CORRECT,
  argmaxRows: id.OP_ARGMAX_ROWS,
  diagForward: id.OP_DIAG_FORWARD,
  absSum: id.OP_ABS_SUM,
  dropout: id.OP_DROPOUT,
  scale: id.OP_SCALE,
  maxNorm: id.OP_MAX_NORM,
  join: id.OP_JOIN,
};

export class Program {
  private readonly ptr: number;
  private readonly count: number;
  /** f64 word indices (into the whole memory) where each slot's value goes. */
  private readonly slots: Record<Slot, number[]> = {
    rows: [],
    invRows: [],
    features: [],
    labels: [],
    idx: [],
    l2: [],
    b1t: [],
    b2t: [],
    lr: [],
    decay: [],
    maxNorm: [],
    step: [],
  };
  private rows = -1;
  /** The pool when a record runs on more than one thread. */
  private readonly pool?: ThreadPool;

  /**
   * `build` records the pass's calls on `ops`; the records are then written into the arena, each
   * with the parts its size pays for on `pool` (judged at `rows` rows, the plan's).
   */
  constructor(
    private readonly k: Kernels,
    private readonly arena: Arena,
    build: (ops: Ops) => void,
    pool: ThreadPool | undefined,
    rows: number,
  ) {
    const records: Arg[][] = [],
      beside = new Set<number>();
    let aside = false;
    const ops = {
      ...Object.fromEntries(
        Object.entries(OP_IDS).map(([name, op]) => [
          name,
          (...args: Arg[]) => {
            if (aside) beside.add(records.length);
            records.push([op, ...args]);
          },
        ]),
      ),
      beside(f: () => void) {
        aside = true;
        f();
        aside = false;
      },
    } as unknown as Ops;
    build(ops);
    this.count = records.length;
    this.ptr = arena.alloc(8 * id.OP_WORDS * records.length);
    const W = arena.view.f64();
    const parts = records.map((rec) =>
      pool
        ? partsFor(
            rec.map((x) => (x === 'rows' ? rows : typeof x === 'number' ? x : 0)),
            pool.size,
          )
        : 1,
    );
    // A run of records made beside goes beside (−1: on a worker) when each of them, and the record
    // after them, is in one part: otherwise nothing would run beside them.
    const side = records.map(() => false);
    for (let r = 0; r < records.length; r++) {
      if (!beside.has(r)) continue;
      let e = r; // the run is [r, e)
      while (beside.has(e)) e++;
      if (pool && pool.size > 1 && e < records.length && parts.slice(r, e + 1).every((n) => n === 1))
        side.fill(true, r, e);
      r = e;
    }
    records.forEach((rec, r) => {
      if (rec.length > id.OP_WORDS - 1)
        throw new Error(`program: record ${r} has ${rec.length - 1} arguments, more than ${id.OP_WORDS - 2}`);
      rec.forEach((x, j) => {
        const w = (this.ptr >>> 3) + r * id.OP_WORDS + j;
        if (typeof x === 'number') W[w] = x;
        else this.slots[x].push(w);
      });
      W[(this.ptr >>> 3) + r * id.OP_WORDS + id.OP_WORDS - 1] = side[r] ? -1 : parts[r];
    });
    const parallel = parts.some((n) => n > 1) || side.includes(true);
    if (parallel) this.pool = pool;
  }

  set(slot: Slot, value: number): void {
    const words = this.slots[slot],
      W = this.arena.view.f64();
    for (let i = 0; i < words.length; i++) W[words[i]] = value;
  }

  /** The rows this run covers (≤ the plan's); patched only when it changes. */
  setRows(n: number): void {
    if (n === this.rows) return;
    this.set('rows', n);
    this.set('invRows', 1 / n);
    this.rows = n;
  }

  /**
   * Runs every record: true when all ran, false when a loss with `stop` was not finite (the
   * records after it did not run), 'waiting' when the threads still run it: call resume() (after
   * letting events in, if you can: a worker gone away is noticed then).
   */
  run(): boolean | 'waiting' {
    return this.status(this.pool ? this.pool.run(this.ptr, this.count) : this.k.run(this.ptr, this.count));
  }

  resume(): boolean | 'waiting' {
    return this.status(this.pool!.resume(this.ptr, this.count));
  }

  /** What run() gave, waited to the end as long as the threads take (for callers that cannot let events in). */
  finish(s: boolean | 'waiting'): boolean {
    while (s === 'waiting') {
      this.pool!.waited(); // throws after a minute
      s = this.resume();
    }
    return s;
  }

  private status(s: number): boolean | 'waiting' {
    return s === POOL_WAITING ? 'waiting' : s === this.count;
  }
}

/**
 * Cost of each record, in µs on one core (measured rates, rounded), and the parts that cost pays
 * for: up to PARTS a thread, so that a thread the host slows leaves its last parts to the others,
 * each taking ≥ MIN_PART µs, over what opening and claiming parts cost (well under 1 µs). At 10 µs
 * W1's GEMMs (≈ 15 µs) ran whole: W1 trained at 0.99× on 2 threads; at 3 µs they split, and it
 * trained at 1.06–1.42× (W2, W3 unchanged).
 */
const MIN_PART = 3,
  PARTS = 4;
function partsFor(rec: number[], threads: number): number {
  const [op, ...a] = rec;
  const us =
    op === id.OP_GEMM_NT || op === id.OP_GEMM_NN || op === id.OP_GEMM_TN
      ? (2 * a[4] * a[5] * a[6]) / 30e3 // 30 GFLOP/s
      : op === id.OP_ACTIVATE || op === id.OP_MUL_DERIVATIVE
        ? ((op === id.OP_ACTIVATE ? a[3] * a[4] : a[4] * a[5]) *
            (a[0] === id.RELU || a[0] === id.IDENTITY || a[0] === id.LEAKY_RELU ? 1 : 5)) /
          5e3
        : op === id.OP_GATHER_U8 || op === id.OP_GATHER_F32
          ? (a[2] * a[4]) / 2e3
          : op === id.OP_SGD || op === id.OP_MOMENTUM || op === id.OP_ADAM
            ? a[op === id.OP_SGD ? 2 : op === id.OP_MOMENTUM ? 3 : 4] / (op === id.OP_ADAM ? 1e3 : 2e3)
            : op === id.OP_BIAS_GRAD
              ? (a[2] * a[3]) / 4e3
              : op === id.OP_DROPOUT
                ? (a[2] * a[3]) / 2e3
                : op === id.OP_SCALE
                  ? a[1] / 4e3
                  : op === id.OP_MAX_NORM
                    ? (a[1] * a[2]) / 4e3
                    : 0; // the reductions (the diagnostics too), and the one-hot targets: one thread
  return Math.max(1, Math.min(PARTS * threads, Math.floor(us / MIN_PART)));
}
