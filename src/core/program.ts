// A pass (a training step, an evaluation batch…) as data: a list of kernel calls written once into
// the arena as records of OP_WORDS f64 words (src/ops.ts), run by one call of the module's `run`
// (assembly/program.ts) or of its pure-JS twin. Arguments known only at run time (the batch's
// rows and row order, Adam's βᵗ, …) are named slots, patched in place before each run.
import * as id from '../ids.js';
import type { Kernels } from '../kernels.js';
import type { Arena } from '../memory.js';
import { OP_BY_ID, OPS, recordArgs, type OpName, type RecordWords } from '../ops.js';
import { POOL_WAITING, type ThreadPool } from './threads.js';

/** A value set before each run (Program.set), not when the program is built. */
export type Slot =
  'rows' | 'invRows' | 'features' | 'labels' | 'idx' | 'l2' | 'b1t' | 'b2t' | 'lr' | 'decay' | 'maxNorm' | 'step';
export type Arg = number | Slot;

type Symbolic<T extends unknown[]> = { [I in keyof T]: Arg };
/**
 * Records kernel calls instead of making them: one method per op of the table (src/ops.ts), with
 * its record's words in order (a kernel's arguments, then `out` and `stop` where the op has
 * them); and `beside(build)`: the records `build` makes that run on one thread run beside those
 * after them (assembly/program.ts besideOf). Only for records that read nothing those later ones
 * write, whose outputs nothing reads before the next join() or the program's end, and that cannot
 * stop the program (not a loss with `stop`: only thread 0 stops a run).
 */
export type Ops = { [K in OpName]: (...words: Symbolic<RecordWords<K>>) => void } & {
  beside(build: () => void): void;
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
  /** The parts of records the threads claim in one run on the pool (the records not split, thread 0 runs uncounted). */
  readonly parts: number;
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
        Object.entries(OPS).map(([name, spec]) => [
          name,
          (...args: Arg[]) => {
            if (aside) beside.add(records.length);
            records.push([spec.id, ...args]);
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
    // What threads claim in a run: each split record's parts, and each run beside as one.
    this.parts = parts.reduce((sum, n, r) => sum + (side[r] ? (side[r - 1] ? 0 : 1) : n > 1 ? n : 0), 0);
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
    const all = this.pool && !this.pool.auto?.alone;
    if (all) this.pool!.handedOut += this.parts;
    return this.status(all ? this.pool!.run(this.ptr, this.count) : this.k.run(this.ptr, this.count));
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
  const op = OP_BY_ID[rec[0]];
  if (op.split === 'one' || !op.cost) return 1; // the reductions (the diagnostics too), the one-hot targets
  const a = Object.fromEntries(recordArgs(op).map((arg, j) => [arg.split(':')[0], rec[j + 1]]));
  const us = (op.cost as (a: Record<string, number>) => number)(a);
  return Math.max(1, Math.min(PARTS * threads, Math.floor(us / MIN_PART)));
}

/** The passes a network's programs make. */
export type Pass = 'predict' | 'classify' | 'evaluate' | 'gradients' | 'train';

/** What makes two programs the same: the pass, its rows and data, and for a training step, its options. */
export interface ProgramKey {
  pass: Pass;
  rows: number;
  /** u8 features (converted per batch), and f32 targets rather than labels. */
  u8: boolean;
  t32: boolean;
  /** The training step's: the optimizer's id, and the records it adds. */
  optimizer?: number;
  withL2?: boolean;
  diagnostics?: boolean;
  decay?: boolean;
  maxNorm?: boolean;
  dropout: boolean;
}

/** A network's programs, built once per key, kept until their optimizer is replaced or the threads change. */
export class Programs {
  private readonly byKey = new Map<string, { key: ProgramKey; program: Program }>();

  /** The program for `key`, built by `build` the first time. */
  get(key: ProgramKey, build: () => Program): Program {
    const k = JSON.stringify(key); // the fields in ProgramKey's order: one string per key
    let entry = this.byKey.get(k);
    if (!entry) this.byKey.set(k, (entry = { key, program: build() }));
    return entry.program;
  }

  /** Drops the training steps built for optimizer `id`. */
  dropSteps(id: number): void {
    for (const [k, { key }] of this.byKey) if (key.optimizer === id) this.byKey.delete(k);
  }

  clear(): void {
    this.byKey.clear();
  }
}
