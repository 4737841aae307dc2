// Loss names ↔ kernel ids (assembly/loss.ts). Cross-entropy takes the form its output layer
// needs: categorical −Σ y ln a for softmax, binary for sigmoid; both give δᴸ = a − y.
import type { ActivationName } from './activations.js';

export type LossName = 'mse' | 'cross-entropy';
export const LOSS_NAMES: LossName[] = ['mse', 'cross-entropy'];

const MSE = 0, CE = 1, BCE = 2;

export interface LossPlan {
  id: number;
  /** True when δᴸ = a − y already (the σ' factor of BP1 cancels). */
  cancelsDerivative: boolean;
}

export function lossPlan(name: string, output: ActivationName): LossPlan {
  if (name === 'mse') return { id: MSE, cancelsDerivative: false };
  if (name === 'cross-entropy') {
    if (output === 'softmax') return { id: CE, cancelsDerivative: true };
    if (output === 'sigmoid') return { id: BCE, cancelsDerivative: true };
    throw new Error(`loss "cross-entropy" needs a softmax or sigmoid output layer (its outputs are probabilities); the last layer is ${JSON.stringify(output)}`);
  }
  throw new Error(`unknown loss ${JSON.stringify(name)}; expected one of ${LOSS_NAMES.join(', ')}`);
}
