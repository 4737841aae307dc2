// What we know about each activation: its kernel id, range, saturation and trainability.
import { ACTIVATION_NAMES, type ActivationName } from './config.js';
import * as id from './ids.js';
import { Arena } from './memory.js';
import { referenceKernels } from './reference/index.js';

export type { ActivationName };
export { ACTIVATION_NAMES };

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
  identity: {
    id: id.IDENTITY,
    range: [-Infinity, Infinity],
    saturation: { left: 'none', right: 'none' },
    trainable: true,
    init: 'xavier',
  },
  step: { id: id.STEP, range: [0, 1], saturation: { left: 'hard', right: 'hard' }, trainable: false, init: 'xavier' },
  sigmoid: {
    id: id.SIGMOID,
    range: [0, 1],
    saturation: { left: 'soft', right: 'soft' },
    trainable: true,
    init: 'xavier',
  },
  tanh: { id: id.TANH, range: [-1, 1], saturation: { left: 'soft', right: 'soft' }, trainable: true, init: 'xavier' },
  relu: { id: id.RELU, range: [0, Infinity], saturation: { left: 'hard', right: 'none' }, trainable: true, init: 'he' },
  'leaky-relu': {
    id: id.LEAKY_RELU,
    range: [-Infinity, Infinity],
    saturation: { left: 'none', right: 'none' },
    trainable: true,
    param: 0.01,
    init: 'he',
  },
  elu: {
    id: id.ELU,
    range: [-1, Infinity],
    saturation: { left: 'soft', right: 'none' },
    trainable: true,
    param: 1,
    init: 'he',
  },
  softplus: {
    id: id.SOFTPLUS,
    range: [0, Infinity],
    saturation: { left: 'soft', right: 'none' },
    trainable: true,
    init: 'he',
  },
  softmax: {
    id: id.SOFTMAX,
    range: [0, 1],
    saturation: { left: 'soft', right: 'soft' },
    trainable: true,
    init: 'xavier',
  },
};

/**
 * f(z) and f'(z) at each z (the reference formulas, the same the kernels use), e.g. to plot an
 * activation and see where it saturates. Softmax is treated as one row over all of z.
 */
export function activationCurve(
  name: ActivationName,
  z: Float32Array,
  alpha?: number,
): { f: Float32Array; df: Float32Array } {
  if (!Object.hasOwn(ACTIVATIONS, name)) {
    throw new Error(
      `activationCurve: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATION_NAMES.join(', ')}`,
    );
  }
  const info = ACTIVATIONS[name];
  const n = z.length;
  const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 16);
  const k = referenceKernels(arena.memory);
  const zp = arena.alloc(4 * n),
    ap = arena.alloc(4 * n),
    dp = arena.alloc(4 * n);
  arena.f32(zp, n).set(z);
  arena.f32(dp, n).fill(1);
  const p = alpha ?? info.param ?? 0;
  k.activate(info.id, zp, ap, 1, n, p);
  k.mulDerivative(info.id, zp, ap, dp, 1, n, p);
  return { f: arena.f32(ap, n).slice(), df: arena.f32(dp, n).slice() };
}
