// The page: settings, curves, drawing pad, gallery and explorer. All training happens in worker.js.
import { ACTIVATION_NAMES, DEFAULT_LEARNING_RATES, OPTIMIZER_NAMES } from '../dist/index.js';
import { LineChart } from './charts.js';
import { DrawPad, paintDigit } from './draw.js';
import { activationExplorer } from './explorer.js';

const PRESETS = {
  modern: {
    hidden: '128',
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    init: '',
    optimizer: 'adam',
    lr: 0.001,
    batch: 64,
  },
  textbook: {
    hidden: '30',
    activation: 'sigmoid',
    output: 'sigmoid',
    loss: 'mse',
    init: 'normal',
    optimizer: 'sgd',
    lr: 3,
    batch: 10,
  },
  'sigmoid-ce': {
    hidden: '30',
    activation: 'sigmoid',
    output: 'softmax',
    loss: 'cross-entropy',
    init: '',
    optimizer: 'sgd',
    lr: 0.5,
    batch: 10,
  },
  deep: {
    hidden: '256,128,64',
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    init: '',
    optimizer: 'adam',
    lr: 0.001,
    batch: 64,
  },
};
const NETWORK_FIELDS = ['hidden', 'activation', 'output', 'loss', 'init', 'seed', 'rows'];
const $ = (id) => document.getElementById(id);
const form = $('config');
const field = (name) => form.elements.namedItem(name);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (x) => `${(100 * x).toFixed(2)}%`;

// What the page knows; also read by the browser tests (window.wasmlpDemo).
const state = {
  phase: 'loading', // loading | idle | training | paused | done
  epochs: [], // { epoch, loss, accuracy, valLoss, valAccuracy, samplesPerSec }
  batches: 0,
  fresh: true, // no batch trained since the last reset
  prediction: null, // { digit, probs }
  env: null,
  threads: null, // the network's { count, reason }
};
window.wasmlpDemo = state;

// ---- controls ---------------------------------------------------------------------------------
for (const name of ACTIVATION_NAMES.filter((a) => a !== 'softmax')) {
  field('activation').add(new Option(name === 'step' ? 'step (not trainable)' : name, name));
}
for (const name of OPTIMIZER_NAMES)
  field('optimizer').add(new Option(name === 'momentum' ? 'momentum (Nesterov)' : name, name));

function applyPreset(name) {
  const p = PRESETS[name];
  if (!p) return;
  for (const [k, v] of Object.entries(p)) field(k).value = String(v);
}
applyPreset('modern');
// Any form field can be preset from the query string, e.g. ?preset=textbook&rows=1000&epochs=2.
const query = new URLSearchParams(location.search);
if (query.has('preset')) {
  field('preset').value = query.get('preset');
  applyPreset(query.get('preset'));
}
for (const [k, v] of query) if (k !== 'preset' && field(k)) field(k).value = v;

function readNetwork() {
  const hidden = field('hidden')
    .value.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (!hidden.length || hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 4096)) {
    throw new Error(
      'Hidden layers: give the units of each hidden layer, comma-separated (1..4096 each), e.g. 128 or 256,64',
    );
  }
  return {
    hidden,
    activation: field('activation').value,
    output: field('output').value,
    loss: field('loss').value,
    init: field('init').value,
    seed: Number(field('seed').value) >>> 0,
  };
}

function readFit() {
  const name = field('optimizer').value;
  const learningRate = Number(field('lr').value);
  const batchSize = Number(field('batch').value);
  const epochs = Number(field('epochs').value);
  if (!(learningRate > 0)) throw new Error('Learning rate: expected a number > 0');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('Batch size: expected an integer ≥ 1');
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error('Epochs per run: expected an integer ≥ 1');
  const optimizer = name === 'momentum' ? { name, learningRate, nesterov: true } : { name, learningRate };
  return { optimizer, batchSize, epochs };
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message ?? '';
}

