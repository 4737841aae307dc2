// The f32x4 ceiling on several cores at once: `threads` worker threads, each with its own instance
// of the bench module, run the same fixed work on each call and the call returns when the last one
// is done — what a GEMM split into equal parts across threads could at best get on this machine,
// right now (a core busy with other work shows up here as it does in the GEMMs).
import { Worker } from 'node:worker_threads';

const WORKER = `
const { workerData: { module, control, iterations }, parentPort } = require('node:worker_threads');
const I = new Int32Array(control); // [0] call number (−1: exit), [1] workers done
const memory = new WebAssembly.Memory({ initial: 1 });
const { ceiling } = new WebAssembly.Instance(module, { env: { memory } }).exports;
parentPort.postMessage('ready');
for (let seq = 0; ; ) {
  Atomics.wait(I, 0, seq);
  seq = Atomics.load(I, 0);
  if (seq < 0) break;
  ceiling(iterations, 0.999, 0.001);
  Atomics.add(I, 1, 1);
  Atomics.notify(I, 1);
}
`;

/** Start `threads` workers on the compiled bench module; `call()` runs `iterations` of the 12-chain ceiling on each. */
export async function ceilingThreads(module, threads, iterations) {
  const control = new SharedArrayBuffer(8);
  const I = new Int32Array(control);
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { module, control, iterations } }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return {
    threads,
    flopsPerCall: threads * 96 * iterations,
    call() {
      Atomics.store(I, 1, 0);
      Atomics.add(I, 0, 1);
      Atomics.notify(I, 0);
      for (let done; (done = Atomics.load(I, 1)) < threads;) Atomics.wait(I, 1, done);
    },
    dispose() {
      Atomics.store(I, 0, -1);
      Atomics.notify(I, 0);
      for (const w of workers) w.terminate();
    },
  };
}
