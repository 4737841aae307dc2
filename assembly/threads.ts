// The threaded build (build/wasmlp-threads.wasm: shared memory, atomics): the library's module,
// plus a program runner for several threads and the loop a worker thread waits in. The calling
// thread is thread 0. A record's parts are exec's (assembly/program.ts): tiles of the output,
// rows, columns or groups of elements, so any thread may run any part. Nothing here goes back to
// JavaScript between records.
export * from "./index";
import * as id from "../src/ids";
import { besideOf, exec, partsOf } from "./program";

// The control block (src/ids.ts: i32 word indices, so a word's byte offset is its index << 2).
// Thread 0 walks the program; a record in parts, or a run of records beside, becomes the open
// item: any thread claims its parts (thread 0 from the front, the others from the back) and thread
// 0 goes on once all are done. No thread waits for another to arrive: thread 0 waits only for the
// parts others claimed and still run, and a worker only for the next item.
const GEN: usize = id.CTL_GEN << 2;
const CMD: usize = id.CTL_CMD << 2;
const CLAIM: usize = id.CTL_CLAIM << 2;
const DONE: usize = id.CTL_DONE << 2;
const ITEM: usize = id.CTL_ITEM << 2;
const ITEM_LEN: usize = id.CTL_ITEM_LEN << 2;
const PARTS: usize = id.CTL_PARTS << 2;
const FAILED: usize = id.CTL_FAILED << 2;
const SPINS: usize = id.CTL_SPINS << 2;
const PANELS: usize = id.CTL_PANELS << 2;
const RESUME: usize = id.CTL_RESUME << 2;
const STOPPED: usize = id.CTL_STOPPED << 2;
const SEEN: usize = id.CTL_SEEN << 2;
const CLAIMED: usize = id.CTL_CLAIMED << 2;
const WAITING = id.THREADS_WAITING;
const FAILURE = id.THREADS_FAILURE;

// Node 20's V8 baseline compiler corrupts values held in registers across memory.atomic.wait
// (seen: a barrier passing early); a call through the table makes it save them.
function waitOnce32(ptr: usize, expected: i32, ns: i64): void {
  memory.atomic.wait32(ptr, expected, ns);
}
function waitOnce64(ptr: usize, expected: i64, ns: i64): void {
  memory.atomic.wait64(ptr, expected, ns);
}
const wait32: (ptr: usize, expected: i32, ns: i64) => void = waitOnce32;
const wait64: (ptr: usize, expected: i64, ns: i64) => void = waitOnce64;

/** A worker: wait until GEN is not `seen` (spin, then sleep in slices of 10 ms). 0, or FAILURE. */
function waitOpen(ctl: usize, seen: i32): i32 {
  for (let s = atomic.load<i32>(ctl + SPINS); s > 0; s--) if (atomic.load<i32>(ctl + GEN) != seen) return 0;
  while (atomic.load<i32>(ctl + GEN) == seen) {
    if (atomic.load<i32>(ctl + FAILED) != 0) return FAILURE;
    wait32(ctl + GEN, seen, 10_000_000);
  }
  return 0;
}

/**
 * Thread 0: wait until every part of the open item is done (spin, then sleep in slices of up to
 * 10 ms, giving up after 100 so that JavaScript can look at the workers). 0, WAITING or FAILURE.
 */
function waitDone(ctl: usize): i32 {
  const all = (<i64>atomic.load<i32>(ctl + GEN) << 32) | <i64>atomic.load<i32>(ctl + PARTS);
  for (let s = atomic.load<i32>(ctl + SPINS); s > 0; s--) if (atomic.load<i64>(ctl + DONE) == all) return 0;
  for (let n = 0, done = atomic.load<i64>(ctl + DONE); done != all; n++, done = atomic.load<i64>(ctl + DONE)) {
    if (atomic.load<i32>(ctl + FAILED) != 0) return FAILURE;
    if (n >= 100) return WAITING;
    wait64(ctl + DONE, done, 10_000_000);
  }
  return 0;
}

/** Open the next item: `len` records from o, in `parts` parts. */
function open(ctl: usize, o: usize, len: i32, parts: i32): void {
  const g = atomic.load<i32>(ctl + GEN) + 1;
  atomic.store<i32>(ctl + ITEM, <i32>o);
  atomic.store<i32>(ctl + ITEM_LEN, len);
  atomic.store<i32>(ctl + PARTS, parts);
  atomic.store<i64>(ctl + DONE, <i64>g << 32);
  atomic.store<i64>(ctl + CLAIM, (<i64>g << 32) | <i64>parts);
  atomic.store<i32>(ctl + GEN, g);
  atomic.notify(ctl + GEN);
}

/**
 * Claim and run parts of item g while any are left: from the front (thread 0) or the back. Which
 * thread runs a part never changes its values; on 2 threads each starts at its own end, so that on
 * an idle machine each runs the half it ran the step before (its cache holds it).
 */
