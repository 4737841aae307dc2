// The ensemble file: K networks' model files in one container, whose outputs are averaged. It has
// the model file's layout (src/io/model.ts) with its own magic, so that a reader of one network
// refuses it by name, and the same checks: sizes against the header and the file's length, a
// CRC-32 over the fixed header and one over the whole file, then each member's own checks.
//
// Ensemble format version 1, little-endian throughout:
//
//   offset  bytes  field
//        0      8  magic 89 57 4D 4C 45 0D 0A 1A ("\x89WMLE\r\n\x1a")
//        8      4  u32 format version
//       12      4  u32 H: bytes of the JSON header
//       16      8  u64 P: bytes of the payload (the members' model files, one after another)
//       24      4  u32 CRC-32 of bytes 0..23
//       28      H  JSON header, UTF-8 (EnsembleHeader)
//   28 + H    pad  zeros up to D, the next multiple of 8
//        D      P  payload: each member's whole model file, in order (their sizes in the header)
//    D + P      4  u32 CRC-32 of bytes 0..D+P−1
import { typeName } from '../config.js';
import { crc32 } from './crc32.js';
import {
  decodeModel,
  ENSEMBLE_CONTAINER,
  MODEL_CONTAINER,
  type Container,
  MODEL_LIMITS,
  MODEL_PREAMBLE,
  ModelFileError,
  readModelPreamble,
  type ModelHeader,
} from './model.js';
import { VERSION } from './version.js';

/** At most this many members (folds go up to the rows; an ensemble past this gains nothing). */
export const ENSEMBLE_MAX_MEMBERS = 100;

export interface EnsembleHeader {
  /** "wasmlp <version>" of the library that wrote the file. */
  library: string;
  kind: 'ensemble';
  /** How the members' outputs are combined: their mean. */
  combine: 'mean';
  /** Each member's model file's length in bytes, in payload order. */
  members: number[];
  /** Anything the writer wanted to keep (the CLI stores the search and its data source here). */
  meta?: Record<string, unknown>;
}

/** The container a file's first bytes announce: an ensemble's by its magic, else a model file's (whose reader says what is wrong). */
export function containerOf(head: Uint8Array): Container {
  const m = ENSEMBLE_CONTAINER.magic;
  return head.length >= m.length && m.every((b, i) => head[i] === b) ? ENSEMBLE_CONTAINER : MODEL_CONTAINER;
}

/** Whether these bytes (at least the first 8 of a file) are an ensemble file's. */
export const isEnsembleFile = (head: Uint8Array): boolean => containerOf(head) === ENSEMBLE_CONTAINER;

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** The checks every header passes, writer and reader alike. */
function checkEnsembleHeader(h: EnsembleHeader): void {
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  expect(typeof h === 'object' && h !== null && !Array.isArray(h), 'the header must be a JSON object');
  expect(typeof h.library === 'string', 'library must be a string');
  expect(h.kind === 'ensemble', `kind must be "ensemble", got ${JSON.stringify(h.kind)}`);
  expect(h.combine === 'mean', `combine must be "mean", got ${JSON.stringify(h.combine)}`);
  expect(
    Array.isArray(h.members) && h.members.length >= 1 && h.members.length <= ENSEMBLE_MAX_MEMBERS,
    `members must list 1 to ${ENSEMBLE_MAX_MEMBERS} model files' sizes, got ${typeName(h.members)}`,
  );
  h.members.forEach((n, i) =>
    expect(Number.isSafeInteger(n) && n > MODEL_PREAMBLE, `members[${i}] must be a model file's size, got ${n}`),
  );
  expect(
    h.meta === undefined || (typeof h.meta === 'object' && h.meta !== null && !Array.isArray(h.meta)),
    'meta must be an object',
  );
}

/** The ensemble file's bytes for its members' model files (Network.toBytes) and `meta`. */
export function encodeEnsemble(members: Uint8Array[], meta?: Record<string, unknown>): Uint8Array {
  const header: EnsembleHeader = {
    library: `wasmlp ${VERSION}`,
    kind: 'ensemble',
    combine: 'mean',
    members: members.map((m) => m.length),
    ...(meta !== undefined && { meta }),
  };
  try {
    checkEnsembleHeader(header);
  } catch (e) {
    throw new Error(`the ensemble file would not load, so it is not written: ${(e as Error).message}`);
  }
  let text = '';
  try {
    text = JSON.stringify(header);
  } catch (e) {
    throw new Error(`the ensemble file is not written: meta must hold plain JSON values (${(e as Error).message})`);
  }
  const json = new TextEncoder().encode(text);
  if (json.length > MODEL_LIMITS.headerBytes)
    throw new Error(
      `the ensemble file's header is ${json.length} bytes, over the ${MODEL_LIMITS.headerBytes}-byte limit`,
    );
  const payload = members.reduce((s, m) => s + m.length, 0);
  const data = align8(MODEL_PREAMBLE + json.length);
  const bytes = new Uint8Array(data + payload + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(ENSEMBLE_CONTAINER.magic, 0);
  view.setUint32(8, ENSEMBLE_CONTAINER.version, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(payload), true);
  view.setUint32(24, crc32(bytes.subarray(0, 24)), true);
  bytes.set(json, MODEL_PREAMBLE);
  let at = data;
  for (const m of members) {
    bytes.set(m, at);
    at += m.length;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Check and unpack an ensemble file: its header and each member's contents (each checked as a model
 * file). Throws a ModelFileError saying what is wrong; a single network's model file is refused by name.
 */
export function decodeEnsemble(
  bytes: Uint8Array,
  name = 'the ensemble file',
): { header: EnsembleHeader; members: { bytes: Uint8Array; header: ModelHeader }[] } {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`expected the ensemble file as a Uint8Array, got ${typeName(bytes)}`);
  const p = readModelPreamble(bytes, bytes.length, name, ENSEMBLE_CONTAINER);
  const end = p.total - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(end, true),
    computed = crc32(bytes.subarray(0, end));
  if (stored !== computed)
    throw new ModelFileError(
      'corrupted',
      `${name} is corrupted: CRC-32 mismatch over its ${end} bytes (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')}); the file was damaged after it was written`,
    );
  let header: EnsembleHeader;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MODEL_PREAMBLE, MODEL_PREAMBLE + p.headerBytes)),
    );
    checkEnsembleHeader(header);
  } catch (e) {
    throw new ModelFileError('invalid', `${name} has an invalid header: ${(e as Error).message}`);
  }
  const sum = header.members.reduce((s, n) => s + n, 0);
  if (sum !== p.payloadBytes)
    throw new ModelFileError(
      'invalid',
      `${name} lists members totalling ${sum} bytes but has a ${p.payloadBytes}-byte payload`,
    );
  let at = p.data;
  const members = header.members.map((n, i) => {
    const member = bytes.subarray(at, at + n);
    const m = decodeModel(member, `${name} (member ${i + 1} of ${header.members.length})`);
    at += n;
    if (m.header.kind !== 'model')
      throw new ModelFileError('invalid', `${name}: member ${i + 1} is a ${m.header.kind}, expected a model`);
    return { bytes: member, header: m.header };
  });
  return { header, members };
}