function setPhase(phase) {
  state.phase = phase;
  const busy = phase === 'loading';
  $('train').disabled = busy;
  $('reset').disabled = busy;
  $('train').textContent =
    phase === 'training'
      ? 'Pause'
      : phase === 'paused'
        ? 'Resume'
        : state.fresh || phase === 'idle'
          ? 'Train'
          : 'Train more';
  $('train').classList.toggle('pause', phase === 'training');
  $('stat-state').textContent = phase;
  document.body.dataset.phase = phase;
}

form.addEventListener('change', (e) => {
  const name = e.target.name;
  if (name === 'preset') applyPreset(e.target.value);
  else if (name !== 'epochs') field('preset').value = 'custom';
  if (name === 'optimizer') field('lr').value = String(DEFAULT_LEARNING_RATES[e.target.value]);
  showError(null);
  if (name === 'preset' || NETWORK_FIELDS.includes(name)) {
    highlightActivations();
    if (state.fresh && state.phase !== 'training')
      reset(); // nothing to lose yet
    else $('pending').hidden = false;
  }
  if (state.phase === 'training') {
    try {
      worker.postMessage({ type: 'settings', fit: readFit() });
    } catch (err) {
      showError(err.message);
    }
  }
});
form.addEventListener('submit', (e) => e.preventDefault());

$('train').addEventListener('click', () => {
  showError(null);
  if (state.phase === 'training') return worker.postMessage({ type: 'pause' });
  try {
    const fit = readFit();
    const done = state.epochs.length - 1; // epoch 0 is the untrained network
    const target = state.phase === 'paused' ? Math.max(runTarget, done + 1) : done + fit.epochs;
    runTarget = target;
    lossChart.setXMax(target);
    accChart.setXMax(target);
    worker.postMessage({ type: 'train', fit });
    state.fresh = false;
    setPhase('training');
  } catch (err) {
    showError(err.message);
  }
});
$('reset').addEventListener('click', () => reset());
let runTarget = 0;

function reset() {
  showError(null);
  let net;
  try {
    net = readNetwork();
  } catch (err) {
    return showError(err.message);
  }
  $('pending').hidden = true;
  setPhase('loading');
  $('stat-state').textContent = 'building';
  worker.postMessage({ type: 'reset', net, trainRows: Number(field('rows').value) });
}

// ---- curves -------------------------------------------------------------------------------------
const lossChart = new LineChart($('loss-chart'), {
  xLabel: 'epoch',
  yLabel: 'loss (log scale)',
  y: { log: true },
  series: [
    { key: 'smooth', label: 'batch loss (smoothed)', color: '#9bb7d9', width: 1.5 },
    { key: 'train', label: 'training loss', color: '#1f5fa8', dots: true },
    { key: 'test', label: 'test loss', color: '#c2410c', dash: '5 3', dots: true },
  ],
});
const accChart = new LineChart($('acc-chart'), {
  xLabel: 'epoch',
  yLabel: 'accuracy',
  y: { ceil: 1, floor: 0, zoomAfter: 1, format: (v) => `${+(v * 100).toFixed(1)}%` },
  series: [
    { key: 'train', label: 'training accuracy', color: '#1f5fa8', dots: true },
    { key: 'test', label: 'test accuracy', color: '#c2410c', dash: '5 3', dots: true },
  ],
});
let ema = null;

function clearCurves(v) {
  lossChart.clear();
  accChart.clear();
  lossChart.setXMax(1);
  accChart.setXMax(1);
  ema = null;
  state.epochs = [{ epoch: 0, valLoss: v.valLoss, valAccuracy: v.valAccuracy }];
  state.batches = 0;
  lossChart.push('test', [0, v.valLoss]);
  accChart.push('test', [0, v.valAccuracy]);
  $('epoch-rows').replaceChildren(epochRow({ epoch: 0, valLoss: v.valLoss, valAccuracy: v.valAccuracy }));
  $('stat-epoch').textContent = '0';
  $('stat-acc').textContent = pct(v.valAccuracy);
  $('stat-speed').textContent = '–';
}

