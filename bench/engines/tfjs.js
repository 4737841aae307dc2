// TensorFlow.js 4.22 (@tensorflow/tfjs: layers API), on its pure-JS 'cpu' backend or on the
// 'wasm' backend (XNNPACK, SIMD; single-threaded in Node), whose .wasm files load from node_modules.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initStd } from '../workloads.js';
import { gc, now } from '../lib/util.js';

const require = createRequire(import.meta.url);
let tf;

async function load() {
  if (tf) return tf;
  tf = await import('@tensorflow/tfjs');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  return tf;
}

// wasmlp's mse is ½·Σ over the output units (batch mean); TF's meanSquaredError is the mean over
// units, whose gradient is 2/nOut times smaller: η × nOut/2 makes every update the same. (A custom
// ½·Σ loss gives the same steps too, but costs TF ~15% more time on W1 than its built-in.)
const mseScale = (w) => (w.loss === 'mse' ? w.layers.at(-1).units / 2 : 1);

function build(w) {
  const std = initStd(w);
  const model = tf.sequential();
  w.layers.forEach((L, l) =>
    model.add(
      tf.layers.dense({
        units: L.units,
        activation: L.activation,
        inputShape: l === 0 ? [w.inputs] : undefined,
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: std[l].weight }),
        biasInitializer: std[l].bias ? tf.initializers.randomNormal({ mean: 0, stddev: std[l].bias }) : 'zeros',
      }),
    ),
  );
  const o = w.optimizer;
  const optimizer =
    o.name === 'sgd' ? tf.train.sgd(o.learningRate * mseScale(w)) : tf.train.adam(o.learningRate, 0.9, 0.999, 1e-8);
  const loss =
    w.loss === 'mse'
      ? 'meanSquaredError'
      : w.layers.at(-1).units === 1
        ? 'binaryCrossentropy'
        : 'categoricalCrossentropy';
  model.compile({ optimizer, loss });
  return { model, optimizer };
}

function tensors(data, start, n, outputs) {
  const xs = tf.tensor2d(data.features.subarray(start * data.width, (start + n) * data.width), [n, data.width]);
  const labels = data.labels.subarray(start, start + n);
  const ys =
    outputs === 1
      ? tf.tensor2d(Float32Array.from(labels), [n, 1])
      : tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), outputs).toFloat());
  return { xs, ys };
}

export function tfjs(backend) {
  return {
    name: `tfjs-${backend}`,
    label: `tfjs ${backend}`,
    config: `tf.sequential of dense layers, model.fit(xs, ys, { batchSize, epochs: 1, shuffle: true, yieldEvery: 'never' }) on backend '${backend}'; time = onEpochBegin → onEpochEnd`,
    note: (w) =>
      [
        w.loss === 'mse'
          ? `loss: built-in meanSquaredError (mean over ${w.layers.at(-1).units} units) with η = ${w.optimizer.learningRate * mseScale(w)} = ${w.optimizer.learningRate} × ${w.layers.at(-1).units}/2: the same update as wasmlp's ½·Σ(a−y)² with η = ${w.optimizer.learningRate}`
          : undefined,
        w.optimizer.name === 'adam' ? 'adam(1e-3, β1 0.9, β2 0.999, ε 1e-8)' : undefined,
      ]
        .filter(Boolean)
        .join('; ') || undefined,
    async available() {
      await load();
      if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') failed`;
      await tf.ready();
      return true;
    },
    async run(w, ctx) {
      await load();
      await tf.setBackend(backend);
      await tf.ready();
      const outputs = w.layers.at(-1).units;
      const fitArgs = { batchSize: w.batchSize, epochs: 1, shuffle: true, verbose: 0, yieldEvery: 'never' };
      const before = tf.memory().numTensors;
      {
        // warm-up on a throwaway model
        const { model, optimizer } = build(w);
        const { xs, ys } = tensors(ctx.train, 0, ctx.warmSamples, outputs);
        await model.fit(xs, ys, fitArgs);
        model.dispose();
        optimizer.dispose();
        xs.dispose();
        ys.dispose();
      }
      const n = Math.min(ctx.samples, ctx.train.length);
      const { model, optimizer } = build(w);
      const { xs, ys } = tensors(ctx.train, 0, n, outputs);
      let t0 = 0,
        t1 = 0;
      gc();
      await model.fit(xs, ys, {
        ...fitArgs,
        callbacks: {
          onEpochBegin: async () => {
            t0 = now();
          },
          onEpochEnd: async () => {
            t1 = now();
          },
        },
      });
      let accuracy = null;
      if (ctx.evaluate) {
        const { xs: tx, ys: ty } = tensors(ctx.test, 0, ctx.test.length, outputs);
        accuracy = tf.tidy(() => {
          const p = model.predict(tx, { batchSize: 1000 });
          const hit =
            outputs === 1
              ? tf.equal(tf.greaterEqual(p, 0.5), tf.greaterEqual(ty, 0.5))
              : tf.equal(tf.argMax(p, -1), tf.argMax(ty, -1));
          return tf.mean(tf.cast(hit, 'float32')).dataSync()[0];
        });
        tx.dispose();
        ty.dispose();
      }
      model.dispose();
      optimizer.dispose();
      xs.dispose();
      ys.dispose();
      const leaked = tf.memory().numTensors - before;
      return { seconds: (t1 - t0) / 1000, samples: n, accuracy, leakedTensors: leaked || undefined };
    },
  };
}
