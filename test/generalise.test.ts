// Generalisation: inverted dropout (masks from a hash of seed, step and element: the same on any
// thread count), learning-rate schedules (resumed exactly), decoupled weight decay, max-norm and
// network2's initialisation.
import { beforeAll, describe, expect, test } from 'vitest';
import { Dataset, Network, learningRateAt, type FitOptions, type NetworkConfig } from '../src/index.js';
import { validateSchedule } from '../src/config.js';
import { cores } from '../src/core/core.js';
import { loadMnist } from '../src/node/mnist.js';
import { harness, fill, maxRelErr, type Harness } from './harness.js';

let train: Dataset;
let h: Harness;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 2000 }));
  h = await harness();
});

const bytes = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));

const DROPOUT: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 200, activation: 'relu', dropout: 0.5 }, // large enough that max-norm and the decay run on 3 threads
    { units: 40, activation: 'sigmoid', dropout: 0.3 },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  inputDropout: 0.2,
  seed: 5,
};
const FIT: FitOptions = {
  epochs: 2,
  batchSize: 50,
  optimizer: { name: 'momentum', learningRate: 0.02 },
  schedule: { name: 'exponential', factor: 0.8 },
  weightDecay: 0.001,
  maxNorm: 3,
};

describe('dropout', () => {
  test('the kernel keeps E[a] and drops the stated fraction, the same bits in WebAssembly and the reference', () => {
    const rows = 250,
      cols = 403, // not a multiple of 4
      n = rows * cols;
    const x = h.alloc(4 * n),
      w = h.alloc(4 * n),
      j = h.alloc(4 * n);
    h.f32(x, n).fill(1.5);
    for (const p of [0.2, 0.5, 0.8]) {
      const sums: number[] = [];
      let dropped = 0;
      for (let step = 0; step < 8; step++) {
        h.wasm.dropout(x, w, rows, cols, p, 0x1234, step);
        h.js.dropout(x, j, rows, cols, p, 0x1234, step);
        const a = h.f32(w, n);
        expect(Buffer.from(a.slice().buffer).equals(Buffer.from(h.f32(j, n).slice().buffer))).toBe(true);
        const kept = Math.fround(1.5 * Math.fround(1 / (1 - p)));
        let s = 0,
          other = 0;
        for (const v of a) {
          s += v;
          dropped += +(v === 0);
          other += +(v !== 0 && v !== kept);
        }
        expect(other).toBe(0); // each element is 0 or x / (1 − p)
        sums.push(s / n);
      }
      // 806,000 Bernoulli(p) draws: the standard error of the fraction is < 0.0006, of the mean < 0.002.
      expect(Math.abs(dropped / (8 * n) - p)).toBeLessThan(0.003);
      expect(Math.abs(sums.reduce((s, m) => s + m, 0) / 8 - 1.5)).toBeLessThan(0.01);
      // Another step, another mask.
      expect(sums[0]).not.toBe(sums[1]);
    }
  });

  test('in place, and each element a function of the key, the step and its index only', () => {
    const n = 1001,
      x = h.alloc(4 * n),
      y = h.alloc(4 * n);
    fill(h.f32(x, n), 3);
    h.wasm.dropout(x, y, 1, n, 0.5, 99, 7);
    const whole = h.f32(y, n).slice();
    h.wasm.dropout(x, x, 7, 143, 0.5, 99, 7); // another shape, in place: the same elements
    expect(Array.from(h.f32(x, n))).toEqual(Array.from(whole));
    h.f32(x, n).set(whole);
  });

  test('training with dropout: the same weights on 1, 2 and 3 threads, near the js backend, and seeded', async () => {
    const run = async (extra: Partial<NetworkConfig>) => {
      const net = await Network.create({ ...DROPOUT, ...extra });
      await net.fit(train, FIT);
      const b = bytes(net);
      net.dispose();
      return b;
    };
    const one = await run({ threads: 1 });
    expect((await run({ threads: 2 })).equals(one)).toBe(true);
    expect((await run({ threads: 3 })).equals(one)).toBe(true);
    expect((await run({ threads: 1 })).equals(one)).toBe(true);
    expect((await run({ threads: 1, seed: 6 })).equals(one)).toBe(false);
    // The js backend makes the same masks; its sums round differently, so its weights are near.
    const js = new Float32Array((await run({ backend: 'js' })).buffer.slice(0));
    const wasm = new Float32Array(one.buffer.slice(one.byteOffset, one.byteOffset + one.byteLength));
    let worst = 0;
    js.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - wasm[i]))));
    expect(worst).toBeLessThan(1e-3);
  });

  test('with diagnostics, the same weights as without (the diagnosed steps use the same masks)', async () => {
    const run = async (diagnostics: FitOptions['diagnostics']) => {
      const net = await Network.create({ ...DROPOUT, threads: 2 });
      await net.fit(train.slice(0, 600), { ...FIT, diagnostics });
      const b = bytes(net);
      net.dispose();
      return b;
    };
    const plain = await run(undefined);
    expect((await run(true)).equals(plain)).toBe(true);
    expect((await run({ every: 3 })).equals(plain)).toBe(true);
  });

  test('never acts in evaluate or predict; it changes training', async () => {
    const net = await Network.create({ ...DROPOUT, threads: 1 });
    const plain = await Network.create({
      ...DROPOUT,
      threads: 1,
      inputDropout: 0,
      layers: DROPOUT.layers.map(({ dropout: _, ...l }) => l),
    });
    expect(bytes(net).equals(bytes(plain))).toBe(true); // the same initial weights
    expect(Array.from(net.predict(train.slice(0, 20)))).toEqual(Array.from(plain.predict(train.slice(0, 20))));
    expect(net.evaluate(train)).toEqual(plain.evaluate(train));
    const first = net.predict(train.slice(0, 5));
    expect(Array.from(net.predict(train.slice(0, 5)))).toEqual(Array.from(first)); // no mask, so no randomness
    await net.fit(train, { ...FIT, epochs: 1 });
    await plain.fit(train, { ...FIT, epochs: 1 });
    expect(bytes(net).equals(bytes(plain))).toBe(false);
    net.dispose();
    plain.dispose();
  });

  test("the gradient check passes through a fixed mask (BP2 multiplies by the forward's mask)", async () => {
    const rows = 8,
      sizes = [6, 5, 4, 3];
    const net = await Network.create({
      inputs: 6,
      layers: [
        { units: 5, activation: 'tanh', dropout: 0.5 },
        { units: 4, activation: 'sigmoid', dropout: 0.25 },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      inputDropout: 0.3,
      seed: 9,
      threads: 1,
    });
    const core = cores.get(net)!;
    const x = fill(new Float32Array(rows * 6), 4),
      labels = new Uint8Array(rows).map((_, r) => r % 3);
    const data = Dataset.fromArrays(x, labels, 6);
    const step = 12;
    // Each buffer's mask scale (0 or 1/(1 − p)) from the kernel itself, on ones.
    const scales = sizes.slice(0, 3).map((n, i) => {
      const d = core.drops![i]!,
        at = h.alloc(4 * rows * n);
      h.f32(at, rows * n).fill(1);
      h.js.dropout(at, at, rows, n, d.p, d.key, step);
      return Array.from(h.f32(at, rows * n));
    });
    const params = net.parameters().map((l) => ({ W: Float64Array.from(l.W), b: Float64Array.from(l.b) }));
    const act = [Math.tanh, (z: number) => 1 / (1 + Math.exp(-z))];
    const cost = () => {
      let total = 0;
      for (let r = 0; r < rows; r++) {
        let a = Array.from(x.slice(r * 6, r * 6 + 6), (v, c) => v * scales[0][r * 6 + c]);
        params.forEach(({ W, b }, l) => {
          const nIn = sizes[l],
            nOut = sizes[l + 1];
          const z = Array.from({ length: nOut }, (_, j) => b[j] + a.reduce((s, v, k) => s + W[j * nIn + k] * v, 0));
          if (l < 2) a = z.map((v, j) => act[l](v) * scales[l + 1][r * nOut + j]);
          else {
            const m = Math.max(...z),
              e = z.map((v) => Math.exp(v - m)),
              s = e.reduce((p, q) => p + q, 0);
            total -= Math.log(e[labels[r]] / s);
          }
        });
      }
      return total / rows;
    };
    const analytic = core.gradients(data, step);
    const eps = 1e-6;
    let worst = 0;
    params.forEach((p, l) =>
      (['W', 'b'] as const).forEach((t) =>
        p[t].forEach((v, i) => {
          p[t][i] = v + eps;
          const up = cost();
          p[t][i] = v - eps;
          const down = cost();
          p[t][i] = v;
          const numeric = (up - down) / (2 * eps),
            g = analytic[l][t][i];
          worst = Math.max(worst, Math.abs(g - numeric) / Math.max(Math.abs(g) + Math.abs(numeric), 1e-6));
        }),
      ),
    );
    expect(worst).toBeLessThan(1e-2);
    // Some units are dropped in this step, so the check went through the masks.
    expect(scales.every((s) => s.includes(0))).toBe(true);
    // Another step's masks give other gradients.
    expect(core.gradients(data, step + 1)[0].W).not.toEqual(analytic[0].W);
    net.dispose();
  });

  test('bad dropout is refused, saying what was expected', async () => {
    const base = { inputs: 4, loss: 'mse' as const };
    await expect(Network.create({ ...base, layers: [{ units: 3, dropout: 1 }, { units: 2 }] })).rejects.toThrow(
      /layer 1: dropout must be a fraction p in \[0, 1\)/,
    );
    await expect(Network.create({ ...base, layers: [{ units: 3 }, { units: 2, dropout: 0.5 }] })).rejects.toThrow(
      /layer 2: dropout applies to hidden layers only/,
    );
    await expect(Network.create({ ...base, layers: [{ units: 2 }], inputDropout: -0.1 })).rejects.toThrow(
      /inputDropout must be a fraction/,
    );
  });
});

