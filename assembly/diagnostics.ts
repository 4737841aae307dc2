// Diagnostics of a training step (src/diagnostics.ts): reductions over buffers the step already
// holds, read only, so the weights are the same with them as without. Each runs on one thread, in
// row order, so its sums do not depend on the number of threads.
import { deriv4 } from "./activation";
import { loadN, storeN } from "./lanes";

// Lanes [0, n) set.
@inline function lanes(n: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n)); }

@inline function sum4(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

/**
 * One layer's forward diagnostics over rows×cols of z and a = f(z): at out, as f64, the count of
 * saturated elements (σ'(z) < t; t = 0 for an activation that never saturates), Σa², and (y ≠ 0:
 * the targets of an output layer) the count of those saturated and wrong, |a − y| > 0.5. alive ≠ 0:
 * alive[j] (i32) is set to 1 where unit j's z > 0 in some row (it is cleared once per epoch).
 */
export function diagForward(act: i32, z: usize, a: usize, y: usize, rows: i32, cols: i32, p: f32, t: f32, out: usize, alive: usize): void {
  const vp = f32x4.splat(p), vt = f32x4.splat(t), c4 = cols & ~3, tail = cols - c4, last = lanes(tail);
  let saturated: i64 = 0, wrong: i64 = 0, squares: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    let s = i32x4.splat(0), w = s, sq = f32x4.splat(0);
    // Whole vectors, then the row's last 1–3 elements (the same code on a partial vector, masked).
    for (let j = 0; j < c4; j += 4) {
      const o = off + (<usize>j << 2), av = v128.load(a + o);
      const m = f32x4.lt(deriv4(act, z + o, a + o, 4, vp), vt);
      s = i32x4.sub(s, m); // a set lane is −1
      sq = f32x4.add(sq, f32x4.mul(av, av));
      if (y) w = i32x4.sub(w, v128.and(m, far(av, y + o, 4)));
      if (alive) mark(alive + (<usize>j << 2), z + o, 4);
    }
    if (tail) {
      const o = off + (<usize>c4 << 2), av = loadN(a + o, tail);
      const m = v128.and(last, f32x4.lt(deriv4(act, z + o, a + o, tail, vp), vt));
      s = i32x4.sub(s, m);
      sq = f32x4.add(sq, f32x4.mul(av, av));
      if (y) w = i32x4.sub(w, v128.and(m, far(av, y + o, tail)));
      if (alive) mark(alive + (<usize>c4 << 2), z + o, tail);
    }
    saturated += <i64>(i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
    wrong += <i64>(i32x4.extract_lane(w, 0) + i32x4.extract_lane(w, 1) + i32x4.extract_lane(w, 2) + i32x4.extract_lane(w, 3));
    squares += sum4(sq);
  }
  store<f64>(out, <f64>saturated);
  store<f64>(out, squares, 8);
  store<f64>(out, <f64>wrong, 16);
}

// Lanes where |a − y| > 0.5: a wrong output.
@inline function far(av: v128, y: usize, n: i32): v128 {
  return f32x4.gt(f32x4.abs(f32x4.sub(av, loadN(y, n))), f32x4.splat(0.5));
}

// alive[j] |= (z > 0) for n units.
@inline function mark(q: usize, z: usize, n: i32): void {
  storeN(q, v128.or(loadN(q, n), v128.and(f32x4.gt(loadN(z, n), f32x4.splat(0)), i32x4.splat(1))), n);
}

/** Σ|x| over rows×cols, as f64 at out (row by row: f32 lanes within a row, f64 across rows). */
export function absSum(x: usize, rows: i32, cols: i32, out: usize): void {
  const c4 = <usize>(cols & ~3) << 2, tail = cols & 3;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const off = x + (<usize>(r * cols) << 2);
    let s = f32x4.splat(0);
    for (let j: usize = 0; j < c4; j += 16) s = f32x4.add(s, f32x4.abs(v128.load(off + j)));
    if (tail) s = f32x4.add(s, f32x4.abs(loadN(off + c4, tail)));
    total += sum4(s);
  }
  store<f64>(out, total);
}
