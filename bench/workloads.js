// The training workloads of issue 3, defined once; every engine builds the same network from these.
import { Dataset } from '../dist/index.js';
import { rng } from './lib/util.js';

export const WORKLOADS = [
  {
    id: 'W1',
    title: '784-30-10 sigmoid, mse, sgd η=3.0, batch 10',
    data: 'mnist',
    inputs: 784,
    layers: [
      { units: 30, activation: 'sigmoid' },
      { units: 10, activation: 'sigmoid' },
    ],
    loss: 'mse',
    init: 'normal',
    optimizer: { name: 'sgd', learningRate: 3.0 },
    batchSize: 10,
  },
  {
    id: 'W2',
    title: '784-128-10 relu+softmax, cross-entropy, sgd η=0.1, batch 64',
    data: 'mnist',
    inputs: 784,
    layers: [
      { units: 128, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    optimizer: { name: 'sgd', learningRate: 0.1 },
    batchSize: 64,
  },
  {
    id: 'W3',
    title: '784-256-128-10 relu+softmax, cross-entropy, adam 1e-3, batch 128',
    data: 'mnist',
    inputs: 784,
    layers: [
      { units: 256, activation: 'relu' },
      { units: 128, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    optimizer: { name: 'adam', learningRate: 0.001 },
    batchSize: 128,
  },
  {
    id: 'W0',
    title: '2-8-1 tanh+sigmoid, binary cross-entropy, sgd η=0.5, batch 4 (XOR quadrants, 100k points)',
    data: 'xor',
    inputs: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'cross-entropy',
    optimizer: { name: 'sgd', learningRate: 0.5 },
    batchSize: 4,
  },
];

/**
 * Initial weight/bias standard deviations per layer, as wasmlp draws them: 'normal' is N(0, 1) for
 * weights and biases (network.py); otherwise He (relu) or Glorot-normal, biases 0. Peers draw from
 * the same distributions (not the same values).
 */
export function initStd(w) {
  let nIn = w.inputs;
  return w.layers.map((L) => {
    const std = w.init === 'normal' ? 1 : L.activation === 'relu' ? Math.sqrt(2 / nIn) : Math.sqrt(2 / (nIn + L.units));
    const r = { nIn, nOut: L.units, weight: std, bias: w.init === 'normal' ? 1 : 0 };
    nIn = L.units;
    return r;
  });
}

/**
 * XOR on quadrants: points uniform in [−1, 1]², label 1 where x·y > 0. Returned as a Dataset and
 * as the f32 features / u8 labels the peers read.
 */
export function xorData(n, seed) {
  const rand = rng(seed);
  const features = new Float32Array(2 * n),
    labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = 2 * rand() - 1,
      y = 2 * rand() - 1;
    features[2 * i] = x;
    features[2 * i + 1] = y;
    labels[i] = x * y > 0 ? 1 : 0;
  }
  return { dataset: Dataset.fromArrays(features, labels, 2), features, labels, length: n, width: 2 };
}

/** MNIST rows as f32 in [0, 1] (u8 × 1/255), for the peers that take floats. */
export function mnistFloat(ds) {
  const f = new Float32Array(ds.features.length),
    s = Math.fround(1 / 255);
  for (let i = 0; i < f.length; i++) f[i] = ds.features[i] * s;
  return { dataset: ds, features: f, labels: ds.labels, length: ds.length, width: ds.width };
}
