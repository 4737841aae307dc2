// What the bench takes from src/ (bundled by ./library.js): the one instantiation path, the arena,
// the pure-JS reference kernels, and the bench target's bytes (release + ceiling kernels).
export { instantiateKernels } from '../../src/wasm.js';
export { Arena } from '../../src/memory.js';
export { referenceKernels } from '../../src/reference/index.js';
export { default as benchModule } from '../../build/wasmlp-bench.wasm';
