// Worker threads for one network: each instantiates the threaded build over the network's shared
// memory and waits in WebAssembly (assembly/threads.ts) for parts of records to claim; the calling
// thread is thread 0. Started by the first fit, ended by dispose(); they never keep a Node process
// alive. A worker that fails or goes away sets a flag the others see, so nothing waits forever.
import * as id from '../ids.js';
import type { Arena } from '../memory.js';
import type { WasmKernels } from '../wasm.js';

const CTL_BYTES = 4 * id.CTL_WORDS;
/**
 * Spins before a wait: ≈ 0.3 ms on a Zen 5 core (0.55 ns a spin), longer on slower ones. Longer
 * than the gaps a fit leaves a worker idle (the records on thread 0 alone, JavaScript between
 * steps: tens of µs), so it stays awake through an epoch: a wait and a wake cost more than the gap
 * (on a 2-vCPU KVM guest, 20,000 spins, ≈ 11 µs, had W2 train at 1.1–1.4× on 2 threads, not 1.7–1.9×).
 */
const SPIN = 500_000;

/**
 * The worker's program: instantiate the module, say so, serve programs until told to exit. It is
 * source text (a Web Worker from a Blob, or Node's eval): the control block's words it touches
 * come in its data, from src/ids.ts.
 */
const WORKER = `
const serve = ({ module, memory, tid, ctl, words }, post) => {
  const I = new Int32Array(memory.buffer);
  const fail = (message) => {
    Atomics.store(I, (ctl >> 2) + words.failed, tid + 1);
    Atomics.notify(I, (ctl >> 2) + words.gen);
    Atomics.notify(I, (ctl >> 2) + words.done);
    post({ type: 'failed', tid, message });
  };
  const abort = (m, f, line, column) => { throw new Error('abort at ' + line + ':' + column); };
  WebAssembly.instantiate(module, { env: { memory, abort } }).then((instance) => {
    post({ type: 'ready', tid });
    try {
      const code = instance.exports.worker(tid, ctl);
      if (code !== 0) fail('another thread failed');
      post({ type: 'exit', tid });
    } catch (e) {
      fail(String(e && e.message || e));
    }
  }, (e) => fail('could not start: ' + (e && e.message || e)));
};
const node = typeof process === 'object' && process.getBuiltinModule && process.getBuiltinModule('node:worker_threads');
if (node) serve(node.workerData, (m) => node.parentPort.postMessage(m));
else self.onmessage = (e) => serve(e.data, (m) => self.postMessage(m));
`;

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
  addEventListener?(type: string, f: (e: { data?: unknown; message?: string }) => void): void;
  on?(type: string, f: (x: unknown) => void): void;
  unref?(): void;
}

type Message = { type: 'ready' | 'failed' | 'exit'; tid: number; message?: string };

export class ThreadPool {
  /** The first failure a worker reported, or its going away. */
  failure?: string;
  private busy = false;
  /** The parts the programs run on the pool since resetClaimed() gave out to claim (Program.parts: the check of claimed()). */
  handedOut = 0;
  /** With threads: 'auto', what says whether a run goes on thread 0 alone. */
  readonly auto?: AutoThreads;
  /** Waits of ≈ 1 s (a WAITING answer) in a row before a worker that is there but does not answer is given up on. */
  patience = 60;
  private waits = 0;

  private constructor(
    readonly size: number,
    private readonly k: WasmKernels,
    private readonly arena: Arena,
    private readonly ctl: number,
    private readonly workers: AnyWorker[],
    auto: boolean,
  ) {
    if (auto) this.auto = new AutoThreads(AutoThreads.last);
  }

