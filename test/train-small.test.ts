import { expect, test } from 'vitest';
import { Dataset, Network } from '../src/index.js';

function xor(n: number) {
  const x = new Float32Array(n * 2), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = i & 1, b = (i >> 1) & 1;
    x[2 * i] = a; x[2 * i + 1] = b; y[i] = a ^ b;
  }
  return Dataset.fromArrays(x, y, 2);
}

for (const backend of ['wasm', 'js'] as const) {
  test(`${backend}: 2-8-1 learns XOR`, async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'cross-entropy', seed: 3, backend });
    const data = xor(4);
    const h = await net.fit(data, { epochs: 500, batchSize: 4, optimizer: { name: 'adam', learningRate: 0.05 } });
    expect(h[h.length - 1].accuracy).toBe(1);
    const out = net.predict(data.features as Float32Array);
    expect(Array.from(out, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
}
