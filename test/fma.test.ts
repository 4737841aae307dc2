// FMA is opt-in: fma: true uses relaxed-SIMD multiply-adds in the GEMMs where the engine validates
// relaxed SIMD, and otherwise runs the strict build and says why. Its weights differ from the strict
// build's (one rounding per multiply-add instead of two) but stay deterministic for a seed and the
// same on any thread count, since the splitting never changes the order of a sum. Node 20 runs
// relaxed SIMD only behind a flag: the FMA runs happen in a child process that has it.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { Network, type Dataset, type NetworkConfig } from '../src/index.js';
import { fmaUnavailable } from '../src/wasm.js';
import { loadMnist } from '../src/node/mnist.js';

const CONFIG: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 40, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  seed: 5,
};
const FIT = { epochs: 1, batchSize: 50, optimizer: { name: 'momentum' as const, learningRate: 0.05 } };
const ROWS = 2000;

let train: Dataset;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: ROWS }));
});

const bytes = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));

describe('fma: true', () => {
  test('is off by default, and where relaxed SIMD is missing it runs the strict build and says why', async () => {
    const strict = await Network.create({ ...CONFIG, threads: 1 });
    expect(strict.fma).toEqual({ used: false, reason: 'fma: false (strict SIMD: the same bits in every engine)' });
    const asked = await Network.create({ ...CONFIG, threads: 1, fma: true });
    const why = fmaUnavailable();
    if (why !== undefined) {
      // Node 20 without --experimental-wasm-relaxed-simd: the strict build, and the same weights.
      expect(asked.fma).toEqual({ used: false, reason: why });
      await strict.fit(train, FIT);
      await asked.fit(train, FIT);
      expect(bytes(asked).equals(bytes(strict))).toBe(true);
    } else {
      expect(asked.fma).toEqual({ used: true, reason: 'fma: true (relaxed-SIMD multiply-adds in the GEMMs)' });
    }
    await expect(Network.create({ ...CONFIG, fma: 'yes' as never })).rejects.toThrow(
      /fma must be true or false, got "yes"/,
    );
    strict.dispose();
    asked.dispose();
  });

  test('where relaxed SIMD runs: other weights than strict, but the same for a seed on 1, 2 and 3 threads', () => {
    // A child with relaxed SIMD: on by default from Node 22 (which no longer knows the flag), behind it before.
    const script = `
      const { Network } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const { loadMnist } = await import(${JSON.stringify(new URL('../dist/node/index.js', import.meta.url).href)});
      const { train, test } = await loadMnist({ limit: ${ROWS} });
      const config = ${JSON.stringify(CONFIG)}, fit = ${JSON.stringify(FIT)};
      const run = async (threads, fma) => {
        const net = await Network.create({ ...config, threads, fma });
        await net.fit(train, fit);
        const w = net.parameters().flatMap((p) => [...p.W, ...p.b]);
        const r = { used: net.fma.used, w, accuracy: net.evaluate(test.slice(0, 2000)).accuracy };
        net.dispose();
        return r;
      };
      const strict = await run(1, false);
      const fma = [await run(1, true), await run(2, true), await run(3, true)];
      const same = fma.every((r) => r.w.every((x, i) => Object.is(x, fma[0].w[i])));
      let maxDiff = 0, differ = 0;
      strict.w.forEach((x, i) => { const d = Math.abs(x - fma[0].w[i]); if (d > 0) differ++; maxDiff = Math.max(maxDiff, d); });
      console.log(JSON.stringify({ used: fma.map((r) => r.used), same, differ, n: strict.w.length, maxDiff,
        accuracy: [strict.accuracy, fma[0].accuracy] }));`;
    const r = spawnSync(
      process.execPath,
      [
        ...(Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : []),
        '--input-type=module',
        '-e',
        script,
      ],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.used).toEqual([true, true, true]);
    expect(out.same).toBe(true); // deterministic across thread counts
    // Fused rounding changes the last bits of sums (on every x64 CPU with FMA3: all since 2013–2015),
    // and training carries the change into most weights; it stays a rounding-size change.
    expect(out.differ).toBeGreaterThan(out.n / 10);
    expect(out.maxDiff).toBeLessThan(1e-2);
    expect(Math.abs(out.accuracy[1] - out.accuracy[0])).toBeLessThan(0.02);
  });
});
