// Activation names ↔ kernel ids (assembly/activation.ts), and what we know about each.
import { referenceKernels } from './reference/index.js';

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

/**
 * f(z) and f'(z) at each z (the reference formulas, the same the kernels use), e.g. to plot an
 * activation and see where it saturates. Softmax is treated as one row over all of z.
 */
export function activationCurve(name: ActivationName, z: Float32Array, alpha?: number): { f: Float32Array; df: Float32Array } {
  const info = activation(name, 'activationCurve');
  const n = z.length;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((12 * n + 64) / 65536) || 1 });
  const k = referenceKernels(memory);
  const F = new Float32Array(memory.buffer);
  const zp = 16, ap = zp + 4 * n, dp = ap + 4 * n;
  F.set(z, zp >> 2);
  F.fill(1, dp >> 2, (dp >> 2) + n);
  k.activate(info.id, zp, ap, 1, n, alpha ?? info.param ?? 0);
  k.mulDerivative(info.id, zp, ap, dp, 1, n, alpha ?? info.param ?? 0);
  return { f: F.slice(ap >> 2, (ap >> 2) + n), df: F.slice(dp >> 2, (dp >> 2) + n) };
}
