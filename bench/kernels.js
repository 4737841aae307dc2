// Kernel section: GFLOP/s of the three GEMMs (wasm vs the pure-JS reference), elementwise kernels
// and the batch gather in elements/s and GB/s, and the ceilings they are measured against, all in
// one instance of build/wasmlp-bench.wasm (the library's kernels + the ceilings) over one memory.
// Then the (128,784,128) GEMMs on 1, 2, … threads: the threaded builds (default and FMA) over a
// shared memory, each GEMM a one-record program run by the library's Program and ThreadPool.
import { ceilingThreads } from './lib/ceiling-threads.js';
import { loadLibrary, padded } from './lib/library.js';
import { gc, log, now, othersLoad, rng, summary } from './lib/util.js';

export const GEMM_SHAPES = [
  [10, 784, 30],
  [64, 784, 128],
  [128, 784, 128],
  [256, 784, 256],
  [64, 128, 10],
  [1024, 1024, 1024],
];
const VARIANTS = ['NT', 'NN', 'TN'];
const ACT = { sigmoid: 2, tanh: 3, relu: 4, elu: 6, softplus: 7, softmax: 8 };
const PARAM = { elu: 1 }; // elu's α (the library's default); the others take none

/** ms per call: repeat fn until at least minMs have passed. */
function msPerCall(fn, minMs) {
  let n = 0;
  const t0 = now();
  let t;
  do {
    fn();
    n++;
    t = now() - t0;
  } while (t < minMs);
  return t / n;
}

/** Median over rounds of a[i] / b[i]: timings taken moments apart share the machine's noise. */
function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length);
  return summary(Array.from({ length: n }, (_, i) => a[i] / b[i]));
}

/** Warm up (V8 runs new WebAssembly in its baseline tier first), then `reps` timings of each engine, interleaved. */
function measure(engines, { reps, minMs, warmMs }) {
  for (const e of engines) if (e.warm !== false) for (let t0 = now(), n = 0; n < 5 || now() - t0 < warmMs; n++) e.fn();
  const times = engines.map(() => []);
  const rounds = Math.max(...engines.map((e) => e.reps ?? reps));
  for (let r = 0; r < rounds; r++) {
    engines.forEach((e, i) => {
      if (r < (e.reps ?? reps)) times[i].push(msPerCall(e.fn, e.minMs ?? minMs));
    });
  }
  return times;
}

/**
 * Warm up, then for `ms` call every engine in turn, each twice in a row, timing the second call
 * (the first lets a pool's threads leave their wait: a training step's GEMMs find them spinning).
 * One cycle's calls are moments apart, so a ratio of two engines' times in the same cycle sees
 * the same machine; the order is reversed every other cycle. Returns each engine's times, one per cycle.
 */
function measureCalls(engines, { ms, warmMs }) {
  for (const e of engines) for (let t0 = now(), n = 0; n < 5 || now() - t0 < warmMs; n++) e.fn();
  const times = engines.map(() => []);
  const order = engines.map((_, i) => i);
  for (const end = now() + ms; now() < end; order.reverse())
    for (const i of order) {
      engines[i].fn();
      const t0 = now();
      engines[i].fn();
      times[i].push(now() - t0);
    }
  return times;
}

