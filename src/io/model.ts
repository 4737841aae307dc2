// The model file: a versioned binary container for a network's config, parameters and history
// (and, in a checkpoint, the optimizer and shuffle state that let training resume exactly).
// Plain bytes in, plain bytes out: no node: modules, nothing from the file is ever executed, and
// every size is checked against the header and the file length before anything is allocated.
// The writer runs the reader's checks on what it writes: a file that saves also loads.
//
// Format version 1 (version 2 is the same plus `progress` in the header: a checkpoint taken in
// the middle of an epoch), little-endian throughout:
//
//   offset  bytes  field
//        0      8  magic 89 57 4D 4C 50 0D 0A 1A ("\x89WMLP\r\n\x1a", as PNG: text-mode copies mangle it)
//        8      4  u32 format version
//       12      4  u32 H: bytes of the JSON header
//       16      8  u64 P: bytes of the payload (4 × the number of f32 values)
//       24      4  u32 CRC-32 of bytes 0..23 (a damaged size field reads as corruption, not as truncation)
//       28      H  JSON header, UTF-8 (ModelHeader)
//   28 + H    pad  zeros up to D, the next multiple of 8
//        D      P  payload: the header's sections in order, f32 little-endian
//    D + P      4  u32 CRC-32 of bytes 0..D+P−1
import {
  DIAGNOSTIC_NAMES,
  MAX_LAYERS,
  MAX_NESTING,
  nestingDepth,
  parameterCount,
  typeName,
  validateConfig,
  validateFitSettings,
  type EpochProgress,
  type FitSettings,
  type History,
  type InitName,
  type LayerSpec,
  type LossName,
  type ScaleName,
  type Scaling,
  validateScaling,
} from '../config.js';
import { checkTableFor } from '../data/rows.js';
import type { TableSchema } from '../data/table.js';
import { crc32 } from './crc32.js';
import { VERSION } from './version.js';

export const MODEL_FORMAT_VERSION = 2;
export const MODEL_MAGIC = Uint8Array.of(0x89, 0x57, 0x4d, 0x4c, 0x50, 0x0d, 0x0a, 0x1a);
/** Bytes of the fixed header (magic, version, sizes, their CRC). */
export const MODEL_PREAMBLE = 28;
/** Limits that keep a hostile or damaged file from asking for absurd amounts of memory. */
export const MODEL_LIMITS = {
  headerBytes: 16 * 2 ** 20,
  /**
   * Values per section: 2^27 f32 = 512 MiB. A network with that many parameters and Adam's
   * state fills a 4 GiB WebAssembly memory, and a checkpoint of it (3 sections) stays under the
   * 2 GiB a file can be read at once.
   */
  sectionValues: 2 ** 27,
  sections: 3,
  layers: MAX_LAYERS,
  /** How deep arrays and objects may nest in the header (meta included). */
  depth: MAX_NESTING,
};
/** The largest file the limits allow. */
export const MODEL_MAX_BYTES =
  MODEL_PREAMBLE + MODEL_LIMITS.headerBytes + 8 + 4 * MODEL_LIMITS.sectionValues * MODEL_LIMITS.sections + 4;

export type ModelErrorCode = 'truncated' | 'corrupted' | 'wrong-magic' | 'newer-version' | 'oversized' | 'invalid';

/** A model file that cannot be loaded; `code` says which way it is bad. */
export class ModelFileError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export type SectionName = 'parameters' | 'optimizer.m' | 'optimizer.v';

/** The sections a file holds, by kind and optimizer: nothing else, in this order. */
const SECTIONS = {
  model: ['parameters'],
  sgd: ['parameters'],
  momentum: ['parameters', 'optimizer.v'],
  adam: ['parameters', 'optimizer.m', 'optimizer.v'],
} as const;

