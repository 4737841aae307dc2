// The three GEMM shapes as plain loops (the oracle for assembly/gemm.ts). Sums are kept in f64,
// so the oracle is at least as accurate as any f32 kernel it checks.
import type { View } from '../memory.js';

function epilogue(
  C: Float32Array,
  bias: Float32Array | null,
  ci: number,
  j: number,
  acc: number,
  alpha: number,
  beta: number,
): void {
  let v = alpha * acc;
  if (beta !== 0) v += beta * C[ci];
  if (bias) v += bias[j];
  C[ci] = v;
}

export function gemms(view: View) {
  return {
    gemmNT(
      c: number,
      a: number,
      b: number,
      bias: number,
      M: number,
      N: number,
      K: number,
      alpha: number,
      beta: number,
    ): void {
      const F = view.f32(),
        A = a >>> 2,
        B = b >>> 2,
        C = c >>> 2,
        bs = bias ? F.subarray(bias >>> 2) : null;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += F[A + i * K + k] * F[B + j * K + k];
          epilogue(F, bs, C + i * N + j, j, acc, alpha, beta);
        }
      }
    },
    gemmNN(
      c: number,
      a: number,
      b: number,
      bias: number,
      M: number,
      N: number,
      K: number,
      alpha: number,
      beta: number,
    ): void {
      const F = view.f32(),
        A = a >>> 2,
        B = b >>> 2,
        C = c >>> 2,
        bs = bias ? F.subarray(bias >>> 2) : null;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += F[A + i * K + k] * F[B + k * N + j];
          epilogue(F, bs, C + i * N + j, j, acc, alpha, beta);
        }
      }
    },
    gemmTN(
      c: number,
      a: number,
      b: number,
      bias: number,
      M: number,
      N: number,
      K: number,
      alpha: number,
      beta: number,
    ): void {
      const F = view.f32(),
        A = a >>> 2,
        B = b >>> 2,
        C = c >>> 2,
        bs = bias ? F.subarray(bias >>> 2) : null;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += F[A + k * M + i] * F[B + k * N + j];
          epilogue(F, bs, C + i * N + j, j, acc, alpha, beta);
        }
      }
    },
  };
}
