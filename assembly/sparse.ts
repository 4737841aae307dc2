// The first layer's products when its input rows are mostly zeros (MNIST: 19% of pixels are not).
// What is skipped: a group of 4 input columns (k = 4g..4g+3) that is zero in a row, in the forward
// and in ∂C/∂W. The dense kernels (./gemm.ts) hold column k's terms in lane k mod 4 (NT) or add row
// r's terms in row order (TN), so leaving out terms that are all products with an exact zero
// changes nothing. A sum starts at +0 and in round-to-nearest never becomes −0, and s + (±0) = s,
// so the sparse kernels give the dense kernels' bits (while the other operand is finite: 0·∞ is NaN
// in the dense sum, left out here; a non-finite weight ends training through the cost anyway).
//
// The index of a batch x (R rows × K columns; G4 = ⌊K/4⌋ whole groups, P = ⌈K/4⌉ groups, the last
// maybe partial), i32 at `index`: the batch's count of non-zero whole groups (or −1: too dense, the
// group lists not written), R row counts, P group counts, then per row the whole groups that are not all
// zero (R × G4 words, each row's in increasing g), then per group the rows where it is not (P × R,
// in increasing r), then per group beside its list the group's 4 values in each of those rows
// (P × R × 4 f32; the partial group's past K zero): ∂C/∂W reads them in order, not down x's
// columns (17% of its time). sparseIndexBytes (src/core/backprop.ts) is its size.
import * as id from "../src/ids";
import { epi, hsum4, KC, madd, PANEL, store1 } from "./gemm";
import { loadN } from "./lanes";

@inline function rowCount(index: usize, r: i32): i32 { return load<i32>(index + (<usize>(1 + r) << 2)); }
@inline function rowLists(index: usize, R: i32, P: i32): usize { return index + (<usize>(1 + R + P) << 2); }
@inline function groupLists(index: usize, R: i32, P: i32, G4: i32): usize { return index + (<usize>(1 + R + P + R * G4) << 2); }
@inline function groupValues(index: usize, R: i32, P: i32, G4: i32): usize { return groupLists(index, R, P, G4) + (<usize>(P * R) << 2); }

// The index's first pass, for the rows [r0, r1) of x (rows × cols): each row's count and its whole
// groups that are not all zero. By rows, so that threads share it (each reading the rows it gathered).
// Four groups at a time: their compare masks narrowed to one vector, a 4-bit mask of the groups
// with a non-zero, and their numbers moved to the front by a shuffle from COMPACT (2× one at a time).
export function sparseRowsPart(x: usize, rows: i32, cols: i32, index: usize, r0: i32, r1: i32): void {
  const G4 = cols >> 2, ld = <usize>cols << 2, zero = f32x4.splat(0), byRow = rowLists(index, rows, (cols + 3) >> 2);
  const iota = i32x4(0, 1, 2, 3);
  for (let r = r0; r < r1; r++) {
    const row = x + <usize>r * ld, list = byRow + (<usize>(r * G4) << 2);
    let n = 0, g = 0;
    for (; g + 4 <= G4; g += 4) { // writes 4 words at n ≤ g: inside the row's list
      const p = row + (<usize>g << 4);
      const m01 = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(p), zero), f32x4.ne(v128.load(p, 16), zero));
      const m23 = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(p, 32), zero), f32x4.ne(v128.load(p, 48), zero));
      const m = i32x4.bitmask(i32x4.ne(i8x16.narrow_i16x8_s(m01, m23), zero));
      v128.store(list + (<usize>n << 2), i8x16.swizzle(i32x4.add(i32x4.splat(g), iota), v128.load(COMPACT + (<usize>m << 4))));
      n += popcnt(m);
    }
    for (; g < G4; g++) {
      store<i32>(list + (<usize>n << 2), g);
      n += i32(v128.any_true(f32x4.ne(v128.load(row + (<usize>g << 4)), zero)));
    }
    store<i32>(index + (<usize>(1 + r) << 2), n);
  }
}

// Per 4-bit mask, the swizzle that moves the i32 lanes it has to the front, in order.
const COMPACT = memory.data<u8>([
  128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128,
  8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128,
  12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128,
  8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
], 16);

export function sparseRows(x: usize, rows: i32, cols: i32, index: usize): void { sparseRowsPart(x, rows, cols, index, 0, rows); }

