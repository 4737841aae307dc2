// Diagnostics: how each layer learns, measured during fit() from the buffers a training step
// already holds (z, a, δ, ∂C/∂W and the update). One name and one definition per quantity,
// used by the library, `--json`, the CLI table, the report and the demo (README, "Diagnostics").
// Their shape lives with the other plain data, in config.ts (the model-file reader checks it).
import type { LayerDiagnostics } from './config.js';
export { DIAGNOSTIC_NAMES, type LayerDiagnostics } from './config.js';

/**
 * f′ below this fraction of its largest value counts as saturated, for the activations that
 * saturate (ACTIVATIONS[name].saturation): sigmoid, tanh, softmax (its a(1 − a)), elu and softplus
 * on the left, relu where z ≤ 0 (f′ = 0: hard), step everywhere (hard). identity and leaky-relu
 * (whose slope α on the left is constant, never 0) never saturate.
 */
export const SATURATION = 0.1;

/** σ'(z) below this counts as saturated for `act` with parameter p (elu's α): SATURATION · max σ', or 0 where it never saturates. */
export function saturationThreshold(act: string, p: number): number {
  const max: Record<string, number> = { sigmoid: 0.25, softmax: 0.25, tanh: 1, relu: 1, softplus: 1, step: 1 };
  return SATURATION * (act === 'elu' ? Math.max(1, p) : (max[act] ?? 0));
}

/** One layer's sums from one diagnosed step, as the kernels leave them (src/core/core.ts reads them). */
export interface LayerSums {
  /** rows × units of the batch. */
  elements: number;
  saturated: number;
  squares: number;
  /** Saturated and wrong outputs; undefined where it does not apply (not an mse output layer). */
  wrong?: number;
  absDelta: number;
  /** Σ(ΔW)², ΣW² (before the step), Σ(∂C/∂W)², and the count of W's entries. */
  dW2: number;
  W2: number;
  g2: number;
  weights: number;
  /** relu family: units with z ≤ 0 in every row diagnosed this epoch so far, and the units; else undefined. */
  deadUnits?: number;
  units: number;
}

/** Sums of nothing yet, for a layer of `weights` weights and `units` units. */
export const emptySums = (weights: number, units: number): LayerSums => ({
  elements: 0,
  saturated: 0,
  squares: 0,
  absDelta: 0,
  dW2: 0,
  W2: 0,
  g2: 0,
  weights,
  units,
});

/**
 * The diagnostics of an epoch, from the sums of its diagnosed steps (see LayerDiagnostics for the
 * means). add() allocates nothing: it runs after every diagnosed step, on small networks too.
 */
export class EpochDiagnostics {
  /** Per layer: the sums over the epoch, and of the per-step gradNorm, updateRatio, weightRms. */
  private readonly sums: LayerSums[];
  private readonly ratios: { gradNorm: number; updateRatio: number; weightRms: number }[];
  private lastStep?: LayerSums[];
  batches = 0;

  constructor(
    readonly epoch: number,
    layers: number,
  ) {
    this.sums = Array.from({ length: layers }, () => emptySums(0, 0));
    this.ratios = this.sums.map(() => ({ gradNorm: 0, updateRatio: 0, weightRms: 0 }));
  }

  /** Add one step's sums (read, not kept past the next step). */
  add(step: LayerSums[]): void {
    this.batches++;
    this.lastStep = step;
    step.forEach((s, l) => {
      const t = this.sums[l],
        r = this.ratios[l];
      t.elements += s.elements;
      t.saturated += s.saturated;
      t.squares += s.squares;
      t.absDelta += s.absDelta;
      if (s.wrong !== undefined) t.wrong = (t.wrong ?? 0) + s.wrong;
      t.deadUnits = s.deadUnits;
      t.units = s.units;
      r.gradNorm += gradNorm(s);
      r.updateRatio += updateRatio(s);
      r.weightRms += weightRms(s);
    });
  }

  /** The last step's diagnostics (dead: over the epoch so far). */
  last(): LayerDiagnostics[] {
    return this.lastStep!.map((s) => layer(s, ratiosOf(s)));
  }

  /** The epoch's: fractions and RMS over all its diagnosed elements, norms and ratios averaged over its steps. */
  result(): LayerDiagnostics[] {
    const n = this.batches;
    return this.sums.map((s, l) => {
      const r = this.ratios[l];
      return layer(s, { gradNorm: r.gradNorm / n, updateRatio: r.updateRatio / n, weightRms: r.weightRms / n });
    });
  }
}

const gradNorm = (s: LayerSums) => Math.sqrt(s.g2);
const updateRatio = (s: LayerSums) => (s.W2 > 0 ? Math.sqrt(s.dW2 / s.W2) : 0);
const weightRms = (s: LayerSums) => Math.sqrt(s.W2 / s.weights);
const ratiosOf = (s: LayerSums) => ({ gradNorm: gradNorm(s), updateRatio: updateRatio(s), weightRms: weightRms(s) });

function layer(s: LayerSums, r: { gradNorm: number; updateRatio: number; weightRms: number }): LayerDiagnostics {
  const d: LayerDiagnostics = {
    saturated: s.saturated / s.elements,
    dead: s.deadUnits === undefined ? null : s.deadUnits / s.units,
    gradNorm: r.gradNorm,
    deltaMean: s.absDelta / s.elements,
    updateRatio: r.updateRatio,
    weightRms: r.weightRms,
    activationRms: Math.sqrt(s.squares / s.elements),
  };
  if (s.wrong !== undefined) d.saturatedWrong = s.wrong / s.elements;
  return d;
}

/** fit's `diagnostics` option as "every how many batches" (0: off), or an Error saying what was expected. */
export function diagnosticsEvery(option: unknown): number {
  if (option === undefined || option === false) return 0;
  if (option === true) return 1;
  const every = (option as { every?: unknown } | null)?.every;
  if (
    typeof option === 'object' &&
    option !== null &&
    Object.keys(option).length === 1 &&
    Number.isInteger(every) &&
    (every as number) >= 1
  )
    return every as number;
  throw new Error(
    `diagnostics must be true, false or { every: N } with N an integer ≥ 1 (every Nth batch), got ${JSON.stringify(option)}`,
  );
}
