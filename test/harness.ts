// Both kernel sets over one memory, so a kernel and its twin can run on the same bytes.
import { crc32 } from '../src/io/crc32.js';
import { Arena } from '../src/memory.js';
import { instantiateKernels, type WasmKernels } from '../src/wasm.js';
import { referenceKernels } from '../src/reference/index.js';
import type { Kernels } from '../src/kernels.js';

export interface Harness {
  memory: WebAssembly.Memory;
  wasm: WasmKernels;
  js: Kernels;
  /** Bump-allocate n bytes (16-aligned) above the module's static data. */
  alloc(bytes: number): number;
  f32(ptr: number, n: number): Float32Array;
  reset(): void;
}

export async function harness(pages = 256): Promise<Harness> {
  const memory = new WebAssembly.Memory({ initial: pages });
  const wasm = await instantiateKernels(memory);
  const js = referenceKernels(memory);
  // reset() starts a fresh arena over the same memory: an Arena holds no other state.
  const fresh = () => new Arena(memory, wasm.heapBase());
  let arena = fresh();
  return {
    memory,
    wasm,
    js,
    alloc: (bytes) => arena.alloc(bytes),
    f32: (ptr, n) => arena.f32(ptr, n),
    reset() {
      arena = fresh();
    },
  };
}

/** Deterministic pseudo-random fill in [-1, 1) (test data only). */
export function fill(x: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = (s >>> 0) / 2147483648 - 1;
  }
  return x;
}

/** Largest |x − y| / (|y| + floor) over the arrays. */
export function maxRelErr(x: ArrayLike<number>, y: ArrayLike<number>, floor = 1): number {
  let worst = 0;
  for (let i = 0; i < y.length; i++) {
    const e = Math.abs(x[i] - y[i]) / (Math.abs(y[i]) + floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

/**
 * A model file written the raw way, without the writer's checks (src/io/model.ts refuses to write
 * a file its reader would refuse): what a buggy or hostile writer produces. `header.sections` is
 * filled in from `sections`.
 */
export function rawModelFile(
  header: object,
  sections: [string, Float32Array][],
  version = 1,
  edit = (json: string) => json, // e.g. to splice in what JSON.stringify cannot write
): Uint8Array {
  const json = edit(JSON.stringify({ ...header, sections: sections.map(([name, a]) => ({ name, count: a.length })) }));
  return sealModel(
    json,
    sections.map(([, a]) => a),
    version,
  );
}

/** A model file of exactly this JSON header text and payload, sizes and both checksums right. */
export function sealModel(header: string, payload: Float32Array[], version = 1): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytesOf = payload.reduce((s, a) => s + a.byteLength, 0);
  const data = Math.ceil((28 + json.length) / 8) * 8;
  const bytes = new Uint8Array(data + bytesOf + 4);
  const v = new DataView(bytes.buffer);
  bytes.set([0x89, 0x57, 0x4d, 0x4c, 0x50, 0x0d, 0x0a, 0x1a]);
  v.setUint32(8, version, true);
  v.setUint32(12, json.length, true);
  v.setBigUint64(16, BigInt(bytesOf), true);
  v.setUint32(24, crc32(bytes.subarray(0, 24)), true);
  bytes.set(json, 28);
  let at = data;
  for (const a of payload) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  v.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}