export async function benchKernels(opt) {
  const { quick, threads = [1] } = opt;
  const reps = quick ? 3 : 5;
  const minMs = quick ? 40 : 150;
  const warmMs = quick ? 60 : 200;
  const memory = new WebAssembly.Memory({ initial: 256 });
  const lib = await loadLibrary();
  if (opt.threadedOnly) return { rows: [], threaded: await threadedGemms({ quick, threads, warmMs, lib }) };
  const { instantiateKernels, Arena, referenceKernels, benchModule } = lib;
  const w = await instantiateKernels(memory, benchModule);
  const js = referenceKernels(memory);

  // A fresh arena per benchmark (an Arena holds no other state).
  let arena;
  const reset = () => {
    arena = new Arena(memory, w.heapBase());
  };
  const alloc = (bytes) => padded(arena, bytes);
  reset();
  const rand = rng(7);
  const fill = (p, n, lo = -1, hi = 1) => {
    const F = new Float32Array(memory.buffer, p, n);
    for (let i = 0; i < n; i++) F[i] = lo + (hi - lo) * rand();
  };

  const rows = [];
  const row = (r) => {
    rows.push(r);
    return r;
  };
  const stats = (times, work) => summary(times.map((ms) => work / (ms * 1e6))); // work per ms → G-units/s

  // Ceilings: f32x4 mul+add (12 chains, and 8 chains for comparison), and a v128 copy stream.
  // The 12-chain ceiling is measured again in every round of every GEMM measurement below and
  // pooled, so it sees the same machine noise as the kernels it is the denominator of.
  gc();
  const ITER = 1 << 20;
  const ceilingRun = { fn: () => w.ceiling(ITER, 0.999, 0.001) };
  const ceil = measure([ceilingRun, { fn: () => w.ceiling8(ITER, 0.999, 0.001) }], { reps, minMs, warmMs });
  const ceilingPool = [...ceil[0]];
  const ceiling = row({
    section: 'ceiling',
    kernel: 'f32x4 mul+add (12 chains)',
    engine: 'wasm',
    shape: '',
    unit: 'GFLOP/s',
  });
  row({
    section: 'ceiling',
    kernel: 'f32x4 mul+add (8 chains)',
    engine: 'wasm',
    shape: '',
    unit: 'GFLOP/s',
    ...stats(ceil[1], 64 * ITER),
  });
  reset();
  const SB = 32 * 1024; // 32 KiB in + 32 KiB out: the footprint of a batch-sized activation buffer
  const src = alloc(SB),
    dst = alloc(SB);
  fill(src, SB >> 2);
  const [st] = measure([{ fn: () => w.ceilingStream(dst, src, SB, 64) }], { reps, minMs, warmMs });
  const stream = row({
    section: 'ceiling',
    kernel: 'v128 copy stream (32 KiB)',
    engine: 'wasm',
    shape: '',
    unit: 'GB/s',
    ...stats(st, 2 * SB * 64),
  });
  log(`  ceiling ${stats(ceilingPool, 96 * ITER).median.toFixed(1)} GFLOP/s, stream ${stream.median.toFixed(1)} GB/s`);

  // GEMMs as the training step calls them: NT forward (Z = A·Wᵀ + b), NN BP2 (Δ·W), TN BP4 (Δᵀ·A / B).
  for (const v of VARIANTS) {
    for (const [M, K, N] of GEMM_SHAPES) {
      reset();
      const a = alloc(4 * M * K),
        b = alloc(4 * K * N),
        c = alloc(4 * M * N),
        bias = alloc(4 * N);
      fill(a, M * K);
      fill(b, K * N);
      fill(bias, N);
      fill(c, M * N);
      const name = `gemm${v}`;
      const args =
        v === 'NT'
          ? [c, a, b, bias, M, N, K, 1, 0]
          : v === 'NN'
            ? [c, a, b, 0, M, N, K, 1, 0]
            : [c, a, b, 0, M, N, K, 1 / K, 0];
      const flops = 2 * M * N * K;
      const huge = flops > 1e9; // the JS reference takes seconds per call here: fewer, unwarmed reps (it is already optimised by the smaller shapes)
      gc();
      const [tw, tj, tc] = measure(
        [
          { fn: () => w[name](...args) },
          {
            fn: () => js[name](...args),
            warm: !huge,
            reps: huge ? (quick ? 1 : 3) : undefined,
            minMs: huge ? 0 : undefined,
          },
          { ...ceilingRun, warm: false, reps },
        ],
        { reps, minMs, warmMs },
      );
      ceilingPool.push(...tc);
      const shape = `${M}×${K}×${N}`;
      const rw = row({ section: 'gemm', kernel: name, engine: 'wasm', shape, unit: 'GFLOP/s', ...stats(tw, flops) });
      const rj = row({
        section: 'gemm',
        kernel: name,
        engine: 'js',
        shape,
        unit: 'GFLOP/s',
        ...stats(tj, flops),
        sampled: huge ? `${tj.length} call${tj.length > 1 ? 's' : ''}, not warmed separately` : undefined,
      });
      // Ratios per round (wasm, then js, then the ceiling, moments apart), median over rounds.
      rw.speedup = pairedRatio(tj, tw).median;
      rw.ofCeiling = pairedRatio(
        tc.map((t) => t * flops),
        tw.map((t) => t * 96 * ITER),
      ).median;
      rj.ofCeiling = pairedRatio(
        tc.map((t) => t * flops),
        tj.map((t) => t * 96 * ITER),
      ).median;
      log(`  ${name} ${shape}: wasm ${rw.median.toFixed(2)}, js ${rj.median.toFixed(3)} GFLOP/s`);
    }
  }

  Object.assign(ceiling, stats(ceilingPool, 96 * ITER), {
    note: `pooled over ${ceilingPool.length} timings interleaved with the GEMMs`,
  });

  // Elementwise kernels and the gather: elements/s and GB/s (bytes each element reads + writes).
  const elementwise = [];
  const ew = (kernel, shape, n, bytesPer, setup) => elementwise.push({ kernel, shape, n, bytesPer, setup });
  for (const [act, R, C] of [
    ['sigmoid', 64, 128],
    ['tanh', 64, 128],
    ['elu', 64, 128],
    ['softplus', 64, 128],
    ['relu', 64, 128],
    ['softmax', 64, 10],
    ['softmax', 64, 128],
    ['sigmoid', 10, 30],
  ]) {
    ew(`activate ${act}`, `${R}×${C}`, R * C, 8, () => {
      const z = alloc(4 * R * C),
        out = alloc(4 * R * C);
      fill(z, R * C, -4, 4);
      return (k) => () => k.activate(ACT[act], z, out, R, C, PARAM[act] ?? 0);
    });
  }
  for (const [act, R, C] of [
    ['sigmoid', 64, 128],
    ['softplus', 64, 128],
    ['relu', 64, 128],
  ]) {
    ew(`mulDerivative ${act}`, `${R}×${C}`, R * C, 16, () => {
      const z = alloc(4 * R * C),
        a = alloc(4 * R * C),
        d = alloc(4 * R * C);
      fill(z, R * C, -4, 4);
      fill(a, R * C, 0, 1);
      // δ = 0: the kernels cost the same whatever δ holds, but δ ⊙= σ' in place, call after call,
      // would shrink a nonzero δ into subnormals, where x86 arithmetic is many times slower (10× here).
      fill(d, R * C, 0, 0);
      return (k) => () => k.mulDerivative(ACT[act], z, a, d, R, C, 0);
    });
  }
  const images = opt.mnist.train;
  ew('gatherU8 (MNIST rows, shuffled)', `64×784`, 64 * 784, 5, () => {
    const img = alloc(images.features.length),
      idx = alloc(4 * 64),
      out = alloc(4 * 64 * 784);
    new Uint8Array(memory.buffer, img, images.features.length).set(images.features);
    const I = new Uint32Array(memory.buffer, idx, 64);
    for (let i = 0; i < 64; i++) I[i] = Math.floor(rand() * images.length);
    return (k) => () => k.gatherU8(out, img, 784, idx, 64, 1 / 255);
  });
  for (const [opt_, n, label] of [
    ['sgd', 101770, 'W2 parameters'],
    ['adam', 235146, 'W3 parameters'],
  ]) {
    ew(`${opt_} (${label})`, `${n}`, n, opt_ === 'sgd' ? 12 : 28, () => {
      const p = alloc(4 * n),
        g = alloc(4 * n),
        m = alloc(4 * n),
        vv = alloc(4 * n);
      fill(p, n);
      fill(g, n, -1e-3, 1e-3);
      fill(m, n, 0, 0);
      fill(vv, n, 0, 0);
      return opt_ === 'sgd'
        ? (k) => () => k.sgd(p, g, n, 1e-9, 0, 0)
        : (k) => () => k.adam(p, g, m, vv, n, 1e-9, 0.9, 0.999, 1e-8, 0, 0.9, 0.999, 0);
    });
  }
  for (const e of elementwise) {
    reset();
    const make = e.setup();
    gc();
    const [tw, tj] = measure([{ fn: make(w) }, { fn: make(js) }], { reps, minMs, warmMs });
    for (const [engine, t] of [
      ['wasm', tw],
      ['js', tj],
    ]) {
      const r = row({
        section: 'elementwise',
        kernel: e.kernel,
        engine,
        shape: e.shape,
        unit: 'Gelem/s',
        ...stats(t, e.n),
      });
      const gb = stats(t, e.n * e.bytesPer);
      r.gbps = gb.median;
      r.bytesPerElement = e.bytesPer;
      r.ofStream = gb.median / stream.median;
    }
    const [rw, rj] = rows.slice(-2);
    rw.speedup = pairedRatio(tj, tw).median;
    log(`  ${e.kernel} ${e.shape}: wasm ${rw.median.toFixed(3)}, js ${rj.median.toFixed(3)} Gelem/s`);
  }
  const threaded = await threadedGemms({ quick, threads, warmMs, lib });
  return { rows, ceiling: ceiling.median, stream: stream.median, threaded };
}