// The second pass, after sparseRows, for the groups [g0, g1): the total; when at most `percent` of
// the whole groups have a non-zero (or always at 100), per group the rows where it does, and their
// values; else the dense mark, where a program's products run dense (SPARSE_PERCENT). By groups,
// so that threads share it: each finds its groups in a row's list by bisection.
export function sparseIndexPart(x: usize, rows: i32, cols: i32, index: usize, percent: i32, g0: i32, g1: i32): void {
  const P = (cols + 3) >> 2, G4 = cols >> 2, ld = <usize>cols << 2, zero = f32x4.splat(0);
  const byRow = rowLists(index, rows, P), byGroup = groupLists(index, rows, P, G4), counts = index + (<usize>(1 + rows) << 2);
  const values = groupValues(index, rows, P, G4);
  let total: i64 = 0;
  for (let r = 0; r < rows; r++) total += rowCount(index, r);
  const dense = percent < 100 && (G4 == 0 || total * 100 > <i64>percent * rows * G4);
  if (g0 == 0) store<i32>(index, dense ? -1 : <i32>total); // every part decides the same; one writes it
  if (dense) return;
  memory.fill(counts + (<usize>g0 << 2), 0, <usize>(g1 - g0) << 2);
  for (let r = 0; r < rows; r++) {
    const list = byRow + (<usize>(r * G4) << 2), n = rowCount(index, r), row = x + <usize>r * ld;
    let lo = 0, hi = n; // the first of the row's groups ≥ g0
    while (lo < hi) { const mid = (lo + hi) >> 1; if (load<i32>(list + (<usize>mid << 2)) < g0) lo = mid + 1; else hi = mid; }
    for (let t = lo; t < n; t++) {
      const g = load<i32>(list + (<usize>t << 2));
      if (g >= g1) break;
      addRow(byGroup, values, counts, rows, g, r, v128.load(row + (<usize>g << 4)));
    }
    // The last K mod 4 columns are in no row's list.
    const last = (cols & 3) && g1 == P ? loadN(row + (<usize>G4 << 4), cols & 3) : zero;
    if (v128.any_true(f32x4.ne(last, zero))) addRow(byGroup, values, counts, rows, G4, r, last);
  }
}

export function sparseIndex(x: usize, rows: i32, cols: i32, index: usize, percent: i32): void {
  sparseIndexPart(x, rows, cols, index, percent, 0, (cols + 3) >> 2);
}

// Row r, with its values v of group g, onto g's list.
@inline function addRow(byGroup: usize, values: usize, counts: usize, rows: i32, g: i32, r: i32, v: v128): void {
  const cg = counts + (<usize>g << 2), m = load<i32>(cg), e = <usize>(g * rows + m);
  store<i32>(byGroup + (e << 2), r);
  v128.store(values + (e << 4), v);
  store<i32>(cg, m + 1);
}

// Whether the batch's products take the sparse path (sparseIndex found it sparse enough). From the
// data alone, so every thread and engine makes the same choice.
export function sparseOn(index: usize): bool { return load<i32>(index) >= 0; }

// C[0..n) of one row (n ≤ 4 lanes of s) through the dense epilogue.
@inline function put4(c: usize, bj: usize, s: v128, n: i32, alpha: f32, beta: f32): void {
  store1(c, bj, f32x4.extract_lane(s, 0), alpha, beta);
  if (n > 1) store1(c + 4, bj ? bj + 4 : 0, f32x4.extract_lane(s, 1), alpha, beta);
  if (n > 2) store1(c + 8, bj ? bj + 8 : 0, f32x4.extract_lane(s, 2), alpha, beta);
  if (n > 3) store1(c + 12, bj ? bj + 12 : 0, f32x4.extract_lane(s, 3), alpha, beta);
}

