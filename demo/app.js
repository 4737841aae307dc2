// The page: settings, curves, drawing pad, gallery and explorer. All training happens in worker.js.
import { ACTIVATION_NAMES, DEFAULT_LEARNING_RATES, OPTIMIZER_NAMES, SATURATION } from '../dist/index.js';
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
const VERDICT_AFTER = 1000; // training digits seen before the drawing pad names a digit
const $ = (id) => document.getElementById(id);
const form = $('config');
const field = (name) => form.elements.namedItem(name);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (x) => `${(100 * x).toFixed(2)}%`;
const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

// What the page knows; also read by the browser tests (window.wasmlpDemo).
const state = {
  phase: 'loading', // loading | idle | training | paused | done
  epochs: [], // { epoch, loss, accuracy, valLoss, valAccuracy, samplesPerSec }
  batches: 0,
  fresh: true, // no batch trained since the last reset
  seen: 0, // training digits the current weights have learned from (epochs × rows + the epoch in progress)
  built: null, // the settings of the network the worker holds (specKey)
  prediction: null, // { digit, probs, verdict }: verdict false while the network is (nearly) untrained
  env: null,
  threads: null, // the network's { count, reason }
  layers: null, // the latest diagnosed batch's per-layer diagnostics (LayerDiagnostics[])
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
// Any form field can be preset from the query string, e.g. ?preset=textbook&rows=1000&epochs=2. A value
// the field cannot take (not one of a list's options, not a number) leaves the default, and says so.
const query = new URLSearchParams(location.search);
const notices = [];
function setFromQuery(name, value) {
  const f = field(name);
  if (!f || !('value' in f)) return notices.push(`<b>${escapeHtml(name)}</b> is not a setting of this page`);
  const before = f.value;
  f.value = value;
  if (f.value === value) return true;
  f.value = before;
  const expected =
    f instanceof HTMLSelectElement
      ? `one of ${Array.from(f.options, (o) => o.value || '(empty)').join(', ')}`
      : `a number${f.min ? ` ≥ ${f.min}` : ''}`;
  notices.push(
    `<b>${escapeHtml(name)}=${escapeHtml(value)}</b> is not valid (expected ${escapeHtml(expected)}): ` +
      `using ${escapeHtml(before || 'the default')}`,
  );
  return false;
}
if (query.has('preset') && setFromQuery('preset', query.get('preset'))) applyPreset(query.get('preset'));
for (const [k, v] of query) {
  if (k === 'preset' || !setFromQuery(k, v)) continue;
  if (k === 'optimizer' && !query.has('lr')) field('lr').value = String(DEFAULT_LEARNING_RATES[v]);
  if (k in PRESETS.modern) field('preset').value = 'custom';
}
if (notices.length) {
  $('notice').innerHTML = `From the address: ${notices.join('; ')}.`;
  $('notice').hidden = false;
}

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

function readRows() {
  const rows = Number(field('rows').value);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('Training digits: choose how many training digits to use');
  return rows;
}

/** The settings a network is built from, as one string: equal strings, the same network. */
const specKey = (net, rows) => JSON.stringify({ ...net, rows });

/** The form's network, when it differs from the one the worker holds (or cannot be read). */
function networkPending() {
  if (!state.built) return false;
  try {
    return specKey(readNetwork(), readRows()) !== state.built;
  } catch {
    return true;
  }
}

/** The form's optimizer and batch size, when they differ from those the network trains with. */
function fitPending() {
  if (!appliedFit) return false;
  try {
    return fitKey(readFit()) !== appliedFit;
  } catch {
    return false;
  }
}
const fitKey = ({ optimizer, batchSize }) => JSON.stringify({ optimizer, batchSize });
let appliedFit = null; // the optimizer and batch size the network trains with (fitKey), once trained

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
  $('stat-state').textContent = phase;
  document.body.dataset.phase = phase;
  updateControls();
}

