// A program: records of OP_WORDS f64 words (the op id, then the kernel's arguments in signature
// order, and in the last word the parts it is split into), as the op table (src/ops.ts) states
// them, written by src/core/program.ts; exec reads each word by its name (./words.ts, from the
// table). One call runs a whole pass (a training step, an evaluation batch), so JavaScript crosses
// into WebAssembly once per batch, not once per kernel. exec runs one part of a record; the parts
// are tiles of the output (GEMM), rows, columns or groups of 4 elements, never a split sum: every
// value is computed the same way whatever the parts and whichever thread runs them.
import * as id from "../src/ids";
import { activate, mulDerivative } from "./activation";
import { argmaxRows, countCorrect, gatherF32, gatherTargets, gatherU8 } from "./batch";
import { biasGradPart } from "./backprop";
import { absSum, diagForward } from "./diagnostics";
import { gemmNNPart, gemmNTPart, gemmTNPart, PANEL } from "./gemm";
import { lossDelta } from "./loss";
import { sparseIndexPart, sparseNTPart, sparseOn, sparseRowsPart, sparseTNPart } from "./sparse";
import { adam, momentum, sgd } from "./optimizer";
import { dropoutPart, maxNormPart, scale } from "./regularize";
import * as w from "./words";

@inline function p(o: usize, j: i32): usize { return <usize>load<f64>(o + (<usize>j << 3)); }
@inline function i(o: usize, j: i32): i32 { return <i32>load<f64>(o + (<usize>j << 3)); }
@inline function f(o: usize, j: i32): f32 { return <f32>load<f64>(o + (<usize>j << 3)); }
@inline function d(o: usize, j: i32): f64 { return load<f64>(o + (<usize>j << 3)); }
@inline function u(o: usize, j: i32): u32 { return <u32>load<f64>(o + (<usize>j << 3)); }

/**
 * Whether record o runs beside the records after it (its last word −1): whole, on a worker, while
 * thread 0 goes on with them, until the next record in parts or join. Only a record that reads
 * nothing the records after it write, and whose output nothing reads before then, is put beside.
 */
export function besideOf(o: usize): bool { return i(o, id.OP_WORDS - 1) < 0; }

/** The parts record o is split into (its last word): 1 for the reductions (one sum, one count, in order: the diagnostics too). */
export function partsOf(o: usize): i32 {
  return (w.ONE_PART >> <u64>i(o, w.WORD_OP)) & 1 ? 1 : max(1, i(o, id.OP_WORDS - 1));
}

// Where part `part` of `parts` of `units` work units starts: contiguous and balanced.
@inline function lo(units: i32, part: i32, parts: i32): i32 { return <i32>(<i64>units * part / parts); }

// gemmNT's record (or a sparseNT's: its words up to beta are gemmNT's), part `part` of `parts`:
// tiles of C, 4 rows × 2 columns; the part along the side with more of them.
function denseNT(o: usize, part: i32, parts: i32): void {
  const M = i(o, w.gemmNT.M), N = i(o, w.gemmNT.N), mt = (M + 3) >> 2, nt = (N + 1) >> 1;
  let i0 = 0, i1 = M, j0 = 0, j1 = N;
  if (nt >= mt) { j0 = lo(nt, part, parts) << 1; j1 = min(N, lo(nt, part + 1, parts) << 1); }
  else { i0 = lo(mt, part, parts) << 2; i1 = min(M, lo(mt, part + 1, parts) << 2); }
  const c = p(o, w.gemmNT.c), a = p(o, w.gemmNT.a), b = p(o, w.gemmNT.b), bias = p(o, w.gemmNT.bias);
  gemmNTPart(c, a, b, bias, M, N, i(o, w.gemmNT.K), f(o, w.gemmNT.alpha), f(o, w.gemmNT.beta), i0, i1, j0, j1);
}

