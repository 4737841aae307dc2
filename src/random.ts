// Seeded generator for initialisation and shuffling: sfc32, integer operations only, so every
// engine produces the same stream from the same seed.
export class Random {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`seed must be an integer from 0 to 4294967295, got ${seed}`);
    }
    this.s = new Uint32Array([0x9e3779b9, seed, 0x6a09e667 ^ seed, 1]);
    for (let i = 0; i < 12; i++) this.u32(); // mix the seed through the state
  }

  /** The generator's state (4 words), to save and restore a stream exactly. */
  get state(): number[] {
    return Array.from(this.s);
  }
  set state(words: number[]) {
    this.s.set(words);
  }

  u32(): number {
    const s = this.s;
    const t = (((s[0] + s[1]) | 0) + s[3]) | 0;
    s[3] = (s[3] + 1) | 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) | 0;
    s[2] = (s[2] << 21) | (s[2] >>> 11);
    s[2] = (s[2] + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n), n ≤ 2^21 (exact in f64: u32·n < 2^53). */
  below(n: number): number {
    return Math.floor((this.u32() * n) / 4294967296);
  }

  fill(words: Uint32Array): void {
    for (let i = 0; i < words.length; i++) words[i] = this.u32();
  }

  /** Fisher–Yates over the first n entries of a. */
  shuffle(a: Uint32Array, n = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
