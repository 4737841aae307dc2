import { Random } from '../random.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import type { TableSchema } from './table.js';

/**
 * Labelled rows in plain typed arrays: `features` is row-major, `length × width`.
 * u8 features (images) are read as value × `scale` = value / 255; f32 features as they are.
 * The targets are either `labels`, one u8 class index per row, or `targets`, a Float32Array of
 * `length × targetWidth` real values (regression) or 0/1 values (multi-label); then `labels` is empty.
 *
 * Immutable by convention: a Dataset keeps the arrays it is given (no copy), and `slice` returns
 * views into them. Do not write to `features` or `labels` after building a Dataset.
 */
export class Dataset {
  readonly features: Uint8Array | Float32Array;
  readonly labels: Uint8Array;
  readonly targets?: Float32Array;
  /** Values per row of `targets` (0 with labels). */
  readonly targetWidth: number;
  readonly width: number;
  readonly length: number;
  readonly scale: number;
  /**
   * The schema of the table the rows were read from (parseCsv), kept by slice, shuffled and
   * splitValidation. A network's first fit on such rows keeps it as `net.table`.
   */
  readonly schema?: TableSchema;
  #numClasses = -1;
  /** splitValidation's results by fraction: the same slices each time, so a network copies them once. */
  #splits = new Map<number, { train: Dataset; validation: Dataset }>();

  private constructor(
    features: Uint8Array | Float32Array,
    targets: Uint8Array | Float32Array,
    width: number,
    targetWidth = 0,
    schema?: TableSchema,
  ) {
    this.features = features;
    if (schema) this.schema = schema;
    this.width = width;
    this.length = features.length / width;
    if (targets instanceof Float32Array) {
      this.labels = new Uint8Array(0);
      this.targets = targets;
      this.targetWidth = targetWidth;
    } else {
      this.labels = targets;
      this.targetWidth = 0;
    }
    this.scale = features instanceof Uint8Array ? 1 / 255 : 1;
  }

  /** Builds a dataset from an IDX images file and an IDX labels file (raw or gzip). */
  static async fromIdx(
    imagesBytes: Uint8Array,
    labelsBytes: Uint8Array,
    names: { images?: string; labels?: string } = {},
  ): Promise<Dataset> {
    const [images, labels] = await Promise.all([
      parseIdxImages(imagesBytes, names.images ?? 'images file'),
      parseIdxLabels(labelsBytes, names.labels ?? 'labels file'),
    ]);
    if (images.count !== labels.length) {
      throw new Error(
        `${names.images ?? 'images file'} has ${images.count} images but ` +
          `${names.labels ?? 'labels file'} has ${labels.length} labels; expected one label per image`,
      );
    }
    return new Dataset(images.pixels, labels, images.rows * images.cols);
  }

  /**
   * Builds a dataset from row-major features (rows × width) and, per row, either one u8 class
   * label (a Uint8Array of rows) or real targets (a Float32Array of rows × outputs); `schema`: the
   * table the features were encoded from (see parseCsv), checked against a network when it fits them.
   */
  static fromArrays(
    features: Float32Array | Uint8Array,
    targets: Uint8Array | Float32Array,
    width: number,
    schema?: TableSchema,
  ): Dataset {
    if (!(features instanceof Float32Array || features instanceof Uint8Array)) {
      throw new Error('Dataset: features must be a Float32Array or a Uint8Array');
    }
    if (!(targets instanceof Uint8Array || targets instanceof Float32Array))
      throw new Error(
        'Dataset: targets must be a Uint8Array (class indices 0..255, one per row) or a Float32Array (rows × outputs real values)',
      );
    checkAttached(features, 'Dataset: the features array');
    checkAttached(targets, 'Dataset: the labels or targets array');
    if (!Number.isInteger(width) || width < 1) {
      throw new Error(`Dataset: width must be an integer ≥ 1 (features per row), got ${width}`);
    }
    if (features.length % width !== 0) {
      throw new Error(`Dataset: features.length ${features.length} is not a multiple of width ${width}`);
    }
    const rows = features.length / width;
    if (targets instanceof Uint8Array && targets.length !== rows) {
      throw new Error(
        `Dataset: features hold ${rows} rows of width ${width} but there are ` +
          `${targets.length} labels; expected features.length = labels.length × width = ${targets.length * width}`,
      );
    }
    if (targets instanceof Float32Array) {
      if (rows === 0 ? targets.length !== 0 : targets.length === 0 || targets.length % rows !== 0)
        throw new Error(
          `Dataset: features hold ${rows} rows of width ${width} but targets hold ${targets.length} values; expected rows × outputs values (a multiple of ${rows})`,
        );
    }
    if (schema !== undefined && (typeof schema !== 'object' || schema === null))
      throw new Error('Dataset: schema must be a table schema { features, targets, task } (see parseCsv), or none');
    checkFinite(features, targets, width, 'Dataset');
    return new Dataset(features, targets, width, targets.length / Math.max(rows, 1) || 1, schema);
  }