export interface ModelHeader {
  /** "wasmlp <version>" of the library that wrote the file. */
  library: string;
  /** A checkpoint also holds the optimizer state: a run resumed from it continues exactly. */
  kind: 'model' | 'checkpoint';
  network: {
    inputs: number;
    layers: LayerSpec[];
    loss: LossName;
    init?: InitName;
    seed: number;
    scale?: ScaleName;
    classes?: string[];
    inputDropout?: number;
  };
  /** The scaling the network's first fit found in its training rows (with network.scale ≠ "none"). */
  scaling?: Scaling;
  /** The table the network was trained on (Network.table): its columns, targets, task and classes. */
  table?: TableSchema;
  /** How the parameters section is laid out (for readers in other languages). */
  layout: string;
  sections: { name: SectionName; count: number }[];
  /** The settings of the last fit() (absent for a network that was never trained). */
  fit?: FitSettings;
  /** Checkpoints: optimizer steps taken and Adam's running products β₁ᵗ, β₂ᵗ (1 for other optimizers). */
  optimizerState?: { steps: number; beta1Power: number; beta2Power: number };
  /** Checkpoints taken in the middle of an epoch (format version 2): where it stopped. */
  progress?: EpochProgress;
  /** The shuffle generator's state (4 u32 words) after the last epoch. */
  random: number[];
  /** Every epoch this network has trained, in order. */
  history: History;
  /** Anything the writer wanted to keep (the CLI stores its data source and flags here). */
  meta?: Record<string, unknown>;
}

export interface ModelContents {
  version: number;
  header: ModelHeader;
  /** The payload sections by name, copied out of the file. */
  sections: Partial<Record<SectionName, Float32Array>>;
}

/** What the fixed header says, every size checked: where the JSON header and the payload are. */
export interface ModelPreamble {
  version: number;
  headerBytes: number;
  payloadBytes: number;
  /** Offset of the payload, and the file's whole length (payload + its trailing CRC). */
  data: number;
  total: number;
}

export const PARAMETER_LAYOUT = 'per layer in order: W (units × inputs, row-major: row j = neuron j), then b (units)';

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const align8 = (n: number) => Math.ceil(n / 8) * 8;
const hex = (x: number) => `0x${x.toString(16).padStart(8, '0')}`;

/**
 * The file's bytes for a header (its `sections` are filled in from `sections`) and payload
 * sections. Throws (a plain Error, before any byte is written) when the reader would refuse them.
 */
