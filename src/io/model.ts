// The model file: a versioned binary container for a network's config, parameters and history
// (and, in a checkpoint, the optimizer and shuffle state that let training resume exactly).
// Plain bytes in, plain bytes out: no node: modules, nothing from the file is ever executed, and
// every size is checked against the header and the file length before anything is allocated.
//
// Format version 1, little-endian throughout:
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
  parameterCount,
  validateConfig,
  validateFitSettings,
  type FitSettings,
  type History,
  type InitName,
  type LayerSpec,
  type LossName,
} from '../config.js';
import { crc32 } from './crc32.js';
import { VERSION } from './version.js';

export const MODEL_FORMAT_VERSION = 1;
export const MODEL_MAGIC = Uint8Array.of(0x89, 0x57, 0x4d, 0x4c, 0x50, 0x0d, 0x0a, 0x1a);
const PREAMBLE = 28;
/** Limits that keep a hostile or damaged file from asking for absurd amounts of memory. */
export const MODEL_LIMITS = {
  headerBytes: 16 * 2 ** 20,
  /** Values per section: 2^28 f32 = 1 GiB; a network needs several times its parameters in wasm memory (4 GiB at most). */
  sectionValues: 2 ** 28,
  sections: 3,
  layers: 1000,
};
/** The largest file the limits allow. */
export const MODEL_MAX_BYTES =
  PREAMBLE + MODEL_LIMITS.headerBytes + 8 + 4 * MODEL_LIMITS.sectionValues * MODEL_LIMITS.sections + 4;

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