const SMALL: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 32, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  seed: 3,
  threads: 1,
};

describe('schedules', () => {
  const at = (
    s: FitOptions['schedule'],
    epochs: number,
    history: { epoch: number; loss: number; valLoss?: number }[] = [],
    lr = 0.1,
  ) =>
    Array.from({ length: epochs }, (_, e) =>
      learningRateAt(s && validateSchedule(s), lr, e + 1, epochs, history.slice(0, e) as never),
    );

  test('each gives its learning rates per epoch', () => {
    expect(at({ name: 'step', every: 2, factor: 0.5 }, 5)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    const ex = at({ name: 'exponential', factor: 0.9 }, 4);
    [0.1, 0.09, 0.081, 0.0729].forEach((x, i) => expect(ex[i]).toBeCloseTo(x, 15));
    // Warm-up 0.05, 0.1; then half a cosine from 0.1 towards 0.01 over the 4 epochs left.
    const cos = at({ name: 'cosine', warmup: 2, min: 0.01 }, 6);
    const want = [0.05, 0.1, 0.1, ...[0.25, 0.5, 0.75].map((t) => 0.01 + 0.09 * ((1 + Math.cos(Math.PI * t)) / 2))];
    want.forEach((x, i) => expect(cos[i]).toBeCloseTo(x, 15));
    // The loss stalls after epoch 2: two epochs without a better one cut η, and again two later.
    const losses = [1, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8];
    const history = losses.map((loss, i) => ({ epoch: i + 1, loss: 9, valLoss: loss }));
    expect(at({ name: 'plateau', patience: 2, factor: 0.5, min: 0.02 }, 8, history)).toEqual([
      0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025,
    ]);
  });

  test("fit puts each epoch's rate in the history, and a resumed run continues the schedule exactly", async () => {
    const data = train.slice(0, 600);
    const options: FitOptions = {
      epochs: 5,
      batchSize: 20,
      optimizer: { name: 'adam', learningRate: 0.01 },
      schedule: { name: 'cosine', warmup: 2 },
      weightDecay: 0.01,
      maxNorm: 1.5,
      validationSplit: 0.2,
    };
    // With dropout too: its masks follow the step count, which the checkpoint keeps.
    const config = { ...SMALL, inputDropout: 0.1, layers: [{ ...SMALL.layers[0], dropout: 0.3 }, SMALL.layers[1]] };
    const whole = await Network.create(config);
    await whole.fit(data, options);
    expect(whole.history.map((e) => e.learningRate)).toEqual(at(options.schedule, 5, [], 0.01));

    // Stopped after epoch 2 and continued from a checkpoint; stopped mid-epoch 4 and continued in place.
    const part = await Network.create(config);
    await part.fit(data, { ...options, onEpochEnd: (e) => e.epoch < 2 });
    const resumed = await Network.fromBytes(part.toBytes({ checkpoint: true }), { threads: 1 });
    expect(resumed.lastFit).toMatchObject({
      schedule: { name: 'cosine', warmup: 2, min: 0 },
      weightDecay: 0.01,
      maxNorm: 1.5,
    });
    let batches = 0;
    await resumed.fit(data, {
      ...resumed.lastFit!,
      initialEpoch: 2,
      onBatchEnd: (b) => !(b.epoch === 4 && ++batches === 7),
    });
    expect(resumed.history.length).toBe(3);
    await resumed.fit(data, { ...resumed.lastFit!, initialEpoch: 3 });
    expect(resumed.history.map((e) => e.learningRate)).toEqual(whole.history.map((e) => e.learningRate));
    expect(bytes(resumed).equals(bytes(whole))).toBe(true);
    for (const n of [whole, part, resumed]) n.dispose();
  });

  test('plateau resumes from a checkpoint as the uninterrupted run', async () => {
    const data = train.slice(0, 400);
    const options: FitOptions = {
      epochs: 8,
      batchSize: 40,
      optimizer: { name: 'sgd', learningRate: 0.5 },
      schedule: { name: 'plateau', patience: 1, factor: 0.5 },
      validationSplit: 0.25,
    };
    const whole = await Network.create(SMALL);
    await whole.fit(data, options);
    const rates = whole.history.map((e) => e.learningRate!);
    expect(new Set(rates).size).toBeGreaterThan(1); // it did cut η
    const part = await Network.create(SMALL);
    await part.fit(data, { ...options, epochs: 4 });
    const resumed = await Network.fromBytes(part.toBytes({ checkpoint: true }), { threads: 1 });
    await resumed.fit(data, { ...options, initialEpoch: 4 });
    expect(resumed.history.map((e) => e.learningRate)).toEqual(rates);
    expect(bytes(resumed).equals(bytes(whole))).toBe(true);
    for (const n of [whole, part, resumed]) n.dispose();
  });

  test('bad schedules are refused, saying what was expected', async () => {
    const net = await Network.create(SMALL);
    const fit = (schedule: unknown) => net.fit(train, { epochs: 1, batchSize: 10, schedule: schedule as never });
    await expect(fit({ name: 'linear' })).rejects.toThrow(
      /schedule must be an object \{ name, … \} with name one of step, exponential, cosine, plateau/,
    );
    await expect(fit({ name: 'step' })).rejects.toThrow(
      /schedule step: every must be an integer ≥ 1 \(epochs\), got nothing/,
    );
    await expect(fit({ name: 'exponential', factor: 1.5 })).rejects.toThrow(/factor must be a number in \(0, 1\)/);
    await expect(fit({ name: 'cosine', warmups: 2 })).rejects.toThrow(/warmups/);
    expect(net.history).toEqual([]);
    net.dispose();
  });
});

describe('weight decay, max-norm, init', () => {
  test('max-norm holds after every step', async () => {
    const net = await Network.create({ ...SMALL, init: 'normal' }); // N(0, 1) weights: rows of norm ≈ 28 and ≈ 5.7
    const core = cores.get(net)!;
    const c = 0.8;
    let worst = 0,
      steps = 0;
    await net.fit(train.slice(0, 300), {
      epochs: 2,
      batchSize: 30,
      optimizer: { name: 'momentum', learningRate: 0.05 },
      maxNorm: c,
      onBatchEnd: () => {
        steps++;
        core.layers.forEach((L) => {
          const W = core.arena.f32(L.W, L.nIn * L.nOut);
          for (let j = 0; j < L.nOut; j++) {
            let s = 0;
            for (let k = 0; k < L.nIn; k++) s += W[j * L.nIn + k] ** 2;
            worst = Math.max(worst, Math.sqrt(s));
          }
        });
      },
    });
    expect(steps).toBe(20);
    expect(worst).toBeLessThanOrEqual(c * (1 + 1e-6));
    expect(worst).toBeGreaterThan(c * 0.999); // it acted: the rows sit at the cap
    net.dispose();
  });

  test('decoupled decay differs from L2 under adam, and is L2 under sgd within rounding', async () => {
    const data = train.slice(0, 300);
    const run = async (extra: Partial<FitOptions>, optimizer: FitOptions['optimizer']) => {
      const net = await Network.create(SMALL);
      await net.fit(data, { epochs: 1, batchSize: 30, optimizer, ...extra });
      const p = net.parameters();
      net.dispose();
      return p;
    };
    const adam = { name: 'adam' as const, learningRate: 0.01 };
    const plain = await run({}, adam),
      decayed = await run({ weightDecay: 0.5 }, adam),
      l2 = await run({ l2: 0.5 }, adam);
    const norm = (p: typeof plain) => Math.hypot(...p.flatMap((l) => Array.from(l.W)));
    expect(norm(decayed)).toBeLessThan(norm(plain));
    const diff = Math.max(...decayed[0].W.map((w, i) => Math.abs(w - l2[0].W[i])));
    expect(diff).toBeGreaterThan(1e-3); // adam normalises λw with the gradient under L2, not under decay
    const sgd = { name: 'sgd' as const, learningRate: 0.1 };
    const sd = await run({ weightDecay: 0.5 }, sgd),
      sl = await run({ l2: 0.5 }, sgd);
    expect(Math.max(...sd[0].W.map((w, i) => Math.abs(w - sl[0].W[i])))).toBeLessThan(1e-4);
  });

  test('the scale and maxNorm kernels match their js twins on a sweep of shapes', () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [7, 17],
      [10, 784],
      [33, 130],
    ]) {
      h.reset();
      const n = rows * cols,
        w = h.alloc(4 * n),
        j = h.alloc(4 * n);
      fill(h.f32(w, n), rows + cols);
      h.f32(j, n).set(h.f32(w, n));
      const norms = (p: number) => Array.from({ length: rows }, (_, r) => Math.hypot(...h.f32(p + 4 * r * cols, cols)));
      const c = 0.5 * Math.max(...norms(w)) + 1e-3; // some rows above the cap, some below
      const below = norms(w).map((x) => x <= c);
      h.wasm.maxNorm(w, rows, cols, c);
      h.js.maxNorm(j, rows, cols, c);
      expect(maxRelErr(h.f32(w, n), h.f32(j, n), 1e-6)).toBeLessThan(1e-5);
      norms(w).forEach((x, r) => expect(x).toBeLessThanOrEqual(below[r] ? c : c * (1 + 1e-5)));
      h.wasm.scale(w, n, 0.75);
      h.js.scale(j, n, 0.75);
      expect(maxRelErr(h.f32(w, n), h.f32(j, n), 1e-6)).toBeLessThan(1e-5);
    }
  });

  test("init 'network2': weights N(0, 1/nIn), biases N(0, 1)", async () => {
    const net = await Network.create({
      inputs: 400,
      layers: [
        { units: 300, activation: 'sigmoid' },
        { units: 200, activation: 'sigmoid' },
      ],
      loss: 'mse',
      init: 'network2',
    });
    const [l1, l2] = net.parameters();
    const moments = (x: Float32Array) => {
      const m = x.reduce((s, v) => s + v, 0) / x.length;
      return [m, x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length];
    };
    const [m1, v1] = moments(l1.W),
      [, v2] = moments(l2.W),
      [mb, vb] = moments(new Float32Array([...l1.b, ...l2.b]));
    expect(Math.abs(m1)).toBeLessThan(0.001);
    expect(v1 * 400).toBeCloseTo(1, 1);
    expect(v2 * 300).toBeCloseTo(1, 1);
    expect(Math.abs(mb)).toBeLessThan(0.15); // 500 biases
    expect(vb).toBeGreaterThan(0.8);
    expect(vb).toBeLessThan(1.2);
    net.dispose();
  });
});
