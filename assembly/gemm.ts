// f32 GEMM in the three shapes backprop needs. All matrices are row-major; pointers are byte
// offsets. Every variant computes
//   C[M×N] = alpha · op(A)·op(B) + beta · C + bias      (bias: N floats broadcast over rows, or 0)
// and never reads C when beta == 0 (C may hold garbage, even NaN).
//   gemmNT: A is M×K, B is N×K  → A·Bᵀ   (forward: Z = A_prev·Wᵀ + b)
//   gemmNN: A is M×K, B is K×N  → A·B    (BP2: Δ·W)
//   gemmTN: A is K×M, B is K×N  → Aᵀ·B   (BP4: Δᵀ·A_prev)
//
// Register-tiled f32x4 micro-kernels (only TN packs, a 4-column strip of A): each holds an MR×NR tile of C in 8 v128
// accumulators (V8 on x64 has 16 SIMD registers; bigger tiles spill). Edge tiles run the same
// kernels: rows past M re-read the last valid row and are not stored, and columns past N are
// neither loaded nor stored (partial-width loads and lane stores), so nothing outside the
// operands is read and nothing outside C is written. No FMA but in the opt-in relaxed-SIMD build:
// results are the same on every engine. Measured on one Zen 4 core (Node 20) on 128×784×128:
// NT ≈ 39, NN ≈ 37, TN ≈ 35 GFLOP/s.
import * as id from "../src/ids";
import { loadN, storeN } from "./lanes";

// acc + x·y: a multiply and an add (the same bits in every engine), or with the relaxed-SIMD build
// one fused multiply-add (faster where the CPU has FMA throughput; results differ, and may differ
// between CPUs: the fma builds are opt-in).
@inline export function madd(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

// C[0..n) = alpha·acc + beta·C + bias[j..j+n), in the reference's order of operations.
@inline export function epi(c: usize, acc: v128, bj: usize, n: i32, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  let v = f32x4.mul(acc, va);
  if (readC) v = f32x4.add(v, f32x4.mul(loadN(c, n), vb));
  if (hasBias) v = f32x4.add(v, loadN(bj, n));
  storeN(c, v, n);
}

// ---- op(A)·B: gemmNN (BP2: Δ·W) and gemmTN (BP4: Δᵀ·A_prev) -----------------------------------
// Element (r, k) of op(A) is at a_r + k·aK (NN: aK = 4 along A's row; TN: aK = 4·M down A's
// column), so one body serves both. Per k: broadcast 4 values of op(A) (v128.load32_splat), load
// 8 floats of B's row k, 8 multiply-adds into a 4×8 tile of C. The row pointers a0..a3 arrive
// as parameters: computed in here, their selects were sunk into the k loop (20% slower).

@inline function xn_4x8(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, K: i32,
  aK: usize, ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = <usize>K * aK;
  for (let o: usize = 0; o != end; o += aK) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0 + o);
    c00 = madd(c00, x, b0); c01 = madd(c01, x, b1);
    x = v128.load32_splat(a1 + o);
    c10 = madd(c10, x, b0); c11 = madd(c11, x, b1);
    x = v128.load32_splat(a2 + o);
    c20 = madd(c20, x, b0); c21 = madd(c21, x, b1);
    x = v128.load32_splat(a3 + o);
    c30 = madd(c30, x, b0); c31 = madd(c31, x, b1);
    b += ldb;
  }
  epi(c, c00, bj, 4, va, vb, readC, hasBias); epi(c + 16, c01, bj + 16, 4, va, vb, readC, hasBias);
  if (mr > 1) { c += ldc; epi(c, c10, bj, 4, va, vb, readC, hasBias); epi(c + 16, c11, bj + 16, 4, va, vb, readC, hasBias); }
  if (mr > 2) { c += ldc; epi(c, c20, bj, 4, va, vb, readC, hasBias); epi(c + 16, c21, bj + 16, 4, va, vb, readC, hasBias); }
  if (mr > 3) { c += ldc; epi(c, c30, bj, 4, va, vb, readC, hasBias); epi(c + 16, c31, bj + 16, 4, va, vb, readC, hasBias); }
}

