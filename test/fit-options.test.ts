// fit()'s validation split and early stopping (what the CLI's --validation-split and --early-stop
// are built on), and classify().
import { describe, expect, test } from 'vitest';
import { Dataset, earlyStopReached, Network, type EpochLog, type NetworkConfig } from '../src/index.js';

const config = (over: Partial<NetworkConfig> = {}): NetworkConfig => ({
  inputs: 6,
  loss: 'cross-entropy',
  seed: 5,
  layers: [
    { units: 16, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  ...over,
});

/** Deterministic pseudo-random features; labels from a rule, or noise (which a network overfits). */
function data(rows: number, noise = false, seed = 12345): Dataset {
  const x = new Float32Array(rows * 6),
    y = new Uint8Array(rows);
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let i = 0; i < x.length; i++) x[i] = next() - 0.5;
  for (let r = 0; r < rows; r++)
    y[r] = noise ? Math.floor(next() * 3) : x[6 * r] + x[6 * r + 1] > 0.2 ? 0 : x[6 * r + 2] > 0 ? 1 : 2;
  return Dataset.fromArrays(x, y, 6);
}

const flat = (net: Network) => Float32Array.from(net.parameters().flatMap((p) => [...p.W, ...p.b]));
const sgd = { name: 'sgd', learningRate: 0.5 } as const;

describe('validationSplit', () => {
  test('holds out the last fraction before shuffling: the same weights and validation as validationData of that slice', async () => {
    const all = data(200);
    const split = await Network.create(config());
    const h1 = await split.fit(all, { epochs: 3, batchSize: 16, optimizer: sgd, validationSplit: 0.25 });
    const given = await Network.create(config());
    const h2 = await given.fit(all.slice(0, 150), {
      epochs: 3,
      batchSize: 16,
      optimizer: sgd,
      validationData: all.slice(150),
    });
    expect(flat(split)).toEqual(flat(given));
    expect(h1.map((e) => [e.loss, e.valLoss, e.valAccuracy])).toEqual(
      h2.map((e) => [e.loss, e.valLoss, e.valAccuracy]),
    );
    expect(split.lastFit).toMatchObject({ validationSplit: 0.25 });
    expect(given.lastFit).not.toHaveProperty('validationSplit');
    expect(all.splitValidation(0.25).train).toBe(all.splitValidation(0.25).train); // one copy in the arena, however many fits
  });

  test('refuses a split that holds out nothing or everything, and validationData beside it', async () => {
    const net = await Network.create(config());
    await expect(net.fit(data(10), { epochs: 1, batchSize: 4, validationSplit: 0.01 })).rejects.toThrow(
      /validationSplit 0\.01 of 10 training rows holds out 0; expected at least 1 and fewer than all of them/,
    );
    await expect(net.fit(data(10), { epochs: 1, batchSize: 4, validationSplit: 1 })).rejects.toThrow(
      /validationSplit must be a fraction between 0 and 1 \(exclusive\), got 1/,
    );
    await expect(
      net.fit(data(10), { epochs: 1, batchSize: 4, validationSplit: 0.5, validationData: data(5) }),
    ).rejects.toThrow(/give validationData or validationSplit, not both/);
  });
});

describe('earlyStopping', () => {
  // Noise labels: the validation loss soon stops falling.
  const noisy = data(120, true);
  const run =
    (patience: number, restoreBest?: boolean, epochs = 40) =>
    async () => {
      const net = await Network.create(config());
      const history = await net.fit(noisy, {
        epochs,
        batchSize: 8,
        optimizer: sgd,
        validationSplit: 0.3,
        earlyStopping: { patience, restoreBest },
      });
      return { net, history };
    };

  test("stops once the validation loss has not improved for `patience` epochs, and keeps the best epoch's weights", async () => {
    const { net, history } = await run(2)();
    const stop = net.earlyStopped!;
    expect(stop).toBeDefined();
    expect(history.length).toBeLessThan(40);
    expect(stop.epoch).toBe(history.at(-1)!.epoch);
    expect(stop.epoch - stop.bestEpoch).toBe(2);
    const best = history.reduce((b, e) => (e.valLoss! < b.valLoss! ? e : b));
    expect([stop.bestEpoch, stop.bestValLoss]).toEqual([best.epoch, best.valLoss]);
    expect(stop.restored).toBe(true);
    // The weights are the best epoch's: a run of exactly that many epochs ends with them.
    const until = await Network.create(config());
    await until.fit(noisy, { epochs: stop.bestEpoch, batchSize: 8, optimizer: sgd, validationSplit: 0.3 });
    expect(flat(net)).toEqual(flat(until));
    expect(net.evaluate(noisy.splitValidation(0.3).validation).loss).toBe(stop.bestValLoss);
  });

  test("restoreBest: false keeps the last epoch's weights", async () => {
    const { net, history } = await run(2, false)();
    expect(net.earlyStopped).toMatchObject({ restored: false, epoch: history.at(-1)!.epoch });
    const straight = await Network.create(config());
    await straight.fit(noisy, { epochs: history.length, batchSize: 8, optimizer: sgd, validationSplit: 0.3 });
    expect(flat(net)).toEqual(flat(straight));
  });

  test('a run continued from a checkpoint stops where the uninterrupted one did', async () => {
    const { net: whole } = await run(3)();
    const part = await Network.create(config());
    const options = { batchSize: 8, optimizer: sgd, validationSplit: 0.3, earlyStopping: { patience: 3 } };
    await part.fit(noisy, { ...options, epochs: 2 });
    const resumed = await Network.fromBytes(part.toBytes({ checkpoint: true }));
    expect(resumed.lastFit).toMatchObject({ validationSplit: 0.3, earlyStopping: { patience: 3, restoreBest: true } });
    await resumed.fit(noisy, { ...resumed.lastFit!, initialEpoch: 2, epochs: 40 });
    expect(resumed.history.map((e) => e.valLoss)).toEqual(whole.history.map((e) => e.valLoss));
    expect(resumed.earlyStopped).toMatchObject({
      epoch: whole.earlyStopped!.epoch,
      bestEpoch: whole.earlyStopped!.bestEpoch,
    });
  });

  test('a history that already meets the rule trains nothing more', async () => {
    const { net } = await run(2, true)();
    const before = flat(net),
      epochs = net.history.length;
    expect(
      await net.fit(noisy, {
        epochs: 50,
        initialEpoch: epochs,
        batchSize: 8,
        optimizer: sgd,
        validationSplit: 0.3,
        earlyStopping: { patience: 2 },
      }),
    ).toEqual([]);
    expect(flat(net)).toEqual(before);
    expect(net.earlyStopped).toMatchObject({ epoch: epochs });
  });

  test('needs validation data; checks its options', async () => {
    const net = await Network.create(config());
    await expect(net.fit(noisy, { epochs: 2, batchSize: 8, earlyStopping: { patience: 2 } })).rejects.toThrow(
      /earlyStopping needs validation data: give validationData or validationSplit/,
    );
    await expect(
      net.fit(noisy, { epochs: 2, batchSize: 8, validationSplit: 0.3, earlyStopping: { patience: 0 } }),
    ).rejects.toThrow(/earlyStopping.patience must be an integer ≥ 1/);
  });

  test('earlyStopReached is the rule: the first lowest validation loss, `patience` epochs back', () => {
    const h = [0.5, 0.4, 0.4, 0.45, 0.41].map((valLoss, i): EpochLog => ({
      epoch: i + 1,
      loss: 1,
      accuracy: 0,
      valLoss,
      seconds: 1,
      samplesPerSec: 1,
    }));
    expect(earlyStopReached(h.slice(0, 3), 2)).toBeUndefined();
    expect(earlyStopReached(h.slice(0, 4), 2)).toEqual({ epoch: 4, bestEpoch: 2, bestValLoss: 0.4, restored: false });
    expect(earlyStopReached(h, 3)).toEqual({ epoch: 5, bestEpoch: 2, bestValLoss: 0.4, restored: false });
    expect(earlyStopReached(h.slice(0, 2), 1)).toBeUndefined();
  });
});

describe('classify', () => {
  for (const backend of ['wasm', 'js'] as const) {
    test(`${backend}: the first argmax of predict's outputs; with one output, a ≥ 0.5`, async () => {
      const rows = data(64);
      const multi = await Network.create(config({ backend }));
      const out = multi.predict(rows),
        classes = multi.classify(rows);
      for (let r = 0; r < rows.length; r++) {
        const row = Array.from(out.subarray(3 * r, 3 * r + 3));
        expect(classes[r]).toBe(row.indexOf(Math.max(...row)));
      }
      const binary = await Network.create(
        config({
          backend,
          layers: [
            { units: 4, activation: 'tanh' },
            { units: 1, activation: 'sigmoid' },
          ],
        }),
      );
      const p = binary.predict(rows.features as Float32Array);
      expect(Array.from(binary.classify(rows.features as Float32Array))).toEqual(
        Array.from(p, (a) => (a >= 0.5 ? 1 : 0)),
      );
    });
  }
});
