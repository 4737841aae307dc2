// Diagnostics (src/diagnostics.ts): what each quantity measures, checked against its definition
// computed here; the same weights with them as without (every optimizer, both backends, 1–3
// threads); wasm and js agreeing; and what the article says saturation and depth do to learning.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ACTIVATIONS,
  Dataset,
  Network,
  SATURATION,
  type FitOptions,
  type LayerDiagnostics,
  type NetworkConfig,
} from '../src/index.js';
import { decodeModel } from '../src/io/model.js';
import { sealModel } from './harness.js';
import { loadMnist } from '../src/node/mnist.js';

let train: Dataset;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 1200 }));
});

const bytes = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));

const DEEP: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 30, activation: 'sigmoid' },
    { units: 30, activation: 'relu' },
    { units: 20, activation: 'tanh' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  seed: 5,
};

describe('the same weights with diagnostics as without', () => {
  const fits: [string, FitOptions][] = [
    ['sgd', { epochs: 2, batchSize: 50, optimizer: { name: 'sgd', learningRate: 0.3 } }],
    [
      'momentum (nesterov) with l2',
      { epochs: 1, batchSize: 64, optimizer: { name: 'momentum', learningRate: 0.05, nesterov: true }, l2: 1e-4 },
    ],
    ['adam, a short last batch', { epochs: 1, batchSize: 77, optimizer: { name: 'adam' } }],
  ];
  for (const [name, fit] of fits)
    for (const [backend, threads] of [
      ['wasm', 1],
      ['wasm', 2],
      ['wasm', 3],
      ['js', 1],
    ] as const)
      test(`${name}, ${backend} on ${threads} thread(s): off, every batch and every 3rd give the same bytes`, async () => {
        const runs: Buffer[] = [];
        const logs: (LayerDiagnostics[] | undefined)[] = [];
        for (const diagnostics of [false, true, { every: 3 }]) {
          const net = await Network.create({ ...DEEP, backend, threads });
          const h = await net.fit(train, { ...fit, diagnostics });
          runs.push(bytes(net));
          logs.push(h.at(-1)!.diagnostics);
          net.dispose();
        }
        expect(runs[1].equals(runs[0])).toBe(true);
        expect(runs[2].equals(runs[0])).toBe(true);
        expect(logs[0]).toBeUndefined();
        expect(logs[1]).toHaveLength(4);
        expect(logs[2]).toHaveLength(4);
      });
});