/**
 * The Train button and the hint under it. A form whose network differs from the trained one turns
 * Train more / Resume into "Train new network" (it builds that network, then trains it): the button
 * never trains a network the form does not show. Optimizer, learning rate and batch size may change
 * during a run: the same network trains on with them from the next epoch (see worker.js).
 */
function updateControls() {
  const { phase } = state;
  const building = phase === 'loading';
  const newNetwork = !building && !state.fresh && networkPending();
  $('train').disabled = building && !state.network; // while a new network is built, Train queues its training
  $('reset').disabled = building;
  $('train').textContent =
    phase === 'training'
      ? 'Pause'
      : newNetwork
        ? 'Train new network'
        : phase === 'paused'
          ? 'Resume'
          : state.fresh || phase === 'idle' || building
            ? 'Train'
            : 'Train more';
  $('train').classList.toggle('pause', phase === 'training');
  const next = state.epochs.length + 1; // epoch 0 is the untrained network; the one in progress is next − 1
  $('pending').innerHTML = newNetwork
    ? phase === 'training'
      ? 'Network settings changed: this run goes on with the network it started with. ' +
        '<b>Pause</b>, then <b>Train new network</b> builds and trains the new one (<b>Reset</b> only builds it).'
      : 'Network settings changed: <b>Train new network</b> builds and trains it, and the curves start again ' +
        '(<b>Reset</b> only builds it).'
    : fitPending()
      ? phase === 'training' || phase === 'paused'
        ? `Training settings changed: this network trains on with them from epoch ${next}.`
        : 'Training settings changed: <b>Train more</b> trains this network on with them.'
      : '';
  $('pending').hidden = !$('pending').innerHTML;
}

form.addEventListener('change', (e) => {
  const name = e.target.name;
  if (name === 'preset') applyPreset(e.target.value);
  else if (name !== 'epochs') field('preset').value = 'custom';
  if (name === 'optimizer') field('lr').value = String(DEFAULT_LEARNING_RATES[e.target.value]);
  showError(null);
  $('notice').hidden = true;
  if (name === 'preset' || NETWORK_FIELDS.includes(name)) {
    highlightActivations();
    // Nothing trained yet, so nothing to lose: build the new network at once.
    if (state.fresh && state.phase !== 'training' && networkPending()) reset();
  }
  if (state.phase === 'training') {
    try {
      worker.postMessage({ type: 'settings', fit: readFit() });
    } catch (err) {
      showError(err.message);
    }
  }
  updateControls();
});
form.addEventListener('input', () => updateControls());
form.addEventListener('submit', (e) => e.preventDefault());

$('train').addEventListener('click', () => {
  showError(null);
  if (state.phase === 'training') return worker.postMessage({ type: 'pause' });
  try {
    readFit(); // a wrong learning rate is said before any network is rebuilt
  } catch (err) {
    return showError(err.message);
  }
  // The form's network is not the one trained so far: build it, then train it ('network', then 'state').
  if (state.phase === 'loading') trainWhenBuilt = true;
  else if (!state.fresh && networkPending()) trainWhenBuilt = reset();
  else startTraining();
});
$('reset').addEventListener('click', () => reset());
let runTarget = 0,
  trainWhenBuilt = false, // Train pressed for a network being built
  trainOnIdle = false; // ... that has been built: train it once the worker is idle

function startTraining() {
  try {
    const fit = readFit();
    const done = state.epochs.length - 1; // epoch 0 is the untrained network
    const target = state.phase === 'paused' ? Math.max(runTarget, done + 1) : done + fit.epochs;
    runTarget = target;
    lossChart.setXMax(target);
    accChart.setXMax(target);
    worker.postMessage({ type: 'train', fit });
    // A new run trains with these at once; a resumed epoch goes on as it began (the worker says when they apply).
    if (state.phase !== 'paused') appliedFit = fitKey(fit);
    if (diagnosis.kind === 'diverged') showDiagnosis(null);
    state.fresh = false;
    setPhase('training');
  } catch (err) {
    showError(err.message);
  }
}

