// A small SVG line chart: axes with round ticks, a legend, one path (and optional dots) per series.
const NS = 'http://www.w3.org/2000/svg';

export function el(name, attrs = {}, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * Round values covering [lo, hi] for a log axis: 1, 2, 5 × 10ⁿ over up to four decades, powers of ten
 * beyond, and every second, third, … power when there are more than eight (a loss of 1e30 included).
 */
export function logTicks(lo, hi) {
  const e0 = Math.floor(Math.log10(lo)),
    e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const ms = decades <= 4 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 8));
  const out = [];
  for (let e = e0; e <= e1; e++) {
    if (e % every) continue;
    for (const m of ms) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(+v.toPrecision(2));
    }
  }
  return out;
}

/** A tick label: 3 significant digits, and 1e6 rather than 1000000 for large or tiny values. */
const tickText = (v) =>
  v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)
    ? v.toExponential().replace(/\.?0*e\+?/, 'e')
    : String(+v.toPrecision(3));

/**
 * series: [{ key, label, color, dash?, dots?, width? }]. y: { min?, max?, floor?, ceil?, log?, format,
 * zoomAfter?, minSpan? } — the range comes from the data where not given; with zoomAfter = x0, points
 * before x0 stop counting once later points exist (the line runs off the plot, clipped); minSpan: the
 * range is never narrower (widened about the data, within floor and ceil).
 * set(key, points [[x, y], …]); xMax sets the minimum x extent.
 */
export class LineChart {
  static count = 0;

