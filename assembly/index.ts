// The module's ABI (what the library calls): every export takes byte offsets into the imported
// memory and plain numbers. Programs (run) drive the passes; the kernels are exported too, so the
// tests can check each against its pure-JS twin on the same bytes.
import * as id from "../src/ids";
import { PANEL } from "./gemm";

export { gemmNT, gemmNN, gemmTN } from "./gemm";
export { activate, mulDerivative } from "./activation";
export { lossDelta } from "./loss";
export { biasGrad } from "./backprop";
export { sgd, momentum, adam } from "./optimizer";
export { gatherU8, gatherF32, gatherTargets, countCorrect, argmaxRows, affine, targetSums } from "./batch";
export { randn } from "./init";
export { diagForward, absSum } from "./diagnostics";
export { dropout, scale, maxNorm } from "./regularize";
export { sparseIndex, sparseNT, sparseRows, sparseTN } from "./sparse";
export { run } from "./program";

// First byte above the module's static data (abort messages, constants) and the exported kernels'
// scratch (./gemm.ts PANEL): the arena starts here.
export function heapBase(): usize {
  return PANEL + id.SCRATCH_BYTES;
}