/** Asks the worker for the form's network; false when the form cannot describe one (the error is shown). */
function reset() {
  showError(null);
  let net, trainRows;
  try {
    net = readNetwork();
    trainRows = readRows();
  } catch (err) {
    showError(err.message);
    return false;
  }
  setPhase('loading');
  $('stat-state').textContent = 'building';
  worker.postMessage({ type: 'reset', net, trainRows, key: specKey(net, trainRows) });
  return true;
}

// ---- curves -------------------------------------------------------------------------------------
const lossChart = new LineChart($('loss-chart'), {
  xLabel: 'epoch',
  yLabel: 'loss (log scale)',
  y: { log: true },
  series: [
    { key: 'smooth', label: 'batch loss (smoothed)', color: '#9bb7d9', width: 1.5 },
    { key: 'train', label: 'training loss', color: '#1f5fa8', dots: true },
    { key: 'test', label: 'validation loss', color: '#c2410c', dash: '5 3', dots: true },
  ],
});
const accChart = new LineChart($('acc-chart'), {
  xLabel: 'epoch',
  yLabel: 'accuracy',
  // Zoomed on the trained epochs, but never closer than 10 points: a run stuck at chance is not magnified into noise.
  y: { ceil: 1, floor: 0, zoomAfter: 1, minSpan: 0.1, format: (v) => `${+(v * 100).toFixed(1)}%` },
  series: [
    { key: 'train', label: 'training accuracy', color: '#1f5fa8', dots: true },
    { key: 'test', label: 'validation accuracy', color: '#c2410c', dash: '5 3', dots: true },
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
  state.seen = 0;
  showDiagnosis(null);
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

// ---- inside the layers -------------------------------------------------------------------------
/** The share of a bar's track for v on a log scale from lo to hi (0 for 0). */
const logShare = (lo, hi) => (v) => (v > 0 ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : 0);
const sci = (v) =>
  v === 0
    ? '0'
    : v >= 0.01 && v < 100
      ? String(+v.toPrecision(2))
      : v.toExponential(1).replace('e-', 'e−').replace('e+', 'e');
const share = (v) => `${(100 * v).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
const QUANTITIES = [
  { key: 'saturated', bar: (v) => v, text: share },
  { key: 'dead', bar: (v) => v, text: share },
  { key: 'gradNorm', bar: logShare(1e-5, 10), text: sci },
  { key: 'updateRatio', bar: logShare(1e-6, 1), text: sci },
];

/** One row per layer of a new network, its values still to come. */
function layerRows(layers, loss) {
  state.layers = null;
  $('layers-caption').textContent = 'Train to see how each layer learns, measured on the batches as they train.';
  $('layer-rows').replaceChildren(
    ...layers.map((l, i) => {
      const tr = document.createElement('tr');
      tr.dataset.layer = String(i + 1);
      tr.insertCell().innerHTML = `${i === layers.length - 1 ? 'output' : `layer ${i + 1}`}<span class="v">${l.units} ${escapeHtml(l.activation)}</span>`;
      for (const q of QUANTITIES) {
        const td = tr.insertCell();
        td.dataset.quantity = q.key;
        // Under cross-entropy the output's error δᴸ = a − y has no f′ factor (BP1): its saturation is harmless.
        if (q.key === 'saturated' && i === layers.length - 1 && loss === 'cross-entropy') {
          td.classList.add('harmless');
          td.title = 'with cross-entropy, δᴸ = a − y: the output layer learns however saturated it is';
        }
        td.innerHTML = '<span class="track"><span class="fill"></span></span><span class="v">–</span>';
      }
      return tr;
    }),
  );
}

/** The latest diagnosed batch: each bar to its value (dead is null for the activations that cannot die). */
function showLayers({ epoch, batch, batches, every, layers }) {
  state.layers = layers;
  $('layers-caption').textContent =
    `Epoch ${epoch}, batch ${fmtInt(batch)} of ${fmtInt(batches)} ` +
    `(${every === 1 ? 'every batch' : `one batch in ${every}`} is measured; dead counts over the epoch so far).`;
  $('layer-rows')
    .querySelectorAll('tr')
    .forEach((tr, i) => {
      for (const q of QUANTITIES) {
        const v = layers[i][q.key];
        const td = tr.querySelector(`[data-quantity="${q.key}"]`);
        td.dataset.value = v === null ? '' : String(v);
        td.classList.toggle('none', v === null);
        const w = v === null ? 0 : Math.min(1, Math.max(0, q.bar(v)));
        td.querySelector('.fill').style.width = `${(100 * w).toFixed(1)}%`;
        const note = td.classList.contains('harmless') ? ', harmless' : '';
        td.querySelector('.v').textContent = v === null ? '–' : q.text(v) + note;
      }
    });
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

/** The bars always; a verdict only once the network has learned from some digits (VERDICT_AFTER). */
function showPrediction(probs) {
  let best = 0;
  for (let d = 1; d < 10; d++) if (probs[d] > probs[best]) best = d;
  const sum = probs.reduce((s, p) => s + p, 0); // sigmoid outputs need not sum to 1: show shares
  const verdict = state.seen >= VERDICT_AFTER;
  barEls.forEach((row, d) => {
    const p = probs[d] / (sum || 1);
    row.querySelector('.fill').style.width = `${(100 * p).toFixed(1)}%`;
    row.querySelector('.p').textContent = `${Math.round(100 * p)}%`;
    row.classList.toggle('best', verdict && d === best);
  });
  $('guess').classList.toggle('untrained', !verdict);
  $('guess').innerHTML = verdict
    ? `It's a <b>${best}</b>`
    : state.seen === 0
      ? 'Untrained network: <span>train it first</span>'
      : `Barely trained (${fmtInt(state.seen)} digits): <span>no verdict yet</span>`;
  state.prediction = { digit: best, probs: Array.from(probs), verdict };
}

$('clear').addEventListener('click', () => {
  pad.clear();
  $('preview').getContext('2d').clearRect(0, 0, 28, 28);
  $('guess').textContent = '–';
  $('guess').classList.remove('untrained');
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
for (const s of document.querySelectorAll('.saturation-share')) s.textContent = `${100 * SATURATION}%`;
const highlightActivations = () => highlight([field('activation').value, field('output').value]);
highlightActivations();

// ---- what went wrong ----------------------------------------------------------------------------
let diagnosis = { kind: null };

/** The box above the curves: a diverged run (error) or one stuck at chance (warning); null hides it. */
function showDiagnosis(d) {
  diagnosis = d ?? { kind: null };
  const box = $('diagnosis');
  box.hidden = !d;
  box.className = d?.kind ?? '';
  box.innerHTML = d?.html ?? '';
}

/** The learning rate it trained with, and the optimizer's default beside it. */
const rate = (name, lr) =>
  `the learning rate (now ${lr}; ${name} starts at ${DEFAULT_LEARNING_RATES[name]} by default)`;

/** The loss became NaN or infinite: fit stopped and put back the weights of the last complete epoch. */
function diverged({ epoch, what, name, learningRate }) {
  const rows = state.network.trainRows;
  // The batches after that epoch were undone: so are their points and the digits they count.
  lossChart.set(
    'smooth',
    lossChart.data.smooth.filter((p) => p[0] <= epoch),
  );
  ema = lossChart.data.smooth.at(-1)?.[1] ?? null;
  state.seen = epoch * rows;
  $('stat-epoch').textContent = String(epoch);
  $('stat-speed').textContent = '–';
  showDiagnosis({
    kind: 'diverged',
    html:
      `<b>Training diverged</b>: ${escapeHtml(what)}. The steps were so large that the weights overflowed. ` +
      `They were put back as they were ${epoch ? `at the end of epoch ${epoch}` : 'before training (untrained)'}. ` +
      `Lower ${rate(name, learningRate)} and press <b>Train</b>, or <b>Reset</b>.`,
  });
  if (!pad.empty) requestPredict();
}

/** After an epoch: validation accuracy at chance gets its explanation from the worker's gradients; better hides it. */
function stuckAtChance({ epoch, stuck, name, learningRate }) {
  if (!stuck) return diagnosis.kind === 'stuck' && showDiagnosis(null);
  const e = state.epochs.at(-1);
  const act = escapeHtml(state.network.activation);
  const silent = stuck.layers.reduce((s, l) => s + l.silent, 0);
  const units = stuck.layers.reduce((s, l) => s + l.units, 0);
  const byLayer =
    stuck.layers.length > 1 ? ` (by layer: ${stuck.layers.map((l) => `${l.silent} of ${l.units}`).join(', ')})` : '';
  const why = !silent
    ? `Every hidden unit still passes error back, so it may yet learn: train more, or try another value of ${rate(name, learningRate)}.`
    : `<b>${fmtInt(silent)} of ${fmtInt(units)}</b> hidden units${byLayer} pass no error back (their gradients ` +
      `∂C/∂b and ∂C/∂W are exactly 0 on ${fmtInt(stuck.probe)} test digits): ` +
      (act === 'relu'
        ? 'with relu, z ≤ 0 for every input, so f′(z) = 0: the units are <b>dead</b>, and BP2 sends them no error that could revive them.'
        : `with ${act}, z sits where f′(z) is 0 in float32 for every input: the units are <b>saturated</b> and learn no more (BP2).`) +
      ` Most likely too large a step pushed them there: lower ${rate(name, learningRate)} and press <b>Reset</b>.`;
  showDiagnosis({
    kind: 'stuck',
    html:
      `<b>Stuck at chance</b>: validation accuracy ${pct(e.valAccuracy)} after epoch ${epoch}, no better than guessing ` +
      `one of ten digits. The network answers <b>${stuck.top}</b> for ${Math.round(100 * stuck.share)}% of the test digits. ${why}`,
  });
}

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
      state.built = msg.key;
      appliedFit = null;
      trainOnIdle = trainWhenBuilt;
      trainWhenBuilt = false;
      state.threads = msg.threads;
      showEnv();
      $('stat-params').textContent = `${fmtInt(msg.parameterCount)}${msg.backend === 'js' ? ' (js)' : ''}`;
      clearCurves(msg);
      layerRows(msg.layers, msg.loss);
      if (!pad.empty) requestPredict();
      break;
    case 'state':
      setPhase(msg.state);
      if (msg.state === 'idle' && trainOnIdle) {
        trainOnIdle = false;
        startTraining();
      }
      break;
    case 'batches': {
      const alpha = 1 - Math.exp(-msg.batchSize / 2000); // smooth over ~2000 samples whatever the batch size
      for (const l of msg.losses) if (Number.isFinite(l)) ema = ema === null ? l : ema + alpha * (l - ema);
      state.batches += msg.losses.length;
      state.seen = Math.round(msg.x * state.network.trainRows);
      lossChart.push('smooth', [msg.x, ema]);
      if (msg.diagnostics) showLayers(msg.diagnostics);
      $('stat-epoch').textContent = `${msg.x.toFixed(2)} / ${runTarget}`;
      $('stat-speed').textContent = fmtInt(msg.samplesPerSec);
      if (!pad.empty && performance.now() - lastPredict > 500) requestPredict();
      break;
    }
    case 'epoch':
      state.epochs.push(msg);
      state.seen = msg.epoch * state.network.trainRows;
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
    case 'fit': // a fit starts: the optimizer and batch size it trains with
      appliedFit = fitKey(msg);
      updateControls();
      break;
    case 'diagnosis':
      stuckAtChance(msg);
      break;
    case 'diverged':
      diverged(msg);
      break;
    case 'prediction':
      if (msg.id === predictId) showPrediction(msg.probs);
      break;
    case 'error':
      trainWhenBuilt = trainOnIdle = false;
      showError(msg.message);
      if (state.phase === 'loading' && !state.network) $('progress-text').textContent = 'Could not load MNIST.';
      break;
  }
};
worker.postMessage({ type: 'load', baseUrl: new URL('../mnist/', location.href).href });
setPhase('loading');