describe('one run, one definition', () => {
  test('the diagnostics do not depend on the number of threads, and wasm and js agree within 1e-4', async () => {
    const results: LayerDiagnostics[][][] = [];
    for (const [backend, threads] of [
      ['wasm', 1],
      ['wasm', 2],
      ['wasm', 3],
      ['js', 1],
    ] as const) {
      const net = await Network.create({
        ...DEEP,
        loss: 'mse',
        layers: DEEP.layers.with(3, { units: 10, activation: 'sigmoid' }),
        backend,
        threads,
      });
      const h = await net.fit(train, { epochs: 2, batchSize: 40, optimizer: { name: 'adam' }, diagnostics: true });
      results.push(h.map((e) => e.diagnostics!));
      net.dispose();
    }
    expect(results[1]).toEqual(results[0]); // exactly: every sum is made on one thread, or in fixed chunks
    expect(results[2]).toEqual(results[0]);
    const [wasm, js] = [results[0], results[3]];
    wasm.forEach((epoch, e) =>
      epoch.forEach((layer, l) => {
        for (const [k, v] of Object.entries(layer)) {
          const w = js[e][l][k as keyof LayerDiagnostics] as number | null;
          if (v === null) expect(w).toBeNull();
          else
            expect(Math.abs(v - w!), `epoch ${e + 1} layer ${l + 1} ${k}`).toBeLessThanOrEqual(
              1e-4 * Math.abs(v) + 1e-7,
            );
        }
      }),
    );
    expect(wasm[0][3].saturatedWrong).toBeGreaterThanOrEqual(0); // an mse output layer has it…
    expect(wasm[0][2].saturatedWrong).toBeUndefined(); // …the others do not
    expect(wasm[0][1].dead).not.toBeNull(); // relu has dead units, counted
    expect(wasm[0][0].dead).toBeNull(); // sigmoid has none
  });

  test('a one-batch epoch gives, per layer, what its definition computes from z, a, ∂C/∂W and W', async () => {
    // 3 inputs → 4 sigmoid → 2 relu → 2 softmax over 6 rows: z and a computed here in f64.
    const x = Float32Array.from([0.5, -1, 2, 3, 0.1, -2, -0.5, 4, 1, 2, 2, 2, -3, 0, 1, 0.2, 0.3, -4]);
    const labels = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    const data = Dataset.fromArrays(x, labels, 3);
    const config: NetworkConfig = {
      inputs: 3,
      layers: [
        { units: 4, activation: 'sigmoid' },
        { units: 2, activation: 'relu' },
        { units: 2, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 2,
    };
    const net = await Network.create(config);
    // Large first-layer weights (saturating sigmoid), and a relu unit kept off by its bias.
    const p = net.parameters();
    p[0].W = Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1 + (i % 5) * 0.9);
    p[1].b = Float32Array.from([0.1, -50]);
    net.setParameters(p);
    const W0 = net.parameters(),
      g = net.gradients(data);
    const lr = 0.1;
    const h = await net.fit(data, {
      epochs: 1,
      batchSize: 6,
      shuffle: false,
      optimizer: { name: 'sgd', learningRate: lr },
      diagnostics: true,
    });
    const d = h[0].diagnostics!;
    // The forward pass in f64.
    let a = Array.from({ length: 6 }, (_, r) => Array.from(x.subarray(3 * r, 3 * r + 3), Number));
    const acts = ['sigmoid', 'relu', 'softmax'] as const;
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, q) => s + q * q, 0));
    acts.forEach((act, l) => {
      const { W, b } = W0[l],
        nOut = b.length,
        nIn = W.length / nOut;
      const z = a.map((row) =>
        Array.from({ length: nOut }, (_, j) => b[j] + row.reduce((s, v, k) => s + W[j * nIn + k] * v, 0)),
      );
      a = z.map((row) => {
        if (act === 'sigmoid') return row.map((v) => 1 / (1 + Math.exp(-v)));
        if (act === 'relu') return row.map((v) => Math.max(v, 0));
        const m = Math.max(...row),
          e = row.map((v) => Math.exp(v - m)),
          s = e.reduce((p, q) => p + q);
        return e.map((v) => v / s);
      });
      const fprime = (zv: number, av: number) => (act === 'relu' ? +(zv > 0) : av * (1 - av));
      const maxPrime = act === 'relu' ? 1 : 0.25;
      let sat = 0,
        sq = 0;
      z.forEach((row, r) =>
        row.forEach((zv, j) => {
          sat += +(fprime(zv, a[r][j]) < SATURATION * maxPrime);
          sq += a[r][j] ** 2;
        }),
      );
      const at = `layer ${l + 1} (${act})`;
      expect(d[l].saturated, at).toBeCloseTo(sat / (6 * nOut), 6);
      expect(d[l].activationRms, at).toBeCloseTo(Math.sqrt(sq / (6 * nOut)), 5);
      expect(d[l].gradNorm / norm(g[l].W), at).toBeCloseTo(1, 5);
      expect(d[l].weightRms, at).toBeCloseTo(norm(W0[l].W) / Math.sqrt(W.length), 6);
      // sgd without L2: ΔW = −η ∂C/∂W.
      // (ΔW is the difference of two f32 weights: ~1e-4 relative here.)
      expect(d[l].updateRatio / ((lr * norm(g[l].W)) / norm(W0[l].W)), at).toBeCloseTo(1, 3);
      if (act === 'relu') {
        const dead = Array.from({ length: nOut }, (_, j) => z.every((row) => row[j] <= 0)).filter(Boolean).length;
        expect(d[l].dead, at).toBe(dead / nOut);
      }
    });
    expect(d[0].saturated).toBeGreaterThan(0.2); // the setup does saturate…
    expect(d[1].dead).toBe(0.5); // …and kills the second relu unit
    expect(d[2].deltaMean).toBeGreaterThan(0);
    net.dispose();
  });

  test('saturation follows ACTIVATIONS: identity and leaky-relu never saturate (leaky-relu counts dead units)', async () => {
    for (const activation of ['identity', 'leaky-relu'] as const) {
      expect(ACTIVATIONS[activation].saturation).toEqual({ left: 'none', right: 'none' });
      const net = await Network.create({
        inputs: 784,
        layers: [
          { units: 16, activation },
          { units: 10, activation: 'softmax' },
        ],
        loss: 'cross-entropy',
        seed: 1,
      });
      const h = await net.fit(train, {
        epochs: 1,
        batchSize: 100,
        optimizer: { name: 'sgd', learningRate: 0.01 },
        diagnostics: true,
      });
      expect(h[0].diagnostics![0].saturated).toBe(0);
      expect(h[0].diagnostics![0].dead === null).toBe(activation !== 'leaky-relu');
      net.dispose();
    }
  });
});

