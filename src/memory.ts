// Arena over one WebAssembly.Memory: 16-byte-aligned bump allocation that grows the memory.
// Views are made on demand: growth detaches every old view, so never keep one across an alloc.
const PAGE = 65536;

export class Arena {
  private top: number;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = align(Math.max(base, 16)); // 0 means "no buffer" in the kernel ABI
  }

  /** Bytes in use. */
  get used(): number { return this.top; }

  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes);
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new Error(`out of WebAssembly memory: needed ${(this.top / 2 ** 20).toFixed(1)} MiB, the engine refused to grow beyond ${(have / 2 ** 20).toFixed(1)} MiB`);
      }
    }
    return p;
  }

  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n); }
  u8(ptr: number, n: number): Uint8Array { return new Uint8Array(this.memory.buffer, ptr, n); }

  /** memmove within the memory (for snapshots of parameters). */
  copy(dst: number, src: number, bytes: number): void {
    new Uint8Array(this.memory.buffer).copyWithin(dst, src, src + bytes);
  }
}

const align = (n: number) => (n + 15) & ~15;
