// Quick GEMM throughput check (scratch, not the bench suite): GFLOP/s of the wasm kernels and of
// the pure-JS reference on the shapes an MNIST MLP uses.
//   node bench/gemm-quick.mjs [--wasm build/wasmlp.wasm] [--only NT,NN,TN] [--no-js] [--samples 7] [--json]
// Shapes are (batch, nIn, nOut) of a layer; each variant is timed on the literal (M, K, N) and on the
// shape it has in training: NT forward Z = A·Wᵀ + b (M=batch, K=nIn, N=nOut), NN BP2 Δ·W
// (M=batch, K=nOut, N=nIn), TN BP4 Δᵀ·A_prev (M=nOut, K=batch, N=nIn).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadLibrary, padded } from './lib/library.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
};
const root = fileURLToPath(new URL('..', import.meta.url));
const wasmPath = arg('wasm', `${root}build/wasmlp.wasm`);
const only = arg('only', 'NT,NN,TN').split(',');
const withJs = !process.argv.includes('--no-js');
const samples = Number(arg('samples', 7));

const layers = [
  [10, 784, 30],
  [64, 784, 128],
  [128, 784, 128],
  [256, 784, 256],
  [64, 128, 10],
];
const role = {
  NT: ([B, nIn, nOut]) => [B, nIn, nOut],
  NN: ([B, nIn, nOut]) => [B, nOut, nIn],
  TN: ([B, nIn, nOut]) => [nOut, B, nIn],
};

const memory = new WebAssembly.Memory({ initial: 256 });
const { instantiateKernels, Arena, referenceKernels } = await loadLibrary();
const wasm = await instantiateKernels(memory, readFileSync(wasmPath));
const js = referenceKernels(memory);

function buffers(M, N, K) {
  const arena = new Arena(memory, wasm.heapBase ? wasm.heapBase() : 65536); // older builds have no heapBase
  const a = padded(arena, 4 * M * K),
    b = padded(arena, 4 * N * K),
    c = padded(arena, 4 * M * N),
    bias = padded(arena, 4 * N);
  const F = new Float32Array(memory.buffer);
  for (let i = a >> 2; i < arena.used >> 2; i++) F[i] = Math.random() * 2 - 1;
  return { a, b, c, bias };
}

function time(fn, minMs) {
  for (let t0 = performance.now(), n = 0; n < 5 || performance.now() - t0 < minMs * 5; n++) fn(); // warm up: V8 tiers up
  const runs = [];
  for (let s = 0; s < samples; s++) {
    let reps = 0;
    const t0 = performance.now();
    let t;
    do {
      fn();
      reps++;
      t = performance.now() - t0;
    } while (t < minMs);
    runs.push(t / reps);
  }
  runs.sort((x, y) => x - y);
  return runs[runs.length >> 1];
}

const rows = [];
for (const v of only) {
  const name = `gemm${v}`;
  const shapes = [
    ...layers.map((s) => ['literal', s]),
    ...layers.map((s) => [{ NT: 'fwd', NN: 'BP2', TN: 'BP4' }[v], role[v](s)]),
  ];
  const seen = new Set();
  for (const [kind, [M, K, N]] of shapes) {
    const key = `${M},${K},${N}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { a, b, c, bias } = buffers(M, N, K);
    const flops = 2 * M * N * K;
    const tw = time(() => wasm[name](c, a, b, bias, M, N, K, 1, 0), 15);
    const tj = withJs ? time(() => js[name](c, a, b, bias, M, N, K, 1, 0), 1) : NaN;
    rows.push({
      variant: v,
      shape: `${M}×${K}×${N}`,
      kind,
      wasm: +(flops / tw / 1e6).toFixed(1),
      js: +(flops / tj / 1e6).toFixed(2),
      speedup: +(tj / tw).toFixed(0),
    });
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
else {
  console.log('GFLOP/s (M×K×N, median of', samples, 'samples)');
  console.table(rows);
}
