// Arena over one WebAssembly.Memory: 16-byte-aligned bump allocation that grows the memory.
// Growth detaches every old view, so views are made on demand (f32, u8, …) or re-derived when the
// buffer changed (view): never keep one across an alloc. Sizes are doubles throughout (no 32-bit
// wrap-around), and a refused allocation changes nothing.
const PAGE = 65536;

/** The most one WebAssembly memory can hold (wasm32: 65,536 pages of 64 KiB, 4 GiB). */
export const MEMORY_LIMIT = 65536 * PAGE;

/** Bytes as people read them: "1.5 GiB", "12.0 MiB", "900 bytes". */
export function bytesText(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** n rounded up to a multiple of 16 (the alignment of every buffer). */
export const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Whole-memory typed views, re-derived after growth replaced the buffer. Growth detaches the old
 * buffer, which gives its views length 0: checking that is much cheaper than memory.buffer.
 */
export interface View {
  /** Re-derive the views now (after growing a shared memory, whose old views keep their old length). */
  refresh(): void;
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
  const refresh = () => {
    const buffer = memory.buffer as ArrayBuffer;
    f32 = new Float32Array(buffer);
    f64 = new Float64Array(buffer);
    u32 = new Uint32Array(buffer);
    i32 = new Int32Array(buffer);
    u8 = new Uint8Array(buffer);
  };
  const fresh = () => {
    if (u8.length === 0) refresh();
  };
  return {
    refresh,
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

  /** `limit`: the most the memory may grow to (a shared memory's maximum, fixed when it was made). */
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    readonly limit = MEMORY_LIMIT,
  ) {
    this.top = align16(Math.max(base, 16)); // 0 means "no buffer" in the kernel ABI
    this.view = view(memory);
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  /** Bytes that can still be allocated before the memory is at MEMORY_LIMIT. */
  get free(): number {
    return this.limit - this.top;
  }

  /**
   * Make sure `bytes` more can be allocated without growing again: one check and one grow for a
   * group of allocations, so that a refusal (over the limit, or the engine out of memory) comes
   * before any of them, naming `what` they are for.
   */
  reserve(bytes: number, what: string): void {
    const top = align16(this.top + bytes);
    if (top > this.limit) {
      const most =
        this.limit === MEMORY_LIMIT ? 'one WebAssembly memory holds' : "this network's shared memory was made to hold";
      throw new Error(
        `${what} needs ${bytesText(bytes)} more WebAssembly memory, but the network has ${bytesText(this.top)} and ${most} at most ${bytesText(this.limit)} (${this.free.toLocaleString('en-US')} bytes more)`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (top <= have) return;
    try {
      this.memory.grow(Math.ceil((top - have) / PAGE));
      this.view.refresh();
    } catch {
      throw new Error(
        `${what} needs ${bytesText(bytes)} more WebAssembly memory (${bytesText(top)} in all), but the engine refused to grow the network's memory beyond ${bytesText(have)}`,
      );
    }
  }

  alloc(bytes: number): number {
    this.reserve(bytes, 'this network');
    const p = this.top;
    this.top = align16(p + bytes);
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
