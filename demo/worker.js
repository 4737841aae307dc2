// The training worker: owns the data and the network, so the page never freezes.
// fit() runs its mini-batches synchronously, so the worker trains in slices of ~100 ms (a
// `fit` over the next rows of this epoch's shuffled order, stopped by onBatchEnd) and reads its
// messages (pause, predict, settings) between slices. Slices cut the epoch at batch boundaries,
// so the sequence of mini-batches is exactly that of one ordinary epoch.
import { Dataset, Network, loadMnist, simdSupported } from '../dist/index.js';

const SLICE_MS = 100;
const GALLERY = 40; // misclassified test digits sent per epoch

let train, test; // Datasets
let net; // Network
let netInfo; // { backend, parameterCount }
let fitSettings = { optimizer: { name: 'adam', learningRate: 0.001 }, batchSize: 64, epochs: 5 };
let trainRows = 60000;
let seed = 1;
let running = false;
let loop = null; // the promise of the running training loop
let targetEpochs = 0;
// Position in the current epoch.
let epoch = 0, pos = 0, order = null, epochCost = 0, epochCorrect = 0, epochSeen = 0, epochSeconds = 0;
let sliceRows = 1024;

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const fail = (e) => post({ type: 'error', message: e?.message ?? String(e) });

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'load') await load(msg.baseUrl);
    else if (msg.type === 'reset') await reset(msg.net, msg.trainRows);
    else if (msg.type === 'settings') fitSettings = msg.fit;
    else if (msg.type === 'train') start(msg.fit);
    else if (msg.type === 'pause') await pause();
    else if (msg.type === 'predict') predict(msg.id, msg.pixels);
  } catch (e) {
    fail(e);
    if (msg.type === 'reset' || msg.type === 'train') post({ type: 'state', state: 'idle' });
  }
};

async function load(baseUrl) {
  const env = {
    simd: simdSupported(),
    crossOriginIsolated: self.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    cores: navigator.hardwareConcurrency ?? null,
  };
  post({ type: 'env', env });
  let lastPost = 0;
  ({ train, test } = await loadMnist({
    baseUrl,
    onProgress: (p) => {
      const t = performance.now();
      if (t - lastPost > 50 || p.loaded === p.total) {
        lastPost = t;
        post({ type: 'progress', loaded: p.loaded, total: p.total });
      }
    },
  }));
  post({ type: 'loaded', train: train.length, test: test.length });
}

/** A new network (old one disposed); reports the untrained test accuracy as epoch 0. */
async function reset(spec, rows) {
  await pause();
  net?.dispose();
  net = undefined;
  trainRows = Math.min(rows, train.length);
  seed = spec.seed;
  const backend = simdSupported() ? 'wasm' : 'js';
  net = await Network.create({
    inputs: 784,
    layers: [...spec.hidden.map((units) => ({ units, activation: spec.activation })), { units: 10, activation: spec.output }],
    loss: spec.loss,
    init: spec.init || undefined,
    seed: spec.seed,
    backend,
  });
  netInfo = { backend, parameterCount: net.parameterCount };
  epoch = 0; pos = 0; order = null; targetEpochs = 0; sliceRows = 1024;
  const v = net.evaluate(test);
  post({ type: 'network', ...netInfo, trainRows, valLoss: v.loss, valAccuracy: v.accuracy });
  sendGallery();
  post({ type: 'state', state: 'idle' });
}

function start(fit) {
  if (running) return;
  if (!net) throw new Error('There is no network: correct the settings and press Reset.');
  fitSettings = fit;
  // Resume the run that a pause cut short; otherwise train fit.epochs more.
  const completed = pos > 0 ? epoch - 1 : epoch;
  if (completed >= targetEpochs) targetEpochs = completed + fit.epochs;
  running = true;
  post({ type: 'state', state: 'training' });
  loop = trainLoop().catch((e) => {
    running = false;
    if (pos === 0 && epochSeen === 0) epoch--; // the epoch never started
    // fit restored the weights it had at the start of the failed slice; say so in the page's terms.
    const diverged = /diverged/.test(e.message);
    fail(diverged
      ? new Error(`Training diverged in epoch ${epoch + (pos === 0 ? 1 : 0)}: the loss or the weights became NaN or infinite. ` +
        `The weights were put back as they were a moment before (at most the last ~0.1 s of training is undone). ` +
        `Lower the learning rate (now ${fitSettings.optimizer.learningRate}) and Resume, or Reset.`)
      : e);
    post({ type: 'state', state: epoch === 0 && pos === 0 ? 'idle' : 'paused' });
  });
}