  /**
   * Start `size − 1` workers on `module` over the arena's shared memory, and wait until each is
   * ready. `spin`: whether threads may spin while they wait (not when they outnumber the cores);
   * `auto`: whether training steps may run on thread 0 alone when that is faster (AutoThreads).
   */
  static async start(
    module: WebAssembly.Module,
    k: WasmKernels,
    arena: Arena,
    size: number,
    spin: boolean,
    auto = false,
  ): Promise<ThreadPool> {
    const words = 16 * Math.ceil(size / 4); // one i32 a thread, 16-byte aligned
    const panels = CTL_BYTES + 2 * words; // the block, each thread's SEEN and CLAIMED words, the scratch
    const ctl = arena.alloc(panels + size * id.SCRATCH_BYTES);
    const I = arena.view.i32();
    I.fill(0, ctl >> 2, (ctl + panels) >> 2);
    I[(ctl >> 2) + id.CTL_SPINS] = spin ? SPIN : 0;
    I[(ctl >> 2) + id.CTL_SEEN] = ctl + CTL_BYTES;
    I[(ctl >> 2) + id.CTL_CLAIMED] = ctl + CTL_BYTES + words;
    I[(ctl >> 2) + id.CTL_PANELS] = ctl + panels;
    const workers: AnyWorker[] = [],
      shared = { gen: id.CTL_GEN, done: id.CTL_DONE, failed: id.CTL_FAILED };
    const pool = new ThreadPool(size, k, arena, ctl, workers, auto);
    const ready = Array.from({ length: size - 1 }, (_, i) => {
      const tid = i + 1;
      return new Promise<void>((resolve, reject) => {
        const onMessage = (m: Message) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'failed') {
            pool.failure ??= `worker thread ${m.tid} failed: ${m.message}`;
            reject(new Error(pool.failure));
          }
        };
        const onGone = (why: string) => {
          pool.failure ??= `worker thread ${tid} ${why}`;
          pool.flagFailure(tid);
          reject(new Error(pool.failure));
        };
        workers.push(spawn({ module, memory: arena.memory, tid, ctl, words: shared }, onMessage, onGone));
      });
    });
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw new Error(`could not start the worker threads: ${(e as Error).message}`);
    }
    return pool;
  }

  private flagFailure(tid: number): void {
    const I = this.arena.view.i32();
    Atomics.store(I, (this.ctl >> 2) + id.CTL_FAILED, tid + 1);
    Atomics.notify(I, (this.ctl >> 2) + id.CTL_GEN);
  }

  /** A program's status, or the Error of a failed thread (from then on, every run throws it). */
  private after(status: number): number {
    this.busy = status === id.THREADS_WAITING;
    if (!this.busy) this.waits = 0;
    if (status === id.THREADS_FAILURE || this.failure !== undefined) {
      this.busy = false;
      throw new Error(
        `${this.failure ?? 'a worker thread failed'}; this network's threads are stopped: dispose() it and create another`,
      );
    }
    return status;
  }

  /**
   * Run a program on every thread. Returns the records run, or WAITING when thread 0 has waited a
   * while for the others (call resume, after letting events in so that a worker gone away is seen).
   */
  run(ops: number, count: number): number {
    if (this.failure === undefined && this.busy)
      throw new Error('this network is busy: it is waiting for its worker threads');
    return this.after(
      this.failure === undefined
        ? this.call(() => this.k.runThreads!(ops, count, this.ctl, false))
        : id.THREADS_FAILURE,
    );
  }

  resume(ops: number, count: number): number {
    return this.after(this.call(() => this.k.runThreads!(ops, count, this.ctl, true)));
  }

  /** Thread 0's call into the pool: a trap in its own part stops the pool as a worker's would. */
  private call(f: () => number): number {
    try {
      return f();
    } catch (e) {
      this.failure ??= `thread 0 failed: ${(e as Error).message}`;
      this.flagFailure(0);
      throw e;
    }
  }

  /**
   * Whether every worker answers: 0, or WAITING after ≈ 1 s (call again with `resume` after
   * letting events in); throws once one failed or went away. A run never waits for a worker that
   * holds no part of it, so one that went away while idle is noticed only here.
   */
  checkIn(resume: boolean): number {
    return this.after(this.call(() => this.k.checkThreads!(this.ctl, this.size, resume)));
  }

  /**
   * Called on each WAITING answer, before asking again: after `patience` of them in a row (a
   * minute), the pool is stopped and this throws, naming the worker that does not answer (one
   * alive but not serving, e.g. its thread descheduled for good, would otherwise be waited for
   * forever).
   */
  waited(): void {
    if (++this.waits < this.patience) return;
    const I = this.arena.view.i32(),
      c = this.ctl >> 2,
      seen = I[c + id.CTL_SEEN] >> 2;
    // A worker that has not seen the open item is silent; else the one holding a part (with 2 threads, thread 1).
    const silent = Array.from({ length: this.size - 1 }, (_, i) => i + 1).filter(
      (t) => I[seen + t] !== I[c + id.CTL_GEN],
    );
    const who = silent.length
      ? `worker thread${silent.length > 1 ? 's' : ''} ${silent.join(', ')}`
      : this.size === 2
        ? 'worker thread 1'
        : `the worker thread (of 1 to ${this.size - 1}) holding a part of the step`;
    this.failure ??= `${who} has not answered for about ${this.waits} s though it has not gone away (alive but not serving)`;
    this.flagFailure(silent[0] ?? 1);
    this.after(id.THREADS_FAILURE);
  }

  /**
   * The parts of records each thread claimed (thread 0 first) since resetClaimed(): read between
   * runs, as the control block holds them (a run that returned WAITING may still add to them).
   */
  claimed(): number[] {
    const I = this.arena.view.i32(),
      at = I[(this.ctl >> 2) + id.CTL_CLAIMED] >> 2;
    return Array.from({ length: this.size }, (_, t) => Atomics.load(I, at + t));
  }

  resetClaimed(): void {
    this.handedOut = 0;
    const I = this.arena.view.i32(),
      at = I[(this.ctl >> 2) + id.CTL_CLAIMED] >> 2;
    for (let t = 0; t < this.size; t++) Atomics.store(I, at + t, 0);
  }

  /** Tell the workers to exit, and end them. */
  dispose(): void {
    const I = this.arena.view.i32();
    Atomics.store(I, (this.ctl >> 2) + id.CTL_CMD, id.CMD_EXIT);
    Atomics.add(I, (this.ctl >> 2) + id.CTL_GEN, 1);
    Atomics.notify(I, (this.ctl >> 2) + id.CTL_GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }

  /** For tests: end worker `tid` as if it had crashed. */
  kill(tid: number): void {
    this.workers[tid - 1]?.terminate();
  }

  /** For tests: end worker `tid` unseen, as if it were there but never answered again. */
  wedge(tid: number): void {
    const w = this.workers[tid - 1] as { removeAllListeners?(): void } & AnyWorker;
    w.removeAllListeners?.();
    w.terminate();
  }
}

