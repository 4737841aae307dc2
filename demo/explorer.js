// The activation explorer: f and f′ of every activation, computed by the library's own formulas
// (activationCurve), with the saturated regions shaded by the library's own definition (SATURATION:
// f′ below that fraction of its largest value, on the sides where ACTIVATIONS says f saturates) —
// the same one the per-layer diagnostics count.
import { ACTIVATIONS, ACTIVATION_NAMES, SATURATION, activationCurve } from '../dist/index.js';
import { el } from './charts.js';

const Z = 5,
  N = 401,
  W = 230,
  F_MIN = -1.5,
  F_MAX = 2.5;
// Two panels sharing the z axis: f on top, f′ below on its own scale (0 … its largest value).
const m = { l: 26, r: 8, t: 22 };
const F = { top: m.t, bottom: 112 },
  D = { top: 124, bottom: 174 },
  H = 192;

/** z over [lo, hi] in n steps. */
const grid = (lo, hi, n) => Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/**
 * f and f′ at z. Softmax is a vector function: plot one output against its own logit with the other
 * nine at 0, which is σ(z − ln 9), and its diagonal derivative a(1 − a).
 */
function curve(name, z) {
  if (name !== 'softmax') return { z, ...activationCurve(name, z) };
  return {
    z,
    ...activationCurve(
      'sigmoid',
      z.map((v) => v - Math.log(9)),
    ),
  };
}

/** The largest f′ (over a wide z range, so that softplus's 1 is reached); step's is 0. */
function peak(name) {
  return curve(name, grid(-30, 30, 2401)).df.reduce((a, b) => Math.max(a, b), 0);
}

/**
 * Intervals of z where f′ < SATURATION · max f′ (for step, whose f′ is 0 everywhere: all of it), as
 * [z0, z1] pairs, on the sides where ACTIVATIONS says f saturates.
 */
function saturated(name, { z, df }, top) {
  const { left, right } = ACTIVATIONS[name].saturation;
  const limit = SATURATION * top;
  const out = [];
  let start = null;
  for (let i = 0; i < z.length; i++) {
    const side = z[i] <= 0 ? left : right; // relu's f′(0) = 0 belongs to its left
    const sat = side !== 'none' && (df[i] < limit || limit === 0);
    if (sat && start === null) start = i;
    if ((!sat || i === z.length - 1) && start !== null) {
      out.push([z[start], z[sat ? i : i - 1]]);
      start = null;
    }
  }
  return { limit, intervals: out };
}

const KIND = {
  soft: 'f′ → 0 only in the limit',
  hard: 'f′ = 0 beyond a point',
};

/** Where and how the activation saturates, in words. */
function saturationText(name) {
  const { left, right } = ACTIVATIONS[name].saturation;
  if (name === 'leaky-relu')
    return `never saturates: its slope on the left, α = ${ACTIVATIONS[name].param}, is small but never 0`;
  if (left === 'none' && right === 'none') return 'never saturates: f′ = 1 everywhere';
  if (name === 'step') return 'hard saturation everywhere: f′ = 0 wherever it exists, so backprop cannot train it';
  if (left === right) return `${left} saturation on both sides: ${KIND[left]}`;
  const side = (s, where) => (s === 'none' ? `none on the ${where}` : `${s} on the ${where} (${KIND[s]})`);
  return `saturation: ${side(left, 'left')}, ${side(right, 'right')}`;
}

const range = (name) =>
  ACTIVATIONS[name].range
    .map((v) => (v === Infinity ? '∞' : v === -Infinity ? '−∞' : String(v).replace('-', '−')))
    .join(', ');
const minus = (v) => String(v).replace('-', '−');

