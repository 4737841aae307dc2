// The parts each thread claimed (the control block's counts: net.lastEpochThreads), and
// threads: 'auto' choosing thread 0 alone when the other threads make steps slower (AutoThreads).
import { beforeAll, describe, expect, test } from 'vitest';
import { Network, type Dataset, type NetworkConfig, type ThreadCounts } from '../src/index.js';
import { cores } from '../src/core/core.js';
import { AutoThreads } from '../src/core/threads.js';
import { loadMnist } from '../src/node/mnist.js';

let train: Dataset;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 1000 }));
});

const bytes = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));

const W2: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 128, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  seed: 3,
};
// Nothing split: the records beside the others are the parts.
const TINY: NetworkConfig = {
  inputs: 784,
  layers: [
    { units: 8, activation: 'relu' },
    { units: 6, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'cross-entropy',
  seed: 5,
};

describe('parts claimed per thread', () => {
  for (const [name, config, batchSize] of [
    ['784-128-10, batch 64 (records split)', W2, 64],
    ['784-8-6-10, batch 10 (records beside)', TINY, 10],
  ] as const)
    test(`${name}: each thread's count, summing to the parts the steps gave out`, async () => {
      for (const threads of [2, 3]) {
        const net = await Network.create({ ...config, threads });
        const seen: ThreadCounts[] = [];
        const [e] = await net.fit(train, {
          epochs: 2,
          batchSize,
          onEpochEnd: () => void seen.push(net.lastEpochThreads!),
        });
        const pool = cores.get(net)!.pool!;
        expect(seen[1]).toBe(net.lastEpochThreads);
        for (const t of seen) {
          expect(t.parts).toHaveLength(threads);
          expect(t.alone, 'only auto runs steps alone').toBeUndefined();
          for (const n of t.parts) expect(Number.isInteger(n) && n >= 0).toBe(true);
        }
        expect(e).not.toHaveProperty('threads'); // never in the history: it changes run to run
        // The counts start again each epoch: the last one's sum to what its steps gave out.
        const sum = seen[1].parts.reduce((s, n) => s + n, 0);
        expect(pool.handedOut).toBeGreaterThan(0);
        expect(sum, `${threads} threads`).toBe(pool.handedOut);
        expect(pool.handedOut % Math.ceil(train.length / batchSize), 'the same parts every step').toBe(0);
        net.dispose();
      }
    });

  test('auto: the steps run alone are counted, the others claimed in parts; the same weights', async () => {
    const net = await Network.create({ ...W2, threads: 'auto' }),
      one = await Network.create({ ...W2, threads: 1 });
    await net.fit(train, { epochs: 1, batchSize: 64 });
    await one.fit(train, { epochs: 1, batchSize: 64 });
    expect(bytes(net).equals(bytes(one))).toBe(true);
    one.dispose();
    if (net.threads.count === 1) expect(net.lastEpochThreads).toBeUndefined();
    else {
      const { parts, alone } = net.lastEpochThreads!;
      expect(parts).toHaveLength(net.threads.count);
      expect(Number.isInteger(alone) && alone! >= 0 && alone! <= 16).toBe(true);
      expect(parts.reduce((s, n) => s + n, 0)).toBe(cores.get(net)!.pool!.handedOut);
    }
    net.dispose();
  });

  test('a 1-thread network logs no thread counts', async () => {
    const net = await Network.create({ ...W2, threads: 1 });
    await net.fit(train.slice(0, 200), { epochs: 1, batchSize: 64 });
    expect(net.lastEpochThreads).toBeUndefined();
    net.dispose();
  });
});

describe('AutoThreads', () => {
  /** Steps of `msAll` on every thread, `msAlone` alone; the share of the last `last` run alone. */
  function drive(auto: AutoThreads, msAll: number, msAlone: number, steps: number, last: number): number {
    let alone = 0;
    for (let s = 0; s < steps; s++) {
      auto.before();
      if (s >= steps - last && auto.alone) alone++;
      auto.after(auto.alone ? msAlone : msAll);
    }
    return alone / last;
  }

  test('keeps every thread while that is faster, with a trial alone now and then', () => {
    const auto = new AutoThreads();
    expect(drive(auto, 0.5, 0.8, 20_000, 10_000)).toBeLessThan(0.05);
    expect(auto.steps).toBeGreaterThan(0);
  });

  test('goes alone when the other threads make steps slower, and back when they no longer do', () => {
    const auto = new AutoThreads();
    expect(drive(auto, 1.2, 0.8, 20_000, 10_000)).toBeGreaterThan(0.95);
    expect(drive(auto, 0.5, 0.8, 40_000, 10_000)).toBeLessThan(0.05);
  });

  test("a new one starts from the last trial's choice (a fresh one on every thread), and checks it", () => {
    const first = new AutoThreads();
    first.before();
    expect(first.alone).toBe(false);
    drive(new AutoThreads(), 1.2, 0.8, 2_000, 1);
    expect(AutoThreads.last).toBe(true);
    const next = new AutoThreads(AutoThreads.last);
    next.before();
    expect(next.alone).toBe(true);
    expect(drive(next, 0.5, 0.8, 40_000, 10_000)).toBeLessThan(0.05);
  });
});
