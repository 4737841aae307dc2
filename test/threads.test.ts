// Every core, the same weights: training on 1, 2, 3, 4 or 7 threads gives exactly the bytes of the
// single-threaded build; and the threads' lifecycle (start with the first fit, end with dispose, a
// script that forgets dispose still exits, a worker that goes away makes fit reject, one fit at a time).
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { Network, type Dataset, type FitOptions, type NetworkConfig } from '../src/index.js';
import { cores } from '../src/core/core.js';
import { loadMnist } from '../src/node/mnist.js';

let train: Dataset, test_: Dataset;
beforeAll(async () => {
  ({ train, test: test_ } = await loadMnist({ limit: 3000 }));
});

const bytes = (net: Network) =>
  Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));

const CASES: { name: string; config: NetworkConfig; fit: FitOptions; rows: number }[] = [
  {
    name: '784-64-10 relu/softmax, cross-entropy, adam, batch 64',
    config: {
      inputs: 784,
      layers: [
        { units: 64, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 7,
    },
    fit: { epochs: 2, batchSize: 64, optimizer: { name: 'adam' }, validationSplit: 0.1 },
    rows: 3000,
  },
  {
    name: '784-96-32-10 tanh, sigmoid + mse, momentum (nesterov) with l2, batch 100 (a short last batch)',
    config: {
      inputs: 784,
      layers: [
        { units: 96, activation: 'tanh' },
        { units: 32, activation: 'elu' },
        { units: 10, activation: 'sigmoid' },
      ],
      loss: 'mse',
      seed: 3,
    },
    fit: { epochs: 1, batchSize: 100, optimizer: { name: 'momentum', learningRate: 0.5, nesterov: true }, l2: 1e-4 },
    rows: 2950,
  },
  {
    name: '784-200-10 softplus/softmax, sgd, batch 256',
    config: {
      inputs: 784,
      layers: [
        { units: 200, activation: 'softplus' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 11,
    },
    fit: { epochs: 1, batchSize: 256, optimizer: { name: 'sgd', learningRate: 0.3 } },
    rows: 3000,
  },
  {
    // Every record on one thread, the count and ∂C/∂W, ∂C/∂b below the first layer beside the
    // rest: the update must wait for them (a join), and the count must be there after the step.
    name: '784-8-6-10 relu/softmax, sgd, batch 10 (nothing split; records beside)',
    config: {
      inputs: 784,
      layers: [
        { units: 8, activation: 'relu' },
        { units: 6, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 5,
    },
    fit: { epochs: 2, batchSize: 10, optimizer: { name: 'sgd', learningRate: 0.2 } },
    rows: 1000,
  },
];

describe('the same weights on any number of threads', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const one = await Network.create({ ...c.config, threads: 1 });
      await one.fit(train.slice(0, c.rows), c.fit);
      expect(one.threads).toEqual({ count: 1, reason: 'threads: 1' });
      const want = bytes(one);
      const loss = one.evaluate(test_);
      for (const threads of [2, 3, 4, 7]) {
        const net = await Network.create({ ...c.config, threads });
        await net.fit(train.slice(0, c.rows), c.fit);
        expect(net.threads.count, `${threads} threads`).toBe(threads);
        expect(bytes(net).equals(want), `${threads} threads`).toBe(true);
        expect(net.evaluate(test_), `${threads} threads`).toEqual(loss);
        expect(net.history.map((e) => [e.loss, e.accuracy])).toEqual(one.history.map((e) => [e.loss, e.accuracy]));
        expect(Array.from(net.classify(test_))).toEqual(Array.from(one.classify(test_)));
        net.dispose();
      }
      one.dispose();
    });
  }
});

describe('threads: how many, and why', () => {
  test('auto is the cores available; 1 says it was asked for; the js backend has one', async () => {
    const { availableParallelism } = await import('node:os');
    const auto = await Network.create(CASES[0].config);
    expect(auto.threads.count).toBe(availableParallelism());
    expect(auto.threads.reason).toBe(
      availableParallelism() > 1 ? `auto: ${availableParallelism()} cores available` : 'one core available',
    );
    expect((await Network.create({ ...CASES[0].config, backend: 'js', threads: 4 })).threads).toEqual({
      count: 1,
      reason: 'the js backend is single-threaded',
    });
    await expect(Network.create({ ...CASES[0].config, threads: 0 })).rejects.toThrow(
      /threads must be "auto" or an integer from 1 to 64, got 0/,
    );
    await expect(Network.create({ ...CASES[0].config, threads: 'many' as never })).rejects.toThrow(
      /threads must be "auto"/,
    );
  });
});

describe('lifecycle', () => {
  const config = { ...CASES[0].config, threads: 2 };

  test('the threads start with the first fit and end with dispose', async () => {
    const net = await Network.create(config);
    expect(cores.get(net)!.pool).toBeUndefined();
    net.predict(test_); // runs on one thread until then
    await net.fit(train.slice(0, 500), { epochs: 1, batchSize: 64 });
    const pool = cores.get(net)!.pool!;
    expect(pool.size).toBe(2);
    net.dispose();
    expect(cores.get(net)).toBeUndefined();
  });

  test('a script that forgets dispose() still exits when its work is done', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { Network, Dataset } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
         const net = await Network.create({ inputs: 2, layers: [{ units: 64, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'cross-entropy', threads: 2 });
         const x = Float32Array.from({ length: 2 * 4096 }, (_, i) => Math.sin(i)), y = Uint8Array.from({ length: 4096 }, (_, i) => i & 1);
         await net.fit(Dataset.fromArrays(x, y, 2), { epochs: 1, batchSize: 1024 });
         console.log('trained on', net.threads.count, 'threads');`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('trained on 2 threads');
  });

  test('a worker that goes away mid-fit makes it reject with a clear Error, not hang', async () => {
    const net = await Network.create(config);
    const before = bytes(net);
    const err = await net
      .fit(train, {
        epochs: 1,
        batchSize: 512,
        onBatchEnd: (b) => {
          if (b.batch === 2) cores.get(net)!.pool!.kill(1);
        },
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /worker thread 1 went away \(exit code \d+\); this network's threads are stopped: dispose\(\) it and create another/,
    );
    expect(bytes(net).equals(before)).toBe(true); // and the fit changed nothing
    expect(() => net.evaluate(test_)).toThrow(/worker thread 1 went away/);
    net.dispose();
  });

  // A loss that stops a program stops it on thread 0 while workers may still spin for the next item:
  // fit rejects with the divergence every time, and never hangs.
  test('a diverging fit rejects with the divergence every time, on 2 and 3 threads, and never hangs', async () => {
    const rows = train.slice(0, 3000);
    for (const threads of [2, 3])
      for (let seed = 0; seed < 12; seed++) {
        const net = await Network.create({
          inputs: 784,
          layers: [
            { units: 64, activation: 'relu' },
            { units: 10, activation: 'identity' },
          ],
          loss: 'mse',
          threads,
          seed,
        });
        const before = bytes(net);
        const fit = net.fit(rows, { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', learningRate: 10 } });
        const outcome = await Promise.race([
          fit.then(
            () => 'trained',
            (e: Error) => e.message,
          ),
          new Promise<string>((done) => setTimeout(() => done('no answer in 20 s'), 20_000)),
        ]);
        expect(outcome, `${threads} threads, seed ${seed}`).toMatch(
          /^the loss became (NaN|Infinity) in epoch 1, batch \d+ of 47/,
        );
        expect(bytes(net).equals(before)).toBe(true); // and the weights are as before the fit
        net.dispose();
      }
  });

  test('one fit at a time', async () => {
    const net = await Network.create(config);
    const first = net.fit(train.slice(0, 1000), {
      epochs: 1,
      batchSize: 64,
      onBatchEnd: () => new Promise((r) => setTimeout(r, 1)),
    });
    await expect(net.fit(train.slice(0, 1000), { epochs: 1, batchSize: 64 })).rejects.toThrow(
      /this network is already training: another fit\(\) of it is running/,
    );
    await first;
    await net.fit(train.slice(0, 1000), { epochs: 2, initialEpoch: 1, batchSize: 64 }); // and afterwards, fine
    net.dispose();
  });
});