function epochRow(e) {
  const tr = document.createElement('tr');
  const cells = [
    e.epoch,
    e.loss?.toFixed(4),
    e.valLoss.toFixed(4),
    e.accuracy === undefined ? undefined : pct(e.accuracy),
    pct(e.valAccuracy),
    e.seconds?.toFixed(2),
    e.samplesPerSec === undefined ? undefined : fmtInt(e.samplesPerSec),
  ];
  for (const c of cells) tr.insertCell().textContent = c ?? '–';
  return tr;
}

// ---- drawing ------------------------------------------------------------------------------------
const bars = $('bars');
const barEls = Array.from({ length: 10 }, (_, d) => {
  const row = document.createElement('div');
  row.className = 'bar';
  row.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="fill"></span></span><span class="p">–</span>`;
  bars.appendChild(row);
  return row;
});
let predictId = 0,
  predictQueued = false,
  lastPredict = 0;
const pad = new DrawPad($('pad'), { onChange: () => requestPredict() });

function requestPredict() {
  if (predictQueued) return;
  predictQueued = true;
  requestAnimationFrame(() => {
    predictQueued = false;
    const x = pad.toMnist();
    if (!x) return;
    paintDigit($('preview'), x);
    lastPredict = performance.now();
    worker.postMessage({ type: 'predict', id: ++predictId, pixels: x });
  });
}

function showPrediction(probs) {
  let best = 0;
  for (let d = 1; d < 10; d++) if (probs[d] > probs[best]) best = d;
  const sum = probs.reduce((s, p) => s + p, 0); // sigmoid outputs need not sum to 1: show shares
  barEls.forEach((row, d) => {
    const p = probs[d] / (sum || 1);
    row.querySelector('.fill').style.width = `${(100 * p).toFixed(1)}%`;
    row.querySelector('.p').textContent = `${Math.round(100 * p)}%`;
    row.classList.toggle('best', d === best);
  });
  $('guess').innerHTML = `It's a <b>${best}</b>`;
  state.prediction = { digit: best, probs: Array.from(probs) };
}

$('clear').addEventListener('click', () => {
  pad.clear();
  $('preview').getContext('2d').clearRect(0, 0, 28, 28);
  $('guess').textContent = '–';
  barEls.forEach((row) => {
    row.querySelector('.fill').style.width = '0';
    row.querySelector('.p').textContent = '–';
    row.classList.remove('best');
  });
  state.prediction = null;
});

// ---- gallery ------------------------------------------------------------------------------------
function showGallery({ epoch, wrong, total, items }) {
  $('gallery-caption').textContent =
    `${fmtInt(wrong)} of ${fmtInt(total)} test digits misclassified ` +
    `(${epoch ? `after epoch ${epoch}` : 'untrained network'}). The first ${items.length}, as true → predicted (confidence):`;
  const grid = $('gallery-grid');
  grid.replaceChildren(
    ...items.map((it) => {
      const fig = document.createElement('figure');
      const c = document.createElement('canvas');
      c.width = c.height = 28;
      paintDigit(c, it.pixels);
      const cap = document.createElement('figcaption');
      cap.innerHTML = `${it.label} → <b>${it.predicted}</b> <small>${Math.round(100 * it.p)}%</small>`;
      fig.title = `test digit #${it.index}: labelled ${it.label}, predicted ${it.predicted} with output ${it.p.toFixed(3)}`;
      fig.append(c, cap);
      return fig;
    }),
  );
}

// ---- activation explorer -----------------------------------------------------------------------
const highlight = activationExplorer($('explorer-grid'));
const highlightActivations = () => highlight([field('activation').value, field('output').value]);
highlightActivations();

// ---- the worker ---------------------------------------------------------------------------------
/** The header line: kernels, the worker's threads (once a network says how many, and why) and isolation. */
function showEnv() {
  const e = state.env,
    t = state.threads;
  $('env').innerHTML = [
    e.simd
      ? 'Kernels: <b>WebAssembly SIMD</b>'
      : 'Kernels: <b>pure JavaScript</b> (this browser has no WebAssembly SIMD)',
    'training in a module <b>Web Worker</b>' +
      (t
        ? ` on <b id="threads">${t.count} thread${t.count === 1 ? '' : 's'}</b> — <span id="threads-reason">${escapeHtml(t.reason)}</span>`
        : ''),
    // (said once: when the reason for one thread is the missing isolation, it says so already)
    crossOriginIsolated
      ? 'page is <b>cross-origin isolated</b> (COOP/COEP)'
      : t?.count === 1 && /cross-origin isolated/.test(t.reason)
        ? ''
        : 'page is <b>not cross-origin isolated</b> (no COOP/COEP headers)',
  ]
    .filter(Boolean)
    .join(' · ');
}
const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onerror = (e) => showError(`The training worker failed to start: ${e.message ?? 'see the console'}`);
worker.onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'env':
      state.env = msg.env;
      showEnv();
      break;
    case 'progress': {
      const p = $('progress');
      if (msg.total) {
        p.max = msg.total;
        p.value = msg.loaded;
      } else p.removeAttribute('value');
      $('progress-text').textContent =
        `Loading MNIST: ${(msg.loaded / 1e6).toFixed(1)}${msg.total ? ` of ${(msg.total / 1e6).toFixed(1)}` : ''} MB`;
      break;
    }
    case 'loaded':
      $('loading').hidden = true;
      reset();
      break;
    case 'network':
      state.fresh = true;
      state.network = msg;
      state.threads = msg.threads;
      showEnv();
      $('stat-params').textContent = `${fmtInt(msg.parameterCount)}${msg.backend === 'js' ? ' (js)' : ''}`;
      clearCurves(msg);
      if (!pad.empty) requestPredict();
      break;
    case 'state':
      setPhase(msg.state);
      break;
    case 'batches': {
      const alpha = 1 - Math.exp(-msg.batchSize / 2000); // smooth over ~2000 samples whatever the batch size
      for (const l of msg.losses) ema = ema === null ? l : ema + alpha * (l - ema);
      state.batches += msg.losses.length;
      lossChart.push('smooth', [msg.x, ema]);
      $('stat-epoch').textContent = `${msg.x.toFixed(2)} / ${runTarget}`;
      $('stat-speed').textContent = fmtInt(msg.samplesPerSec);
      if (!pad.empty && performance.now() - lastPredict > 500) requestPredict();
      break;
    }
    case 'epoch':
      state.epochs.push(msg);
      lossChart.push('train', [msg.epoch, msg.loss]);
      lossChart.push('test', [msg.epoch, msg.valLoss]);
      accChart.push('train', [msg.epoch, msg.accuracy]);
      accChart.push('test', [msg.epoch, msg.valAccuracy]);
      $('epoch-rows').prepend(epochRow(msg));
      $('stat-epoch').textContent = `${msg.epoch} / ${runTarget}`;
      $('stat-acc').textContent = pct(msg.valAccuracy);
      $('stat-speed').textContent = fmtInt(msg.samplesPerSec);
      if (!pad.empty) requestPredict();
      break;
    case 'gallery':
      showGallery(msg);
      break;
    case 'prediction':
      if (msg.id === predictId) showPrediction(msg.probs);
      break;
    case 'error':
      showError(msg.message);
      if (state.phase === 'loading' && !state.network) $('progress-text').textContent = 'Could not load MNIST.';
      break;
  }
};
worker.postMessage({ type: 'load', baseUrl: new URL('../mnist/', location.href).href });
setPhase('loading');