/** The shape the thread and FMA comparisons are made on (the GEMM targets' shape). */
export const THREADED_SHAPE = [128, 784, 128];

/**
 * The GEMMs at THREADED_SHAPE on each of `threads`, in the threaded build and, where relaxed SIMD
 * runs, its FMA twin (each over a shared memory of its own, the same values in both): each GEMM is
 * a program of one record, split by tiles of C across a ThreadPool's threads exactly as a training
 * step's GEMM is (1 thread: the same program without a pool). Beside them, the f32x4 ceiling run
 * on that many worker threads at once. Every engine timed in every cycle (measureCalls); ratios
 * paired per cycle.
 */
export async function threadedGemms({ quick, threads, warmMs, lib }) {
  const why = lib.threadsUnavailable();
  if (why) return { unavailable: why };
  const ms = quick ? 1500 : 4000; // per GEMM shape: cycles of ~1 ms calls, hundreds to thousands of them
  const fmaReason = lib.fmaUnavailable();
  const builds = [false, ...(fmaReason ? [] : [true])].map((fma) => ({ fma, bytes: lib.chooseBuild(true, fma).bytes }));
  const cores = lib.coresAvailable();
  const ITER = 1 << 18;
  const module = await WebAssembly.compile(lib.benchModule);
  const ceilings = [];
  for (const t of threads) ceilings.push(await ceilingThreads(module, t, ITER));
  for (const b of builds) {
    const pages = 1024; // 64 MiB: the buffers need ~1 MiB
    b.memory = new WebAssembly.Memory({ initial: 64, maximum: pages, shared: true });
    b.k = await lib.instantiateKernels(b.memory, b.bytes);
    b.arena = new lib.Arena(b.memory, b.k.heapBase(), pages * 65536);
    const compiled = await lib.compileModule(b.bytes);
    b.pools = new Map();
    // Threads spin before they wait only when they do not outnumber the cores (as a network's do).
    for (const t of threads)
      if (t > 1) b.pools.set(t, await lib.ThreadPool.start(compiled, b.k, b.arena, t, t <= cores));
  }
  const [M, K, N] = THREADED_SHAPE,
    shape = `${M}×${K}×${N}`,
    flops = 2 * M * N * K;
  const rows = [];
  const ceilingTimes = ceilings.map(() => []);
  const othersCores = []; // per GEMM: the cores other processes kept busy meanwhile
  try {
    for (const v of VARIANTS) {
      const name = `gemm${v}`;
      const engines = [];
      for (const b of builds) {
        const alloc = (bytes) => padded(b.arena, bytes);
        const rand = rng(11); // the same values in every build
        const fill = (p, n) => {
          const F = new Float32Array(b.memory.buffer, p, n);
          for (let i = 0; i < n; i++) F[i] = 2 * rand() - 1;
        };
        const a = alloc(4 * M * K),
          bb = alloc(4 * K * N),
          c = alloc(4 * M * N),
          bias = alloc(4 * N);
        fill(a, M * K);
        fill(bb, K * N);
        fill(bias, N);
        fill(c, M * N);
        const args = v === 'NT' ? [c, a, bb, bias, M, N, K, 1, 0] : [c, a, bb, 0, M, N, K, v === 'TN' ? 1 / K : 1, 0];
        for (const t of threads) {
          const program = new lib.Program(b.k, b.arena, (ops) => ops[name](...args), b.pools.get(t), M);
          engines.push({ fma: b.fma, threads: t, fn: () => program.finish(program.run()) });
        }
      }
      const all = [...engines, ...ceilings.map((x) => ({ fn: x.call }))];
      gc();
      const others = othersLoad();
      const times = measureCalls(all, { ms, warmMs });
      othersCores.push(others());
      times.slice(engines.length).forEach((t, i) => ceilingTimes[i].push(...t));
      engines.forEach((e, i) => {
        const one = engines.findIndex((x) => x.fma === e.fma && x.threads === 1);
        const strict = engines.findIndex((x) => !x.fma && x.threads === e.threads);
        rows.push({
          section: 'gemm-threads',
          kernel: name,
          shape,
          build: e.fma ? 'fma' : 'default',
          threads: e.threads,
          unit: 'GFLOP/s',
          calls: times[i].length,
          ...summary(times[i].map((ms) => flops / (ms * 1e6))),
          vsOneThread: e.threads > 1 ? pairedRatio(times[one], times[i]) : null,
          // That speedup ÷ the ceiling's on as many threads in the same cycle: how much of what the
          // cores gave at that moment the split GEMM turned into speed (1 = all of it).
          ofCeilingSpeedup:
            e.threads > 1
              ? summary(
                  times[i].map((ms, r) => {
                    const c = times[engines.length + threads.indexOf(e.threads)][r],
                      c1 = times[engines.length + threads.indexOf(1)][r];
                    return times[one][r] / ms / ((e.threads * c1) / c);
                  }),
                )
              : null,
          fmaVsDefault: e.fma ? pairedRatio(times[strict], times[i]) : null,
        });
      });
      log(
        `  ${name} ${shape} on ${threads.join(', ')} threads: ${rows
          .slice(-engines.length)
          .map((r) => `${r.build} ${r.threads}t ${r.median.toFixed(2)}`)
          .join(', ')} GFLOP/s`,
      );
    }
  } finally {
    for (const b of builds) for (const p of b.pools.values()) p.dispose();
    for (const x of ceilings) x.dispose();
  }
  const one = ceilingTimes[threads.indexOf(1)];
  const ceiling = ceilings.map((x, i) => ({
    threads: x.threads,
    unit: 'GFLOP/s',
    ...summary(ceilingTimes[i].map((ms) => x.flopsPerCall / (ms * 1e6))),
    // Same work per thread: the speedup is threads × (1-thread time ÷ t-thread time), per cycle.
    vsOneThread: x.threads > 1 ? summary(ceilingTimes[i].map((ms, r) => (x.threads * one[r]) / ms)) : null,
  }));
  return {
    shape,
    rows,
    ceiling,
    othersCores: othersCores.every((x) => x === null) ? null : othersCores,
    fma: fmaReason ? { available: false, reason: fmaReason } : { available: true },
  };
}