// The last nr ∈ 1..4 columns (N mod 8, or a 4-wide block): B loads and C stores are nr wide.
@inline function xn_4x4(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, nr: i32,
  K: i32, aK: usize, ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  const end = <usize>K * aK;
  for (let o: usize = 0; o != end; o += aK) {
    const b0 = loadN(b, nr);
    c0 = madd(c0, v128.load32_splat(a0 + o), b0);
    c1 = madd(c1, v128.load32_splat(a1 + o), b0);
    c2 = madd(c2, v128.load32_splat(a2 + o), b0);
    c3 = madd(c3, v128.load32_splat(a3 + o), b0);
    b += ldb;
  }
  epi(c, c0, bj, nr, va, vb, readC, hasBias);
  if (mr > 1) { c += ldc; epi(c, c1, bj, nr, va, vb, readC, hasBias); }
  if (mr > 2) { c += ldc; epi(c, c2, bj, nr, va, vb, readC, hasBias); }
  if (mr > 3) { c += ldc; epi(c, c3, bj, nr, va, vb, readC, hasBias); }
}

// Instances: NN gets aK = 4 as a constant. nr is made a constant too (one loop per width):
// a loop-invariant branch inside the k loop cost 10–25% on N = 10 and N = 30.
function nn_4x8_simd(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, K: i32,
  ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  xn_4x8(c, a0, a1, a2, a3, b, bj, mr, K, 4, ldb, ldc, va, vb, readC, hasBias);
}

function nn_4x4_simd(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, nr: i32,
  K: i32, ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  if (nr == 4) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 4, K, 4, ldb, ldc, va, vb, readC, hasBias);
  else if (nr == 3) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 3, K, 4, ldb, ldc, va, vb, readC, hasBias);
  else if (nr == 2) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 2, K, 4, ldb, ldc, va, vb, readC, hasBias);
  else xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 1, K, 4, ldb, ldc, va, vb, readC, hasBias);
}

function tn_4x8_simd(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, K: i32,
  aK: usize, ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  xn_4x8(c, a0, a1, a2, a3, b, bj, mr, K, aK, ldb, ldc, va, vb, readC, hasBias);
}

function tn_4x4_simd(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bj: usize, mr: i32, nr: i32,
  K: i32, aK: usize, ldb: usize, ldc: usize, va: v128, vb: v128, readC: bool, hasBias: bool): void {
  if (nr == 4) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 4, K, aK, ldb, ldc, va, vb, readC, hasBias);
  else if (nr == 3) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 3, K, aK, ldb, ldc, va, vb, readC, hasBias);
  else if (nr == 2) xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 2, K, aK, ldb, ldc, va, vb, readC, hasBias);
  else xn_4x4(c, a0, a1, a2, a3, b, bj, mr, 1, K, aK, ldb, ldc, va, vb, readC, hasBias);
}

// K is split into blocks of KC so the block of B being swept (KC rows) stays in cache while the
// tiles of one row block of C pass over it: +10% on NN and +10–20% on TN at K = 784 (TN's A column
// panel is strided too). Later blocks accumulate into C (beta = 1, no bias): C was written by the
// first block, so a caller's beta = 0 still never reads the old C.
export const KC = id.PANEL_BYTES / 16;

// TN's op(A) rows run down A's columns (stride 4·M): each k would touch a new cache line for 16
// useful bytes. The 4 columns of a row block are packed here once per K block, k-major, so the
// micro-kernel reads them as one contiguous stream (aK = 16) across every column tile. Packing
// pays from N > 32 on (+5–15% on BP4 shapes); below, too few column tiles share the panel.
// The panel is scratch that a thread writes: the exported kernels (and a one-thread program) use
// this one; threads running a program each get their own (assembly/threads.ts). sparseNT's pack
// follows it (id.SCRATCH_BYTES in all). It lies just above the static data, not in it (zeros there
// would be in every build in the bundle), and heapBase() puts the arena above it.
export const PANEL: usize = (__heap_base + 15) & ~15;

function packA4(p: usize, a: usize, aK: usize, kc: i32, mr: i32): void {
  const end = a + <usize>kc * aK;
  for (; a != end; a += aK, p += 16) v128.store(p, loadN(a, mr));
}

