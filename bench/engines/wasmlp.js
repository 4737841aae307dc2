// wasmlp itself, from the built bundle: backend 'wasm' (SIMD WebAssembly) or 'js' (the pure-JS reference kernels).
// With `baseline`, another built tree's bundle (e.g. a checkout of the previous commit), to compare against.
// `threads` and `fma` are Network.create's: the wasm backend on that many threads, with the FMA build or not;
// `diagnostics` is fit's (every batch measured: what they cost).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gc, now } from '../lib/util.js';

/** The engine name of wasmlp wasm on `threads` threads, with FMA or not: wasmlp-wasm, wasmlp-wasm-2t, wasmlp-fma, wasmlp-fma-2t. */
export const wasmlpName = (threads, fma, diagnostics) =>
  `wasmlp-${fma ? 'fma' : 'wasm'}${threads > 1 ? `-${threads}t` : ''}${diagnostics ? '-diag' : ''}`;

export function wasmlp(backend, baseline, { threads = 1, fma = false, diagnostics = false } = {}) {
  const bundle = baseline ? pathToFileURL(resolve(baseline, 'dist/index.js')).href : '../../dist/index.js';
  // Each bundle has its own Dataset class: the same rows, as a dataset of this bundle's (made once).
  const datasets = new WeakMap();
  const own = (lib, d) => {
    if (d instanceof lib.Dataset) return d;
    if (!datasets.has(d)) datasets.set(d, lib.Dataset.fromArrays(d.features, d.labels, d.width));
    return datasets.get(d);
  };
  const variant = backend === 'wasm' && !baseline && (threads > 1 || fma);
  const how = backend === 'wasm' ? `, threads: ${threads}${fma ? ', fma: true' : ''}` : '';
  const fitHow = diagnostics ? '{ diagnostics: true }' : '()';
  return {
    name: baseline
      ? `baseline-${backend}`
      : backend === 'wasm'
        ? wasmlpName(threads, fma, diagnostics)
        : `wasmlp-${backend}`,
    label: `${baseline ? 'baseline' : 'wasmlp'} ${backend}`,
    plan: `wasmlp-${backend}`, // samples per run: the same as wasmlp's own
    threads: backend === 'wasm' ? threads : 1,
    fma,
    diagnostics,
    config: `${baseline ? `${bundle}: ` : ''}Network.create({ backend: '${backend}'${how} }) + net.fit${fitHow}, time = the epoch loop (history[0].seconds)${backend === 'wasm' && !baseline ? '; the epoch in parts, taking turns with the other wasmlp wasm variants' : ''}`,
    note: () => undefined,
    // A variant runs only where the network would really use those threads and that build.
    available: variant
      ? async () => {
          const { Network } = await import(bundle);
          const net = await Network.create({ inputs: 2, layers: [{ units: 1 }], loss: 'mse', threads, fma });
          const { threads: t, fma: f } = net;
          net.dispose();
          if (fma && !f.used) return f.reason;
          if (t.count !== threads) return t.reason;
          return true;
        }
      : undefined,
    // One-thread variants take turns (see training.js: interleaved). Variants on more threads run
    // alone, right after their warm-up: on the vCPUs measured, a core that idles while others take
    // their turns runs slower for the next 100–250 ms (W3's 2-thread steps: ≈ 2,400 µs over the
    // first 96 of an epoch, 1,850 µs after 200), which a user training on every core never sees.
    interleave: backend === 'wasm' && !baseline && threads === 1 ? 'wasmlp-wasm' : undefined,
    /**
     * Warm up, then a fresh network: `step()` trains the next ctx.chunks-th of its epoch (fit stops
     * mid-epoch and the next fit goes on, the same updates as one fit), true once the epoch is done;
     * `result()` its time (history[0].seconds: the epoch loop only, summed over the parts; the first
     * fit starts the worker threads before its clock starts) and test accuracy.
     */
    async start(w, ctx) {
      const lib = await import(bundle);
      const { Network } = lib;
      const train = own(lib, ctx.train.dataset),
        test = own(lib, ctx.test.dataset);
      const config = { inputs: w.inputs, layers: w.layers, loss: w.loss, init: w.init, seed: ctx.seed, backend };
      if (backend === 'wasm') Object.assign(config, { threads, fma });
      const fitOptions = { epochs: 1, batchSize: w.batchSize, optimizer: w.optimizer, diagnostics };
      // Warm-up on a throwaway network of the same shape: compiled code is shared, weights are not.
      // It is fast enough that a fixed sample count is too short to tier up: repeat for ≥ warmMs.
      const warm = await Network.create(config);
      const warmData = train.slice(0, ctx.warmSamples);
      for (const t0 = now(); now() - t0 < ctx.warmMs;) await warm.fit(warmData, fitOptions);
      warm.dispose();
      const net = await Network.create(config);
      const data = ctx.samples >= ctx.train.length ? train : train.slice(0, ctx.samples);
      const part = Math.ceil(Math.ceil(data.length / w.batchSize) / (ctx.chunks ?? 1));
      const options = ctx.chunks > 1 ? { ...fitOptions, onBatchEnd: ({ batch }) => batch % part !== 0 } : fitOptions;
      let epoch,
        disposed = false;
      const dispose = () => {
        if (!disposed) net.dispose();
        disposed = true;
      };
      return {
        async step() {
          [epoch] = await net.fit(data, options);
          return epoch !== undefined;
        },
        result() {
          const accuracy = ctx.evaluate ? net.evaluate(test).accuracy : null;
          const ran = { threads: net.threads?.count ?? 1, fma: net.fma?.used ?? false };
          dispose();
          return { seconds: epoch.seconds, samples: data.length, accuracy, ...ran };
        },
        dispose,
      };
    },
    /** One run on its own: the whole epoch in one fit. */
    async run(w, ctx) {
      const s = await this.start(w, { ...ctx, chunks: 1 });
      gc();
      try {
        await s.step();
        return s.result();
      } finally {
        s.dispose();
      }
    },
  };
}
