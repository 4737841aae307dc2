// Gradient check: the network's analytic gradients (BP1–BP4, f32, on each backend) against central
// finite differences of an independent f64 forward pass written here, for every activation × loss
// pair that can train.
import { describe, expect, test } from 'vitest';
import { Dataset, Network, type ActivationName, type LossName, type Parameters } from '../src/index.js';

const f64: Record<string, (z: number, p: number) => number> = {
  identity: (z) => z,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => Math.tanh(z),
  relu: (z) => Math.max(z, 0),
  'leaky-relu': (z, p) => (z > 0 ? z : p * z),
  elu: (z, p) => (z > 0 ? z : p * (Math.exp(z) - 1)),
  softplus: (z) => Math.log1p(Math.exp(z)),
};
const ALPHA: Record<string, number> = { 'leaky-relu': 0.1, elu: 1 };

/** Mean cost per sample over the batch, all in f64. */
function cost(
  params: { W: Float64Array; b: Float64Array }[],
  acts: ActivationName[],
  loss: LossName,
  x: Float32Array,
  labels: Uint8Array,
  nIn: number,
): number {
  let total = 0;
  for (let s = 0; s < labels.length; s++) {
    let a = Array.from(x.subarray(s * nIn, (s + 1) * nIn), Number);
    params.forEach(({ W, b }, l) => {
      const nOut = b.length,
        nPrev = a.length;
      const z = Array.from({ length: nOut }, (_, j) => {
        let v = b[j];
        for (let k = 0; k < nPrev; k++) v += W[j * nPrev + k] * a[k];
        return v;
      });
      if (acts[l] === 'softmax') {
        const m = Math.max(...z),
          e = z.map((v) => Math.exp(v - m)),
          sum = e.reduce((p, q) => p + q);
        a = e.map((v) => v / sum);
      } else a = z.map((v) => f64[acts[l]](v, ALPHA[acts[l]] ?? 0));
    });
    const y = a.length === 1 ? [labels[s]] : a.map((_, j) => (j === labels[s] ? 1 : 0));
    const out = acts[acts.length - 1];
    for (let j = 0; j < a.length; j++) {
      if (loss === 'mse') total += 0.5 * (a[j] - y[j]) ** 2;
      else if (out === 'softmax') total -= y[j] * Math.log(a[j]);
      else total -= y[j] * Math.log(a[j]) + (1 - y[j]) * Math.log(1 - a[j]);
    }
  }
  return total / labels.length;
}

function numericGradients(params: Parameters[], acts: ActivationName[], loss: LossName, data: Dataset): Float64Array[] {
  const p64 = params.map((p) => ({ W: Float64Array.from(p.W), b: Float64Array.from(p.b) }));
  const x = data.features as Float32Array;
  const h = 1e-5;
  return p64
    .flatMap((p) => [p.W, p.b])
    .map((arr) => {
      const g = new Float64Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i];
        arr[i] = keep + h;
        const up = cost(p64, acts, loss, x, data.labels, data.width);
        arr[i] = keep - h;
        const down = cost(p64, acts, loss, x, data.labels, data.width);
        arr[i] = keep;
        g[i] = (up - down) / (2 * h);
      }
      return g;
    });
}

// ‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖). Measured: ≤ 1.3e-7 on both backends (f32 network vs
// f64 differences with h = 1e-5); a sign or factor error in any of BP1–BP4 gives ≳ 1e-2.
const TOLERANCE = 1e-5;

function relativeError(analytic: Float32Array[], numeric: Float64Array[]): number {
  let diff = 0,
    na = 0,
    nn = 0;
  analytic.forEach((a, t) =>
    a.forEach((v, i) => {
      diff += (v - numeric[t][i]) ** 2;
      na += v * v;
      nn += numeric[t][i] ** 2;
    }),
  );
  return Math.sqrt(diff) / (Math.sqrt(na) + Math.sqrt(nn));
}

const HIDDEN = Object.keys(f64) as ActivationName[];
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

for (const backend of ['wasm', 'js'] as const) {
  describe(`gradient check (${backend})`, () => {
    for (const hidden of HIDDEN) {
      for (const [output, loss, units] of OUTPUTS) {
        test(`${hidden} → ${output}×${units}, ${loss}`, async () => {
          const acts: ActivationName[] = [hidden, hidden, output];
          const net = await Network.create({
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
          const data = batch(4, 6, Math.max(units, 2), 11);
          const analytic = net.gradients(data).flatMap((g) => [g.W, g.b]);
          const numeric = numericGradients(net.parameters(), acts, loss, data);
          expect(analytic.some((g) => g.some((v) => v !== 0))).toBe(true);
          expect(relativeError(analytic, numeric)).toBeLessThan(TOLERANCE);
        });
      }
    }
  });
}

test('a deliberately wrong gradient fails the check (the check can fail)', async () => {
  const net = await Network.create({
    inputs: 4,
    loss: 'mse',
    seed: 7,
    layers: [
      { units: 5, activation: 'sigmoid' },
      { units: 3, activation: 'sigmoid' },
    ],
  });
  const data = batch(4, 6, 3, 11);
  const analytic = net.gradients(data).flatMap((g) => [g.W, g.b]);
  const numeric = numericGradients(net.parameters(), ['sigmoid', 'sigmoid'], 'mse', data);
  expect(relativeError(analytic, numeric)).toBeLessThan(TOLERANCE);
  analytic[0][3] += 0.01 * Math.max(...analytic[0].map(Math.abs));
  expect(relativeError(analytic, numeric)).toBeGreaterThan(TOLERANCE);
});
