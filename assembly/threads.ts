// The threaded build (build/wasmlp-threads.wasm: shared memory, atomics): the library's module,
// plus a program runner for several threads and the loop a worker thread waits in. Every thread
// runs the same records; a record's part for each thread is exec's (assembly/program.ts), and
// threads meet at a barrier wherever a record runs on more than one of them, and around records
// run beside (on the last thread, while thread 0 goes on). The calling thread is thread 0. Nothing
// here goes back to JavaScript between records.
export * from "./index";
import * as id from "../src/ids";
import { PANEL_BYTES } from "./gemm";
import { besideOf, exec, run, threadsOf } from "./program";

// The control block: i32 words at `ctl` (src/core/threads.ts allocates it, 16-byte aligned).
const GEN = 0; //       barrier generation: bumped by the last thread to arrive
const ARRIVED = 4; //   threads at the current barrier
const SEQ = 8; //       program number: workers wait for it to change
const CMD = 12; //      CMD_RUN or CMD_EXIT
const OPS = 16; //      the program: records, their count, the threads taking part
const COUNT = 20;
const THREADS = 24;
const FAILED = 28; //   set (to the failing thread + 1) when a thread trapped or went away
const STOP = 32; //     set by thread 0 when a loss with `stop` was not finite: the generation of the meeting after it, + 1
const SPINS = 36; //    how long to spin before waiting (0 where threads outnumber cores)
const PANELS = 40; //   per-thread packing scratch: PANEL_BYTES each, thread tid's at PANELS + tid·PANEL_BYTES
const RESUME = 44; //   thread 0's place when it returned to wait later: the record, the generation
const RESUME_GEN = 48;
export const CTL_BYTES = 64;
export const CMD_RUN = 0;
export const CMD_EXIT = 1;
/** What runThreads returns besides a count of records: wait later (call again with resume), or a thread failed. */
export const WAITING = -1;
export const FAILURE = -2;

// Node 20's V8 baseline compiler corrupts values held in registers across memory.atomic.wait32
// (seen: a barrier passing early); a call through the table makes it save them.
function waitOnce(ptr: usize, expected: i32, ns: i64): void {
  memory.atomic.wait32(ptr, expected, ns);
}
const wait: (ptr: usize, expected: i32, ns: i64) => void = waitOnce;

/**
 * Wait until the word at ctl + at is not `value`: spin, then sleep in slices of 10 ms. Thread 0
 * (`slices` > 0) gives up after that many slices, so that JavaScript can look at the workers;
 * anyone stops waiting when a thread failed. Returns 0 when the word changed, else WAITING or FAILURE.
 */
function waitWhile(ctl: usize, at: usize, value: i32, slices: i32): i32 {
  for (let s = atomic.load<i32>(ctl + SPINS); s > 0; s--) if (atomic.load<i32>(ctl + at) != value) return 0;
  for (let n = 0; atomic.load<i32>(ctl + at) == value; n++) {
    if (atomic.load<i32>(ctl + FAILED) != 0) return FAILURE;
    if (slices > 0 && n >= slices) return WAITING;
    wait(ctl + at, value, 10_000_000);
  }
  return 0;
}

/** Arrive at the barrier of generation `gen` (GEN before arriving): true when this thread was the last and released it. */
function arrive(ctl: usize, n: i32, gen: i32): bool {
  if (atomic.add<i32>(ctl + ARRIVED, 1) == n - 1) {
    atomic.store<i32>(ctl + ARRIVED, 0);
    atomic.store<i32>(ctl + GEN, gen + 1);
    atomic.notify(ctl + GEN, n);
    return true;
  }
  return false;
}

/**
 * Whether the threads meet after record r: when it, or the next, runs on more than one; before a
 * record beside (it reads what thread 0 wrote); at a join, and at the end, when one ran beside
 * (`aside`) since they last met.
 */
function meetAfter(ops: usize, count: i32, r: i32, aside: bool): bool {
  const o = ops + (<usize>r * id.OP_WORDS << 3), next = o + (id.OP_WORDS << 3);
  if (threadsOf(o) > 1 || (aside && (r + 1 == count || <i32>load<f64>(o) == id.OP_JOIN))) return true;
  return r + 1 < count && (threadsOf(next) > 1 || (besideOf(next) && !besideOf(o)));
}

