// The activation explorer: f and f' of every activation, computed by the library's own formulas
// (activationCurve), with the saturated regions — where |f'| is near 0 — shaded.
import { ACTIVATIONS, ACTIVATION_NAMES, activationCurve } from '../dist/index.js';
import { el } from './charts.js';

export const SATURATED = 0.05; // |f'| below this counts as saturated
const Z = 5,
  N = 401,
  W = 230,
  H = 150,
  YMIN = -1.5,
  YMAX = 2.5;
const m = { l: 26, r: 8, t: 22, b: 18 };

/**
 * f and f' over z ∈ [−Z, Z]. Softmax is a vector function: plot one output against its own logit
 * with the other nine at 0, which is σ(z − ln 9), and its diagonal derivative a(1 − a).
 */
function curve(name) {
  const z = new Float32Array(N);
  for (let i = 0; i < N; i++) z[i] = -Z + (2 * Z * i) / (N - 1);
  if (name !== 'softmax') return { z, ...activationCurve(name, z) };
  return {
    z,
    ...activationCurve(
      'sigmoid',
      z.map((v) => v - Math.log(9)),
    ),
  };
}

/**
 * Intervals of z where |f'| < SATURATED, as [z0, z1] pairs, on the sides where ACTIVATIONS says the
 * function saturates (leaky-relu's small constant slope on the left is not saturation: it never reaches 0).
 */
function saturated(name, { z, df }) {
  const { left, right } = ACTIVATIONS[name].saturation;
  const out = [];
  let start = null;
  for (let i = 0; i < z.length; i++) {
    const side = z[i] < 0 ? left : right;
    const sat = side !== 'none' && Math.abs(df[i]) < SATURATED;
    if (sat && start === null) start = i;
    if ((!sat || i === z.length - 1) && start !== null) {
      out.push([z[start], z[sat ? i : i - 1]]);
      start = null;
    }
  }
  return out;
}

const describe = (name) => {
  const info = ACTIVATIONS[name];
  const r = info.range
    .map((v) => (v === Infinity ? '∞' : v === -Infinity ? '−∞' : String(v).replace('-', '−')))
    .join(', ');
  const sat = info.saturation;
  const where = [sat.left !== 'none' && `left (${sat.left})`, sat.right !== 'none' && `right (${sat.right})`]
    .filter(Boolean)
    .join(', ');
  const param = info.param === undefined ? '' : ` · α = ${info.param}`;
  return `range (${r}) · saturates: ${where || 'nowhere'}${param}${info.trainable ? '' : ' · not trainable by backprop'}`;
};

/** Fills `container` with one small plot per activation; returns highlight(names) to mark the ones in use. */
export function activationExplorer(container) {
  const X = (z) => m.l + ((z + Z) / (2 * Z)) * (W - m.l - m.r);
  const Y = (y) => m.t + ((YMAX - y) / (YMAX - YMIN)) * (H - m.t - m.b);
  const figures = {};
  for (const name of ACTIVATION_NAMES) {
    const c = curve(name);
    const fig = document.createElement('figure');
    fig.className = 'act';
    fig.dataset.activation = name;
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${name}: f and f'` });
    const clip = `act-clip-${name}`;
    el('rect', { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b }, el('clipPath', { id: clip }, svg));
    for (const [z0, z1] of saturated(name, c)) {
      el(
        'rect',
        { x: X(z0), y: m.t, width: Math.max(1, X(z1) - X(z0)), height: H - m.t - m.b, class: 'saturated' },
        svg,
      );
    }
    el('line', { x1: m.l, x2: W - m.r, y1: Y(0), y2: Y(0), class: 'axis' }, svg);
    el('line', { x1: X(0), x2: X(0), y1: m.t, y2: H - m.b, class: 'axis' }, svg);
    for (const v of [-1, 1, 2]) {
      el('text', { x: m.l - 4, y: Y(v) + 3, 'text-anchor': 'end', class: 'tick-label' }, svg).textContent = String(
        v,
      ).replace('-', '−');
    }
    for (const v of [-4, 4])
      el('text', { x: X(v), y: H - 5, 'text-anchor': 'middle', class: 'tick-label' }, svg).textContent = String(
        v,
      ).replace('-', '−');
    el('text', { x: X(0) + 3, y: H - 5, class: 'tick-label' }, svg).textContent = 'z';
    const path = (ys) =>
      Array.from(ys, (y, i) => `${i ? 'L' : 'M'}${X(c.z[i]).toFixed(1)},${Y(y).toFixed(1)}`).join('');
    const curves = el('g', { 'clip-path': `url(#${clip})` }, svg);
    el('path', { d: path(c.df), class: 'df' }, curves);
    el('path', { d: path(c.f), class: 'f' }, curves);
    el('text', { x: m.l + 2, y: 14, class: 'act-name' }, svg).textContent = name;
    fig.appendChild(svg);
    const cap = document.createElement('figcaption');
    cap.textContent = describe(name);
    fig.appendChild(cap);
    container.appendChild(fig);
    figures[name] = fig;
  }
  return (names) => {
    for (const [name, fig] of Object.entries(figures)) fig.classList.toggle('in-use', names.includes(name));
  };
}