// gemmNN's or gemmTN's record (or a sparseTN's), part `part` of `parts`: tiles of C, 4 rows × 8
// columns; NN's and TN's records are alike (the table's GEMM).
function denseXN(o: usize, part: i32, parts: i32, panel: usize, tn: bool): void {
  const M = i(o, w.gemmNN.M), N = i(o, w.gemmNN.N), mt = (M + 3) >> 2, nt = (N + 7) >> 3;
  let i0 = 0, i1 = M, j0 = 0, j1 = N;
  // TN (∂C/∂W) by rows where each part gets a row tile: a thread then writes whole rows of
  // ∂C/∂W, about the range its part of the update reads next, not half of every row from the
  // other core's cache (W3's step in place: 1.73 → 1.79×).
  const byRows = tn ? mt >= parts : nt < mt;
  if (!byRows) { j0 = lo(nt, part, parts) << 3; j1 = min(N, lo(nt, part + 1, parts) << 3); }
  else { i0 = lo(mt, part, parts) << 2; i1 = min(M, lo(mt, part + 1, parts) << 2); }
  const c = p(o, w.gemmNN.c), a = p(o, w.gemmNN.a), b = p(o, w.gemmNN.b), bias = p(o, w.gemmNN.bias);
  const K = i(o, w.gemmNN.K), alpha = f(o, w.gemmNN.alpha), beta = f(o, w.gemmNN.beta);
  if (!tn) gemmNNPart(c, a, b, bias, M, N, K, alpha, beta, i0, i1, j0, j1, panel);
  else gemmTNPart(c, a, b, bias, M, N, K, alpha, beta, i0, i1, j0, j1, panel);
}

/**
 * Part `part` (of `parts`) of record o; `panel` is the packing scratch of the thread running it. Returns false when the
 * record is a loss with `stop` whose cost was not finite (the program ends there).
 */