/**
 * Thread tid's run of the program, from record r. Returns the records run (fewer than count when
 * a loss stopped it), or for thread 0 WAITING (its place is kept: call runThreads with resume) or FAILURE.
 */
function runFrom(ops: usize, count: i32, tid: i32, n: i32, ctl: usize, r: i32): i32 {
  const panel = <usize>atomic.load<i32>(ctl + PANELS) + <usize>tid * PANEL_BYTES;
  let ran = count, aside = false;
  for (; r < count; r++) {
    const o = ops + (<usize>r * id.OP_WORDS << 3), t = min(threadsOf(o), n), beside = besideOf(o);
    if (beside) aside = true;
    // Once stopped, thread 0 only walks on to the next meeting, where the others learn of it.
    // A stop belongs to the next meeting, whose generation is GEN now (no one can pass it before
    // this thread arrives): STOP = that generation + 1, so that a thread still leaving an earlier
    // meeting, which reads STOP late, does not take it for its own and leave the others waiting.
    if (ran == count && (beside ? tid == n - 1 : tid < t) && !exec(o, beside ? 0 : tid, t, panel)) {
      atomic.store<i32>(ctl + STOP, atomic.load<i32>(ctl + GEN) + 1);
      ran = r + 1;
    }
    if (!meetAfter(ops, count, r, aside)) continue;
    aside = false;
    const gen = atomic.load<i32>(ctl + GEN);
    if (!arrive(ctl, n, gen)) {
      const w = waitWhile(ctl, GEN, gen, tid == 0 ? 100 : 0);
      if (w == WAITING) {
        atomic.store<i32>(ctl + RESUME, r);
        atomic.store<i32>(ctl + RESUME_GEN, gen);
        return WAITING;
      }
      if (w == FAILURE) return FAILURE;
    }
    if (atomic.load<i32>(ctl + STOP) == gen + 1) return tid == 0 ? min(ran, r + 1) : r + 1;
  }
  return ran;
}

/**
 * Thread 0 (the caller): start the workers on a program and take part in it. With `resume`, go on
 * waiting where a call that returned WAITING stopped. Returns the records run, WAITING or FAILURE.
 */
export function runThreads(ops: usize, count: i32, n: i32, ctl: usize, resume: bool): i32 {
  // A program that never meets runs on this thread alone: the workers are not woken for it (and a
  // worker only reads a program's place while thread 0 waits for it at the first meeting).
  let meets = false;
  for (let r = 0; r < count && !meets; r++) {
    const o = ops + (<usize>r * id.OP_WORDS << 3);
    meets = threadsOf(o) > 1 || besideOf(o);
  }
  if (!meets) return run(ops, count);
  if (resume) {
    const r = atomic.load<i32>(ctl + RESUME), gen = atomic.load<i32>(ctl + RESUME_GEN);
    const w = waitWhile(ctl, GEN, gen, 100);
    if (w != 0) return w;
    if (atomic.load<i32>(ctl + STOP) == gen + 1) return r + 1;
    return runFrom(ops, count, 0, n, ctl, r + 1);
  }
  atomic.store<i32>(ctl + OPS, <i32>ops);
  atomic.store<i32>(ctl + COUNT, count);
  atomic.store<i32>(ctl + THREADS, n);
  atomic.store<i32>(ctl + STOP, 0);
  atomic.add<i32>(ctl + SEQ, 1);
  atomic.notify(ctl + SEQ, n);
  return runFrom(ops, count, 0, n, ctl, 0);
}

/** A worker thread's life: wait for a program, take part in it, again, until CMD_EXIT. Returns 0, or FAILURE. */
export function worker(tid: i32, ctl: usize): i32 {
  // From the control block's first state, not its state now: thread 0 may already have started a
  // program (it only waits for the workers' ready message, posted before this call).
  let seq = 0;
  while (atomic.load<i32>(ctl + CMD) != CMD_EXIT) {
    if (waitWhile(ctl, SEQ, seq, 0) == FAILURE) return FAILURE;
    seq = atomic.load<i32>(ctl + SEQ);
    if (atomic.load<i32>(ctl + CMD) == CMD_EXIT) break;
    const n = atomic.load<i32>(ctl + THREADS);
    if (tid < n && runFrom(<usize>atomic.load<i32>(ctl + OPS), atomic.load<i32>(ctl + COUNT), tid, n, ctl, 0) == FAILURE) return FAILURE;
  }
  return 0;
}