  /** Throws unless its arrays are as they were made: none detached since (see checkAttached), every value finite. */
  checkIntact(what: string): void {
    checkAttached(this.features, `${what}: the Dataset's features array`);
    checkAttached(this.targets ?? this.labels, `${what}: the Dataset's ${this.targets ? 'targets' : 'labels'} array`);
    checkFinite(this.features, this.targets ?? this.labels, this.width, what);
  }

  /** Rows start ≤ i < end, as a Dataset of views into this one (no copy). */
  slice(start = 0, end = this.length): Dataset {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > this.length) {
      throw new Error(`Dataset.slice(${start}, ${end}): expected integers with 0 ≤ start ≤ end ≤ ${this.length}`);
    }
    const w = this.width;
    const t = this.targets?.subarray(start * this.targetWidth, end * this.targetWidth);
    return new Dataset(
      this.features.subarray(start * w, end * w),
      t ?? this.labels.subarray(start, end),
      w,
      this.targetWidth,
      this.schema,
    );
  }

  /**
   * A copy with the rows in a seeded random order (the same order for the same seed in every
   * engine): a table sorted by class then splits into representative training and validation rows.
   */
  shuffled(seed: number): Dataset {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`Dataset.shuffled: seed must be an integer from 0 to 4294967295, got ${seed}`);
    const order = Uint32Array.from({ length: this.length }, (_, i) => i);
    new Random(seed).shuffle(order);
    const w = this.width,
      k = this.targetWidth,
      n = this.features.length,
      x = this.features instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
    const y = this.targets ? new Float32Array(this.targets.length) : new Uint8Array(this.length);
    order.forEach((from, i) => {
      x.set(this.features.subarray(from * w, (from + 1) * w), i * w);
      if (this.targets) y.set(this.targets.subarray(from * k, (from + 1) * k), i * k);
      else y[i] = this.labels[from];
    });
    return new Dataset(x, y, w, k, this.schema);
  }

  /**
   * The last `fraction` of the rows (before any shuffle) held out for validation, as Keras's
   * validation_split: `{ train, validation }`, views into this dataset. Throws when that holds out
   * no row or every row (the message starts with the fraction, for the caller to name it).
   */
  splitValidation(fraction: number): { train: Dataset; validation: Dataset } {
    let split = this.#splits.get(fraction);
    if (split) return split;
    const held = Math.round(this.length * fraction);
    if (!(held >= 1 && held < this.length)) {
      throw new Error(
        `${fraction} of ${this.length} training rows holds out ${held}; expected at least 1 and fewer than all of them`,
      );
    }
    split = { train: this.slice(0, this.length - held), validation: this.slice(this.length - held) };
    this.#splits.set(fraction, split);
    return split;
  }

  /** Largest label + 1 (0 for an empty dataset). */
  get numClasses(): number {
    if (this.#numClasses < 0) {
      let max = -1;
      for (const y of this.labels) if (y > max) max = y;
      this.#numClasses = max + 1;
    }
    return this.#numClasses;
  }

  /** A copy of row i as f32, scaled (u8 pixels become 0..1). */
  image(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new Error(`Dataset.image(${i}): expected an integer row index in 0..${this.length - 1}`);
    }
    const row = this.features.subarray(i * this.width, (i + 1) * this.width);
    const out = new Float32Array(this.width);
    // An f32 multiply by f32(scale), as a wasm kernel given `scale` as an f32 computes it (u8 × f32 is exact in f64).
    const scale = Math.fround(this.scale);
    for (let k = 0; k < this.width; k++) out[k] = row[k] * scale;
    return out;
  }
}

/** Throws, naming the first, unless every f32 feature and target is finite (`what` begins the message). */
export function checkFinite(
  features: Float32Array | Uint8Array,
  targets: Float32Array | Uint8Array,
  width: number,
  what: string,
): void {
  if (targets instanceof Float32Array) {
    const k = targets.length / Math.max(features.length / width, 1) || 1;
    const bad = targets.findIndex((t) => !Number.isFinite(t));
    if (bad >= 0)
      throw new Error(
        `${what}: targets[${bad}] (row ${Math.floor(bad / k)}, output ${bad % k}) is ${targets[bad]}; every target must be finite`,
      );
  }
  if (features instanceof Float32Array) {
    for (let i = 0; i < features.length; i++) {
      if (!Number.isFinite(features[i])) {
        throw new Error(
          `${what}: features[${i}] (row ${Math.floor(i / width)}, column ${i % width}) is ` +
            `${features[i]}; every feature must be finite`,
        );
      }
    }
  }
}

/**
 * Throws unless `a` still has its memory: a view of an ArrayBuffer transferred away (postMessage,
 * structuredClone with transfer) or of a WebAssembly memory that grew is left with none.
 */
export function checkAttached(a: ArrayBufferView | ArrayBufferLike, what: string): void {
  if (a.byteLength !== 0) return;
  try {
    new Uint8Array(ArrayBuffer.isView(a) ? a.buffer : a, 0, 0); // throws on a detached buffer (ArrayBuffer.prototype.detached is newer than Node 20)
  } catch {
    throw new Error(
      `${what}: a view of a detached ArrayBuffer, which holds nothing: its memory was transferred away (postMessage, structuredClone with transfer) or was a WebAssembly memory that grew; pass it before it is transferred, or a copy`,
    );
  }
}
