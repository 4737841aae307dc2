// The diagnostics' side of the arena: where a diagnosed training step leaves its sums, and the
// epoch's sums read from them (src/diagnostics.ts says what each measures). The buffers are
// allocated once, the first time a fit asks for diagnostics; the program's records point at them.
import { emptySums, EpochDiagnostics, type LayerSums } from '../diagnostics.js';
import * as id from '../ids.js';
import { align16, type Arena } from '../memory.js';
import type { Layer } from './backprop.js';

/**
 * Where a diagnosed step leaves its sums, per layer: the forward ones (3 f64), Σ|δ| (f64), the
 * update's (3 f64 per DIAG_CHUNK weights), and for relu and leaky-relu the units' alive flags
 * (i32 each; 0 elsewhere).
 */
export interface DiagBuffers {
  forward: number[];
  delta: number[];
  update: number[];
  alive: number[];
  /** What the step's sums are read into, per layer (reused). */
  sums: LayerSums[];
}

export class Diagnosis {
  private diag?: DiagBuffers;
  #epoch?: EpochDiagnostics;

  /** `mse`: the output layer's sums count its wrong answers too (a regression's). */
  constructor(
    private readonly arena: Arena,
    private readonly layers: readonly Layer[],
    private readonly mse: boolean,
  ) {}

  /** The sums of the epoch being measured, once a fit has asked for them. */
  get epoch(): EpochDiagnostics | undefined {
    return this.#epoch;
  }

  private layout() {
    return this.layers.map((L) => ({
      update: 24 * Math.ceil((L.nIn * L.nOut) / id.DIAG_CHUNK),
      alive: L.act === id.RELU || L.act === id.LEAKY_RELU ? align16(4 * L.nOut) : 0,
    }));
  }

  /** Bytes the buffers take (0 once they exist). */
  bytes(): number {
    return this.diag ? 0 : this.layout().reduce((s, b) => s + 32 + align16(b.update) + b.alive, 0);
  }

  /** The buffers, allocated the first time. */
  buffers(): DiagBuffers {
    if (this.diag) return this.diag;
    const a = this.arena;
    a.reserve(this.bytes(), 'the diagnostics');
    const d: DiagBuffers = { forward: [], delta: [], update: [], alive: [], sums: [] };
    for (const [l, b] of this.layout().entries()) {
      const L = this.layers[l];
      d.sums.push(emptySums(L.nIn * L.nOut, L.nOut));
      d.forward.push(a.alloc(24));
      d.delta.push(a.alloc(8));
      d.update.push(a.alloc(b.update));
      d.alive.push(b.alive ? a.alloc(b.alive) : 0);
    }
    return (this.diag = d);
  }

  /** Epoch `epoch`'s diagnostics start: no sums yet, and no unit seen alive. */
  start(epoch: number): void {
    this.#epoch = new EpochDiagnostics(epoch, this.layers.length);
    const d = this.buffers();
    this.layers.forEach((L, l) => d.alive[l] && this.arena.i32(d.alive[l], L.nOut).fill(0));
  }

  /** The diagnosed step that just ran, on `rows` rows: its sums go into the epoch's. */
  add(rows: number): void {
    this.#epoch!.add(this.sums(rows));
  }

  /** The sums the last diagnosed step (of `rows` rows) left, per layer (the same objects each call). */
  private sums(rows: number): LayerSums[] {
    const d = this.buffers(),
      F = this.arena.view.f64(),
      I = this.arena.view.i32(),
      last = this.layers.length - 1;
    this.layers.forEach((L, l) => {
      const s = d.sums[l],
        at = d.forward[l] >>> 3;
      s.elements = rows * L.nOut;
      s.saturated = F[at];
      s.squares = F[at + 1];
      if (l === last && this.mse) s.wrong = F[at + 2];
      s.absDelta = F[d.delta[l] >>> 3];
      s.dW2 = s.W2 = s.g2 = 0;
      for (let c = 0, u = d.update[l] >>> 3; c < s.weights; c += id.DIAG_CHUNK, u += 3) {
        s.dW2 += F[u];
        s.W2 += F[u + 1];
        s.g2 += F[u + 2];
      }
      if (d.alive[l]) {
        s.deadUnits = 0;
        for (let j = 0, a = d.alive[l] >>> 2; j < L.nOut; j++) s.deadUnits += I[a + j] ? 0 : 1;
      }
    });
    return d.sums;
  }
}
