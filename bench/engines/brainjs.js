// brain.js 1.6.1 (the npm `latest`; its gpu.js 1.x dependency needs no native build): NeuralNetwork
// trained one sample at a time with trainPattern() — brain.js 1.x has no mini-batches.
import { createRequire } from 'node:module';
import { gaussian, rng, timePerSampleEpoch } from '../lib/util.js';
import { initStd } from '../workloads.js';

const require = createRequire(import.meta.url);
let brain;

function build(w, seed) {
  const hidden = w.layers.slice(0, -1);
  // One activation for every layer, output included; the hidden layers' is the one that matters.
  const activation = hidden[0].activation;
  const net = new brain.NeuralNetwork({ hiddenLayers: hidden.map((L) => L.units), activation });
  net.sizes = [w.inputs, ...w.layers.map((L) => L.units)];
  const o = w.optimizer;
  net.updateTrainingOptions(o.name === 'adam' ? { praxis: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } : {});
  // Set directly: updateTrainingOptions() rejects η outside (0, 1) and momentum 0 as "out of normal
  // training range" (a warning turned into a throw), but plain sgd with η = 3.0 is the workload.
  net.trainOpts.learningRate = o.learningRate;
  net.trainOpts.momentum = 0;
  net.initialize();
  const std = initStd(w),
    normal = gaussian(rng(seed));
  for (let l = 1; l < net.sizes.length; l++) {
    for (const row of net.weights[l]) for (let k = 0; k < row.length; k++) row[k] = normal(std[l - 1].weight);
    for (let j = 0; j < net.biases[l].length; j++) net.biases[l][j] = std[l - 1].bias ? normal(std[l - 1].bias) : 0;
  }
  return net;
}

export const brainjs = {
  name: 'brain.js',
  label: 'brain.js',
  config: 'brain.js 1.6.1 NeuralNetwork, trainPattern() per sample (train() would add its data formatting pass)',
  note: (w) => {
    const hidden = w.layers[0].activation;
    const parts = [`online updates (batch 1): brain.js 1.x has no mini-batches, so η acts per sample`];
    if (w.optimizer.name === 'sgd' && w.optimizer.learningRate >= 1)
      parts.push(`η = ${w.optimizer.learningRate} set in trainOpts directly (its option check rejects η ≥ 1)`);
    if (w.layers.at(-1).activation !== hidden || w.loss !== 'mse')
      parts.push(
        `output layer ${hidden} with ½·Σ(a−y)² (brain.js has one activation for all layers and only this loss)`,
      );
    if (w.optimizer.name === 'adam') parts.push("praxis: adam (brain.js's own, per sample)");
    return parts.join('; ');
  },
  async available() {
    brain = require('brain.js');
    return true;
  },
  async run(w, ctx) {
    const width = ctx.train.width,
      F = ctx.train.features,
      Y = ctx.train.labels,
      nOut = w.layers.at(-1).units;
    const targets =
      nOut === 1
        ? [Float32Array.of(0), Float32Array.of(1)]
        : Array.from({ length: nOut }, (_, c) => Float32Array.from({ length: nOut }, (_, j) => (j === c ? 1 : 0)));
    const epoch = (net, order) => {
      for (let s = 0; s < order.length; s++) {
        const i = order[s];
        net.trainPattern({ input: F.subarray(i * width, (i + 1) * width), output: targets[Y[i]] });
      }
    };
    const T = ctx.test.features;
    return timePerSampleEpoch(
      ctx,
      (seed) => build(w, seed),
      epoch,
      (net, i) => net.runInput(T.subarray(i * width, (i + 1) * width)),
    );
  },
};
