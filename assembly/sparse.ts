// The first layer's products when its input rows are mostly zeros (MNIST: 19% of pixels are not).
// What is skipped: in the forward, a group of 4 input columns (k = 4q..4q+3) that is zero in a
// row; in ∂C/∂W, a row where a block of 8 columns is zero. The dense kernels (./gemm.ts) hold
// column k's terms in lane k mod 4 (NT) or add row r's terms in row order (TN), so leaving out
// terms that are all products with an exact zero changes nothing. A sum starts at +0 and in round-to-nearest never becomes −0, and s + (±0) = s, so the
// sparse kernels give the dense kernels' bits (while the other operand is finite: 0·∞ is NaN in
// the dense sum, left out here; a non-finite weight ends training through the cost anyway).
//
// The index of a batch x (R rows × K columns; G4 = ⌊K/4⌋ whole groups, P = ⌈K/8⌉ blocks), i32 at
// `index`: R row counts, P block counts, then per row the whole groups that are not all zero
// (R × G4 words, each row's in increasing q), then per block the rows where it is not (P × R,
// in increasing r; written only when sparseTN will read them). sparseIndexBytes
// (src/core/backprop.ts) is its size.
import * as id from "../src/ids";
import { epi, hsum4, KC, madd, store1 } from "./gemm";
import { loadN } from "./lanes";

@inline function rowLists(index: usize, R: i32, P: i32): usize { return index + (<usize>(R + P) << 2); }
@inline function blockLists(index: usize, R: i32, P: i32, G4: i32): usize { return index + (<usize>(R + P + R * G4) << 2); }

// index = the groups of x (rows × cols) that are not all zero, by row; and the rows by block when
// at most `percent` of the groups are not, or always at 100 (a program passes SPARSE_TN_PERCENT:
// on denser rows sparseTN does not run, and this second pass would be all cost).
export function sparseIndex(x: usize, rows: i32, cols: i32, index: usize, percent: i32): void {
  const P = (cols + 7) >> 3, G4 = cols >> 2, ld = <usize>cols << 2, zero = f32x4.splat(0);
  const byRow = rowLists(index, rows, P), byBlock = blockLists(index, rows, P, G4), counts = index + (<usize>rows << 2);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * ld, list = byRow + (<usize>(r * G4) << 2);
    let n = 0;
    for (let g = 0; g < G4; g++) {
      store<i32>(list + (<usize>n << 2), g);
      n += i32(v128.any_true(f32x4.ne(v128.load(row + (<usize>g << 4)), zero)));
    }
    store<i32>(index + (<usize>r << 2), n);
  }
  if (percent < 100 && !sparseOn(index, rows, cols, percent)) return;
  memory.fill(counts, 0, <usize>P << 2);
  for (let r = 0; r < rows; r++) {
    const list = byRow + (<usize>(r * G4) << 2), n = load<i32>(index + (<usize>r << 2));
    let last = -1; // the block r was last listed in: each row once per block, rows in order
    for (let t = 0; t < n; t++) {
      const b = load<i32>(list + (<usize>t << 2)) >> 1;
      if (b != last) { last = b; addRow(byBlock, counts, rows, b, r); }
    }
    // The last K mod 4 columns are in no row's list.
    if ((cols & 3) && (G4 >> 1) != last && v128.any_true(f32x4.ne(loadN(x + <usize>r * ld + (<usize>G4 << 4), cols & 3), zero))) {
      addRow(byBlock, counts, rows, G4 >> 1, r);
    }
  }
}

@inline function addRow(byBlock: usize, counts: usize, rows: i32, b: i32, r: i32): void {
  const cb = counts + (<usize>b << 2), m = load<i32>(cb);
  store<i32>(byBlock + (<usize>(b * rows + m) << 2), r);
  store<i32>(cb, m + 1);
}

// Whether the batch's products take the sparse path: at most `percent` of its whole groups have a
// non-zero. From the data alone, so every thread and engine makes the same choice.
export function sparseOn(index: usize, rows: i32, cols: i32, percent: i32): bool {
  const G4 = cols >> 2;
  if (G4 == 0) return false;
  let n: i64 = 0;
  for (let r = 0; r < rows; r++) n += load<i32>(index + (<usize>r << 2));
  return n * 100 <= <i64>percent * rows * G4;
}

