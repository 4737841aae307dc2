// The training worker: owns the data and the network, so the page never freezes. Its network uses
// every core (threads: 'auto') when the page is cross-origin isolated: only a worker may wait for threads.
// One net.fit() runs the epochs; every ~100 ms its onBatchEnd returns a promise that yields to this
// worker's messages (predict, pause, settings). Pausing is that promise waiting for Resume, so a
// paused run continues exactly where it was: the same batches, in the same order, as net.fit alone.
// New optimizer settings take effect from the next epoch (fit is restarted with initialEpoch), also
// when they come with Resume. After an epoch at chance level it says why (diagnose), and a run whose
// loss became NaN or infinite is reported as 'diverged', in the library's words (epoch and batch).
// Some batches are diagnosed (fit's diagnostics option: the same weights, bit for bit); the latest
// per-layer values go to the page with the next progress message.
import { Network, loadMnist, simdSupported } from '../dist/index.js';

const SLICE_MS = 100;
const GALLERY = 40; // misclassified test digits sent per epoch
const CHANCE = 0.2; // validation accuracy below this after an epoch: no better than guessing among ten digits
const PROBE = 1000; // test digits whose gradients tell which hidden units pass no error back
// A diagnosed batch costs about a third of a batch more: one in 50 is under 1%. Shorter epochs get
// about 20 diagnosed batches each (every batch, under 40), so that the bars still follow them.
const diagnoseEvery = (batches) => Math.max(1, Math.min(50, Math.floor(batches / 20)));

let train, test; // Datasets
let net; // Network
let netInfo; // { backend, parameterCount }
let fitSettings = { optimizer: { name: 'adam', learningRate: 0.001 }, batchSize: 64, epochs: 5 };
// As `wasmlp train` does, the last sixth of the training digits chosen is held out: each epoch is
// validated on them, and the test set is kept for the gallery of mistakes.
const HOLD_OUT = 1 / 6;
let trainRows = 50000;
let trainSet, validation; // the first trainRows of the digits chosen, and the rest of them
let loop = null; // the promise of the running training loop, while there is one
let targetEpochs = 0,
  epochsDone = 0;
let paused = null; // while paused: { promise, resolve(continue: boolean) }
let stopping = false; // reset or new settings: end the current fit at the next chance
let settingsChanged = false;
let resetting = Promise.resolve(); // resets run one after another, never interleaved

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const fail = (e) => post({ type: 'error', message: e?.message ?? String(e) });

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'load') await load(msg.baseUrl);
    else if (msg.type === 'reset') {
      const run = resetting.then(() => reset(msg.net, msg.trainRows, msg.key));
      resetting = run.catch(() => {});
      await run;
    } else if (msg.type === 'settings') {
      fitSettings = msg.fit;
      settingsChanged = true;
    } else if (msg.type === 'train') start(msg.fit);
    else if (msg.type === 'pause') pause();
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

/** A new network (old one disposed); reports the untrained validation accuracy as epoch 0. */
async function reset(spec, rows, key) {
  await stop();
  net?.dispose();
  net = undefined;
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`Training digits: expected a whole number ≥ 1, got ${JSON.stringify(rows)}`);
  ({ train: trainSet, validation } = train.slice(0, Math.min(rows, train.length)).splitValidation(HOLD_OUT));
  trainRows = trainSet.length;
  const backend = simdSupported() ? 'wasm' : 'js';
  net = await Network.create({
    inputs: 784,
    layers: [
      ...spec.hidden.map((units) => ({ units, activation: spec.activation })),
      { units: 10, activation: spec.output },
    ],
    loss: spec.loss,
    init: spec.init || undefined,
    seed: spec.seed,
    backend,
    threads: 'auto', // every core this worker may use: net.threads says how many, and why
  });
  netInfo = {
    backend,
    parameterCount: net.parameterCount,
    threads: net.threads,
    activation: spec.activation,
    loss: spec.loss,
    layers: [
      ...spec.hidden.map((units) => ({ units, activation: spec.activation })),
      { units: 10, activation: spec.output },
    ],
  };
  targetEpochs = epochsDone = 0;
  const v = net.evaluate(validation);
  post({
    type: 'network',
    ...netInfo,
    key,
    rows,
    trainRows,
    validationRows: validation.length,
    valLoss: v.loss,
    valAccuracy: v.accuracy,
  });
  sendGallery();
  post({ type: 'state', state: 'idle' });
}

function start(fit) {
  if (!net) throw new Error('There is no network: correct the settings and press Reset.');
  const changed =
    JSON.stringify([fit.optimizer, fit.batchSize]) !== JSON.stringify([fitSettings.optimizer, fitSettings.batchSize]);
  fitSettings = fit;
  post({ type: 'state', state: 'training' });
  if (paused) {
    settingsChanged ||= changed; // the suspended epoch ends as it began; the next one uses them
    // Resume: the suspended fit goes on from the batch it stopped at
    paused.resolve(true);
    paused = null;
    return;
  }
  if (loop) return;
  targetEpochs = epochsDone + fit.epochs;
  loop = trainLoop().finally(() => {
    loop = null;
  });
}

/** Suspend the running fit at its next yield (within ~100 ms). */
function pause() {
  if (!loop || paused) return;
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  paused = { promise, resolve };
}

/** End the run (for Reset): a paused fit is released with "stop", a running one stops at its next batch. */
async function stop() {
  if (!loop) return;
  stopping = true;
  paused?.resolve(false);
  paused = null;
  await loop;
  stopping = false;
}

