// A program: records of OP_WORDS f64 words (the op id, then the kernel's arguments in signature
// order; src/ids.ts), written by src/core/program.ts. One call runs a whole pass (a training step,
// an evaluation batch), so JavaScript crosses into WebAssembly once per batch, not once per kernel.
import * as id from "../src/ids";
import { activate, mulDerivative } from "./activation";
import { argmaxRows, countCorrect, gatherF32, gatherTargets, gatherU8 } from "./batch";
import { biasGrad } from "./backprop";
import { gemmNN, gemmNT, gemmTN } from "./gemm";
import { lossDelta } from "./loss";
import { adam, momentum, sgd } from "./optimizer";

@inline function p(o: usize, j: i32): usize { return <usize>load<f64>(o + (<usize>j << 3)); }
@inline function i(o: usize, j: i32): i32 { return <i32>load<f64>(o + (<usize>j << 3)); }
@inline function f(o: usize, j: i32): f32 { return <f32>load<f64>(o + (<usize>j << 3)); }

// Returns the records run: fewer than count when an OP_LOSS_DELTA with `stop` saw a non-finite cost.
export function run(ops: usize, count: i32): i32 {
  for (let r = 0; r < count; r++) {
    const o = ops + (<usize>r * id.OP_WORDS << 3);
    switch (<i32>load<f64>(o)) {
      case id.OP_GATHER_U8: gatherU8(p(o, 1), p(o, 2), i(o, 3), p(o, 4), i(o, 5), f(o, 6)); break;
      case id.OP_GATHER_F32: gatherF32(p(o, 1), p(o, 2), i(o, 3), p(o, 4), i(o, 5)); break;
      case id.OP_GATHER_TARGETS: gatherTargets(p(o, 1), p(o, 2), p(o, 3), i(o, 4), i(o, 5)); break;
      case id.OP_GEMM_NT: gemmNT(p(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6), i(o, 7), f(o, 8), f(o, 9)); break;
      case id.OP_GEMM_NN: gemmNN(p(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6), i(o, 7), f(o, 8), f(o, 9)); break;
      case id.OP_GEMM_TN: gemmTN(p(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6), i(o, 7), f(o, 8), f(o, 9)); break;
      case id.OP_ACTIVATE: activate(i(o, 1), p(o, 2), p(o, 3), i(o, 4), i(o, 5), f(o, 6)); break;
      case id.OP_MUL_DERIVATIVE: mulDerivative(i(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6), f(o, 7)); break;
      case id.OP_LOSS_DELTA: {
        const cost = lossDelta(i(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), i(o, 6));
        store<f64>(p(o, 7), cost);
        if (i(o, 8) != 0 && !isFinite(cost)) return r + 1;
        break;
      }
      case id.OP_BIAS_GRAD: biasGrad(p(o, 1), p(o, 2), i(o, 3), i(o, 4), f(o, 5)); break;
      case id.OP_SGD: sgd(p(o, 1), p(o, 2), i(o, 3), f(o, 4), f(o, 5)); break;
      case id.OP_MOMENTUM: momentum(p(o, 1), p(o, 2), p(o, 3), i(o, 4), f(o, 5), f(o, 6), f(o, 7), i(o, 8)); break;
      case id.OP_ADAM: adam(p(o, 1), p(o, 2), p(o, 3), p(o, 4), i(o, 5), f(o, 6), f(o, 7), f(o, 8), f(o, 9), f(o, 10), f(o, 11), f(o, 12)); break;
      case id.OP_COUNT_CORRECT: store<f64>(p(o, 5), <f64>countCorrect(p(o, 1), p(o, 2), i(o, 3), i(o, 4))); break;
      case id.OP_ARGMAX_ROWS: argmaxRows(p(o, 1), p(o, 2), i(o, 3), i(o, 4)); break;
      default: unreachable();
    }
  }
  return count;
}
