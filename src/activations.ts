// Activation names ↔ kernel ids (assembly/activation.ts), and what we know about each.

export type ActivationName = 'identity' | 'step' | 'sigmoid' | 'tanh' | 'relu' | 'leaky-relu' | 'elu' | 'softplus' | 'softmax';

export interface ActivationInfo {
  id: number;
  /** Output range of f. */
  range: [number, number];
  /** Where f' → 0: 'none', 'soft' (asymptotically, like sigmoid), 'hard' (f' = 0 wherever it exists: step). */
  saturation: { left: 'none' | 'soft' | 'hard'; right: 'none' | 'soft' | 'hard' };
  /** Can backpropagation train a layer with this activation? (false only for step) */
  trainable: boolean;
  /** Default parameter (leaky-relu slope, elu alpha), if the activation takes one. */
  param?: number;
  /** The initializer that keeps its signal variance steady. */
  init: 'he' | 'xavier';
}

export const ACTIVATIONS: Record<ActivationName, ActivationInfo> = {
  identity: { id: 0, range: [-Infinity, Infinity], saturation: { left: 'none', right: 'none' }, trainable: true, init: 'xavier' },
  step: { id: 1, range: [0, 1], saturation: { left: 'hard', right: 'hard' }, trainable: false, init: 'xavier' },
  sigmoid: { id: 2, range: [0, 1], saturation: { left: 'soft', right: 'soft' }, trainable: true, init: 'xavier' },
  tanh: { id: 3, range: [-1, 1], saturation: { left: 'soft', right: 'soft' }, trainable: true, init: 'xavier' },
  relu: { id: 4, range: [0, Infinity], saturation: { left: 'hard', right: 'none' }, trainable: true, init: 'he' },
  'leaky-relu': { id: 5, range: [-Infinity, Infinity], saturation: { left: 'none', right: 'none' }, trainable: true, param: 0.01, init: 'he' },
  elu: { id: 6, range: [-1, Infinity], saturation: { left: 'soft', right: 'none' }, trainable: true, param: 1, init: 'he' },
  softplus: { id: 7, range: [0, Infinity], saturation: { left: 'soft', right: 'none' }, trainable: true, init: 'he' },
  softmax: { id: 8, range: [0, 1], saturation: { left: 'soft', right: 'soft' }, trainable: true, init: 'xavier' },
};

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/** Look up an activation by name, with an error that lists the known ones. */
export function activation(name: string, where: string): ActivationInfo & { name: ActivationName } {
  if (!Object.hasOwn(ACTIVATIONS, name)) {
    throw new Error(`${where}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATION_NAMES.join(', ')}`);
  }
  return { ...ACTIVATIONS[name as ActivationName], name: name as ActivationName };
}