/** Fills `container` with one small plot per activation; returns highlight(names) to mark the ones in use. */
export function activationExplorer(container) {
  const X = (z) => m.l + ((z + Z) / (2 * Z)) * (W - m.l - m.r);
  const panel = (p, lo, hi) => (y) => p.top + ((hi - y) / (hi - lo)) * (p.bottom - p.top);
  const figures = {};
  for (const name of ACTIVATION_NAMES) {
    const c = curve(name, grid(-Z, Z, N));
    const top = peak(name);
    const { limit, intervals } = saturated(name, c, top);
    const dMax = top || 1;
    const Yf = panel(F, F_MIN, F_MAX),
      Yd = panel(D, 0, 1.15 * dMax);
    const fig = document.createElement('figure');
    fig.className = 'act';
    fig.dataset.activation = name;
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${name}: f and f′` });
    const clips = [F, D].map((p, i) => {
      const id = `act-clip-${name}-${i}`;
      const clip = el('clipPath', { id }, svg);
      el('rect', { x: m.l, y: p.top, width: W - m.l - m.r, height: p.bottom - p.top }, clip);
      return `url(#${id})`;
    });
    for (const [i, p] of [F, D].entries()) {
      for (const [z0, z1] of intervals) {
        el(
          'rect',
          {
            x: X(z0),
            y: p.top,
            width: Math.max(1, X(z1) - X(z0)),
            height: p.bottom - p.top,
            class: 'saturated',
            'data-panel': i ? 'df' : 'f',
            'data-z0': z0,
            'data-z1': z1,
          },
          svg,
        );
      }
    }
    // Axes: f = 0 and z = 0 on top, f′ = 0 below, and the saturation threshold as a dotted line.
    el('line', { x1: m.l, x2: W - m.r, y1: Yf(0), y2: Yf(0), class: 'axis' }, svg);
    el('line', { x1: m.l, x2: W - m.r, y1: Yd(0), y2: Yd(0), class: 'axis' }, svg);
    for (const p of [F, D]) el('line', { x1: X(0), x2: X(0), y1: p.top, y2: p.bottom, class: 'axis' }, svg);
    if (limit > 0 && intervals.length)
      el('line', { x1: m.l, x2: W - m.r, y1: Yd(limit), y2: Yd(limit), class: 'threshold' }, svg);
    const label = (x, y, text, anchor = 'end') => {
      el('text', { x, y, 'text-anchor': anchor, class: 'tick-label' }, svg).textContent = text;
    };
    for (const v of [-1, 1, 2]) label(m.l - 4, Yf(v) + 3, minus(v));
    label(m.l - 4, Yd(0) + 3, '0');
    label(m.l - 4, Yd(dMax) + 3, String(+dMax.toPrecision(2)));
    for (const v of [-4, 4]) label(X(v), H - 5, minus(v), 'middle');
    label(X(0) + 3, H - 5, 'z', 'start');
    label(W - m.r, F.top - 6, 'f(z)');
    label(W - m.r, D.top - 3, 'f′(z)');
    const path = (ys, Y) =>
      Array.from(ys, (y, i) => `${i ? 'L' : 'M'}${X(c.z[i]).toFixed(1)},${Y(y).toFixed(1)}`).join('');
    el('path', { d: path(c.f, Yf), class: 'f', 'clip-path': clips[0] }, svg);
    el('path', { d: path(c.df, Yd), class: 'df', 'clip-path': clips[1] }, svg);
    el('text', { x: m.l + 2, y: 14, class: 'act-name' }, svg).textContent = name;
    fig.appendChild(svg);
    const cap = document.createElement('figcaption');
    const info = ACTIVATIONS[name];
    cap.innerHTML =
      `range (${range(name)})${info.param === undefined ? '' : ` · α = ${info.param}`}<br>` +
      `<span class="saturation">${saturationText(name)}</span>`;
    fig.appendChild(cap);
    container.appendChild(fig);
    figures[name] = fig;
  }
  return (names) => {
    for (const [name, fig] of Object.entries(figures)) fig.classList.toggle('in-use', names.includes(name));
  };
}