export function exec(o: usize, part: i32, parts: i32, panel: usize): bool {
  switch (i(o, w.WORD_OP)) {
    case id.OP_GATHER_U8: { // rows
      const width = i(o, w.gatherU8.width), n = i(o, w.gatherU8.count), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      const out = p(o, w.gatherU8.out) + (<usize>r0 * width << 2), idx = p(o, w.gatherU8.idx) + (<usize>r0 << 2);
      gatherU8(out, p(o, w.gatherU8.images), width, idx, r1 - r0, f(o, w.gatherU8.scale));
      break;
    }
    case id.OP_GATHER_F32: {
      const width = i(o, w.gatherF32.width), n = i(o, w.gatherF32.count), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      const out = p(o, w.gatherF32.out) + (<usize>r0 * width << 2), idx = p(o, w.gatherF32.idx) + (<usize>r0 << 2);
      gatherF32(out, p(o, w.gatherF32.features), width, idx, r1 - r0);
      break;
    }
    case id.OP_GATHER_TARGETS: {
      const n = i(o, w.gatherTargets.count), k = i(o, w.gatherTargets.nOut), r0 = lo(n, part, parts), r1 = lo(n, part + 1, parts);
      const y = p(o, w.gatherTargets.y) + (<usize>r0 * k << 2), idx = p(o, w.gatherTargets.idx) + (<usize>r0 << 2);
      gatherTargets(y, p(o, w.gatherTargets.labels), idx, r1 - r0, k);
      break;
    }
    case id.OP_GEMM_NT:
      denseNT(o, part, parts);
      break;
    case id.OP_GEMM_NN:
    case id.OP_GEMM_TN:
      denseXN(o, part, parts, panel, i(o, w.WORD_OP) == id.OP_GEMM_TN);
      break;
    case id.OP_SPARSE_ROWS: { // rows
      const n = i(o, w.sparseRows.rows);
      sparseRowsPart(p(o, w.sparseRows.x), n, i(o, w.sparseRows.cols), p(o, w.sparseRows.index), lo(n, part, parts), lo(n, part + 1, parts));
      break;
    }
    case id.OP_SPARSE_INDEX: { // groups of 4 columns
      const cols = i(o, w.sparseIndex.cols), P = (cols + 3) >> 2;
      sparseIndexPart(p(o, w.sparseIndex.x), i(o, w.sparseIndex.rows), cols, p(o, w.sparseIndex.index), i(o, w.sparseIndex.percent),
        lo(P, part, parts), lo(P, part + 1, parts));
      break;
    }
    case id.OP_SPARSE_NT: { // a denser batch runs gemmNT's record (the same words before index)
      const M = i(o, w.sparseNT.M), N = i(o, w.sparseNT.N), K = i(o, w.sparseNT.K), index = p(o, w.sparseNT.index);
      if (!sparseOn(index)) { denseNT(o, part, parts); break; }
      const c = p(o, w.sparseNT.c), a = p(o, w.sparseNT.a), b = p(o, w.sparseNT.b), bias = p(o, w.sparseNT.bias);
      const alpha = f(o, w.sparseNT.alpha), beta = f(o, w.sparseNT.beta), nb = (N + 7) >> 3, pack = panel + id.PANEL_BYTES;
      // By blocks of 8 units while there are enough: a thread then reads the rows of W its part of
      // the update wrote (in its own cache), as gemmNT's split by columns does; else by rows.
      let r0 = 0, r1 = M, j0 = 0, j1 = N;
      if (nb >= parts) { j0 = min(N, lo(nb, part, parts) << 3); j1 = min(N, lo(nb, part + 1, parts) << 3); }
      else { r0 = lo(M, part, parts); r1 = lo(M, part + 1, parts); }
      sparseNTPart(c, a, b, bias, M, N, K, alpha, beta, index, r0, r1, j0, j1, pack);
      break;
    }
    case id.OP_SPARSE_TN: { // by tiles of 8 units (whole rows of C, as denseXN), or groups of 4 columns; a denser batch runs gemmTN's record
      const M = i(o, w.sparseTN.M), N = i(o, w.sparseTN.N), K = i(o, w.sparseTN.K), index = p(o, w.sparseTN.index);
      if (!sparseOn(index)) { denseXN(o, part, parts, panel, true); break; }
      const c = p(o, w.sparseTN.c), a = p(o, w.sparseTN.a), b = p(o, w.sparseTN.b), bias = p(o, w.sparseTN.bias);
      const alpha = f(o, w.sparseTN.alpha), beta = f(o, w.sparseTN.beta), mt = (M + 7) >> 3, G = (N + 3) >> 2;
      let i0 = 0, i1 = M, g0 = 0, g1 = G;
      if (mt >= parts) { i0 = min(M, lo(mt, part, parts) << 3); i1 = min(M, lo(mt, part + 1, parts) << 3); }
      else { g0 = lo(G, part, parts); g1 = lo(G, part + 1, parts); }
      sparseTNPart(c, a, b, bias, M, N, K, alpha, beta, index, i0, i1, g0, g1, panel + id.PANEL_BYTES);
      break;
    }
    case id.OP_ACTIVATE:
    case id.OP_MUL_DERIVATIVE: { // softmax by rows, the rest by groups of 4 elements (the same lanes as one call)
      const md = i(o, w.WORD_OP) == id.OP_MUL_DERIVATIVE, act = i(o, md ? w.mulDerivative.act : w.activate.act);
      const rows = i(o, md ? w.mulDerivative.rows : w.activate.rows), cols = i(o, md ? w.mulDerivative.cols : w.activate.cols);
      let e0 = 0, e1 = 0, r = 0;
      if (act == id.SOFTMAX) { r = lo(rows, part + 1, parts) - lo(rows, part, parts); e0 = lo(rows, part, parts) * cols; e1 = e0 + r * cols; }
      else { const n = rows * cols, u = (n + 3) >> 2; e0 = min(n, lo(u, part, parts) << 2); e1 = min(n, lo(u, part + 1, parts) << 2); r = 1; }
      const off = <usize>e0 << 2, c = act == id.SOFTMAX ? cols : e1 - e0;
      if (!md) activate(act, p(o, w.activate.z) + off, p(o, w.activate.a) + off, r, c, f(o, w.activate.p));
      else {
        const z = p(o, w.mulDerivative.z) + off, a = p(o, w.mulDerivative.a) + off, delta = p(o, w.mulDerivative.delta) + off;
        mulDerivative(act, z, a, delta, r, c, f(o, w.mulDerivative.p));
      }
      break;
    }
    case id.OP_LOSS_DELTA: { // one thread: the cost is one sum in row order
      const a = p(o, w.lossDelta.a), y = p(o, w.lossDelta.y), delta = p(o, w.lossDelta.delta);
      const cost = lossDelta(i(o, w.lossDelta.loss), a, y, delta, i(o, w.lossDelta.rows), i(o, w.lossDelta.cols));
      store<f64>(p(o, w.lossDelta.out), cost);
      if (i(o, w.lossDelta.stop) != 0 && !isFinite(cost)) return false;
      break;
    }
    case id.OP_BIAS_GRAD: { // groups of 4 columns: each column's sum stays whole
      const cols = i(o, w.biasGrad.cols), n4 = (cols + 3) >> 2, j0 = min(cols, lo(n4, part, parts) << 2), j1 = min(cols, lo(n4, part + 1, parts) << 2);
      biasGradPart(p(o, w.biasGrad.db), p(o, w.biasGrad.delta), i(o, w.biasGrad.rows), cols, f(o, w.biasGrad.alpha), j0, j1);
      break;
    }
    case id.OP_SGD:
    case id.OP_MOMENTUM:
    case id.OP_ADAM: { // groups of 4 parameters, or with stats whole chunks (each chunk's sums stay whole)
      const op = i(o, w.WORD_OP), n = i(o, op == id.OP_SGD ? w.sgd.n : op == id.OP_MOMENTUM ? w.momentum.n : w.adam.n);
      let stats = p(o, op == id.OP_SGD ? w.sgd.stats : op == id.OP_MOMENTUM ? w.momentum.stats : w.adam.stats);
      const unit = stats ? id.DIAG_CHUNK : 4, units = (n + unit - 1) / unit;
      const e0 = min(n, lo(units, part, parts) * unit), e1 = min(n, lo(units, part + 1, parts) * unit), at = <usize>e0 << 2;
      if (stats) stats += <usize>(e0 / id.DIAG_CHUNK) * 24;
      if (op == id.OP_SGD) sgd(p(o, w.sgd.w) + at, p(o, w.sgd.g) + at, e1 - e0, f(o, w.sgd.lr), f(o, w.sgd.l2), stats);
      else if (op == id.OP_MOMENTUM) {
        const lr = f(o, w.momentum.lr), mu = f(o, w.momentum.mu), l2 = f(o, w.momentum.l2), nesterov = i(o, w.momentum.nesterov);
        momentum(p(o, w.momentum.w) + at, p(o, w.momentum.g) + at, p(o, w.momentum.v) + at, e1 - e0, lr, mu, l2, nesterov, stats);
      } else {
        const g = p(o, w.adam.g) + at, m = p(o, w.adam.m) + at, v = p(o, w.adam.v) + at, lr = f(o, w.adam.lr), eps = f(o, w.adam.eps);
        const b1 = f(o, w.adam.b1), b2 = f(o, w.adam.b2), l2 = f(o, w.adam.l2), b1t = f(o, w.adam.b1t), b2t = f(o, w.adam.b2t);
        adam(p(o, w.adam.w) + at, g, m, v, e1 - e0, lr, b1, b2, eps, l2, b1t, b2t, stats);
      }
      break;
    }
    case id.OP_DROPOUT: { // groups of 4 elements: each element's mask bit depends on its index only
      const n = i(o, w.dropout.rows) * i(o, w.dropout.cols), n4 = (n + 3) >> 2;
      const e0 = min(n, lo(n4, part, parts) << 2), e1 = min(n, lo(n4, part + 1, parts) << 2);
      dropoutPart(p(o, w.dropout.x), p(o, w.dropout.out), e0, e1, d(o, w.dropout.p), u(o, w.dropout.key), u(o, w.dropout.step));
      break;
    }
    case id.OP_SCALE: {
      const n = i(o, w.scale.n), n4 = (n + 3) >> 2, e0 = min(n, lo(n4, part, parts) << 2), e1 = min(n, lo(n4, part + 1, parts) << 2);
      scale(p(o, w.scale.w) + (<usize>e0 << 2), e1 - e0, f(o, w.scale.s));
      break;
    }
    case id.OP_MAX_NORM: { // rows: each row's norm is one sum
      const rows = i(o, w.maxNorm.rows);
      maxNormPart(p(o, w.maxNorm.W), i(o, w.maxNorm.cols), lo(rows, part, parts), lo(rows, part + 1, parts), f(o, w.maxNorm.c));
      break;
    }
    case id.OP_JOIN: // no work: where thread 0 waits for the records beside (assembly/threads.ts)
      break;
    case id.OP_DIAG_FORWARD: {
      const act = i(o, w.diagForward.act), rows = i(o, w.diagForward.rows), cols = i(o, w.diagForward.cols);
      const z = p(o, w.diagForward.z), a = p(o, w.diagForward.a), y = p(o, w.diagForward.y);
      diagForward(act, z, a, y, rows, cols, f(o, w.diagForward.p), f(o, w.diagForward.t), p(o, w.diagForward.out), p(o, w.diagForward.alive));
      break;
    }
    case id.OP_ABS_SUM:
      absSum(p(o, w.absSum.x), i(o, w.absSum.rows), i(o, w.absSum.cols), p(o, w.absSum.out));
      break;
    case id.OP_COUNT_CORRECT: { // one thread: one count
      const count = countCorrect(p(o, w.countCorrect.a), p(o, w.countCorrect.y), i(o, w.countCorrect.rows), i(o, w.countCorrect.cols));
      store<f64>(p(o, w.countCorrect.out), <f64>count);
      break;
    }
    case id.OP_ARGMAX_ROWS:
      argmaxRows(p(o, w.argmaxRows.out), p(o, w.argmaxRows.a), i(o, w.argmaxRows.rows), i(o, w.argmaxRows.cols));
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