export interface ModelHeader {
  /** "wasmlp <version>" of the library that wrote the file. */
  library: string;
  /** A checkpoint also holds the optimizer state: a run resumed from it continues exactly. */
  kind: 'model' | 'checkpoint';
  network: { inputs: number; layers: LayerSpec[]; loss: LossName; init?: InitName; seed: number };
  /** How the parameters section is laid out (for readers in other languages). */
  layout: string;
  sections: { name: SectionName; count: number }[];
  /** The settings of the last fit() (absent for a network that was never trained). */
  fit?: FitSettings;
  /** Checkpoints: optimizer steps taken and Adam's running products β₁ᵗ, β₂ᵗ (1 for other optimizers). */
  optimizerState?: { steps: number; beta1Power: number; beta2Power: number };
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

export const PARAMETER_LAYOUT = 'per layer in order: W (units × inputs, row-major: row j = neuron j), then b (units)';

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const align8 = (n: number) => Math.ceil(n / 8) * 8;
const hex = (x: number) => `0x${x.toString(16).padStart(8, '0')}`;

/** The file's bytes for a header (its `sections` are filled in from `sections`) and payload sections. */
export function encodeModel(
  header: Omit<ModelHeader, 'sections'>,
  sections: [SectionName, Float32Array][],
): Uint8Array {
  const full: ModelHeader = { ...header, sections: sections.map(([name, a]) => ({ name, count: a.length })) };
  // A fixed key order keeps the JSON readable with `head -c`.
  const ordered = Object.fromEntries(
    ['library', 'kind', 'network', 'layout', 'sections', 'fit', 'optimizerState', 'random', 'history', 'meta']
      .filter((k) => full[k as keyof ModelHeader] !== undefined)
      .map((k) => [k, full[k as keyof ModelHeader]]),
  );
  const json = new TextEncoder().encode(JSON.stringify(ordered));
  const payloadBytes = 4 * sections.reduce((s, [, a]) => s + a.length, 0);
  const data = align8(PREAMBLE + json.length);
  const bytes = new Uint8Array(data + payloadBytes + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MODEL_MAGIC, 0);
  view.setUint32(8, MODEL_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(payloadBytes), true);
  view.setUint32(24, crc32(bytes.subarray(0, 24)), true);
  bytes.set(json, PREAMBLE);
  let at = data;
  for (const [, a] of sections) {
    if (littleEndian) bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    else for (let i = 0; i < a.length; i++) view.setFloat32(at + 4 * i, a[i], true);
    at += a.byteLength;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Check and unpack a model file. Throws a ModelFileError whose code and message say what is wrong:
 * wrong-magic, newer-version, oversized, truncated, corrupted (a CRC-32 mismatch) or invalid.
 */
export function decodeModel(bytes: Uint8Array, name = 'the model file'): ModelContents {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('expected the model file as a Uint8Array');
  const fail = (code: ModelErrorCode, what: string): never => {
    throw new ModelFileError(code, `${name} ${what}`);
  };
  const n = bytes.length;
  if (n === 0) fail('truncated', 'is empty (0 bytes); expected a wasmlp model file');
  const head = bytes.subarray(0, Math.min(n, MODEL_MAGIC.length));
  if (head.some((b, i) => b !== MODEL_MAGIC[i])) {
    const shown = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = Array.from(head, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    fail(
      'wrong-magic',
      `is not a wasmlp model file: it starts with ${shown} ("${text}"), not the magic 89 57 4d 4c 50 0d 0a 1a ("\\x89WMLP\\r\\n\\x1a")`,
    );
  }
  if (n < PREAMBLE) fail('truncated', `is truncated: ${n} bytes, shorter than the ${PREAMBLE}-byte fixed header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const version = view.getUint32(8, true);
  if (version > MODEL_FORMAT_VERSION) {
    fail(
      'newer-version',
      `uses model format version ${version}, newer than this wasmlp (${VERSION}) reads (up to version ${MODEL_FORMAT_VERSION}); upgrade wasmlp to load it`,
    );
  }
  const storedHead = view.getUint32(24, true),
    head24 = crc32(bytes.subarray(0, 24));
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
  const data = align8(PREAMBLE + headerBytes),
    end = data + payloadBytes,
    total = end + 4;
  if (n < total)
    fail(
      'truncated',
      `is truncated: ${n} bytes, but its header declares ${total} (${total - n} missing); was a download or copy interrupted?`,
    );
  if (n > total)
    fail(
      'oversized',
      `is ${n} bytes, ${n - total} more than the ${total} its header declares: trailing data that is not part of the model`,
    );
  const stored = view.getUint32(end, true),
    computed = crc32(bytes.subarray(0, end));
  if (stored !== computed)
    fail(
      'corrupted',
      `is corrupted: CRC-32 mismatch over its ${end} bytes (stored ${hex(stored)}, computed ${hex(computed)}); the file was damaged after it was written`,
    );

  // The bytes are as written; from here on, a problem means a writer that broke the format.
  let header: ModelHeader;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerBytes)),
    );
  } catch (e) {
    return fail('invalid', `has a header that is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  try {
    checkHeader(header);
  } catch (e) {
    return fail('invalid', `has an invalid header: ${(e as Error).message}`);
  }
  const expected = 4 * header.sections.reduce((s, x) => s + x.count, 0);
  if (expected !== payloadBytes)
    fail('invalid', `has sections totalling ${expected} bytes but a ${payloadBytes}-byte payload`);
  const sections: ModelContents['sections'] = {};
  let at = data;
  for (const s of header.sections) {
    const a = new Float32Array(s.count);
    if (littleEndian) new Uint8Array(a.buffer).set(bytes.subarray(at, at + 4 * s.count));
    else for (let i = 0; i < s.count; i++) a[i] = view.getFloat32(at + 4 * i, true);
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail('invalid', `has a non-finite value (${a[bad]}) at ${s.name}[${bad}]`);
    sections[s.name] = a;
    at += 4 * s.count;
  }
  return { version, header, sections };
}

/** The checked header of a model file (the whole file is verified, checksum included). */
export function readModelHeader(bytes: Uint8Array, name?: string): ModelHeader {
  return decodeModel(bytes, name).header;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown, min: number, max: number) =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Every field a reader relies on, by type and range; sizes against the network they describe. */
function checkHeader(h: ModelHeader): void {
  expect(isObject(h), 'expected a JSON object');
  expect(typeof h.library === 'string', 'library must be a string');
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
  validateConfig({ ...net, backend: undefined }); // the rules Network.create applies, with its messages (the reader picks the backend)

  const params = parameterCount(net.inputs, net.layers);
  expect(
    Array.isArray(h.sections) && h.sections.length >= 1 && h.sections.length <= MODEL_LIMITS.sections,
    `sections must list 1 to ${MODEL_LIMITS.sections} sections`,
  );
  h.sections.forEach((s, i) => {
    expect(
      isObject(s) && isInt(s.count, 0, MODEL_LIMITS.sectionValues),
      `sections[${i}].count must be an integer from 0 to ${MODEL_LIMITS.sectionValues}`,
    );
  });
  expect(h.sections[0].name === 'parameters', 'the first section must be "parameters"');
  expect(
    h.sections[0].count === params,
    `the network ${[net.inputs, ...net.layers.map((l) => l.units)].join('-')} has ${params} parameters but the parameters section holds ${h.sections[0].count}`,
  );

  if (h.fit !== undefined) {
    const f = h.fit;
    expect(
      isObject(f) && f.l2 !== undefined && f.shuffle !== undefined,
      'fit must be an object with epochs, batchSize, optimizer, l2 and shuffle',
    );
    try {
      validateFitSettings(f); // the rules fit() applies
    } catch (e) {
      throw new Error(`fit: ${(e as Error).message}`);
    }
  }
  const optimizerSections = h.sections
    .slice(1)
    .map((s) => s.name)
    .join(',');
  if (h.kind === 'checkpoint') {
    expect(h.fit !== undefined, 'a checkpoint needs the fit settings');
    const st = h.optimizerState;
    expect(isObject(st) && isInt(st.steps, 0, Number.MAX_SAFE_INTEGER), 'optimizerState.steps must be an integer ≥ 0');
    expect(
      isNum(st!.beta1Power) &&
        st!.beta1Power >= 0 &&
        st!.beta1Power <= 1 &&
        isNum(st!.beta2Power) &&
        st!.beta2Power >= 0 &&
        st!.beta2Power <= 1,
      'optimizerState.beta1Power and beta2Power must be in [0, 1]',
    );
    const want = { sgd: '', momentum: 'optimizer.v', adam: 'optimizer.m,optimizer.v' }[h.fit!.optimizer.name];
    expect(
      optimizerSections === want,
      `a ${h.fit!.optimizer.name} checkpoint holds the sections parameters${want ? `,${want}` : ''}, not ${h.sections.map((s) => s.name).join(',')}`,
    );
    h.sections
      .slice(1)
      .forEach((s) =>
        expect(s.count === params, `section ${s.name} holds ${s.count} values; expected one per parameter (${params})`),
      );
  } else {
    expect(
      h.optimizerState === undefined && optimizerSections === '',
      'a model (not a checkpoint) holds only the parameters section and no optimizer state',
    );
  }
  expect(
    Array.isArray(h.random) && h.random.length === 4 && h.random.every((w) => isInt(w, 0, 0xffffffff)),
    'random must be 4 integers from 0 to 4294967295',
  );
  expect(Array.isArray(h.history), 'history must be an array');
  h.history.forEach((e, i) => {
    expect(
      isObject(e) && isInt(e.epoch, 1, 2 ** 31) && isNum(e.loss) && isNum(e.accuracy),
      `history[${i}] must have an integer epoch and finite loss and accuracy`,
    );
    expect(
      (e.valLoss === undefined || isNum(e.valLoss)) && (e.valAccuracy === undefined || isNum(e.valAccuracy)),
      `history[${i}]: valLoss and valAccuracy must be finite numbers when present`,
    );
  });
  expect(h.meta === undefined || isObject(h.meta), 'meta must be an object');
}
