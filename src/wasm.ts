// The one place that compiles and instantiates the WebAssembly module. The bytes are inlined in
// the bundle (esbuild's binary loader), so Node and browsers need no separate fetch.
import { instantiate } from '@assemblyscript/loader';
import bytes from '../build/wasmlp.wasm';
import type { Kernels } from './kernels.js';

export interface WasmKernels extends Kernels {
  heapBase(): number;
}

const compiled = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();

/** True when this engine runs WebAssembly SIMD (the module needs it). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
}

/**
 * Instantiate the kernels over `memory` (the module imports it; one instance per network).
 * `module` is another build of the same ABI (the bench target); by default, the library's.
 */
export async function instantiateKernels(memory: WebAssembly.Memory, module: Uint8Array = bytes): Promise<WasmKernels> {
  if (!simdSupported()) {
    throw new Error(
      'wasmlp needs WebAssembly with SIMD (Node ≥ 16.4, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4); this engine has none. Use backend: "js" instead.',
    );
  }
  let m = compiled.get(module);
  if (!m) compiled.set(module, (m = WebAssembly.compile(module as Uint8Array<ArrayBuffer>)));
  // The loader supplies `abort` (an AssemblyScript abort becomes a readable Error); the raw exports
  // skip the wrapper it puts around each function, which only matters for optional arguments.
  const { instance } = await instantiate<Record<string, unknown>>(await m, { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}
