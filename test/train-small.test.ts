import { expect, test } from 'vitest';
import { Dataset, Network } from '../src/index.js';

function xor(n: number) {
  const x = new Float32Array(n * 2),
    y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = i & 1,
      b = (i >> 1) & 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a ^ b;
  }
  return Dataset.fromArrays(x, y, 2);
}

for (const backend of ['wasm', 'js'] as const) {
  test(`${backend}: 2-8-1 learns XOR`, async () => {
    const net = await Network.create({
      inputs: 2,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'cross-entropy',
      seed: 3,
      backend,
    });
    const data = xor(4);
    const h = await net.fit(data, { epochs: 500, batchSize: 4, optimizer: { name: 'adam', learningRate: 0.05 } });
    expect(h[h.length - 1].accuracy).toBe(1);
    const out = net.predict(data.features as Float32Array);
    expect(Array.from(out, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
}

/** A 2-8-1 tanh/sigmoid network for XOR. */
const xorNet = (seed: number) =>
  Network.create({
    inputs: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'cross-entropy',
    seed,
  });

test('activationCurve gives f and f′ (zero where a step or relu saturates)', async () => {
  const { activationCurve } = await import('../src/index.js');
  const z = Float32Array.from([-3, -0.5, 0.5, 3]);
  const sig = activationCurve('sigmoid', z);
  sig.f.forEach((f, i) => expect(f).toBeCloseTo(1 / (1 + Math.exp(-z[i])), 6));
  sig.df.forEach((d, i) => expect(d).toBeCloseTo(sig.f[i] * (1 - sig.f[i]), 6));
  expect(Array.from(activationCurve('relu', z).df)).toEqual([0, 0, 1, 1]);
  expect(Array.from(activationCurve('step', z).df)).toEqual([0, 0, 0, 0]);
  expect(Array.from(activationCurve('leaky-relu', z, 0.2).df).map((v) => +v.toFixed(6))).toEqual([0.2, 0.2, 1, 1]);
});

test('onBatchEnd may return a promise: fit waits (pausing mid-epoch) and ends with the weights of a run that never paused', async () => {
  const make = () => xorNet(4);
  const data = xor(64);
  const opts = { epochs: 2, batchSize: 8, optimizer: { name: 'sgd' as const, learningRate: 0.5 } };
  const plain = await make();
  await plain.fit(data, opts);
  const paused = await make();
  let waits = 0;
  const history = await paused.fit(data, {
    ...opts,
    onBatchEnd: (b) =>
      b.batch % 3 === 0
        ? new Promise<void>((resolve) => {
            waits++;
            setTimeout(resolve, 20);
          })
        : undefined,
  });
  expect(waits).toBe(4); // batches 3 and 6 of each 8-batch epoch
  expect(paused.parameters()).toEqual(plain.parameters());
  expect(history.length).toBe(2);
  // Stopped mid-epoch: no epoch is recorded; the next fit of that epoch goes on from batch 5.
  const stoppable = await make();
  const stopped = await stoppable.fit(data, { ...opts, onBatchEnd: (b) => Promise.resolve(b.batch < 5) });
  expect(stopped.length).toBe(0);
  expect(stoppable.progress).toMatchObject({ epoch: 1, batch: 5, batchSize: 8, rows: 64 });
  expect((await stoppable.fit(data, opts)).map((e) => e.epoch)).toEqual([1, 2]);
  expect(stoppable.parameters()).toEqual(plain.parameters());
  expect(stoppable.history.map((e) => [e.loss, e.accuracy])).toEqual(plain.history.map((e) => [e.loss, e.accuracy]));
});

test('an epoch continued in many fits, with the training rows evaluated between some (which puts their order back), ends with the weights of one fit', async () => {
  const make = () => xorNet(5);
  const data = xor(96);
  const opts = { epochs: 3, batchSize: 8, optimizer: { name: 'momentum' as const, learningRate: 0.3 } };
  const whole = await make();
  await whole.fit(data, opts);
  const parts = await make();
  let fits = 0;
  for (; parts.history.length < 3; fits++) {
    await parts.fit(data, { ...opts, initialEpoch: parts.history.length, onBatchEnd: (b) => b.batch % 2 !== 0 });
    if (fits % 3 === 1) parts.evaluate(data); // the same rows: their order is the identity for it
  }
  expect(fits).toBeGreaterThan(15); // 12 batches per epoch, 2 per fit
  expect(parts.parameters()).toEqual(whole.parameters());
  expect(parts.history.map((e) => e.loss)).toEqual(whole.history.map((e) => e.loss));
});

test('predicting single rows between evaluations keeps memory flat', async () => {
  const net = await Network.create({
    inputs: 2,
    layers: [
      { units: 4, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'mse',
  });
  const data = xor(5000);
  net.evaluate(data);
  net.predict(new Float32Array([1, 0]));
  const bytes = net.memoryBytes;
  for (let i = 0; i < 3; i++) {
    net.predict(new Float32Array([i & 1, 1]));
    net.evaluate(data);
  }
  expect(net.memoryBytes).toBe(bytes);
});
