// Workloads run by the browser tests in Node and in Chromium: the same code on the same bundle
// (dist/index.js), given the library module and the data, so any difference is the engine's.

/** Training runs whose final weights must agree bit for bit across engines. */
export const DETERMINISM_CASES = [
  {
    name: '784-32-10 relu, softmax + cross-entropy, adam (he init: Box–Muller; exp in softmax; βᵗ)',
    rows: 1600,
    config: {
      inputs: 784,
      layers: [
        { units: 32, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: 7,
    },
    fit: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.001 } },
  },
  {
    name: '784-24-10 tanh, sigmoid + mse, momentum (nesterov), normal init',
    rows: 1000,
    config: {
      inputs: 784,
      layers: [
        { units: 24, activation: 'tanh' },
        { units: 10, activation: 'sigmoid' },
      ],
      loss: 'mse',
      init: 'normal',
      seed: 3,
    },
    fit: { epochs: 1, batchSize: 10, optimizer: { name: 'momentum', learningRate: 0.5, nesterov: true } },
  },
  {
    name: '784-20-16-10 elu, softplus, sigmoid + cross-entropy, sgd with l2',
    rows: 1280,
    config: {
      inputs: 784,
      layers: [
        { units: 20, activation: 'elu' },
        { units: 16, activation: 'softplus' },
        { units: 10, activation: 'sigmoid' },
      ],
      loss: 'cross-entropy',
      seed: 11,
    },
    fit: { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.5 }, l2: 0.0001 },
  },
  {
    name: '784-32-16-10 relu, sigmoid, softmax: dropout (inputs too), cosine schedule, weight decay, max-norm, network2 init',
    rows: 1200,
    config: {
      inputs: 784,
      layers: [
        { units: 32, activation: 'relu', dropout: 0.5 },
        { units: 16, activation: 'sigmoid', dropout: 0.2 },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      init: 'network2',
      inputDropout: 0.2,
      seed: 13,
    },
    fit: {
      epochs: 3,
      batchSize: 40,
      optimizer: { name: 'adam', learningRate: 0.002 },
      schedule: { name: 'cosine', warmup: 1 },
      weightDecay: 0.01,
      maxNorm: 2,
    },
  },
];

/** FNV-1a (32-bit) over the bytes of every W and b, little-endian, in layer order. */
export function hashParameters(params) {
  let h = 0x811c9dc5,
    words = 0;
  for (const { W, b } of params) {
    for (const a of [W, b]) {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
      words += a.length;
    }
  }
  return { hash: (h >>> 0).toString(16).padStart(8, '0'), words };
}

/** Trains one DETERMINISM_CASES entry on the first `rows` training digits; the hash of the final weights. */
export async function determinismRun(lib, train, c) {
  const net = await lib.Network.create(c.config);
  const history = await net.fit(train.slice(0, c.rows), c.fit);
  const result = { ...hashParameters(net.parameters()), loss: history[history.length - 1].loss };
  net.dispose();
  return result;
}

/** A small network on an MNIST subset: the test accuracy the browser test states. */
export const SMALL = {
  rows: 10000,
  config: {
    inputs: 784,
    layers: [
      { units: 64, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    seed: 1,
  },
  fit: { epochs: 3, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.001 } },
};

export async function smallRun(lib, train, test) {
  const net = await lib.Network.create(SMALL.config);
  const history = await net.fit(train.slice(0, SMALL.rows), { ...SMALL.fit, validationData: test });
  const result = { history, ...net.evaluate(test), parameters: net.parameterCount };
  net.dispose();
  return result;
}

/** W2 of the bench suite: 784-128-10 relu + softmax, cross-entropy, sgd 0.1, batch 64, one epoch. */
export const W2 = {
  config: {
    inputs: 784,
    layers: [
      { units: 128, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    seed: 1,
  },
  fit: { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.1 } },
};

export async function w2Run(lib, train, test) {
  const net = await lib.Network.create(W2.config);
  const [epoch] = await net.fit(train, W2.fit);
  const result = { samplesPerSec: epoch.samplesPerSec, seconds: epoch.seconds, accuracy: net.evaluate(test).accuracy };
  net.dispose();
  return result;
}

/** In the browser: MNIST from the test server, once per page. */
export async function mnist(lib) {
  globalThis.__mnist ??= lib.loadMnist({ baseUrl: '/mnist/' });
  return globalThis.__mnist;
}

/** The threaded runs: a small network that every thread count must train to the same bits. */
export const THREADS_CASE = {
  name: '784-32-10 relu, softmax + cross-entropy, adam, batch 50',
  rows: 600,
  config: {
    inputs: 784,
    layers: [
      { units: 32, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'cross-entropy',
    seed: 5,
  },
  fit: { epochs: 2, batchSize: 50, optimizer: { name: 'adam', learningRate: 0.001 } },
};

/** Trains `c` on `threads` ('auto' or a count): the hash of the final weights and the threads used, with their reason. */
export async function threadedRun(lib, train, c, threads) {
  const net = await lib.Network.create({ ...c.config, threads });
  const history = await net.fit(train.slice(0, c.rows), c.fit);
  const result = { ...hashParameters(net.parameters()), loss: history[history.length - 1].loss, threads: net.threads };
  net.dispose();
  return result;
}

/** In a page: inWorker on each of `threads` in turn, and what the page is (isolated, the cores it reports). */
export async function inWorkerAll(c, threads) {
  const out = [];
  for (const t of threads) out.push(await inWorker(c, t));
  return { out, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
}

/** In a page: runs threadedRun in a module Web Worker (threads-worker.js), the one place a page can block on threads. */
export function inWorker(c, threads) {
  globalThis.__threadsWorker ??= new Worker('/test/threads-worker.js', { type: 'module' });
  const w = globalThis.__threadsWorker;
  const id = (globalThis.__threadsId = (globalThis.__threadsId ?? 0) + 1);
  return new Promise((resolve, reject) => {
    const onMessage = ({ data }) => {
      if (data.id !== id) return;
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
      if (data.error) reject(new Error(data.error));
      else resolve(data.result);
    };
    const onError = (e) => {
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
      reject(new Error(`the test worker failed: ${e.message ?? 'an error in the worker'}`));
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage({ id, c, threads });
  });
}
