// A module Web Worker for the threaded browser tests: a page's main thread may not block, so a
// network with worker threads trains here. Each message { id, c, threads } runs threadedRun and
// answers { id, result } (with `spawned`, the Web Workers its pool started) or { id, error }.
import * as lib from '/dist/index.js';
import { mnist, threadedRun } from '/test/workloads.js';

let spawned = 0;
const NativeWorker = self.Worker;
self.Worker = class extends NativeWorker {
  constructor(...args) {
    super(...args);
    spawned++;
  }
};

self.onmessage = async ({ data: { id, c, threads } }) => {
  try {
    const { train } = await mnist(lib);
    spawned = 0;
    const result = await threadedRun(lib, train, c, threads);
    self.postMessage({ id, result: { ...result, spawned } });
  } catch (e) {
    self.postMessage({ id, error: String((e && e.stack) || e) });
  }
};
