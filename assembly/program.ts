// A program: records of OP_WORDS f64 words (the op id, then the kernel's arguments in signature
// order, and in the last word the parts it is split into; src/ids.ts), written by
// src/core/program.ts. One call runs a whole pass (a training step, an evaluation batch), so
// JavaScript crosses into WebAssembly once per batch, not once per kernel. exec runs one part of a
// record; the parts are tiles of the output (GEMM), rows, columns or groups of 4 elements, never a
// split sum: every value is computed the same way whatever the parts and whichever thread runs them.
import * as id from "../src/ids";
import { activate, mulDerivative } from "./activation";
import { argmaxRows, countCorrect, gatherF32, gatherTargets, gatherU8 } from "./batch";
import { biasGradPart } from "./backprop";
import { absSum, diagForward } from "./diagnostics";
import { gemmNNPart, gemmNTPart, gemmTNPart, PANEL } from "./gemm";
import { lossDelta } from "./loss";
import { adam, momentum, sgd } from "./optimizer";
import { dropoutPart, maxNormPart, scale } from "./regularize";

@inline function p(o: usize, j: i32): usize { return <usize>load<f64>(o + (<usize>j << 3)); }
@inline function i(o: usize, j: i32): i32 { return <i32>load<f64>(o + (<usize>j << 3)); }
@inline function f(o: usize, j: i32): f32 { return <f32>load<f64>(o + (<usize>j << 3)); }

/**
 * Whether record o runs beside the records after it (its last word −1): whole, on a worker, while
 * thread 0 goes on with them, until the next record in parts or join. Only a record that reads
 * nothing the records after it write, and whose output nothing reads before then, is put beside.
 */
export function besideOf(o: usize): bool { return i(o, id.OP_WORDS - 1) < 0; }

/** The parts record o is split into (its last word): 1 for the reductions (one sum, one count, in order: the diagnostics too). */
export function partsOf(o: usize): i32 {
  const op = i(o, 0);
  return op == id.OP_LOSS_DELTA || op == id.OP_COUNT_CORRECT || op == id.OP_ARGMAX_ROWS || op == id.OP_DIAG_FORWARD || op == id.OP_ABS_SUM
    ? 1
    : max(1, i(o, id.OP_WORDS - 1));
}

// Where part `part` of `parts` of `units` work units starts: contiguous and balanced.
@inline function lo(units: i32, part: i32, parts: i32): i32 { return <i32>(<i64>units * part / parts); }

/**
 * Part `part` (of `parts`) of record o; `panel` is the packing scratch of the thread running it. Returns false when the
 * record is a loss with `stop` whose cost was not finite (the program ends there).
 */