// C[0..n) of one row (n ≤ 4 lanes of s) through the dense epilogue.
@inline function put4(c: usize, bj: usize, s: v128, n: i32, alpha: f32, beta: f32): void {
  store1(c, bj, f32x4.extract_lane(s, 0), alpha, beta);
  if (n > 1) store1(c + 4, bj ? bj + 4 : 0, f32x4.extract_lane(s, 1), alpha, beta);
  if (n > 2) store1(c + 8, bj ? bj + 8 : 0, f32x4.extract_lane(s, 2), alpha, beta);
  if (n > 3) store1(c + 12, bj ? bj + 12 : 0, f32x4.extract_lane(s, 3), alpha, beta);
}

// One row x of A·Bᵀ against 8 rows of B (w0..w7; past N they repeat, unstored): the non-zero groups
// [list, end), lane k mod 4 as in gemmNT, summed across lanes as it does, then K mod 4 in order.
@inline function nt_1x8(c: usize, x: usize, w0: usize, w1: usize, w2: usize, w3: usize, w4: usize, w5: usize, w6: usize,
  w7: usize, list: usize, end: usize, bj: usize, nr: i32, K: i32, alpha: f32, beta: f32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (let p = list; p != end; p += 4) {
    const o = <usize>load<i32>(p) << 4, v = v128.load(x + o);
    c0 = madd(c0, v, v128.load(w0 + o)); c1 = madd(c1, v, v128.load(w1 + o));
    c2 = madd(c2, v, v128.load(w2 + o)); c3 = madd(c3, v, v128.load(w3 + o));
    c4 = madd(c4, v, v128.load(w4 + o)); c5 = madd(c5, v, v128.load(w5 + o));
    c6 = madd(c6, v, v128.load(w6 + o)); c7 = madd(c7, v, v128.load(w7 + o));
  }
  let s0 = hsum4(c0, c1, c2, c3), s1 = hsum4(c4, c5, c6, c7);
  for (let o = <usize>(K & ~3) << 2; o < <usize>K << 2; o += 4) {
    const v = v128.load32_splat(x + o);
    s0 = madd(s0, v, f32x4(load<f32>(w0 + o), load<f32>(w1 + o), load<f32>(w2 + o), load<f32>(w3 + o)));
    s1 = madd(s1, v, f32x4(load<f32>(w4 + o), load<f32>(w5 + o), load<f32>(w6 + o), load<f32>(w7 + o)));
  }
  put4(c, bj, s0, min(nr, 4), alpha, beta);
  if (nr > 4) put4(c + 16, bj ? bj + 16 : 0, s1, nr - 4, alpha, beta);
}

// gemmNT's C = alpha·A·Bᵀ + beta·C + bias for the rows [r0, r1) of C, A (M×K) indexed at `index`.
export function sparseNTPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  index: usize, r0: i32, r1: i32): void {
  const G4 = K >> 2, ld = <usize>K << 2, ldc = <usize>N << 2, lists = rowLists(index, M, (K + 7) >> 3);
  for (let r = r0; r < r1; r++) {
    const list = lists + (<usize>(r * G4) << 2), end = list + (<usize>load<i32>(index + (<usize>r << 2)) << 2);
    const x = a + <usize>r * ld, cr = c + <usize>r * ldc;
    for (let j = 0; j < N; j += 8) {
      const nr = min(N - j, 8), w0 = b + <usize>j * ld;
      const w1 = nr > 1 ? w0 + ld : w0, w2 = nr > 2 ? w1 + ld : w1, w3 = nr > 3 ? w2 + ld : w2, w4 = nr > 4 ? w3 + ld : w3;
      const w5 = nr > 5 ? w4 + ld : w4, w6 = nr > 6 ? w5 + ld : w5, w7 = nr > 7 ? w6 + ld : w6;
      nt_1x8(cr + (<usize>j << 2), x, w0, w1, w2, w3, w4, w5, w6, w7, list, end, bias ? bias + (<usize>j << 2) : 0, nr, K, alpha, beta);
    }
  }
}