// aRow: bytes between rows i and i+1 of op(A); aK: bytes between its columns k and k+1.
// Computes the block rows [i0, i1) × columns [j0, j1) of C (i0, i1 multiples of 4 or M; j0, j1
// multiples of 8 or N): the tiles, and so the bits, of a whole-matrix call, for one thread's part.
@inline function xn(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, aRow: usize, aK: usize,
  tn: bool, alpha: f32, beta: f32, i0: i32, i1: i32, j0: i32, j1: i32, panel: usize): void {
  const va = f32x4.splat(alpha), ldb = <usize>N << 2, ldc = ldb;
  const pack = tn && N > 32, aKc: usize = pack ? 16 : aK;
  let k0 = 0;
  do { // at least once: K = 0 still gives C = beta·C + bias
    const kc = min(KC, K - k0), first = k0 == 0;
    const vb = f32x4.splat(first ? beta : 1), readC = !first || beta != 0, hasBias = first && bias != 0;
    const ak = a + <usize>k0 * aK, bk = b + <usize>k0 * ldb;
    for (let i = i0; i < i1; i += 4) {
      const mr = min(M - i, 4), ci = c + <usize>i * ldc;
      let a0 = ak + <usize>i * aRow, a1 = mr > 1 ? a0 + aRow : a0, a2 = mr > 2 ? a1 + aRow : a1, a3 = mr > 3 ? a2 + aRow : a2;
      if (pack) { packA4(panel, a0, aK, kc, mr); a0 = panel; a1 = panel + 4; a2 = panel + 8; a3 = panel + 12; }
      let j = j0;
      for (; j + 8 <= j1; j += 8) {
        const o = <usize>j << 2;
        if (tn) tn_4x8_simd(ci + o, a0, a1, a2, a3, bk + o, bias + o, mr, kc, aKc, ldb, ldc, va, vb, readC, hasBias);
        else nn_4x8_simd(ci + o, a0, a1, a2, a3, bk + o, bias + o, mr, kc, ldb, ldc, va, vb, readC, hasBias);
      }
      for (; j < j1; j += 4) {
        const o = <usize>j << 2, nr = min(N - j, 4);
        if (tn) tn_4x4_simd(ci + o, a0, a1, a2, a3, bk + o, bias + o, mr, nr, kc, aKc, ldb, ldc, va, vb, readC, hasBias);
        else nn_4x4_simd(ci + o, a0, a1, a2, a3, bk + o, bias + o, mr, nr, kc, ldb, ldc, va, vb, readC, hasBias);
      }
    }
    k0 += KC;
  } while (k0 < K);
}

// The part [i0, i1) × [j0, j1) of C (see xn), for a thread of a program.
export function gemmNNPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  i0: i32, i1: i32, j0: i32, j1: i32, panel: usize): void {
  xn(c, a, b, bias, M, N, K, <usize>K << 2, 4, false, alpha, beta, i0, i1, j0, j1, panel);
}

export function gemmTNPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
  i0: i32, i1: i32, j0: i32, j1: i32, panel: usize): void {
  xn(c, a, b, bias, M, N, K, 4, <usize>M << 2, true, alpha, beta, i0, i1, j0, j1, panel);
}

export function gemmNN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  gemmNNPart(c, a, b, bias, M, N, K, alpha, beta, 0, M, 0, N, PANEL);
}

export function gemmTN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  gemmTNPart(c, a, b, bias, M, N, K, alpha, beta, 0, M, 0, N, PANEL);
}

// ---- A·Bᵀ: gemmNT (forward: Z = A_prev·Wᵀ + b) -------------------------------------------------
// Both operands run along K: 4 rows of A × 2 rows of B as 8 dot products, 4 k at a time (6 loads
// per 8 multiply-adds), summed across lanes at the end; K mod 4 is finished on the sums.

// [Σa, Σb, Σc, Σd]: four horizontal sums at once.
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

