// Loss names → kernel ids. Cross-entropy takes the form its output layer needs: categorical
// −Σ y ln a for softmax, binary for sigmoid; both give δᴸ = a − y (validateConfig allows no other).
import type { ActivationName, LossName } from './config.js';
import { BCE, CE, MSE } from './ids.js';

export interface LossPlan {
  id: number;
  /** True when δᴸ = a − y already (the σ' factor of BP1 cancels). */
  cancelsDerivative: boolean;
}

export function lossPlan(name: LossName, output: ActivationName): LossPlan {
  if (name === 'mse') return { id: MSE, cancelsDerivative: false };
  return { id: output === 'softmax' ? CE : BCE, cancelsDerivative: true };
}
