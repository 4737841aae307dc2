// The module's ABI: every export takes byte offsets into the imported memory and plain numbers.
export { gemmNT, gemmNN, gemmTN } from "./gemm";
export { activate, mulDerivative } from "./activation";
export { lossDelta } from "./loss";
export { biasGrad } from "./backprop";
export { sgd, momentum, adam } from "./optimizer";
export { gatherU8, gatherF32, gatherTargets, countCorrect, argmaxRows } from "./batch";
export { randn } from "./init";
export { ceiling, ceiling8, ceilingStream } from "./ceiling"; // bench only: measured f32x4 and streaming ceilings

// First byte above the module's static data (abort messages, constants): the arena starts here.
export function heapBase(): usize {
  return __heap_base;
}