function work(ctl: usize, g: i32, tid: i32, panel: usize): void {
  const front = tid == 0, claimed = <usize>atomic.load<i32>(ctl + CLAIMED) + (<usize>tid << 2);
  for (;;) {
    const c = atomic.load<i64>(ctl + CLAIM), f = <i32>(c >>> 16) & 0xffff, b = <i32>c & 0xffff;
    if (<i32>(c >>> 32) != g || f >= b) return;
    if (atomic.cmpxchg<i64>(ctl + CLAIM, c, front ? c + 0x10000 : c - 1) != c) continue;
    // Counted before the part is done: once thread 0 has seen every part done, the counts hold still.
    atomic.store<i32>(claimed, atomic.load<i32>(claimed) + 1);
    const o = <usize>atomic.load<i32>(ctl + ITEM), len = atomic.load<i32>(ctl + ITEM_LEN), parts = atomic.load<i32>(ctl + PARTS);
    for (let j = 0; j < len; j++) exec(o + (<usize>j * id.OP_WORDS << 3), front ? f : b - 1, parts, panel);
    if (<i32>atomic.add<i64>(ctl + DONE, 1) + 1 == parts && !front) atomic.notify(ctl + DONE);
  }
}

/** Thread 0: run what is left of the open item, and wait until it is done. 0, WAITING or FAILURE. */
function finish(ctl: usize, panel: usize): i32 {
  work(ctl, atomic.load<i32>(ctl + GEN), 0, panel);
  return waitDone(ctl);
}

/** Thread 0's wait came back: keep its place. */
function keep(ctl: usize, w: i32, r: i32, stopped: i32): i32 {
  atomic.store<i32>(ctl + RESUME, r);
  atomic.store<i32>(ctl + STOPPED, stopped);
  return w;
}

/**
 * Thread 0's run of the program from record r: records in one part here, the others as items.
 * Returns the records run (fewer than count when a loss stopped it), WAITING (its place is kept:
 * call runThreads with resume) or FAILURE.
 */
function runFrom(ops: usize, count: i32, ctl: usize, r: i32): i32 {
  const panel = <usize>atomic.load<i32>(ctl + PANELS);
  let aside = false; // an item beside is open
  for (; r < count; r++) {
    const o = ops + (<usize>r * id.OP_WORDS << 3), parts = partsOf(o), beside = besideOf(o);
    // One item at a time: the one beside ends before the next opens, and at a join.
    if (aside && (beside || parts > 1 || <i32>load<f64>(o) == id.OP_JOIN)) {
      aside = false;
      const w = finish(ctl, panel);
      if (w != 0) return keep(ctl, w, r, 0);
    }
    if (beside) {
      let e = r + 1;
      while (e < count && besideOf(ops + (<usize>e * id.OP_WORDS << 3))) e++;
      open(ctl, o, e - r, 1);
      aside = true;
      r = e - 1;
    } else if (parts > 1) {
      open(ctl, o, 1, parts);
      const w = finish(ctl, panel);
      if (w != 0) return keep(ctl, w, r + 1, 0);
    } else if (!exec(o, 0, 1, panel)) {
      if (!aside) return r + 1;
      const w = finish(ctl, panel);
      return w != 0 ? keep(ctl, w, count, r + 1) : r + 1;
    }
  }
  if (aside) {
    const w = finish(ctl, panel);
    if (w != 0) return keep(ctl, w, count, 0);
  }
  return count;
}

/**
 * Thread 0 (the caller): run a program with the workers. With `resume`, go on waiting where a call
 * that returned WAITING stopped. Returns the records run, WAITING or FAILURE.
 */
export function runThreads(ops: usize, count: i32, ctl: usize, resume: bool): i32 {
  if (resume) {
    const w = waitDone(ctl);
    if (w != 0) return w;
    const stopped = atomic.load<i32>(ctl + STOPPED);
    return stopped != 0 ? stopped : runFrom(ops, count, ctl, atomic.load<i32>(ctl + RESUME));
  }
  return runFrom(ops, count, ctl, 0);
}

/**
 * Thread 0: open an item with no parts, and wait until every worker has seen it (with `resume`, go
 * on waiting): a worker that went away while idle is noticed here, as it never holds up a run.
 * 0, or after ≈ 1 s WAITING (let events in: its going away among them), or FAILURE.
 */
export function checkThreads(ctl: usize, n: i32, resume: bool): i32 {
  if (!resume) open(ctl, 0, 0, 0);
  const g = atomic.load<i32>(ctl + GEN), seen = <usize>atomic.load<i32>(ctl + SEEN);
  for (let s = atomic.load<i32>(ctl + SPINS), tries = 0; tries < 1000; s > 0 ? s-- : tries++) {
    let all = true;
    for (let t = 1; t < n; t++) all = all && atomic.load<i32>(seen + (<usize>t << 2)) == g;
    if (all) return 0;
    if (atomic.load<i32>(ctl + FAILED) != 0) return FAILURE;
    if (s == 0) wait32(ctl + SEEN, atomic.load<i32>(ctl + SEEN), 1_000_000); // sleep 1 ms (nothing notifies it)
  }
  return WAITING;
}

/** A worker thread's life: wait for an item, claim parts of it, again, until CMD_EXIT. Returns 0, or FAILURE. */
export function worker(tid: i32, ctl: usize): i32 {
  const panel = <usize>atomic.load<i32>(ctl + PANELS) + <usize>tid * id.SCRATCH_BYTES;
  // From the control block's first state, not its state now: thread 0 may already have opened an
  // item (it only waits for the workers' ready message, posted before this call).
  let seen = 0;
  while (atomic.load<i32>(ctl + CMD) != id.CMD_EXIT) {
    if (waitOpen(ctl, seen) == FAILURE) return FAILURE;
    seen = atomic.load<i32>(ctl + GEN);
    atomic.store<i32>(<usize>atomic.load<i32>(ctl + SEEN) + (<usize>tid << 2), seen);
    if (atomic.load<i32>(ctl + CMD) != id.CMD_EXIT) work(ctl, seen, tid, panel);
  }
  return 0;
}