// 4 rows of C (units i..i+3, mr valid) × one block of 8 columns (n0 + n1 valid, n1 = 0: half a
// block): over the rows of B where the block is not zero (list[0..n)), each C element summed in
// row order within gemmTN's K blocks, as its 4×8 tile does.
@inline function tn_4x8(c: usize, a: usize, b: usize, bj: usize, list: usize, n: i32, mr: i32, n0: i32, n1: i32, K: i32,
  lda: usize, ldb: usize, ldc: usize, va: v128, beta: f32): void {
  const a1: usize = mr > 1 ? 4 : 0, a2: usize = mr > 2 ? 8 : a1, a3: usize = mr > 3 ? 12 : a2;
  let t = 0, k0 = 0;
  do { // at least once, as gemmTN: K = 0 still gives C = beta·C + bias
    const stop = k0 + min(KC, K - k0), first = k0 == 0;
    const vb = f32x4.splat(first ? beta : 1), readC = !first || beta != 0, hasBias = first && bj != 0;
    let e = t; // this K block's rows: list[t..e)
    while (e < n && load<i32>(list + (<usize>e << 2)) < stop) e++;
    let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (; t < e; t++) {
      const r = <usize>load<i32>(list + (<usize>t << 2)), br = b + r * ldb, ar = a + r * lda;
      const b0 = loadN(br, n0), b1 = n1 > 0 ? loadN(br + 16, n1) : b0;
      let x = v128.load32_splat(ar);
      c00 = madd(c00, x, b0); c01 = madd(c01, x, b1);
      x = v128.load32_splat(ar + a1);
      c10 = madd(c10, x, b0); c11 = madd(c11, x, b1);
      x = v128.load32_splat(ar + a2);
      c20 = madd(c20, x, b0); c21 = madd(c21, x, b1);
      x = v128.load32_splat(ar + a3);
      c30 = madd(c30, x, b0); c31 = madd(c31, x, b1);
    }
    const bj1 = bj ? bj + 16 : 0;
    epi(c, c00, bj, n0, va, vb, readC, hasBias);
    if (n1 > 0) epi(c + 16, c01, bj1, n1, va, vb, readC, hasBias);
    if (mr > 1) { epi(c + ldc, c10, bj, n0, va, vb, readC, hasBias); if (n1 > 0) epi(c + ldc + 16, c11, bj1, n1, va, vb, readC, hasBias); }
    if (mr > 2) { epi(c + 2 * ldc, c20, bj, n0, va, vb, readC, hasBias); if (n1 > 0) epi(c + 2 * ldc + 16, c21, bj1, n1, va, vb, readC, hasBias); }
    if (mr > 3) { epi(c + 3 * ldc, c30, bj, n0, va, vb, readC, hasBias); if (n1 > 0) epi(c + 3 * ldc + 16, c31, bj1, n1, va, vb, readC, hasBias); }
    k0 += KC;
  } while (k0 < K);
}

// gemmTN's C = alpha·Aᵀ·B + beta·C + bias for the column blocks [p0, p1) of C (8 columns each),
// B (K×N) indexed at `index`.
export function sparseTNPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  index: usize, p0: i32, p1: i32): void {
  const P = (N + 7) >> 3, lists = blockLists(index, K, P, N >> 2), va = f32x4.splat(alpha);
  const lda = <usize>M << 2, ldb = <usize>N << 2, ldc = ldb, counts = index + (<usize>K << 2);
  for (let q = p0; q < p1; q++) {
    const n = load<i32>(counts + (<usize>q << 2)), list = lists + (<usize>(q * K) << 2), w = N - (q << 3);
    const col = <usize>q << 5, bj = bias ? bias + col : 0, bq = b + col;
    for (let i = 0; i < M; i += 4) {
      const ci = c + <usize>i * ldc + col, ai = a + (<usize>i << 2), mr = min(M - i, 4);
      if (w >= 8) tn_4x8(ci, ai, bq, bj, list, n, mr, 4, 4, K, lda, ldb, ldc, va, beta); // whole blocks: whole loads
      else tn_4x8(ci, ai, bq, bj, list, n, mr, min(w, 4), w - 4, K, lda, ldb, ldc, va, beta);
    }
  }
}

export function sparseNT(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, index: usize): void {
  sparseNTPart(c, a, b, bias, M, N, K, alpha, beta, index, 0, M);
}

export function sparseTN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, index: usize): void {
  sparseTNPart(c, a, b, bias, M, N, K, alpha, beta, index, 0, (N + 7) >> 3);
}