export function exec(o: usize, part: i32, parts: i32, panel: usize): bool {
  switch (i(o, 0)) {
    case id.OP_GATHER_U8: { // rows
      const w = i(o, 3), n = i(o, 5), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      gatherU8(p(o, 1) + (<usize>r0 * w << 2), p(o, 2), w, p(o, 4) + (<usize>r0 << 2), r1 - r0, f(o, 6));
      break;
    }
    case id.OP_GATHER_F32: {
      const w = i(o, 3), n = i(o, 5), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      gatherF32(p(o, 1) + (<usize>r0 * w << 2), p(o, 2), w, p(o, 4) + (<usize>r0 << 2), r1 - r0);
      break;
    }
    case id.OP_GATHER_TARGETS: {
      const n = i(o, 4), k = i(o, 5), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      gatherTargets(p(o, 1) + (<usize>r0 * k << 2), p(o, 2), p(o, 3) + (<usize>r0 << 2), r1 - r0, k);
      break;
    }
    case id.OP_GEMM_NT: { // tiles of C: 4 rows × 2 columns; the part along the side with more of them
      const M = i(o, 5), N = i(o, 6), mt = (M + 3) >> 2, nt = (N + 1) >> 1;
      let i0 = 0, i1 = M, j0 = 0, j1 = N;
      if (nt >= mt) { j0 = lo(nt, part, parts) << 1; j1 = min(N, lo(nt, part + 1, parts) << 1); } else { i0 = lo(mt, part, parts) << 2; i1 = min(M, lo(mt, part + 1, parts) << 2); }
      gemmNTPart(p(o, 1), p(o, 2), p(o, 3), p(o, 4), M, N, i(o, 7), f(o, 8), f(o, 9), i0, i1, j0, j1);
      break;
    }
    case id.OP_GEMM_NN:
    case id.OP_GEMM_TN: { // tiles of C: 4 rows × 8 columns
      const M = i(o, 5), N = i(o, 6), mt = (M + 3) >> 2, nt = (N + 7) >> 3;
      let i0 = 0, i1 = M, j0 = 0, j1 = N;
      // TN (∂C/∂W) by rows where each part gets a row tile: a thread then writes whole rows of
      // ∂C/∂W, about the range its part of the update reads next, not half of every row from the
      // other core's cache (W3's step in place: 1.73 → 1.79×).
      const byRows = i(o, 0) == id.OP_GEMM_TN ? mt >= parts : nt < mt;
      if (!byRows) { j0 = lo(nt, part, parts) << 3; j1 = min(N, lo(nt, part + 1, parts) << 3); } else { i0 = lo(mt, part, parts) << 2; i1 = min(M, lo(mt, part + 1, parts) << 2); }
      if (i(o, 0) == id.OP_GEMM_NN) gemmNNPart(p(o, 1), p(o, 2), p(o, 3), p(o, 4), M, N, i(o, 7), f(o, 8), f(o, 9), i0, i1, j0, j1, panel);
      else gemmTNPart(p(o, 1), p(o, 2), p(o, 3), p(o, 4), M, N, i(o, 7), f(o, 8), f(o, 9), i0, i1, j0, j1, panel);
      break;
    }
    case id.OP_ACTIVATE:
    case id.OP_MUL_DERIVATIVE: { // softmax by rows, the rest by groups of 4 elements (the same lanes as one call)
      const act = i(o, 1), rows = i(o, 4 + <i32>(i(o, 0) == id.OP_MUL_DERIVATIVE)), cols = i(o, 5 + <i32>(i(o, 0) == id.OP_MUL_DERIVATIVE));
      let e0 = 0, e1 = 0, r = 0;
      if (act == id.SOFTMAX) { r = lo(rows, part + 1, parts) - lo(rows, part, parts); e0 = lo(rows, part, parts) * cols; e1 = e0 + r * cols; }
      else { const n = rows * cols, u = (n + 3) >> 2; e0 = min(n, lo(u, part, parts) << 2); e1 = min(n, lo(u, part + 1, parts) << 2); r = 1; }
      const off = <usize>e0 << 2, c = act == id.SOFTMAX ? cols : e1 - e0;
      if (i(o, 0) == id.OP_ACTIVATE) activate(act, p(o, 2) + off, p(o, 3) + off, r, c, f(o, 6));
      else mulDerivative(act, p(o, 2) + off, p(o, 3) + off, p(o, 4) + off, r, c, f(o, 7));
      break;
    }
    case id.OP_LOSS_DELTA: { // one thread: the cost is one sum in row order
      const cost = lossDelta(i(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6));
      store<f64>(p(o, 7), cost);
      if (i(o, 8) != 0 && !isFinite(cost)) return false;
      break;
    }
    case id.OP_BIAS_GRAD: { // groups of 4 columns: each column's sum stays whole
      const cols = i(o, 4), u = (cols + 3) >> 2;
      biasGradPart(p(o, 1), p(o, 2), i(o, 3), cols, f(o, 5), min(cols, lo(u, part, parts) << 2), min(cols, lo(u, part + 1, parts) << 2));
      break;
    }
    case id.OP_SGD:
    case id.OP_MOMENTUM:
    case id.OP_ADAM: { // groups of 4 parameters, or with stats whole chunks (each chunk's sums stay whole)
      const op = i(o, 0), n = i(o, 3 + <i32>(op != id.OP_SGD) + <i32>(op == id.OP_ADAM));
      let stats = p(o, op == id.OP_SGD ? 6 : op == id.OP_MOMENTUM ? 9 : 13);
      const unit = stats ? id.DIAG_CHUNK : 4, u = (n + unit - 1) / unit;
      const e0 = min(n, lo(u, part, parts) * unit), e1 = min(n, lo(u, part + 1, parts) * unit), d = <usize>e0 << 2;
      if (stats) stats += <usize>(e0 / id.DIAG_CHUNK) * 24;
      if (op == id.OP_SGD) sgd(p(o, 1) + d, p(o, 2) + d, e1 - e0, f(o, 4), f(o, 5), stats);
      else if (op == id.OP_MOMENTUM) momentum(p(o, 1) + d, p(o, 2) + d, p(o, 3) + d, e1 - e0, f(o, 5), f(o, 6), f(o, 7), i(o, 8), stats);
      else adam(p(o, 1) + d, p(o, 2) + d, p(o, 3) + d, p(o, 4) + d, e1 - e0, f(o, 6), f(o, 7), f(o, 8), f(o, 9), f(o, 10), f(o, 11), f(o, 12), stats);
      break;
    }
    case id.OP_DROPOUT: { // groups of 4 elements: each element's mask bit depends on its index only
      const n = i(o, 3) * i(o, 4), u = (n + 3) >> 2;
      dropoutPart(p(o, 1), p(o, 2), min(n, lo(u, part, parts) << 2), min(n, lo(u, part + 1, parts) << 2), load<f64>(o + 40), <u32>load<f64>(o + 48), <u32>load<f64>(o + 56));
      break;
    }
    case id.OP_SCALE: {
      const n = i(o, 2), u = (n + 3) >> 2, e0 = min(n, lo(u, part, parts) << 2), e1 = min(n, lo(u, part + 1, parts) << 2);
      scale(p(o, 1) + (<usize>e0 << 2), e1 - e0, f(o, 3));
      break;
    }
    case id.OP_MAX_NORM: { // rows: each row's norm is one sum
      const rows = i(o, 2);
      maxNormPart(p(o, 1), i(o, 3), lo(rows, part, parts), lo(rows, part + 1, parts), f(o, 4));
      break;
    }
    case id.OP_JOIN: // no work: where thread 0 waits for the records beside (assembly/threads.ts)
      break;
    case id.OP_DIAG_FORWARD:
      diagForward(i(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6), f(o, 7), f(o, 8), p(o, 9), p(o, 10));
      break;
    case id.OP_ABS_SUM:
      absSum(p(o, 1), i(o, 2), i(o, 3), p(o, 4));
      break;
    case id.OP_COUNT_CORRECT: // one thread: one count
      store<f64>(p(o, 5), <f64>countCorrect(p(o, 1), p(o, 2), i(o, 3), i(o, 4)));
      break;
    case id.OP_ARGMAX_ROWS:
      argmaxRows(p(o, 1), p(o, 2), i(o, 3), i(o, 4));
      break;
    default:
      unreachable();
  }
  return true;
}

// One thread runs everything. Returns the records run: fewer than count when an OP_LOSS_DELTA
// with `stop` saw a non-finite cost.
export function run(ops: usize, count: i32): i32 {
  for (let r = 0; r < count; r++) if (!exec(ops + (<usize>r * id.OP_WORDS << 3), 0, 1, PANEL)) return r + 1;
  return count;
}
