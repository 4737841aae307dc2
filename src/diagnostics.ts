// Diagnostics: how each layer learns, measured during fit() from the buffers a training step
// already holds (z, a, δ, ∂C/∂W and the update). One name and one definition per quantity,
// used by the library, `--json`, the CLI table, the report and the demo (README, "Diagnostics").

/**
 * f′ below this fraction of its largest value counts as saturated, for the activations that
 * saturate (ACTIVATIONS[name].saturation): sigmoid, tanh, softmax (its a(1 − a)), elu and softplus
 * on the left, relu where z ≤ 0 (f′ = 0: hard), step everywhere (hard). identity and leaky-relu
 * (whose slope α on the left is constant, never 0) never saturate.
 */
export const SATURATION = 0.1;

/** One layer's diagnostics (l = 1 is the first hidden layer), over the diagnosed batches of an epoch. */
export interface LayerDiagnostics {
  /** Fraction of the (row, unit) pairs saturated (see SATURATION): where BP2's ⊙ f′(z) shrinks δ. */
  saturated: number;
  /** relu and leaky-relu only (else null): fraction of units with zˡ ≤ 0 for every diagnosed row of the epoch. */
  dead: number | null;
  /** ‖∂C/∂Wˡ‖ (Frobenius; BP4's batch-mean gradient of the cost, without L2): mean over the diagnosed batches. */
  gradNorm: number;
  /** Mean |δˡ| over rows and units (BP1 for the output layer, BP2 below it). */
  deltaMean: number;
  /** ‖ΔWˡ‖ / ‖Wˡ‖: the optimizer's change of the weights in a step over their size before it, mean over the batches. */
  updateRatio: number;
  /** √(mean of (Wˡ)²) before each step, mean over the batches. */
  weightRms: number;
  /** √(mean of (aˡ)²) over rows and units. */
  activationRms: number;
  /**
   * The output layer under the quadratic cost only: fraction of the outputs that are saturated and
   * wrong (|a − y| > 0.5), which BP1's σ′(zᴸ) factor makes learn slowly. Absent elsewhere.
   */
  saturatedWrong?: number;
}

/** The names above, in the order tables show them. */
export const DIAGNOSTIC_NAMES = [
  'saturated',
  'dead',
  'gradNorm',
  'deltaMean',
  'updateRatio',
  'weightRms',
  'activationRms',
  'saturatedWrong',
] as const satisfies readonly (keyof LayerDiagnostics)[];
