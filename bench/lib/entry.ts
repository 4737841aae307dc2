// What the bench takes from src/ (bundled by ./library.js): the one instantiation path and build
// choice, the arena, the program runner and the thread pool (threaded GEMMs run as the library runs
// them), the pure-JS reference kernels, and the bench target's bytes (release + ceiling kernels).
export {
  chooseBuild,
  compileModule,
  coresAvailable,
  fmaUnavailable,
  instantiateKernels,
  threadsUnavailable,
} from '../../src/wasm.js';
export { Arena } from '../../src/memory.js';
export { Program } from '../../src/core/program.js';
export { ThreadPool } from '../../src/core/threads.js';
export { referenceKernels } from '../../src/reference/index.js';
export { default as benchModule } from '../../build/wasmlp-bench.wasm';
// bench/step.js times a training step's records in place, on the core itself.
export { Core } from '../../src/core/core.js';
export { sparseIndexBytes } from '../../src/core/backprop.js';
export { Dataset } from '../../src/data/dataset.js';
export * as ids from '../../src/ids.js';
