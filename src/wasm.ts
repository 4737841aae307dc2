// The one place that compiles and instantiates the WebAssembly module. The bytes are inlined in
// the bundle (esbuild's binary loader), so Node and browsers need no separate fetch.
import { instantiate } from '@assemblyscript/loader';
import bytes from '../build/wasmlp.wasm';
import type { Kernels } from './kernels.js';

export interface WasmKernels extends Kernels {
  heapBase(): number;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** True when this engine runs WebAssembly SIMD (the module needs it). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
}

/** Instantiate the kernels over `memory` (the module imports it; one instance per network). */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<WasmKernels> {
  if (!simdSupported()) {
    throw new Error('wasmlp needs WebAssembly with SIMD (Node ≥ 16.4, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4); this engine has none. Use backend: "js" instead.');
  }
  compiled ??= WebAssembly.compile(bytes);
  const { exports } = await instantiate<Record<string, unknown>>(await compiled, { env: { memory } });
  return exports as unknown as WasmKernels;
}
