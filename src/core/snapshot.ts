// The points a fit comes back to: a copy of the parameters with the fit's state beside it (saved
// before a fit changes anything and after every epoch), and the best epoch's parameters (early
// stopping with restoreBest). The copies are the parameter block's layout, in the same arena.
import type { EarlyStopped, EpochProgress, FitSettings } from '../config.js';
import type { Arena } from '../memory.js';
import type { Optimizer } from './optimizer.js';

/** What goes back with the parameters: the optimizer in use, the shuffle stream, the last fit's settings and outcome. */
export interface FitState {
  optimizer?: Optimizer;
  random: number[];
  lastFit?: FitSettings;
  earlyStopped?: EarlyStopped;
  progress?: EpochProgress;
}

export class Snapshot {
  private readonly at: number;
  private saved?: FitState;
  /** The best epoch's parameters (allocated on first use), and that epoch. */
  private best = 0;
  bestKept = 0;

  constructor(
    private readonly arena: Arena,
    private readonly params: number,
    private readonly bytes: number,
  ) {
    this.at = arena.alloc(bytes);
  }

  /** The parameters now, the optimizer's state, and `state`. */
  save(state: FitState): void {
    this.arena.copy(this.at, this.params, this.bytes);
    state.optimizer?.save();
    this.saved = state;
  }

  /** The parameters put back; the state saved with them (the caller puts its optimizer back in use, then restores it). */
  restore(): FitState {
    this.arena.copy(this.params, this.at, this.bytes);
    return this.saved!;
  }

  /** Keep a copy of the parameters as epoch `epoch`'s, the best so far, or put that copy back. */
  keepBest(epoch: number): void {
    this.arena.copy(this.best, this.params, this.bytes);
    this.bestKept = epoch;
  }
  restoreBest(): void {
    this.arena.copy(this.params, this.best, this.bytes);
  }
  /** Bytes reserveBest() would allocate, and the allocation: fit() makes it before it runs. */
  get bestBytes(): number {
    return this.best ? 0 : this.bytes;
  }
  reserveBest(): void {
    this.best ||= this.arena.alloc(this.bytes);
  }

  /** Let go of the state (dispose). */
  drop(): void {
    this.saved = undefined;
  }
}