const yieldToMessages = () =>
  new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });

async function trainLoop() {
  let running = fitSettings; // the settings of the fit that runs
  try {
    while (epochsDone < targetEpochs && !stopping) {
      settingsChanged = false;
      running = fitSettings;
      const { batchSize, optimizer } = running;
      const every = diagnoseEvery(Math.ceil(trainRows / batchSize));
      post({ type: 'fit', optimizer, batchSize });
      let losses = [],
        last = performance.now(),
        speed = 0,
        diagnostics = null; // the latest diagnosed batch's, not yet posted
      await net.fit(trainSet, {
        epochs: targetEpochs,
        initialEpoch: epochsDone,
        batchSize,
        optimizer,
        validationData: validation,
        diagnostics: { every },
        onBatchEnd: (b) => {
          if (stopping) return false;
          losses.push(b.loss);
          if (b.diagnostics)
            diagnostics = {
              epoch: b.epoch,
              batch: b.batch,
              batches: b.batches,
              every,
              layers: b.diagnostics,
            };
          const t = performance.now();
          if (t - last < SLICE_MS && b.batch < b.batches) return undefined;
          speed = (losses.length * batchSize * 1000) / (t - last);
          post({
            type: 'batches',
            epoch: b.epoch,
            x: b.epoch - 1 + b.samples / trainRows,
            losses,
            batchSize,
            samplesPerSec: speed,
            diagnostics,
          });
          losses = [];
          diagnostics = null;
          return yieldToMessages().then(async () => {
            if (paused) {
              post({ type: 'state', state: 'paused', epoch: b.epoch });
              const go = await paused.promise;
              last = performance.now();
              return go && !stopping;
            }
            last = performance.now();
            return !stopping;
          });
        },
        onEpochEnd: (e) => {
          if (stopping) return false; // a Reset cut this epoch short: nothing to report
          epochsDone = e.epoch;
          post({
            type: 'epoch',
            epoch: e.epoch,
            loss: e.loss,
            accuracy: e.accuracy,
            valLoss: e.valLoss,
            valAccuracy: e.valAccuracy,
            seconds: e.seconds,
            samplesPerSec: e.samplesPerSec,
          });
          const counts = sendGallery();
          const { name, learningRate } = optimizer;
          post({
            type: 'diagnosis',
            epoch: e.epoch,
            name,
            learningRate,
            ...(e.valAccuracy < CHANCE ? diagnose(counts) : {}),
          });
          return !settingsChanged && !stopping; // new settings: restart fit with them from the next epoch
        },
      });
    }
    if (!stopping) post({ type: 'state', state: 'done', epoch: epochsDone });
  } catch (e) {
    // fit restored the weights of the last complete epoch. Its message names the epoch and batch:
    // "the loss became NaN in epoch 1, batch 15 of 157: training diverged. …".
    if (/diverged/.test(e.message)) {
      const { name, learningRate } = running.optimizer;
      post({
        type: 'diverged',
        epoch: epochsDone,
        what: e.message.split(/: training diverged/)[0],
        name,
        learningRate,
      });
    } else fail(e);
    targetEpochs = epochsDone;
    post({ type: 'state', state: epochsDone === 0 ? 'idle' : 'done', epoch: epochsDone });
  }
}

/**
 * Why the network is no better than guessing: the digit it answers most and how often, and per hidden
 * layer the units that pass no error back — their ∂C/∂b and ∂C/∂W (BP3, BP4) are exactly 0 on every
 * probe digit, so f′(z) = 0 for all of them (dead relu units, or saturated ones).
 */
function diagnose(counts) {
  let top = 0;
  for (let d = 1; d < counts.length; d++) if (counts[d] > counts[top]) top = d;
  const probe = test.slice(0, Math.min(PROBE, test.length));
  const grads = net.gradients(probe);
  const silent = grads.slice(0, -1).map(({ W, b }) => {
    const units = b.length,
      nIn = W.length / units;
    let n = 0;
    for (let j = 0; j < units; j++) {
      let zero = b[j] === 0;
      for (let k = 0; zero && k < nIn; k++) zero = W[j * nIn + k] === 0;
      if (zero) n++;
    }
    return { silent: n, units };
  });
  return { stuck: { top, share: counts[top] / test.length, layers: silent, probe: probe.length } };
}

/**
 * The first misclassified test digits (in test-set order) with the predicted label and its probability.
 * Returns how many test digits it predicted as each digit.
 */
function sendGallery() {
  const out = net.predict(test);
  const items = [],
    counts = new Array(10).fill(0);
  let wrong = 0;
  for (let i = 0; i < test.length; i++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (out[i * 10 + j] > out[i * 10 + best]) best = j;
    counts[best]++;
    if (best === test.labels[i]) continue;
    wrong++;
    if (items.length < GALLERY) {
      let sum = 0;
      for (let j = 0; j < 10; j++) sum += out[i * 10 + j];
      // Softmax outputs sum to 1; sigmoid outputs need not, so show the predicted output's share.
      items.push({
        index: i,
        label: test.labels[i],
        predicted: best,
        p: out[i * 10 + best] / sum,
        pixels: test.features.slice(i * 784, (i + 1) * 784),
      });
    }
  }
  post({ type: 'gallery', epoch: epochsDone, wrong, total: test.length, items });
  return counts;
}

function predict(id, pixels) {
  if (!net) return;
  const probs = net.predict(pixels);
  post({ type: 'prediction', id, probs }, [probs.buffer]);
}