  constructor(svg, { series, xLabel, yLabel, y = {}, width = 480, height = 220 }) {
    this.svg = svg;
    this.series = series;
    this.data = Object.fromEntries(series.map((s) => [s.key, []]));
    this.y = y;
    this.xMax = 1;
    this.w = width;
    this.h = height;
    this.m = { l: 56, r: 12, t: 28, b: 34 };
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.classList.add('chart');
    const clip = `clip-${++LineChart.count}`;
    el(
      'rect',
      {
        x: this.m.l,
        y: this.m.t - 4,
        width: width - this.m.l - this.m.r + 4,
        height: height - this.m.t - this.m.b + 8,
      },
      el('clipPath', { id: clip }, svg),
    );
    this.axes = el('g', { class: 'axes' }, svg);
    this.plot = el('g', { 'clip-path': `url(#${clip})` }, svg);
    this.paths = {};
    this.dots = {};
    for (const s of series) {
      this.paths[s.key] = el(
        'path',
        {
          fill: 'none',
          stroke: s.color,
          'stroke-width': s.width ?? 2,
          'stroke-dasharray': s.dash ?? '',
          'stroke-linejoin': 'round',
          'data-series': s.key,
        },
        this.plot,
      );
      if (s.dots) this.dots[s.key] = el('g', { fill: s.color }, this.plot);
    }
    el(
      'text',
      { x: this.m.l + (width - this.m.l - this.m.r) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-label' },
      svg,
    ).textContent = xLabel;
    el(
      'text',
      {
        x: 12,
        y: this.m.t + (height - this.m.t - this.m.b) / 2,
        transform: `rotate(-90 12 ${this.m.t + (height - this.m.t - this.m.b) / 2})`,
        'text-anchor': 'middle',
        class: 'axis-label',
      },
      svg,
    ).textContent = yLabel;
    const legend = el('g', { class: 'legend' }, svg);
    let lx = this.m.l + 8;
    for (const s of series) {
      el(
        'line',
        { x1: lx, x2: lx + 18, y1: 10, y2: 10, stroke: s.color, 'stroke-width': 2.5, 'stroke-dasharray': s.dash ?? '' },
        legend,
      );
      const t = el('text', { x: lx + 22, y: 14 }, legend);
      t.textContent = s.label;
      lx += 30 + 6.2 * s.label.length;
    }
    this.render();
  }

  set(key, points) {
    this.data[key] = points;
    this.schedule();
  }
  push(key, point) {
    this.data[key].push(point);
    this.schedule();
  }
  clear() {
    for (const k in this.data) this.data[k] = [];
    this.schedule();
  }
  setXMax(x) {
    this.xMax = x;
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const { m, w, h } = this;
    const all = Object.values(this.data)
      .flat()
      .filter((p) => Number.isFinite(p[1]) && (!this.y.log || p[1] > 0));
    const x1 = Math.max(this.xMax, ...all.map((p) => p[0]), 1);
    const z = this.y.zoomAfter;
    const zoomed = z !== undefined && all.some((p) => p[0] >= z);
    const ys = (zoomed ? all.filter((p) => p[0] >= z) : all).map((p) => p[1]);
    let y0 = this.y.min ?? (ys.length ? Math.min(...ys) : 0);
    let y1 = this.y.max ?? (ys.length ? Math.max(...ys) : 1);
    if (z !== undefined && !zoomed) {
      y0 = this.y.floor ?? y0;
      y1 = this.y.ceil ?? y1;
    } // the full range until there is something to zoom on
    let yt;
    if (this.y.log) {
      if (!ys.length) {
        y0 = 0.1;
        y1 = 1;
      }
      // Round out to tenths of a decade, and show at least half a decade.
      y0 = 10 ** (Math.floor(Math.log10(y0) * 10) / 10);
      y1 = 10 ** (Math.ceil(Math.log10(y1) * 10) / 10);
      y0 = Math.min(y0, y1 / 10 ** 0.5);
      yt = logTicks(y0, y1);
    } else {
      if (this.y.floor !== undefined) y0 = Math.max(this.y.floor, y0 - 0.05 * (y1 - y0 || 1));
      if (this.y.ceil !== undefined) y1 = Math.min(this.y.ceil, y1 + 0.05 * (y1 - y0 || 1));
      const span = this.y.minSpan ?? 0;
      if (y1 - y0 < span) {
        const lo = this.y.floor ?? -Infinity,
          hi = this.y.ceil ?? Infinity;
        const mid = (y0 + y1) / 2;
        y0 = Math.max(lo, Math.min(mid - span / 2, hi - span));
        y1 = Math.min(hi, y0 + span);
      }
      if (y1 - y0 < 1e-6) {
        y0 -= 0.5;
        y1 += 0.5;
      }
      yt = ticks(y0, y1, 4);
      y0 = Math.min(y0, yt[0]);
      y1 = Math.max(y1, yt[yt.length - 1]);
    }
    const t = this.y.log ? Math.log10 : (v) => v;
    const X = (x) => m.l + (x / x1) * (w - m.l - m.r);
    const Y = (y) => h - m.b - ((t(y) - t(y0)) / (t(y1) - t(y0))) * (h - m.t - m.b);
    this.X = X;
    this.Y = Y;
    // The y range shown, for the browser tests.
    this.svg.dataset.y0 = String(y0);
    this.svg.dataset.y1 = String(y1);
    this.svg.dataset.plot = [m.l, m.t, w - m.r, h - m.b].join(' '); // left top right bottom

    this.axes.replaceChildren();
    const fmt = this.y.format ?? tickText;
    for (const v of yt) {
      el('line', { x1: m.l, x2: w - m.r, y1: Y(v), y2: Y(v), class: 'grid' }, this.axes);
      el('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, this.axes).textContent = fmt(v);
    }
    const xt = ticks(0, x1, Math.min(8, Math.max(2, Math.ceil(x1)))).filter((v) => Number.isInteger(v) || x1 < 2);
    for (const v of xt) {
      el('line', { x1: X(v), x2: X(v), y1: h - m.b, y2: h - m.b + 4, class: 'tick' }, this.axes);
      el('text', { x: X(v), y: h - m.b + 16, 'text-anchor': 'middle' }, this.axes).textContent = String(+v.toFixed(2));
    }
    el('line', { x1: m.l, x2: w - m.r, y1: h - m.b, y2: h - m.b, class: 'axis' }, this.axes);
    el('line', { x1: m.l, x2: m.l, y1: m.t, y2: h - m.b, class: 'axis' }, this.axes);

    // A point off the y range (zoomed: before zoomAfter) sits on the plot's edge, hollow, with its value.
    const inside = (y) => Math.min(Math.max(y, y0), y1);
    for (const s of this.series) {
      const pts = this.data[s.key].filter((p) => Number.isFinite(p[1]) && (!this.y.log || p[1] > 0));
      this.paths[s.key].setAttribute(
        'd',
        pts.map((p, i) => `${i ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(inside(p[1])).toFixed(1)}`).join(''),
      );
      if (this.dots[s.key]) {
        this.dots[s.key].replaceChildren();
        for (const p of pts) {
          const cx = X(p[0]),
            cy = Y(inside(p[1]));
          if (inside(p[1]) === p[1]) {
            el('circle', { cx, cy, r: 3 }, this.dots[s.key]);
            continue;
          }
          el('circle', { cx, cy, r: 3, fill: '#fff', stroke: s.color, 'data-off-scale': p[1] }, this.dots[s.key]);
          const below = p[1] < y0;
          el('text', { x: cx + 6, y: cy + (below ? -5 : 12), class: 'off-scale' }, this.dots[s.key]).textContent =
            `${below ? '↓' : '↑'} ${fmt(p[1])}`;
        }
      }
    }
  }
}