export function encodeModel(
  header: Omit<ModelHeader, 'sections'>,
  sections: [SectionName, Float32Array][],
): Uint8Array {
  const full: ModelHeader = { ...header, sections: sections.map(([name, a]) => ({ name, count: a.length })) };
  // A fixed key order keeps the JSON readable with `head -c`.
  const ordered = Object.fromEntries(
    [
      'library',
      'kind',
      'network',
      'scaling',
      'table',
      'layout',
      'sections',
      'fit',
      'optimizerState',
      'progress',
      'random',
      'history',
      'meta',
    ]
      .filter((k) => full[k as keyof ModelHeader] !== undefined)
      .map((k) => [k, full[k as keyof ModelHeader]]),
  );
  const refuse = (why: string): never => {
    throw new Error(`the model file would not load, so it is not written: ${why}`);
  };
  if (depthOf(ordered) > MODEL_LIMITS.depth)
    refuse(`arrays and objects nest more than ${MODEL_LIMITS.depth} deep, or refer to themselves (in meta?)`);
  let text = '';
  try {
    text = JSON.stringify(ordered);
  } catch (e) {
    refuse(`its header is not JSON (${(e as Error).message}); meta must hold plain JSON values: no BigInt, no cycles`);
  }
  const version = full.progress ? 2 : 1;
  try {
    checkHeader(JSON.parse(text), version);
  } catch (e) {
    refuse((e as Error).message);
  }
  const json = new TextEncoder().encode(text);
  if (json.length > MODEL_LIMITS.headerBytes)
    refuse(
      `its JSON header is ${json.length} bytes, over the ${MODEL_LIMITS.headerBytes}-byte limit (is meta that large?)`,
    );
  for (const [name, a] of sections) {
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) refuse(`${name}[${bad}] is ${a[bad]}; every value must be finite`);
  }
  const payloadBytes = 4 * sections.reduce((s, [, a]) => s + a.length, 0);
  const data = align8(MODEL_PREAMBLE + json.length);
  const bytes = new Uint8Array(data + payloadBytes + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MODEL_MAGIC, 0);
  view.setUint32(8, version, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(payloadBytes), true);
  view.setUint32(24, crc32(bytes.subarray(0, 24)), true);
  bytes.set(json, MODEL_PREAMBLE);
  let at = data;
  for (const [, a] of sections) {
    if (littleEndian) bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    else for (let i = 0; i < a.length; i++) view.setFloat32(at + 4 * i, a[i], true);
    at += a.byteLength;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/** The containers that share this layout: a network's model file, and an ensemble's (src/io/ensemble.ts). */
export interface Container {
  what: 'model' | 'ensemble';
  magic: Uint8Array;
  version: number;
  /** What to read the file with, for a reader that meets the other container. */
  reader: string;
}
export const MODEL_CONTAINER: Container = {
  what: 'model',
  magic: MODEL_MAGIC,
  version: MODEL_FORMAT_VERSION,
  reader: 'Network.fromBytes',
};
/** "\x89WMLE\r\n\x1a": E for ensemble. */
export const ENSEMBLE_CONTAINER: Container = {
  what: 'ensemble',
  magic: Uint8Array.of(0x89, 0x57, 0x4d, 0x4c, 0x45, 0x0d, 0x0a, 0x1a),
  version: 1,
  reader: 'Ensemble.fromBytes',
};

/**
 * Check a file's fixed header (its first bytes, at least MODEL_PREAMBLE of them if the file has
 * them) against the limits and the file's length `size`: what a reader checks before reading the
 * rest. Throws a ModelFileError saying what is wrong. `format` is the container expected.
 */
export function readModelPreamble(
  head: Uint8Array,
  size: number,
  name = 'the model file',
  format: Container = MODEL_CONTAINER,
): ModelPreamble {
  const fail = (code: ModelErrorCode, what: string): never => {
    throw new ModelFileError(code, `${name} ${what}`);
  };
  const what = format.what;
  if (size === 0) fail('truncated', `is empty (0 bytes); expected a wasmlp ${what} file`);
  const magic = head.subarray(0, Math.min(size, MODEL_MAGIC.length));
  const other = format === MODEL_CONTAINER ? ENSEMBLE_CONTAINER : MODEL_CONTAINER;
  if (magic.length === 8 && magic.every((b, i) => b === other.magic[i]))
    fail(
      'wrong-magic',
      other.what === 'ensemble'
        ? `is an ensemble of networks (a wasmlp ensemble file), not one network: read it with ${other.reader}`
        : `is one network's model file, not an ensemble: read it with ${other.reader}`,
    );
  if (magic.some((b, i) => b !== format.magic[i])) {
    const shown = Array.from(magic, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = Array.from(magic, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    const expected = Array.from(format.magic, (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(
      'wrong-magic',
      `is not a wasmlp ${what} file: it starts with ${shown} ("${text}"), not the magic ${expected} ("\\x89WML${what === 'model' ? 'P' : 'E'}\\r\\n\\x1a")`,
    );
  }
  if (size < MODEL_PREAMBLE)
    fail('truncated', `is truncated: ${size} bytes, shorter than the ${MODEL_PREAMBLE}-byte fixed header`);
  const view = new DataView(head.buffer, head.byteOffset, MODEL_PREAMBLE);
  const version = view.getUint32(8, true);
  if (version > format.version) {
    fail(
      'newer-version',
      `uses ${what} format version ${version}, newer than this wasmlp (${VERSION}) reads (up to version ${format.version}); upgrade wasmlp to load it`,
    );
  }
  const storedHead = view.getUint32(24, true),
    head24 = crc32(head.subarray(0, 24));
  if (storedHead !== head24) {
    fail(
      'corrupted',
      `is corrupted: its fixed header (bytes 0–23) fails the CRC-32 check (stored ${hex(storedHead)}, computed ${hex(head24)})`,
    );
  }
  if (version === 0) fail('invalid', 'has format version 0, which no wasmlp writes');
  const headerBytes = view.getUint32(12, true);
  const payload = view.getBigUint64(16, true);
  if (headerBytes > MODEL_LIMITS.headerBytes)
    fail('oversized', `declares a ${headerBytes}-byte header; the limit is ${MODEL_LIMITS.headerBytes} bytes`);
  const maxPayload = 4 * MODEL_LIMITS.sectionValues * MODEL_LIMITS.sections;
  if (payload > BigInt(maxPayload))
    fail(
      'oversized',
      `declares a ${payload}-byte payload; the limit is ${maxPayload} bytes (${MODEL_LIMITS.sections} sections of ${MODEL_LIMITS.sectionValues} values)`,
    );
  const payloadBytes = Number(payload);
  if (payloadBytes % 4 !== 0)
    fail('invalid', `declares a ${payloadBytes}-byte payload, not a whole number of f32 values`);
  const data = align8(MODEL_PREAMBLE + headerBytes),
    total = data + payloadBytes + 4;
  if (size < total)
    fail(
      'truncated',
      `is truncated: ${size} bytes, but its header declares ${total} (${total - size} missing); was a download or copy interrupted?`,
    );
  if (size > total)
    fail(
      'oversized',
      `is ${size} bytes, ${size - total} more than the ${total} its header declares: trailing data that is not part of the model`,
    );
  return { version, headerBytes, payloadBytes, data, total };
}

/** The JSON header of a file whose checksum has been verified (bytes MODEL_PREAMBLE … + headerBytes), checked. */
export function readModelJson(json: Uint8Array, p: ModelPreamble, name = 'the model file'): ModelHeader {
  const fail = (what: string): never => {
    throw new ModelFileError('invalid', `${name} ${what}`);
  };
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    return fail(`has a header that is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  try {
    checkHeader(header, p.version);
  } catch (e) {
    return fail(`has an invalid header: ${(e as Error).message}`);
  }
  const expected = 4 * header.sections.reduce((s, x) => s + x.count, 0);
  if (expected !== p.payloadBytes)
    fail(`has sections totalling ${expected} bytes but a ${p.payloadBytes}-byte payload`);
  return header;
}

/**
 * Check and unpack a model file. Throws a ModelFileError whose code and message say what is wrong:
 * wrong-magic, newer-version, oversized, truncated, corrupted (a CRC-32 mismatch) or invalid.
 */
export function decodeModel(bytes: Uint8Array, name = 'the model file'): ModelContents {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`expected the model file as a Uint8Array, got ${typeName(bytes)}`);
  const p = readModelPreamble(bytes, bytes.length, name);
  const end = p.total - 4;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const stored = view.getUint32(end, true),
    computed = crc32(bytes.subarray(0, end));
  if (stored !== computed)
    throw new ModelFileError(
      'corrupted',
      `${name} is corrupted: CRC-32 mismatch over its ${end} bytes (stored ${hex(stored)}, computed ${hex(computed)}); the file was damaged after it was written`,
    );
  // The bytes are as written; from here on, a problem means a writer that broke the format.
  const header = readModelJson(bytes.subarray(MODEL_PREAMBLE, MODEL_PREAMBLE + p.headerBytes), p, name);
  const sections: ModelContents['sections'] = {};
  let at = p.data;
  for (const s of header.sections) {
    const a = new Float32Array(s.count);
    if (littleEndian) new Uint8Array(a.buffer).set(bytes.subarray(at, at + 4 * s.count));
    else for (let i = 0; i < s.count; i++) a[i] = view.getFloat32(at + 4 * i, true);
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new ModelFileError('invalid', `${name} has a non-finite value (${a[bad]}) at ${s.name}[${bad}]`);
    sections[s.name] = a;
    at += 4 * s.count;
  }
  return { version: p.version, header, sections };
}

/** The checked header of a model file (the whole file is verified, checksum included). */
export function readModelHeader(bytes: Uint8Array, name?: string): ModelHeader {
  return decodeModel(bytes, name).header;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown, min: number, max: number) =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
const isNum = (x: unknown, min = -Infinity) => typeof x === 'number' && Number.isFinite(x) && x >= min;
const isWords = (x: unknown) => Array.isArray(x) && x.length === 4 && x.every((w) => isInt(w, 0, 0xffffffff));

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** How deep arrays and objects nest in a JSON value, walked without recursion (a deep one would overflow the stack). */
const depthOf = (value: unknown) => nestingDepth(value, MODEL_LIMITS.depth);

/** History entry i (of `layers` layers' diagnostics): its epoch after the one before, finite values. */
function checkHistoryEntry(
  e: ModelHeader['history'][number],
  i: number,
  history: ModelHeader['history'],
  layers: number,
): void {
  expect(
    isObject(e) && isInt(e.epoch, 1, 2 ** 31) && isNum(e.loss) && (e.accuracy === undefined || isNum(e.accuracy, 0)),
    `history[${i}] must have an integer epoch, a finite loss and, when present, a finite accuracy`,
  );
  expect(
    (['valLoss', 'valAccuracy', 'valMse', 'valMae', 'valR2'] as const).every((k) => e[k] === undefined || isNum(e[k])),
    `history[${i}]: valLoss, valAccuracy, valMse, valMae and valR2 must be finite numbers when present`,
  );
  expect(
    e.valAccuracies === undefined || (Array.isArray(e.valAccuracies) && e.valAccuracies.every((a) => isNum(a, 0))),
    `history[${i}]: valAccuracies must be an array of finite numbers when present`,
  );
  expect(
    e.learningRate === undefined || (isNum(e.learningRate, 0) && e.learningRate > 0),
    `history[${i}].learningRate must be a finite number > 0 when present`,
  );
  const d = (e as { diagnostics?: unknown }).diagnostics;
  expect(
    d === undefined ||
      (Array.isArray(d) &&
        d.length === layers &&
        d.every(
          (l) =>
            isObject(l) &&
            DIAGNOSTIC_NAMES.every((k) =>
              k === 'dead'
                ? l.dead === null || isNum(l.dead, 0)
                : k === 'saturatedWrong' && l[k] === undefined
                  ? true
                  : isNum(l[k], 0),
            ),
        )),
    `history[${i}].diagnostics must hold one object per layer (${layers}) of finite numbers ≥ 0: ${DIAGNOSTIC_NAMES.join(', ')} (dead may be null, saturatedWrong absent)`,
  );
  expect(
    i === 0 || e.epoch > history[i - 1].epoch,
    `history[${i}]: epochs must increase (epoch ${e.epoch} after ${history[i - 1]?.epoch})`,
  );
}

/** A checkpoint taken mid-epoch: where in the epoch after the history's last, and the sums so far. */
function checkProgress(p: NonNullable<ModelHeader['progress']>, history: ModelHeader['history']): void {
  const last = history.at(-1)?.epoch ?? 0;
  expect(
    isObject(p) && isInt(p.epoch, last + 1, last + 1),
    `progress.epoch must be the epoch after the last in the history (${last + 1})`,
  );
  expect(
    isInt(p.rows, 1, 2 ** 32) && isInt(p.batchSize, 1, p.rows),
    'progress.rows and progress.batchSize must be integers with 1 ≤ batchSize ≤ rows',
  );
  expect(
    isInt(p.batch, 1, Math.ceil(p.rows / p.batchSize)),
    'progress.batch must count the batches done, from 1 to all of the epoch (its end still to come)',
  );
  expect(isWords(p.random), 'progress.random must be 4 integers from 0 to 4294967295');
  expect(
    isNum(p.cost, 0) && isInt(p.correct, 0, p.rows) && isInt(p.seen, 1, p.rows) && isNum(p.seconds, 0),
    'progress.cost, correct, seen and seconds must be finite sums of the batches done',
  );
}

/** Every field a reader relies on, by type and range; sizes against the network they describe. */
function checkHeader(h: ModelHeader, version: number): void {
  expect(isObject(h), 'expected a JSON object');
  expect(depthOf(h) <= MODEL_LIMITS.depth, `arrays and objects nest more than ${MODEL_LIMITS.depth} deep`);
  expect(typeof h.library === 'string', 'library must be a string');
  expect(typeof h.layout === 'string', 'layout must be a string');
  expect(
    h.kind === 'model' || h.kind === 'checkpoint',
    `kind must be "model" or "checkpoint", got ${JSON.stringify(h.kind)}`,
  );
  const net = h.network;
  expect(isObject(net), 'network must be an object');
  expect(
    !Array.isArray(net.layers) || net.layers.length <= MODEL_LIMITS.layers,
    `network.layers must hold at most ${MODEL_LIMITS.layers} layers`,
  );
  expect(net.seed !== undefined, 'network.seed is missing');
  validateConfig({ ...net, backend: undefined, threads: undefined, fma: undefined }); // Network.create's rules and messages (the reader picks how it runs)
  if (h.scaling !== undefined) {
    const layers = net.layers;
    validateScaling(h.scaling, net.inputs, layers[layers.length - 1].units);
    expect(
      h.scaling.method === net.scale,
      `scaling.method ${JSON.stringify(h.scaling.method)} must be network.scale (${JSON.stringify(net.scale ?? 'none')})`,
    );
  }

  if (h.table !== undefined) {
    try {
      checkTableFor(h.table, net.inputs, net.layers[net.layers.length - 1].units, net.classes ?? []);
    } catch (e) {
      throw new Error(`table: ${(e as Error).message}`);
    }
  }

  if (h.fit !== undefined) {
    const f = h.fit;
    expect(
      isObject(f) && isObject(f.optimizer) && f.l2 !== undefined && f.shuffle !== undefined,
      'fit must be an object with epochs, batchSize, an optimizer object, l2 and shuffle',
    );
    try {
      validateFitSettings(f); // the rules fit() applies
    } catch (e) {
      throw new Error(`fit: ${(e as Error).message}`);
    }
  }
  const params = parameterCount(net.inputs, net.layers);
  expect(
    Array.isArray(h.sections) && h.sections.every((s) => isObject(s) && typeof s.name === 'string'),
    'sections must be a list of { name, count }',
  );
  const names = h.sections.map((s) => s.name).join(',');
  const want = (h.kind === 'checkpoint' && h.fit ? SECTIONS[h.fit.optimizer.name] : SECTIONS.model).join(',');
  expect(
    names === want,
    h.kind === 'checkpoint' && h.fit
      ? `${h.fit.optimizer.name === 'adam' ? 'an' : 'a'} ${h.fit.optimizer.name} checkpoint holds the sections ${want}, not ${names}`
      : `a model (not a checkpoint) holds only the parameters section, not ${names}`,
  );
  const shape = [net.inputs, ...net.layers.map((l) => l.units)].join('-');
  h.sections.forEach((s, i) =>
    expect(
      s.count === params,
      i === 0
        ? `the network ${shape} has ${params} parameters but the parameters section holds ${JSON.stringify(s.count)}`
        : `section ${s.name} holds ${JSON.stringify(s.count)} values; expected one per parameter (${params})`,
    ),
  );
  if (h.kind === 'checkpoint') {
    expect(h.fit !== undefined, 'a checkpoint needs the fit settings');
    const st = h.optimizerState;
    expect(isObject(st) && isInt(st.steps, 0, Number.MAX_SAFE_INTEGER), 'optimizerState.steps must be an integer ≥ 0');
    expect(
      isNum(st!.beta1Power, 0) && st!.beta1Power <= 1 && isNum(st!.beta2Power, 0) && st!.beta2Power <= 1,
      'optimizerState.beta1Power and beta2Power must be in [0, 1]',
    );
  } else {
    expect(
      h.optimizerState === undefined && h.progress === undefined,
      'a model (not a checkpoint) holds no optimizer state and no progress',
    );
  }
  expect(isWords(h.random), 'random must be 4 integers from 0 to 4294967295');
  expect(Array.isArray(h.history), 'history must be an array');
  h.history.forEach((e, i) => checkHistoryEntry(e, i, h.history, net.layers.length));
  expect(
    (h.progress !== undefined) === version >= 2,
    version >= 2
      ? 'format version 2 is for checkpoints taken mid-epoch: progress is missing'
      : 'progress needs format version 2',
  );
  if (h.progress !== undefined) checkProgress(h.progress, h.history);
  expect(h.meta === undefined || isObject(h.meta), `meta must be an object, got ${typeName(h.meta)}`);
}