async function pause() {
  if (!running) return;
  running = false;
  await loop;
}

/** Fisher–Yates with a seeded xorshift32: a new order of the training rows each epoch. */
function shuffled(n, s) {
  const o = new Uint32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  s = (s >>> 0) || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    const t = o[i]; o[i] = o[j]; o[j] = t;
  }
  return o;
}

/** Rows order[from, to) of the training set as a new Dataset (pixels stay u8). */
function rowsOf(from, to) {
  const n = to - from, w = train.width;
  const pixels = new Uint8Array(n * w), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = order[from + i];
    pixels.set(train.features.subarray(r * w, (r + 1) * w), i * w);
    labels[i] = train.labels[r];
  }
  return Dataset.fromArrays(pixels, labels, w);
}

const yieldToMessages = () => new Promise((resolve) => {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => { port1.close(); resolve(); };
  port2.postMessage(null);
});

async function trainLoop() {
  while (running) {
    if (pos === 0) {
      if (epoch >= targetEpochs) break;
      epoch++;
      order = shuffled(trainRows, seed * 0x9e3779b1 + epoch);
      epochCost = epochCorrect = epochSeen = epochSeconds = 0;
    }
    const { batchSize, optimizer } = fitSettings;
    const rows = Math.min(trainRows - pos, Math.max(batchSize, Math.round(sliceRows / batchSize) * batchSize));
    const t0 = performance.now();
    const chunk = rowsOf(pos, pos + rows);
    const losses = [];
    let seen = 0;
    const [log] = await net.fit(chunk, {
      epochs: 1, batchSize, optimizer, shuffle: false,
      onBatchEnd: (b) => {
        losses.push(b.loss);
        seen = b.samples;
        if (performance.now() - t0 > SLICE_MS) return false;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    // Aim the next slice at SLICE_MS from this one's throughput.
    const perSec = seen / seconds;
    sliceRows = Math.max(batchSize, Math.min(20000, perSec * SLICE_MS / 1000));
    epochCost += log.loss * seen;
    epochCorrect += log.accuracy * seen;
    epochSeen += seen;
    epochSeconds += seconds;
    pos += seen;
    post({ type: 'batches', epoch, x: epoch - 1 + pos / trainRows, losses, batchSize, samplesPerSec: perSec });
    if (pos >= trainRows) {
      pos = 0;
      endEpoch();
    }
    await yieldToMessages();
  }
  running = false;
  post({ type: 'state', state: pos === 0 && epoch >= targetEpochs ? 'done' : 'paused', epoch });
}

function endEpoch() {
  const v = net.evaluate(test);
  post({
    type: 'epoch', epoch,
    loss: epochCost / epochSeen, accuracy: epochCorrect / epochSeen,
    valLoss: v.loss, valAccuracy: v.accuracy,
    seconds: epochSeconds, samplesPerSec: epochSeen / epochSeconds,
  });
  sendGallery();
}

/** The first misclassified test digits (in test-set order) with the predicted label and its probability. */
function sendGallery() {
  const out = net.predict(test);
  const items = [];
  let wrong = 0;
  for (let i = 0; i < test.length; i++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (out[i * 10 + j] > out[i * 10 + best]) best = j;
    if (best === test.labels[i]) continue;
    wrong++;
    if (items.length < GALLERY) {
      let sum = 0;
      for (let j = 0; j < 10; j++) sum += out[i * 10 + j];
      // Softmax outputs sum to 1; sigmoid outputs need not, so show the predicted output's share.
      items.push({ index: i, label: test.labels[i], predicted: best, p: out[i * 10 + best] / sum, pixels: test.features.slice(i * 784, (i + 1) * 784) });
    }
  }
  post({ type: 'gallery', epoch, wrong, total: test.length, items });
}

function predict(id, pixels) {
  if (!net) return;
  const probs = net.predict(pixels);
  post({ type: 'prediction', id, probs }, [probs.buffer]);
}
