// Typed views over a WebAssembly.Memory, re-derived whenever growth replaced its buffer.
export interface View {
  f32(): Float32Array;
  u32(): Uint32Array;
  i32(): Int32Array;
  u8(): Uint8Array;
}

export function view(memory: WebAssembly.Memory): View {
  let buffer: ArrayBuffer | null = null;
  let f32 = new Float32Array(0), u32 = new Uint32Array(0), i32 = new Int32Array(0), u8 = new Uint8Array(0);
  const fresh = () => {
    if (buffer !== memory.buffer) {
      buffer = memory.buffer as ArrayBuffer;
      f32 = new Float32Array(buffer); u32 = new Uint32Array(buffer); i32 = new Int32Array(buffer); u8 = new Uint8Array(buffer);
    }
  };
  return {
    f32: () => (fresh(), f32),
    u32: () => (fresh(), u32),
    i32: () => (fresh(), i32),
    u8: () => (fresh(), u8),
  };
}
