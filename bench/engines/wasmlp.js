// wasmlp itself, from the built bundle: backend 'wasm' (SIMD WebAssembly) or 'js' (the pure-JS reference kernels).
import { Network } from '../../dist/index.js';
import { gc, now } from '../lib/util.js';

export function wasmlp(backend) {
  return {
    name: `wasmlp-${backend}`,
    label: `wasmlp ${backend}`,
    config: `Network.create({ backend: '${backend}' }) + net.fit(), time = the epoch loop (history[0].seconds)`,
    note: () => undefined,
    async run(w, ctx) {
      const config = { inputs: w.inputs, layers: w.layers, loss: w.loss, init: w.init, seed: ctx.seed, backend };
      const fitOptions = { epochs: 1, batchSize: w.batchSize, optimizer: w.optimizer };
      // Warm-up on a throwaway network of the same shape: compiled code is shared, weights are not.
      // It is fast enough that a fixed sample count is too short to tier up: repeat for ≥ warmMs.
      const warm = await Network.create(config);
      const warmData = ctx.train.dataset.slice(0, ctx.warmSamples);
      for (const t0 = now(); now() - t0 < ctx.warmMs;) await warm.fit(warmData, fitOptions);
      warm.dispose();
      const net = await Network.create(config);
      const data = ctx.samples >= ctx.train.length ? ctx.train.dataset : ctx.train.dataset.slice(0, ctx.samples);
      gc();
      const [epoch] = await net.fit(data, fitOptions);
      const accuracy = ctx.evaluate ? net.evaluate(ctx.test.dataset).accuracy : null;
      net.dispose();
      return { seconds: epoch.seconds, samples: data.length, accuracy };
    },
  };
}
