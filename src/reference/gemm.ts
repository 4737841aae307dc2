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

/**
 * The index of x (rows × cols) that assembly/sparse.ts builds, in the same layout: the total, per row the
 * whole groups of 4 columns that are not all zero, per group of 4 columns (the last may be
 * partial) the rows where it is not, and its 4 values in each (these only when at most `percent`
 * of the groups are not zero).
 */
export function sparseLayout(rows: number, cols: number) {
  const P = (cols + 3) >> 2,
    G4 = cols >> 2;
  const groupLists = 1 + rows + P + rows * G4;
  return {
    P,
    G4,
    rowCounts: 1,
    groupCounts: 1 + rows,
    rowLists: 1 + rows + P,
    groupLists,
    groupValues: groupLists + P * rows,
  };
}

export function sparseGemms(view: View) {
  const dense = gemms(view);
  /** The index's words and x's test for a non-zero in row r's columns [k0, k0 + w). */
  const indexing = (x: number, rows: number, cols: number, index: number) => {
    const F = view.f32(),
      X = x >>> 2;
    const nz = (r: number, k0: number, w: number) => {
      for (let k = k0; k < Math.min(cols, k0 + w); k++) if (F[X + r * cols + k] !== 0) return true;
      return false;
    };
    return { F, I: new Int32Array(F.buffer), at: index >>> 2, L: sparseLayout(rows, cols), nz };
  };
  /** As assembly/sparse.ts sparseOn: the index found the batch sparse (else it runs dense, as exec does). */
  const on = (index: number) => new Int32Array(view.f32().buffer, index, 1)[0] >= 0;
  return {
    sparseRows(x: number, rows: number, cols: number, index: number): void {
      const { I, at, L, nz } = indexing(x, rows, cols, index);
      for (let r = 0; r < rows; r++) {
        let n = 0;
        for (let g = 0; g < L.G4; g++) if (nz(r, 4 * g, 4)) I[at + L.rowLists + r * L.G4 + n++] = g;
        I[at + L.rowCounts + r] = n;
      }
    },
    sparseIndex(x: number, rows: number, cols: number, index: number, percent: number): void {
      const { F, I, at, L, nz } = indexing(x, rows, cols, index),
        X = x >>> 2;
      let total = 0;
      for (let r = 0; r < rows; r++) total += I[at + L.rowCounts + r];
      if (percent < 100 && (L.G4 === 0 || total * 100 > percent * rows * L.G4)) return void (I[at] = -1);
      I[at] = total;
      I.fill(0, at + L.groupCounts, at + L.groupCounts + L.P);
      for (let r = 0; r < rows; r++)
        for (let g = 0; g < L.P; g++) {
          if (!nz(r, 4 * g, 4)) continue;
          const e = g * rows + I[at + L.groupCounts + g]++;
          I[at + L.groupLists + e] = r;
          for (let k = 0; k < 4; k++)
            F[at + L.groupValues + 4 * e + k] = 4 * g + k < cols ? F[X + r * cols + 4 * g + k] : 0;
        }
    },
    /** gemmNT over A's non-zero groups (and its last K mod 4 columns): the oracle's sum without its zero terms. */
    sparseNT(
      c: number,
      a: number,
      b: number,
      bias: number,
      M: number,
      N: number,
      K: number,
      alpha: number,
      beta: number,
      index: number,
    ): void {
      if (!on(index)) return dense.gemmNT(c, a, b, bias, M, N, K, alpha, beta);
      const F = view.f32(),
        I = new Int32Array(F.buffer),
        at = index >>> 2,
        L = sparseLayout(M, K),
        bs = bias ? F.subarray(bias >>> 2) : null;
      for (let i = 0; i < M; i++) {
        const ks: number[] = [];
        for (let t = 0; t < I[at + L.rowCounts + i]; t++)
          for (let k = 4 * I[at + L.rowLists + i * L.G4 + t], e = k + 4; k < e; k++) ks.push(k);
        for (let k = 4 * L.G4; k < K; k++) ks.push(k);
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (const k of ks) acc += F[(a >>> 2) + i * K + k] * F[(b >>> 2) + j * K + k];
          epilogue(F, bs, (c >>> 2) + i * N + j, j, acc, alpha, beta);
        }
      }
    },
    /** gemmTN over the rows of B where each group of 4 columns is not all zero. */
    sparseTN(
      c: number,
      a: number,
      b: number,
      bias: number,
      M: number,
      N: number,
      K: number,
      alpha: number,
      beta: number,
      index: number,
    ): void {
      if (!on(index)) return dense.gemmTN(c, a, b, bias, M, N, K, alpha, beta);
      const F = view.f32(),
        I = new Int32Array(F.buffer),
        at = index >>> 2,
        L = sparseLayout(K, N),
        bs = bias ? F.subarray(bias >>> 2) : null;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          const g = j >> 2;
          let acc = 0;
          for (let t = 0; t < I[at + L.groupCounts + g]; t++) {
            const r = I[at + L.groupLists + g * K + t];
            acc += F[(a >>> 2) + r * M + i] * F[(b >>> 2) + r * N + j];
          }
          epilogue(F, bs, (c >>> 2) + i * N + j, j, acc, alpha, beta);
        }
      }
    },
  };
}
