// Bad input gets an Error that says what was wrong and what was expected.
import { describe, expect, test } from 'vitest';
import { Dataset, Network, type NetworkConfig } from '../src/index.js';

const small = (over: Partial<NetworkConfig> = {}): NetworkConfig => ({
  inputs: 4,
  loss: 'cross-entropy',
  layers: [
    { units: 6, activation: 'relu' },
    { units: 3, activation: 'softmax' },
  ],
  ...over,
});

function data(rows: number, width: number, classes: number): Dataset {
  return Dataset.fromArrays(
    Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i)),
    Uint8Array.from({ length: rows }, (_, i) => i % classes),
    width,
  );
}

describe('network configuration', () => {
  test('unknown activation', async () => {
    await expect(
      Network.create(
        small({
          layers: [
            { units: 6, activation: 'swish' as never },
            { units: 3, activation: 'softmax' },
          ],
        }),
      ),
    ).rejects.toThrow(/layer 1: unknown activation "swish"; expected one of identity, step, sigmoid/);
  });
  test('unknown loss', async () => {
    await expect(Network.create(small({ loss: 'hinge' as never }))).rejects.toThrow(
      /unknown loss "hinge"; expected one of mse, cross-entropy/,
    );
  });
  test('softmax anywhere but the last layer', async () => {
    await expect(
      Network.create(
        small({
          layers: [
            { units: 6, activation: 'softmax' },
            { units: 3, activation: 'softmax' },
          ],
        }),
      ),
    ).rejects.toThrow(/layer 1: softmax is only allowed on the last layer/);
  });
  // Its output is always 1: it would train forever without learning anything.
  test('a softmax over one unit is refused; one output unit without an activation is a sigmoid', async () => {
    await expect(
      Network.create(small({ layers: [{ units: 6 }, { units: 1, activation: 'softmax' }] })),
    ).rejects.toThrow(
      /layer 2: softmax over 1 unit always outputs 1 \(its outputs sum to 1\), so it cannot learn; use sigmoid for one output/,
    );
    const net = await Network.create(small({ layers: [{ units: 6 }, { units: 1 }], seed: 2 }));
    const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 1.7)),
      y = Uint8Array.from({ length: 64 }, (_, i) => Number(x[4 * i] + x[4 * i + 1] > 0));
    const p = net.predict(x);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true); // σ, not a softmax's constant 1
    const before = net.evaluate(Dataset.fromArrays(x, y, 4)).loss;
    await net.fit(Dataset.fromArrays(x, y, 4), {
      epochs: 30,
      batchSize: 8,
      optimizer: { name: 'adam', learningRate: 0.01 },
    });
    expect(net.evaluate(Dataset.fromArrays(x, y, 4)).loss).toBeLessThan(before / 2);
  });
  // A mistyped option would otherwise be ignored without a word (and a default used instead).
  test('unknown options, in every options object, name the nearest known one', async () => {
    await expect(Network.create({ ...small(), sed: 3 } as never)).rejects.toThrow(
      /the network config has no option "sed" \(did you mean "seed"\?\); it takes inputs, layers, loss, init, seed/,
    );
    await expect(
      Network.create(small({ layers: [{ units: 6, activaton: 'tanh' } as never, { units: 3 }] })),
    ).rejects.toThrow(
      /layer 1 has no option "activaton" \(did you mean "activation"\?\); it takes units, activation, alpha/,
    );
    const net = await Network.create(small());
    const d = data(8, 4, 3);
    await expect(net.fit(d, { epochs: 1, batchsize: 4 } as never)).rejects.toThrow(
      /fit has no option "batchsize" \(did you mean "batchSize"\?\); it takes epochs, initialEpoch, batchSize/,
    );
    await expect(
      net.fit(d, { epochs: 2, batchSize: 4, validationData: d, earlyStopping: { patiense: 1 } as never }),
    ).rejects.toThrow(
      /earlyStopping has no option "patiense" \(did you mean "patience"\?\); it takes patience, restoreBest/,
    );
    await expect(net.fit(d, { epochs: 1, batchSize: 4, colour: 'red' } as never)).rejects.toThrow(
      /fit has no option "colour"; it takes/,
    );
    expect(net.history).toEqual([]);
  });
  test('predict and classify take an array of rows too, the same as a Float32Array; a wrong row is named', async () => {
    const net = await Network.create(small({ seed: 4 }));
    const rows = [
      [0.1, -0.2, 0.3, 0.4],
      [1, 0, -1, 0.5],
      [0, 0, 0, 0],
    ];
    const flat = Float32Array.from(rows.flat());
    expect(Array.from(net.predict(rows))).toEqual(Array.from(net.predict(flat)));
    expect(Array.from(net.classify(rows))).toEqual(Array.from(net.classify(flat)));
    expect(Array.from(net.predict([Float32Array.from(rows[1])]))).toEqual(Array.from(net.predict(flat.subarray(4, 8))));
    expect(() =>
      net.predict([
        [1, 2, 3, 4],
        [1, 2, 3],
      ]),
    ).toThrow(/predict: row 1 must be an array of 4 numbers \(one per input\), got 3 numbers/);
    expect(() => net.classify([[1, 2, 3, 4], 'abcd' as never])).toThrow(
      /classify: row 1 must be an array of 4 numbers/,
    );
    expect(() => net.predict([[1, 2, NaN, 4]])).toThrow(/finite|NaN/);
  });
  test('cross-entropy without a probability output', async () => {
    await expect(Network.create(small({ layers: [{ units: 3, activation: 'relu' }] }))).rejects.toThrow(
      /cross-entropy" needs a softmax or sigmoid output layer/,
    );
  });
  test('bad sizes, init and backend', async () => {
    await expect(Network.create(small({ inputs: 0 }))).rejects.toThrow(/inputs must be an integer ≥ 1, got 0/);
    await expect(Network.create(small({ layers: [] }))).rejects.toThrow(/layers must be a non-empty array/);
    await expect(Network.create(small({ layers: [{ units: 2.5 }] }))).rejects.toThrow(
      /layer 1: units must be an integer ≥ 1, got 2.5/,
    );
    await expect(Network.create(small({ init: 'zeros' as never }))).rejects.toThrow(
      /unknown init "zeros"; expected one of normal, lecun, xavier, he/,
    );
    await expect(Network.create(small({ backend: 'gpu' as never }))).rejects.toThrow(/unknown backend "gpu"/);
    await expect(Network.create(small({ seed: -1 }))).rejects.toThrow(
      /seed must be an integer from 0 to 4294967295, got -1/,
    );
  });
});