// C[i,j] = alpha·acc + beta·C[i,j] + bias[j] (bj = &bias[j], or 0).
@inline export function store1(c: usize, bj: usize, acc: f32, alpha: f32, beta: f32): void {
  let v = alpha * acc;
  if (beta != 0) v += beta * load<f32>(c);
  if (bj) v += load<f32>(bj);
  store<f32>(c, v);
}

// Rows of A past M (mr < 4) and rows of B past N (nr < 2) repeat the last valid row, unstored.
function nt_4x2_simd(c: usize, a0: usize, a1: usize, a2: usize, a3: usize, b0: usize, b1: usize, bj: usize, mr: i32,
  nr: i32, K: i32, ldc: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end4 = <usize>(K & ~3) << 2;
  let o: usize = 0;
  for (; o < end4; o += 16) {
    const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
    let x = v128.load(a0 + o);
    c00 = madd(c00, x, y0); c01 = madd(c01, x, y1);
    x = v128.load(a1 + o);
    c10 = madd(c10, x, y0); c11 = madd(c11, x, y1);
    x = v128.load(a2 + o);
    c20 = madd(c20, x, y0); c21 = madd(c21, x, y1);
    x = v128.load(a3 + o);
    c30 = madd(c30, x, y0); c31 = madd(c31, x, y1);
  }
  // s0 = [C00 C01 C10 C11], s1 = [C20 C21 C30 C31]
  let s0 = hsum4(c00, c01, c10, c11), s1 = hsum4(c20, c21, c30, c31);
  const end = <usize>K << 2;
  for (; o < end; o += 4) {
    const y = f32x4(load<f32>(b0 + o), load<f32>(b1 + o), load<f32>(b0 + o), load<f32>(b1 + o));
    s0 = madd(s0, f32x4(load<f32>(a0 + o), load<f32>(a0 + o), load<f32>(a1 + o), load<f32>(a1 + o)), y);
    s1 = madd(s1, f32x4(load<f32>(a2 + o), load<f32>(a2 + o), load<f32>(a3 + o), load<f32>(a3 + o)), y);
  }
  // The epilogue is scalar: 8 stores per 8·K multiply-adds.
  const bj1 = bj ? bj + 4 : 0;
  store1(c, bj, f32x4.extract_lane(s0, 0), alpha, beta);
  if (nr > 1) store1(c + 4, bj1, f32x4.extract_lane(s0, 1), alpha, beta);
  if (mr > 1) {
    c += ldc;
    store1(c, bj, f32x4.extract_lane(s0, 2), alpha, beta);
    if (nr > 1) store1(c + 4, bj1, f32x4.extract_lane(s0, 3), alpha, beta);
  }
  if (mr > 2) {
    c += ldc;
    store1(c, bj, f32x4.extract_lane(s1, 0), alpha, beta);
    if (nr > 1) store1(c + 4, bj1, f32x4.extract_lane(s1, 1), alpha, beta);
  }
  if (mr > 3) {
    c += ldc;
    store1(c, bj, f32x4.extract_lane(s1, 2), alpha, beta);
    if (nr > 1) store1(c + 4, bj1, f32x4.extract_lane(s1, 3), alpha, beta);
  }
}

// The part rows [i0, i1) × columns [j0, j1) of C (i0, i1 multiples of 4 or M; j0, j1 of 2 or N).
export function gemmNTPart(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const ld = <usize>K << 2, ldc = <usize>N << 2;
  for (let i = i0; i < i1; i += 4) {
    const mr = min(M - i, 4), ci = c + <usize>i * ldc;
    const a0 = a + <usize>i * ld, a1 = mr > 1 ? a0 + ld : a0, a2 = mr > 2 ? a1 + ld : a1, a3 = mr > 3 ? a2 + ld : a2;
    for (let j = j0; j < j1; j += 2) {
      const nr = min(N - j, 2), b0 = b + <usize>j * ld, b1 = nr > 1 ? b0 + ld : b0;
      nt_4x2_simd(ci + (<usize>j << 2), a0, a1, a2, a3, b0, b1, bias ? bias + (<usize>j << 2) : 0, mr, nr, K, ldc, alpha, beta);
    }
  }
}

export function gemmNT(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  gemmNTPart(c, a, b, bias, M, N, K, alpha, beta, 0, M, 0, N);
}