// One row x of A·Bᵀ against 8 rows of B (w0..w7; past N they repeat, unstored): the non-zero groups
// [list, end), lane k mod 4 as in gemmNT, summed across lanes as it does, then K mod 4 in order.
// Packed, the groups are read from the pack (group g of row u at pack + 128g + 16u): one pointer
// and fixed offsets, where eight row pointers left V8 short of registers (forward 1.2× faster).
@inline function nt_1x8(c: usize, x: usize, w0: usize, w1: usize, w2: usize, w3: usize, w4: usize, w5: usize, w6: usize,
  w7: usize, list: usize, end: usize, bj: usize, nr: i32, K: i32, alpha: f32, beta: f32, pack: usize, packed: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (let p = list; p != end; p += 4) {
    const g = <usize>load<i32>(p), o = g << 4, v = v128.load(x + o);
    if (packed) {
      const q = pack + (g << 7);
      c0 = madd(c0, v, v128.load(q)); c1 = madd(c1, v, v128.load(q, 16));
      c2 = madd(c2, v, v128.load(q, 32)); c3 = madd(c3, v, v128.load(q, 48));
      c4 = madd(c4, v, v128.load(q, 64)); c5 = madd(c5, v, v128.load(q, 80));
      c6 = madd(c6, v, v128.load(q, 96)); c7 = madd(c7, v, v128.load(q, 112));
    } else {
      c0 = madd(c0, v, v128.load(w0 + o)); c1 = madd(c1, v, v128.load(w1 + o));
      c2 = madd(c2, v, v128.load(w2 + o)); c3 = madd(c3, v, v128.load(w3 + o));
      c4 = madd(c4, v, v128.load(w4 + o)); c5 = madd(c5, v, v128.load(w5 + o));
      c6 = madd(c6, v, v128.load(w6 + o)); c7 = madd(c7, v, v128.load(w7 + o));
    }
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

// gemmNT's C = alpha·A·Bᵀ + beta·C + bias for the rows [r0, r1) × columns [j0, j1) of C (j0, j1
// multiples of 8 or N), A (M×K) indexed at `index`; `pack` is id.PACK_BYTES of the thread's scratch.
export function sparseNTPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  index: usize, r0: i32, r1: i32, j0: i32, j1: i32, pack: usize): void {
  const G4 = K >> 2, ld = <usize>K << 2, ldc = <usize>N << 2, lists = rowLists(index, M, (K + 3) >> 2);
  for (let j = j0; j < j1; j += 8) { // 8 rows of B (25 kB at K = 784) stay in cache while the rows pass
    const nr = min(j1 - j, 8), w0 = b + <usize>j * ld, bj = bias ? bias + (<usize>j << 2) : 0;
    const w1 = nr > 1 ? w0 + ld : w0, w2 = nr > 2 ? w1 + ld : w1, w3 = nr > 3 ? w2 + ld : w2, w4 = nr > 4 ? w3 + ld : w3;
    const w5 = nr > 5 ? w4 + ld : w4, w6 = nr > 6 ? w5 + ld : w5, w7 = nr > 7 ? w6 + ld : w6;
    const packed = G4 << 7 <= id.PACK_BYTES;
    for (let g = 0; packed && g < G4; g++) { // the 8 rows' group g side by side
      const o = <usize>g << 4, q = pack + (<usize>g << 7);
      v128.store(q, v128.load(w0 + o)); v128.store(q, v128.load(w1 + o), 16);
      v128.store(q, v128.load(w2 + o), 32); v128.store(q, v128.load(w3 + o), 48);
      v128.store(q, v128.load(w4 + o), 64); v128.store(q, v128.load(w5 + o), 80);
      v128.store(q, v128.load(w6 + o), 96); v128.store(q, v128.load(w7 + o), 112);
    }
    for (let r = r0; r < r1; r++) {
      const list = lists + (<usize>(r * G4) << 2), end = list + (<usize>rowCount(index, r) << 2), cr = c + <usize>r * ldc + (<usize>j << 2);
      const x = a + <usize>r * ld;
      if (packed) nt_1x8(cr, x, w0, w1, w2, w3, w4, w5, w6, w7, list, end, bj, nr, K, alpha, beta, pack, true);
      else nt_1x8(cr, x, w0, w1, w2, w3, w4, w5, w6, w7, list, end, bj, nr, K, alpha, beta, 0, false);
    }
  }
}

// The 4×4 transpose: rows [a b c d] become columns.
@inline function transposed(a: v128, b: v128, c: v128, d: v128, lane: i32): v128 {
  const ab = lane < 2 ? v128.shuffle<f32>(a, b, 0, 4, 1, 5) : v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd = lane < 2 ? v128.shuffle<f32>(c, d, 0, 4, 1, 5) : v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  return lane & 1 ? v128.shuffle<f32>(ab, cd, 2, 3, 6, 7) : v128.shuffle<f32>(ab, cd, 0, 1, 4, 5);
}

// Units i..i+3 of a tile (accumulators by column k0..k3, lanes by unit) through the epilogue, as rows of C.
@inline function epi4(c: usize, k0: v128, k1: v128, k2: v128, k3: v128, bj: usize, mr: i32, nc: i32, ldc: usize, va: v128,
  vb: v128, readC: bool, hasBias: bool): void {
  epi(c, transposed(k0, k1, k2, k3, 0), bj, nc, va, vb, readC, hasBias);
  if (mr > 1) epi(c + ldc, transposed(k0, k1, k2, k3, 1), bj, nc, va, vb, readC, hasBias);
  if (mr > 2) epi(c + 2 * ldc, transposed(k0, k1, k2, k3, 2), bj, nc, va, vb, readC, hasBias);
  if (mr > 3) epi(c + 3 * ldc, transposed(k0, k1, k2, k3, 3), bj, nc, va, vb, readC, hasBias);
}

// 8 rows of C (units i..i+7, mr valid) × one group of 4 columns (nc valid): over the rows of B where
// the group is not zero (list[0..n)), each C element summed in row order within gemmTN's K blocks,
// as its tiles do. Lanes run over units (8 of δ's row: two loads), each B value is broadcast, from
// the group's values beside the list (vals).
@inline function tn_8x4(c: usize, a: usize, vals: usize, bj: usize, list: usize, n: i32, mr: i32, nc: i32, K: i32,
  lda: usize, ldc: usize, va: v128, beta: f32): void {
  const o1: usize = nc > 1 ? 4 : 0, o2: usize = nc > 2 ? 8 : o1, o3: usize = nc > 3 ? 12 : o2;
  let t = 0, k0 = 0;
  do { // at least once, as gemmTN: K = 0 still gives C = beta·C + bias
    const stop = k0 + min(KC, K - k0), first = k0 == 0;
    const vb = f32x4.splat(first ? beta : 1), readC = !first || beta != 0, hasBias = first && bj != 0;
    let e = n; // this K block's rows: list[t..e)
    if (stop < K) for (e = t; e < n && load<i32>(list + (<usize>e << 2)) < stop;) e++;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    let br = vals + (<usize>t << 4);
    for (let q = list + (<usize>t << 2), end = list + (<usize>e << 2); q != end; q += 4, br += 16) {
      const r = <usize>load<i32>(q), ar = a + r * lda;
      const u0 = loadN(ar, mr), u1 = mr > 4 ? loadN(ar + 16, mr - 4) : u0;
      let x = v128.load32_splat(br);
      a0 = madd(a0, u0, x); b0 = madd(b0, u1, x);
      x = v128.load32_splat(br + o1);
      a1 = madd(a1, u0, x); b1 = madd(b1, u1, x);
      x = v128.load32_splat(br + o2);
      a2 = madd(a2, u0, x); b2 = madd(b2, u1, x);
      x = v128.load32_splat(br + o3);
      a3 = madd(a3, u0, x); b3 = madd(b3, u1, x);
    }
    epi4(c, a0, a1, a2, a3, bj, mr, nc, ldc, va, vb, readC, hasBias);
    if (mr > 4) epi4(c + 4 * ldc, b0, b1, b2, b3, bj, mr - 4, nc, ldc, va, vb, readC, hasBias);
    t = e;
    k0 += KC;
  } while (k0 < K);
}

// gemmTN's C = alpha·Aᵀ·B + beta·C + bias for the units [i0, i1) (multiples of 8, or M) × the
// groups [g0, g1) of 4 columns of C, B (K×N) indexed at `index` and read only through the index's
// values (b is gemmTN's argument, unused here); `pack` as sparseNTPart's.
export function sparseTNPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  index: usize, i0: i32, i1: i32, g0: i32, g1: i32, pack: usize): void {
  const P = (N + 3) >> 2, lists = groupLists(index, K, P, N >> 2), values = groupValues(index, K, P, N >> 2), va = f32x4.splat(alpha);
  const lda = <usize>M << 2, ldc = <usize>N << 2, counts = index + (<usize>(1 + K) << 2);
  for (let i = i0; i < i1; i += 8) { // a tile's 8 columns of A stay in cache while its groups pass
    const ci = c + <usize>i * ldc, ai = a + (<usize>i << 2), mr = min(i1 - i, 8), packed = mr == 8 && K << 5 <= id.PACK_BYTES;
    for (let r = 0; packed && r < K; r++) { // the tile's 8 columns of A, row beside row (+5%)
      const q = ai + <usize>r * lda, d = pack + (<usize>r << 5);
      v128.store(d, v128.load(q)); v128.store(d, v128.load(q, 16), 16);
    }
    for (let g = g0; g < g1; g++) {
      const n = load<i32>(counts + (<usize>g << 2)), list = lists + (<usize>(g * K) << 2), nc = min(N - (g << 2), 4);
      const col = <usize>g << 4, bj = bias ? bias + col : 0, vg = values + (<usize>(g * K) << 4);
      if (packed && nc == 4) tn_8x4(ci + col, pack, vg, bj, list, n, 8, 4, K, 32, ldc, va, beta); // whole tiles: whole loads
      else tn_8x4(ci + col, ai, vg, bj, list, n, mr, nc, K, lda, ldc, va, beta);
    }
  }
}

export function sparseNT(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, index: usize): void {
  sparseNTPart(c, a, b, bias, M, N, K, alpha, beta, index, 0, M, 0, N, PANEL + id.PANEL_BYTES);
}

export function sparseTN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, index: usize): void {
  sparseTNPart(c, a, b, bias, M, N, K, alpha, beta, index, 0, M, 0, (N + 3) >> 2, PANEL + id.PANEL_BYTES);
}
