// The one place that compiles and instantiates the WebAssembly module, and that decides which
// build runs: single-threaded or threaded (shared memory and atomics), strict SIMD or with
// relaxed-SIMD FMA. All four are inlined in the bundle (esbuild's binary loader), so Node and
// browsers need no separate fetch; feature detection is here and nowhere else.
import { instantiate } from '@assemblyscript/loader';
import strict from '../build/wasmlp.wasm';
import fma from '../build/wasmlp-fma.wasm';
import threadsFma from '../build/wasmlp-threads-fma.wasm';
import threads from '../build/wasmlp-threads.wasm';
import type { Kernels } from './kernels.js';

export interface WasmKernels extends Kernels {
  heapBase(): number;
  /** The threaded build's (assembly/threads.ts): thread 0's run of a program; whether every worker answers. */
  runThreads?(ops: number, count: number, ctl: number, resume: boolean): number;
  checkThreads?(ctl: number, n: number, resume: boolean): number;
}

/** A build to run: its bytes, whether it wants a shared memory, and whether it fuses multiply-adds. */
export interface Build {
  bytes: Uint8Array;
  shared: boolean;
  fma: boolean;
}

const compiled = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();
const validates = (b: Uint8Array) =>
  typeof WebAssembly === 'object' && WebAssembly.validate(b as Uint8Array<ArrayBuffer>);

/** True when this engine runs WebAssembly SIMD (every build needs it). */
export function simdSupported(): boolean {
  return validates(strict);
}

/** How many cores this machine or browser offers (os.availableParallelism in Node, navigator.hardwareConcurrency in browsers). */
export function coresAvailable(): number {
  const os = (
    globalThis as { process?: { getBuiltinModule?: (m: string) => { availableParallelism?: () => number } } }
  ).process?.getBuiltinModule?.('node:os');
  const n =
    os?.availableParallelism?.() ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n! >= 1 ? n! : 1;
}

/** Why this engine cannot run threads, or undefined when it can. */
export function threadsUnavailable(): string | undefined {
  const g = globalThis as {
    crossOriginIsolated?: boolean;
    document?: unknown;
    process?: { versions?: { node?: string } };
  };
  // First: a page (or its workers) without isolation has no SharedArrayBuffer either, and that is the cause to name.
  if (g.crossOriginIsolated === false) return 'page not cross-origin isolated (it needs the COOP and COEP headers)';
  if (typeof SharedArrayBuffer !== 'function') return 'this engine has no SharedArrayBuffer';
  if (!validates(threads)) return 'this engine has no WebAssembly threads';
  if (g.document !== undefined)
    return "a page's main thread cannot wait for other threads: train in a Web Worker to use them";
  const node = g.process?.versions?.node;
  if (node && !(globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule) {
    return `Node ${node} has no process.getBuiltinModule (Node ≥ 20.16 has): worker threads cannot be reached from the library`;
  }
  return undefined;
}

/** Why relaxed SIMD (FMA) cannot run here, or undefined when it can. */
export function fmaUnavailable(): string | undefined {
  if (validates(fma)) return undefined;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return node && Number(node.split('.')[0]) < 22
    ? `Node ${node} runs relaxed SIMD only with --experimental-wasm-relaxed-simd`
    : 'this engine has no relaxed SIMD';
}

/** The build for a network: threaded when it is to use more than one thread, with FMA when asked for and possible. */
export function chooseBuild(shared: boolean, withFma: boolean): Build {
  const f = withFma && fmaUnavailable() === undefined;
  return { bytes: shared ? (f ? threadsFma : threads) : f ? fma : strict, shared, fma: f };
}

/** The compiled module of these bytes (compiled once per page or process; workers get the same one). */
export function compileModule(bytes: Uint8Array): Promise<WebAssembly.Module> {
  let m = compiled.get(bytes);
  if (!m) compiled.set(bytes, (m = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)));
  return m;
}

/**
 * Instantiate the kernels over `memory` (the module imports it; one instance per network).
 * `module` is the bytes of a build (see chooseBuild; the bench passes its bench target); by default, the strict one.
 */
export async function instantiateKernels(
  memory: WebAssembly.Memory,
  module: Uint8Array = strict,
): Promise<WasmKernels> {
  if (!simdSupported()) {
    throw new Error(
      'wasmlp needs WebAssembly with SIMD (Node ≥ 16.4, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4); this engine has none. Use backend: "js" instead.',
    );
  }
  // The loader supplies `abort` (an AssemblyScript abort becomes a readable Error); the raw exports
  // skip the wrapper it puts around each function, which only matters for optional arguments.
  const { instance } = await instantiate<Record<string, unknown>>(await compileModule(module), { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}
