// Arena over one WebAssembly.Memory: 16-byte-aligned bump allocation that grows the memory.
// Growth detaches every old view, so views are made on demand (f32, u8, …) or re-derived when the
// buffer changed (view): never keep one across an alloc.
const PAGE = 65536;

/**
 * Whole-memory typed views, re-derived after growth replaced the buffer. Growth detaches the old
 * buffer, which gives its views length 0: checking that is much cheaper than memory.buffer.
 */
export interface View {
  f32(): Float32Array;
  f64(): Float64Array;
  u32(): Uint32Array;
  i32(): Int32Array;
  u8(): Uint8Array;
}

export function view(memory: WebAssembly.Memory): View {
  let f32 = new Float32Array(0),
    f64 = new Float64Array(0),
    u32 = new Uint32Array(0),
    i32 = new Int32Array(0),
    u8 = new Uint8Array(0);
  const fresh = () => {
    if (u8.length === 0) {
      const buffer = memory.buffer as ArrayBuffer;
      f32 = new Float32Array(buffer);
      f64 = new Float64Array(buffer);
      u32 = new Uint32Array(buffer);
      i32 = new Int32Array(buffer);
      u8 = new Uint8Array(buffer);
    }
  };
  return {
    f32: () => (fresh(), f32),
    f64: () => (fresh(), f64),
    u32: () => (fresh(), u32),
    i32: () => (fresh(), i32),
    u8: () => (fresh(), u8),
  };
}

export class Arena {
  private top: number;
  readonly view: View;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = align(Math.max(base, 16)); // 0 means "no buffer" in the kernel ABI
    this.view = view(memory);
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes);
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new Error(
          `out of WebAssembly memory: needed ${(this.top / 2 ** 20).toFixed(1)} MiB, the engine refused to grow beyond ${(have / 2 ** 20).toFixed(1)} MiB`,
        );
      }
    }
    return p;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }
  u32(ptr: number, n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, n);
  }
  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }
  u8(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /** memmove within the memory (for snapshots of parameters). */
  copy(dst: number, src: number, bytes: number): void {
    new Uint8Array(this.memory.buffer).copyWithin(dst, src, src + bytes);
  }
}

const align = (n: number) => (n + 15) & ~15;