describe('the step layer: hard saturation, untrainable', () => {
  test('ACTIVATIONS says hard on both sides and untrainable, and fit refuses it, diagnostics or not, saying why', async () => {
    expect(ACTIVATIONS.step.saturation).toEqual({ left: 'hard', right: 'hard' });
    expect(ACTIVATIONS.step.trainable).toBe(false);
    const net = await Network.create({
      inputs: 784,
      layers: [
        { units: 8, activation: 'step' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 1,
    });
    const before = bytes(net);
    await expect(net.fit(train, { epochs: 1, batchSize: 10, diagnostics: true })).rejects.toThrow(
      /layer 1 \(step\) cannot be trained by backpropagation.*hard saturation/,
    );
    expect(bytes(net).equals(before)).toBe(true);
    net.dispose();
  });
});

describe('every N batches', () => {
  test('onBatchEnd carries the diagnostics of batches 1, N + 1, 2N + 1 …, dead over the epoch so far', async () => {
    const net = await Network.create({ ...DEEP, threads: 1 });
    const seen: number[] = [];
    const dead: number[] = [];
    await net.fit(train, {
      epochs: 1,
      batchSize: 100,
      diagnostics: { every: 4 },
      onBatchEnd: (b) => {
        if (b.diagnostics) {
          seen.push(b.batch);
          dead.push(b.diagnostics[1].dead!);
          expect(b.diagnostics).toHaveLength(4);
        }
      },
    });
    expect(seen).toEqual([1, 5, 9]);
    // A unit dead over more batches has had fewer chances to fire: the fraction never rises.
    expect(dead).toEqual([...dead].sort((p, q) => q - p));
    net.dispose();
  });

  test('a bad diagnostics option is refused before anything changes', async () => {
    const net = await Network.create({ ...DEEP, threads: 1 });
    const before = bytes(net);
    for (const bad of [0, 'yes', { every: 0 }, { every: 1.5 }, { each: 2 }, { every: 2, x: 1 }, null])
      await expect(
        net.fit(train, { epochs: 1, batchSize: 10, diagnostics: bad as unknown as boolean }),
      ).rejects.toThrow(/diagnostics must be true, false or \{ every: N \}/);
    expect(bytes(net).equals(before)).toBe(true);
    expect(net.history).toHaveLength(0);
    net.dispose();
  });
});

describe('the model file keeps them', () => {
  test('a saved history carries each epoch’s diagnostics back, and a malformed one is refused', async () => {
    const net = await Network.create({ ...DEEP, threads: 1 });
    await net.fit(train, { epochs: 2, batchSize: 100, diagnostics: true });
    const file = net.toBytes();
    const back = await Network.fromBytes(file);
    expect(back.history.map((e) => e.diagnostics)).toEqual(net.history.map((e) => e.diagnostics));
    const { header } = decodeModel(file);
    expect(header.history[1].diagnostics).toHaveLength(4);
    // The same file with one number of one layer's diagnostics made negative, resealed.
    const bad = structuredClone(header);
    (bad.history[0].diagnostics![2] as { gradNorm: number }).gradNorm = -1;
    const params = net.parameters().flatMap((p) => [p.W, p.b]);
    expect(() => decodeModel(sealModel(JSON.stringify(bad), params))).toThrow(
      /history\[0\]\.diagnostics must hold one object per layer \(4\) of finite numbers ≥ 0/,
    );
    net.dispose();
    back.dispose();
  });
});

describe('what the article says', () => {
  test('a saturated, wrong sigmoid output: cross-entropy lowers the cost faster than the quadratic cost, which reports it saturated and wrong', async () => {
    // One neuron, one input x = 1, target 0, from w = 2, b = 2 (a ≈ 0.98): σ′(z) ≈ 0.018.
    const data = Dataset.fromArrays(Float32Array.of(1), Uint8Array.of(0), 1);
    const out: Record<string, { a: number[]; first: LayerDiagnostics; loss: number[] }> = {};
    for (const loss of ['mse', 'cross-entropy'] as const) {
      const net = await Network.create({ inputs: 1, layers: [{ units: 1, activation: 'sigmoid' }], loss, seed: 1 });
      net.setParameters([{ W: Float32Array.of(2), b: Float32Array.of(2) }]);
      const a: number[] = [];
      let first: LayerDiagnostics | undefined;
      const h = await net.fit(data, {
        epochs: 60,
        batchSize: 1,
        optimizer: { name: 'sgd', learningRate: 0.15 },
        diagnostics: true,
        onEpochEnd: (e) => {
          first ??= e.diagnostics![0];
          a.push(net.predict(Float32Array.of(1))[0]);
        },
      });
      out[loss] = { a, first: first!, loss: h.map((e) => e.loss) };
      net.dispose();
    }
    // The quadratic cost's gradient carries σ′(z): it learns slowly at first; cross-entropy's does not.
    // (Seen: a = 0.78 / 0.20 / 0.08 after 10 / 30 / 60 epochs of cross-entropy; 0.981 / 0.979 / 0.974 of mse.)
    expect(out['cross-entropy'].a[29]).toBeLessThan(0.3);
    expect(out.mse.a[59]).toBeGreaterThan(0.95);
    for (const e of [4, 9, 29, 59]) expect(out['cross-entropy'].a[e]).toBeLessThan(out.mse.a[e]);
    const drop = (c: number[]) => (c[0] - c[29]) / c[0]; // each cost's own fall over 30 epochs
    expect(drop(out['cross-entropy'].loss)).toBeGreaterThan(0.5);
    expect(drop(out.mse.loss)).toBeLessThan(0.02);
    expect(out.mse.first.saturated).toBe(1);
    expect(out.mse.first.saturatedWrong).toBe(1);
    expect(out['cross-entropy'].first.saturatedWrong).toBeUndefined();
  });

  test('784-30-30-30-10 sigmoid at initialisation: ‖∂C/∂W¹‖ < ‖∂C/∂W⁴‖; relu with he init keeps the ratio much nearer 1', async () => {
    const ratio: Record<string, number> = {};
    for (const [activation, init] of [
      ['sigmoid', 'normal'],
      ['sigmoid', 'xavier'],
      ['relu', 'he'],
    ] as const) {
      const net = await Network.create({
        inputs: 784,
        layers: [
          { units: 30, activation },
          { units: 30, activation },
          { units: 30, activation },
          { units: 10, activation: 'sigmoid' },
        ],
        loss: 'cross-entropy',
        init,
        seed: 3,
      });
      let first: LayerDiagnostics[] | undefined;
      await net.fit(train, {
        epochs: 1,
        batchSize: 100,
        diagnostics: true,
        onBatchEnd: (b) => {
          first ??= b.diagnostics; // batch 1: the gradients at initialisation
        },
      });
      ratio[`${activation}/${init}`] = first![0].gradNorm / first![3].gradNorm;
      net.dispose();
    }
    expect(ratio['sigmoid/normal']).toBeLessThan(0.5);
    expect(ratio['sigmoid/xavier']).toBeLessThan(0.5);
    const nearOne = (r: number) => Math.abs(Math.log(r));
    expect(nearOne(ratio['relu/he'])).toBeLessThan(nearOne(ratio['sigmoid/normal']) / 2);
    expect(nearOne(ratio['relu/he'])).toBeLessThan(nearOne(ratio['sigmoid/xavier']) / 2);
  });
});