export const POOL_WAITING = id.THREADS_WAITING;

/**
 * A trial's blocks last at least BLOCK_MS each (several of the host's time slices); the choice is
 * then kept for `keep` times the trial's time: KEEP_MIN after a change, doubling up to KEEP_MAX
 * while trials agree, so that a trial that chose wrong costs little and one that chose right
 * soon costs little more than 1% of the time (the block on the other threads).
 */
const BLOCK_MS = 10,
  KEEP_MIN = 8,
  KEEP_MAX = 64;

/**
 * threads: 'auto' on a machine whose other cores may be busy: a training step runs on every thread
 * only while that is faster than on thread 0 alone. With a core kept busy by another process, the
 * kernel deschedules a worker for a time slice (ms) now and then, often holding a part thread 0
 * then waits for: W2 trained at 0.66–0.81× of 1 thread on 2. So a trial times a block of steps
 * the other way between two blocks of the way chosen (first: on every thread), and the faster per
 * step is kept a while, then tried again. Which thread runs a part never changes a bit, so timing
 * may choose. A network starts from what the last trial in this process found (the machine's
 * other load outlives a network; its first trial checks that choice at once).
 */
export class AutoThreads {
  /** The choice of the last trial that ended, in any network of this process. */
  static last?: boolean;
  /** Whether the next step runs on thread 0 alone (set by before()). */
  alone = false;
  /** Steps run alone since the count was set to 0. */
  steps = 0;
  private chosen: boolean;
  /** The trial's block: 0 and 2 the way chosen, 1 the other; 3: keeping the choice for `left` ms. */
  private block = 0;
  private blockMs = 0;
  /** Steps and ms of the trial's blocks: [the way chosen, the other]. */
  private readonly n = [0, 0];
  private readonly ms = [0, 0];
  private keep = KEEP_MIN;
  private left = 0;

  /** chosen: the first choice (a trial's noise can agree wrongly, so the keep starts over at KEEP_MIN). */
  constructor(chosen = false) {
    this.chosen = chosen;
  }

  /** Before a training step: on which threads it runs. */
  before(): void {
    this.alone = this.block === 1 ? !this.chosen : this.chosen;
  }

  /** After it: the ms it took. */
  after(ms: number): void {
    if (this.alone) this.steps++;
    if (this.block === 3) {
      if ((this.left -= ms) <= 0) this.block = this.n[0] = this.n[1] = this.ms[0] = this.ms[1] = 0;
      return;
    }
    const way = this.block === 1 ? 1 : 0;
    this.n[way]++;
    this.ms[way] += ms;
    if ((this.blockMs += ms) < BLOCK_MS) return;
    this.blockMs = 0;
    if (++this.block < 3) return;
    const change = this.ms[1] / this.n[1] < this.ms[0] / this.n[0];
    this.keep = change ? KEEP_MIN : Math.min(KEEP_MAX, 2 * this.keep);
    if (change) this.chosen = !this.chosen;
    this.left = this.keep * (this.ms[0] + this.ms[1]);
    AutoThreads.last = this.chosen;
  }
}

/** A worker running WORKER with `data`, in Node (worker_threads) or in a browser (a Web Worker from a Blob). */
function spawn(data: unknown, onMessage: (m: Message) => void, onGone: (why: string) => void): AnyWorker {
  const wt = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.(
    'node:worker_threads',
  ) as { Worker: new (code: string, options: object) => AnyWorker } | undefined;
  if (wt) {
    const w = new wt.Worker(WORKER, { eval: true, workerData: data });
    w.on!('message', (m) => {
      if ((m as Message).type === 'ready') w.unref!(); // from now on, a script that forgets dispose() still ends
      onMessage(m as Message);
    });
    w.on!('error', (e) => onGone(`failed: ${(e as Error).message}`));
    w.on!('exit', (code) => onGone(`went away (exit code ${code})`));
    return w;
  }
  const url = URL.createObjectURL(new Blob([WORKER], { type: 'text/javascript' }));
  const w = new Worker(url) as unknown as AnyWorker;
  w.addEventListener!('message', (e) => {
    URL.revokeObjectURL(url); // it has run by now
    onMessage(e.data as Message);
  });
  w.addEventListener!('error', (e) => onGone(`failed: ${e.message ?? 'an error in the worker'}`));
  w.postMessage(data);
  return w;
}
