// The datasets a network works on, copied into its arena once per slot (train, evaluation,
// predict rows), with each one's row order; a later dataset reuses its slot's region when it fits.
import type { Dataset } from '../data/dataset.js';
import { align16, type Arena } from '../memory.js';

/** A dataset copied into the arena (pixels stay u8 and are converted per batch by gatherU8). */
export interface Resident {
  data: Dataset;
  features: number;
  labels: number;
  /** u32 row order: the identity, or a shuffle of it for an epoch. */
  order: number;
  bytes: number;
  /** What the order holds, once put in place (Core.putOrder): the identity, or the shuffle drawn from generator state `from`, which left it at `to`. */
  ordered?: 'identity' | { from: number[]; to: number[] };
}

/** Resident slots: the training data, evaluation data, and rows given to predict() as an array. */
export type ResidentSlot = 0 | 1 | 2;

export class Residents {
  private readonly slots: Resident[] = [];

  constructor(private readonly arena: Arena) {}

  /** Whether `data` is in the arena (its rows then were checked when they were copied). */
  has(data: Dataset): boolean {
    return this.slots.some((r) => r?.data === data);
  }

  /** Bytes place(data, slot) would allocate: 0 when it is there, or fits where its slot's rows are. */
  bytes(data: Dataset, slot: ResidentSlot): number {
    if (this.has(data)) return 0;
    const bytes = layout(data).bytes;
    return (this.slots[slot]?.bytes ?? 0) >= bytes ? 0 : bytes;
  }

  /** The dataset's rows in the arena, and whether they were copied now (else they were there). */
  place(data: Dataset, slot: ResidentSlot): { r: Resident; copied: boolean } {
    const found = this.slots.find((r) => r?.data === data);
    if (found) return { r: found, copied: false };
    const n = data.length;
    const { labelsAt, orderAt, bytes } = layout(data);
    const old = this.slots[slot];
    const base = old && old.bytes >= bytes ? old.features : this.arena.alloc(bytes);
    // bytes is the region's capacity, so a later dataset that fits can reuse it.
    const r: Resident = {
      data,
      features: base,
      labels: base + labelsAt,
      order: base + orderAt,
      bytes: base === old?.features ? old.bytes : bytes,
    };
    this.slots[slot] = r;
    const f = data.features;
    if (f instanceof Uint8Array) this.arena.u8(r.features, f.length).set(f);
    else this.arena.f32(r.features, f.length).set(f);
    if (data.targets) this.arena.f32(r.labels, data.targets.length).set(data.targets);
    else this.arena.u8(r.labels, n).set(data.labels);
    return { r, copied: true };
  }

  /** Forget every dataset (their regions are not reused). */
  clear(): void {
    this.slots.length = 0;
  }
}

function layout(data: Dataset): { labelsAt: number; orderAt: number; bytes: number } {
  const labelsAt = align16(data.features.byteLength),
    orderAt = labelsAt + align16(data.targets?.byteLength ?? data.length);
  return { labelsAt, orderAt, bytes: orderAt + 4 * data.length };
}
