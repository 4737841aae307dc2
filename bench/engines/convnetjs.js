// ConvNetJS 0.3.0: layers of Vols (Float64Array), per-sample forward/backward, the Trainer
// accumulates gradients over batch_size samples and applies their mean.
import { createRequire } from 'node:module';
import { gaussian, rng, timePerSampleEpoch } from '../lib/util.js';
import { initStd } from '../workloads.js';

const require = createRequire(import.meta.url);
let convnetjs;

function build(w, seed) {
  const net = new convnetjs.Net();
  const defs = [{ type: 'input', out_sx: 1, out_sy: 1, out_depth: w.inputs }];
  const last = w.layers.length - 1;
  w.layers.forEach((L, l) => {
    if (l < last) defs.push({ type: 'fc', num_neurons: L.units, activation: L.activation, bias_pref: 0 });
    else if (L.activation === 'softmax') defs.push({ type: 'softmax', num_classes: L.units });
    else if (L.units === 1)
      defs.push({ type: 'softmax', num_classes: 2 }); // no binary cross-entropy: a 2-class softmax
    else defs.push({ type: 'fc', num_neurons: L.units, activation: L.activation, bias_pref: 0 });
  });
  net.makeLayers(defs);
  // mse output: a regression (½·Σ(a−y)²) loss layer after the sigmoid, added by hand (makeLayers
  // would put another fc layer in front of it).
  if (w.loss === 'mse')
    net.layers.push(new convnetjs.RegressionLayer({ in_sx: 1, in_sy: 1, in_depth: w.layers[last].units }));
  // Initial weights from wasmlp's distributions (ConvNetJS draws N(0, 1/nIn), biases 0 or 0.1).
  const std = initStd(w),
    normal = gaussian(rng(seed));
  net.layers
    .filter((L) => L.layer_type === 'fc')
    .forEach((L, l) => {
      const s = std[l] ?? { weight: Math.sqrt(2 / (L.num_inputs + L.out_depth)), bias: 0 };
      for (const f of L.filters) for (let k = 0; k < f.w.length; k++) f.w[k] = normal(s.weight);
      for (let j = 0; j < L.biases.w.length; j++) L.biases.w[j] = s.bias ? normal(s.bias) : 0;
    });
  const o = w.optimizer;
  const trainer =
    o.name === 'sgd'
      ? new convnetjs.Trainer(net, {
          method: 'sgd',
          learning_rate: o.learningRate,
          momentum: 0,
          batch_size: w.batchSize,
          l2_decay: 0,
        })
      : new convnetjs.Trainer(net, {
          method: 'windowgrad',
          learning_rate: o.learningRate,
          ro: 0.9,
          eps: 1e-8,
          batch_size: w.batchSize,
          l2_decay: 0,
        });
  return { net, trainer };
}

export const convnet = {
  name: 'convnetjs',
  label: 'ConvNetJS',
  config: "convnetjs 0.3.0 Net + Trainer (batch_size = the workload's batch), one Vol refilled per sample",
  note: (w) =>
    [
      w.optimizer.name === 'adam'
        ? 'no Adam in ConvNetJS 0.3.0: windowgrad (RMSprop: ρ 0.9, ε 1e-8, lr 1e-3) instead, a comparable per-weight cost'
        : undefined,
      w.layers.at(-1).units === 1 ? 'no binary cross-entropy: 2-class softmax + cross-entropy output' : undefined,
    ]
      .filter(Boolean)
      .join('; ') || undefined,
  async available() {
    convnetjs = require('convnetjs');
    return true;
  },
  async run(w, ctx) {
    const softmaxOut = w.loss !== 'mse';
    const width = ctx.train.width,
      F = ctx.train.features,
      Y = ctx.train.labels,
      nOut = w.layers.at(-1).units;
    const targets = Array.from({ length: nOut }, (_, c) => Array.from({ length: nOut }, (_, j) => (j === c ? 1 : 0)));
    const x = new convnetjs.Vol(1, 1, width, 0);
    const epoch = ({ trainer }, order) => {
      for (let s = 0; s < order.length; s++) {
        const i = order[s],
          o = i * width;
        for (let k = 0; k < width; k++) x.w[k] = F[o + k];
        trainer.train(x, softmaxOut ? Y[i] : targets[Y[i]]);
      }
    };
    const T = ctx.test.features;
    return timePerSampleEpoch(
      ctx,
      (seed) => build(w, seed),
      epoch,
      (model, i) => {
        for (let k = 0; k < width; k++) x.w[k] = T[i * width + k];
        return model.net.forward(x, false).w;
      },
    );
  },
};
