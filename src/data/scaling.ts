// Column scaling, fitted on a dataset's rows: per column a center and a spread, scaled = (x − center)
// / spread. Sums run in f64 in row order and use only exactly rounded operations (+ − × ÷ √), so every
// engine finds the same values; the network applies them with its `affine` kernel.
import type { ColumnScaling, Scaling, ScaleName } from '../config.js';
import type { Dataset } from './dataset.js';
import type { TableSchema } from './table.js';

/** The scaling of `data`'s feature columns and, with `targets`, of its target columns. */
export function fitScaling(method: Exclude<ScaleName, 'none'>, data: Dataset, targets: boolean): Scaling {
  const features = data.features as Float32Array;
  const name = (what: 'input' | 'target', c: number) => columnName(data.schema, what, c);
  const s: Scaling = { method, inputs: columns(method, features, data.width, (c) => name('input', c)) };
  if (targets && data.targets) s.targets = columns(method, data.targets, data.targetWidth, (c) => name('target', c));
  return s;
}

/** A column as a message names it: the table's column when the rows came from one, else its index. */
function columnName(schema: TableSchema | undefined, what: 'input' | 'target', c: number): string {
  if (what === 'target') return schema?.targets[c] !== undefined ? `target column ${schema.targets[c]}` : `target ${c}`;
  let at = 0;
  for (const f of schema?.features ?? []) {
    const n = f.kind === 'number' ? 1 : f.categories.length;
    if (c < at + n) return `column ${f.name}`;
    at += n;
  }
  return `input ${c}`;
}

function columns(
  method: Exclude<ScaleName, 'none'>,
  x: Float32Array,
  width: number,
  what: (c: number) => string,
): ColumnScaling {
  const rows = x.length / width,
    center: number[] = [],
    spread: number[] = [];
  for (let c = 0; c < width; c++) {
    let a = 0,
      b = 0;
    if (method === 'standard') {
      for (let r = 0; r < rows; r++) a += x[r * width + c];
      a /= rows;
      for (let r = 0; r < rows; r++) {
        const d = x[r * width + c] - a;
        b += d * d;
      }
      b = Math.sqrt(b / rows);
    } else {
      a = Infinity;
      let hi = -Infinity;
      for (let r = 0; r < rows; r++) {
        a = Math.min(a, x[r * width + c]);
        hi = Math.max(hi, x[r * width + c]);
      }
      b = hi - a;
    }
    // A constant column keeps its spread of 1: it becomes 0 (standard, or minmax), not NaN.
    const m = Math.fround(a),
      s = Math.fround(b) > 0 ? Math.fround(b) : 1;
    // The affine kernel's factor and shift must be finite f32 too (a spread past 3.4e38, or so small that 1/s is not).
    if (![s, Math.fround(1 / s), Math.fround(-m / s)].every(Number.isFinite)) {
      const g = (v: number) => +v.toPrecision(7); // as float32 holds it
      throw new Error(
        `cannot scale ${what(c)} (${method}): its ${method === 'minmax' ? 'range' : 'standard deviation'} is ${g(b)} (${method === 'minmax' ? `from ${g(a)} to ${g(a + b)}` : `mean ${g(a)}`}), which float32 cannot scale by (its largest value is about 3.4e38); scale that column down first, or use another scale`,
      );
    }
    center.push(m);
    spread.push(s);
  }
  return { center, spread };
}

/** The `affine` kernel's factor and shift (x·factor + shift) for a column scaling, or for its inverse. */
export function affineOf(c: ColumnScaling, inverse: boolean): { factor: Float32Array; shift: Float32Array } {
  return inverse
    ? { factor: Float32Array.from(c.spread), shift: Float32Array.from(c.center) }
    : {
        factor: Float32Array.from(c.spread, (s) => 1 / s),
        shift: Float32Array.from(c.center, (m, j) => -m / c.spread[j]),
      };
}
