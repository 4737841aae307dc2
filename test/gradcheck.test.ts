// Gradient check: gradientCheck (the network's analytic gradients, BP1–BP4 in f32 on each backend,
// against central differences of an f64 forward pass) for every activation × loss pair that can
// train, and a check that fails where a kernel is made wrong.
import { describe, expect, test } from 'vitest';
import { cores } from '../src/core/core.js';
import { Dataset, Network, gradientCheck, type ActivationName, type LossName } from '../src/index.js';

const HIDDEN: ActivationName[] = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'];
const ALPHA: Partial<Record<ActivationName, number>> = { 'leaky-relu': 0.1, elu: 1 };
const OUTPUTS: [ActivationName, LossName, number][] = [
  ['sigmoid', 'mse', 3],
  ['softmax', 'mse', 3],
  ['identity', 'mse', 3],
  ['tanh', 'mse', 3],
  ['softmax', 'cross-entropy', 3],
  ['sigmoid', 'cross-entropy', 3],
  ['sigmoid', 'cross-entropy', 1],
];

function batch(nIn: number, rows: number, classes: number, seed: number): Dataset {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const x = Float32Array.from({ length: nIn * rows }, rnd);
  const y = Uint8Array.from({ length: rows }, (_, i) => i % classes);
  return Dataset.fromArrays(x, y, nIn);
}

const net3 = (hidden: ActivationName, output: ActivationName, loss: LossName, units: number, backend: 'wasm' | 'js') =>
  Network.create({
    inputs: 4,
    loss,
    seed: 7,
    backend,
    init: 'xavier',
    layers: [
      { units: 5, activation: hidden, alpha: ALPHA[hidden] },
      { units: 4, activation: hidden, alpha: ALPHA[hidden] },
      { units, activation: output },
    ],
  });

for (const backend of ['wasm', 'js'] as const) {
  describe(`gradient check (${backend})`, () => {
    for (const hidden of HIDDEN) {
      for (const [output, loss, units] of OUTPUTS) {
        test(`${hidden} → ${output}×${units}, ${loss}`, async () => {
          const net = await net3(hidden, output, loss, units, backend);
          const r = gradientCheck(net, batch(4, 6, Math.max(units, 2), 11));
          expect(r.ok).toBe(true);
          expect(r.layers.map((l) => [l.layer, l.checked, l.entries])).toEqual([
            [1, 25, 25],
            [2, 24, 24],
            [3, 5 * units, 5 * units],
          ]);
          for (const l of r.layers) {
            expect(l.maxError).toBeLessThan(r.threshold);
            expect(l.medianError).toBeLessThanOrEqual(l.maxError);
          }
          // The check saw real gradients, not zeros on both sides.
          expect(r.layers.every((l) => Math.abs(l.worst.numeric) > 1e-6)).toBe(true);
          net.dispose();
        });
      }
    }
  });
}

describe('a wrong kernel fails the check, at the layer and tensor it touches', () => {
  // The js backend runs its programs through the kernels object, so a kernel replaced there is used.
  test('∂C/∂W of layer 2 scaled by 1.1 (BP4)', async () => {
    const net = await net3('tanh', 'softmax', 'cross-entropy', 3, 'js');
    const data = batch(4, 6, 3, 11);
    expect(gradientCheck(net, data).ok).toBe(true);
    const core = cores.get(net)!,
      dW = core.layers[1].dW,
      gemmTN = core.k.gemmTN;
    core.k.gemmTN = (c, a, b, bias, M, N, K, alpha, beta) =>
      gemmTN(c, a, b, bias, M, N, K, c === dW ? alpha * 1.1 : alpha, beta);
    const r = gradientCheck(net, data);
    expect(r.ok).toBe(false);
    expect(r.layers.map((l) => l.maxError < r.threshold)).toEqual([true, false, true]);
    expect(r.layers[1].worst.tensor).toBe('W');
    expect(r.layers[1].maxError).toBeCloseTo(0.1 / 2.1, 3); // |1.1g − g| / (1.1|g| + |g|)
  });

  test('∂C/∂b of layer 1 with its sign flipped (BP3)', async () => {
    const net = await net3('sigmoid', 'sigmoid', 'mse', 3, 'js');
    const data = batch(4, 6, 3, 11);
    const core = cores.get(net)!,
      db = core.layers[0].db,
      biasGrad = core.k.biasGrad;
    core.k.biasGrad = (out, delta, rows, cols, alpha) => biasGrad(out, delta, rows, cols, out === db ? -alpha : alpha);
    const r = gradientCheck(net, data);
    expect(r.ok).toBe(false);
    expect(r.layers.map((l) => l.maxError < r.threshold)).toEqual([false, true, true]);
    expect(r.layers[0].worst).toMatchObject({ tensor: 'b' });
    expect(r.layers[0].maxError).toBeCloseTo(1, 6);
  });
});

test('a large layer is checked on a seeded sample of its entries, the same each time', async () => {
  const net = await Network.create({
    inputs: 30,
    loss: 'cross-entropy',
    seed: 3,
    layers: [{ units: 20 }, { units: 3 }],
  });
  const data = batch(30, 8, 3, 5);
  const r = gradientCheck(net, data, { entries: 50, rows: 4 });
  expect(r.rows).toBe(4);
  expect(r.layers.map((l) => [l.checked, l.entries])).toEqual([
    [70, 620],
    [53, 63],
  ]);
  expect(r.ok).toBe(true);
  expect(gradientCheck(net, data, { entries: 50, rows: 4 })).toEqual(r);
});

test('bad input: a clear Error before anything runs', async () => {
  const net = await net3('relu', 'softmax', 'cross-entropy', 3, 'wasm');
  const data = batch(4, 6, 3, 11);
  expect(() => gradientCheck(net, data, { rows: 0 })).toThrow(/rows must be an integer ≥ 1, got 0/);
  expect(() => gradientCheck(net, data, { epsilon: -1 })).toThrow(/epsilon must be a number in \(0, 1\)/);
  expect(() => gradientCheck(net, data, { entries: 1.5 })).toThrow(/entries must be an integer ≥ 1, got 1\.5/);
  expect(() => gradientCheck(net, data, { row: 3 } as never)).toThrow(/no option "row" \(did you mean "rows"\?\)/);
  expect(() => gradientCheck(net, batch(5, 6, 3, 11))).toThrow(/5/);
  expect(() => gradientCheck({} as Network, data)).toThrow(/expected a Network that is not disposed, got an Object/);
  const step = await Network.create({
    inputs: 4,
    loss: 'mse',
    layers: [
      { units: 3, activation: 'step' },
      { units: 2, activation: 'sigmoid' },
    ],
  });
  expect(() => gradientCheck(step, data)).toThrow(
    /layer 1 \(step\) cannot be checked: the step function's derivative is 0/,
  );
});
