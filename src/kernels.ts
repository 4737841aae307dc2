// The kernel ABI shared by the WebAssembly module (assembly/index.ts) and its pure-JS twin
// (src/reference/). Pointers are byte offsets into one WebAssembly.Memory; nothing allocates.
import type { OpKernels } from './ops.js';

/** The kernels a program record calls, typed from the op table (src/ops.ts), and the others. */
export interface Kernels extends OpKernels {
  /** x[r, c] = x[r, c]·factor[c] + shift[c] over rows×cols (f32 vectors at factor, shift): scaling a column. */
  affine(x: number, rows: number, cols: number, factor: number, shift: number): void;
  /**
   * Adds, per column c of a against y, 5 f64 at out + 40c: Σ(a − y)², Σ|a − y|, Σy, Σy² and the
   * rows where a ≥ ½ and y ≥ ½ agree (regression and multi-label metrics), in row order.
   */
  targetSums(a: number, y: number, rows: number, cols: number, out: number): void;
  /** dst[0..n) = std·N(0,1) by Box–Muller from 2⌈n/2⌉ uniform u32 words at u. */
  randn(dst: number, u: number, n: number, std: number): void;
  /**
   * Run a program: `count` records of OP_WORDS f64 words at `ops` (src/ops.ts), each a kernel call.
   * Returns the records run: fewer than `count` when an OP_LOSS_DELTA with `stop` saw a non-finite cost.
   */
  run(ops: number, count: number): number;
}