describe('training input', () => {
  test('step in a layer that must be trained', async () => {
    const net = await Network.create(
      small({
        layers: [
          { units: 6, activation: 'step' },
          { units: 3, activation: 'softmax' },
        ],
      }),
    );
    const before = net.parameters();
    await expect(net.fit(data(12, 4, 3), { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /layer 1 \(step\) cannot be trained by backpropagation: the step function's derivative is 0/,
    );
    expect(net.parameters()).toEqual(before);
    // A step network still runs forward (a perceptron with hand-set weights).
    expect(net.predict(new Float32Array(4)).length).toBe(3);
  });
  test('batch size < 1, bad epochs, bad l2, bad optimizer', async () => {
    const net = await Network.create(small());
    const d = data(12, 4, 3);
    await expect(net.fit(d, { epochs: 1, batchSize: 0 })).rejects.toThrow(/batch size must be an integer ≥ 1, got 0/);
    await expect(net.fit(d, { epochs: 0, batchSize: 4 })).rejects.toThrow(/epochs must be an integer ≥ 1, got 0/);
    await expect(net.fit(d, { epochs: 1, batchSize: 4, l2: -1 })).rejects.toThrow(
      /l2 must be a finite number ≥ 0, got -1/,
    );
    await expect(net.fit(d, { epochs: 1, batchSize: 4, optimizer: { name: 'rmsprop' } as never })).rejects.toThrow(
      /unknown optimizer "rmsprop"; expected one of sgd, momentum, adam/,
    );
    await expect(net.fit(d, { epochs: 1, batchSize: 4, optimizer: { name: 'sgd' } as never })).rejects.toThrow(
      /optimizer learningRate must be a finite number > 0, got nothing/,
    );
    await expect(
      net.fit(d, { epochs: 1, batchSize: 4, optimizer: { name: 'sgd', learningRate: 0.1, beta1: 0.9 } as never }),
    ).rejects.toThrow(/optimizer sgd has no option "beta1"/);
    expect(() => net.evaluate(d, { batchSize: -3 })).toThrow(/batch size must be an integer ≥ 1, got -3/);
  });
  test('input width ≠ network inputs', async () => {
    const net = await Network.create(small());
    await expect(net.fit(data(12, 5, 3), { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /data rows have 5 features but the network has 4 inputs/,
    );
    expect(() => net.predict(new Float32Array(7))).toThrow(/not a multiple of width 4/);
  });
  test('labels outside the output size', async () => {
    const net = await Network.create(small());
    await expect(net.fit(data(12, 4, 5), { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /label 3 at row 3 is outside the network's 3 outputs \(expected 0..2\)/,
    );
    const binary = await Network.create(small({ layers: [{ units: 1, activation: 'sigmoid' }] }));
    expect(() => binary.evaluate(data(6, 4, 3))).toThrow(
      /label 2 at row 2 is outside the network's 1 output \(expected 0 or 1\)/,
    );
  });
  test('non-finite inputs', async () => {
    const net = await Network.create(small());
    const x = new Float32Array(8);
    x[5] = NaN;
    expect(() => net.predict(x)).toThrow(/features\[5\] \(row 1, column 1\) is NaN; every feature must be finite/);
  });
  test('empty data', async () => {
    const net = await Network.create(small());
    await expect(net.fit(data(0, 4, 3), { epochs: 1, batchSize: 4 })).rejects.toThrow(/training data is empty/);
    expect(() => net.evaluate(data(0, 4, 3))).toThrow(/dataset is empty/);
  });
  test('a disposed network says so', async () => {
    const net = await Network.create(small());
    net.dispose();
    expect(() => net.parameters()).toThrow(/this network was disposed/);
  });
});

test("a diverging fit stops with the epoch and batch, and keeps the last good epoch's weights", async () => {
  const net = await Network.create({
    inputs: 4,
    loss: 'mse',
    seed: 2,
    layers: [
      { units: 8, activation: 'relu' },
      { units: 3, activation: 'identity' },
    ],
  });
  const d = data(64, 4, 3);
  await net.fit(d, { epochs: 1, batchSize: 8, optimizer: { name: 'sgd', learningRate: 0.01 } });
  const good = net.parameters();
  const err = await net
    .fit(d, { epochs: 3, batchSize: 8, optimizer: { name: 'sgd', learningRate: 1e12 } })
    .catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(
    /the loss became (NaN|Infinity) in epoch 1, batch \d+ of 8: training diverged\. Try a lower learning rate \(now 1000000000000\)/,
  );
  expect(net.parameters()).toEqual(good);
});
