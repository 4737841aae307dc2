// The parameter block's layout: [W¹ b¹ W² b² …] in f32, each tensor where the one before ends.
// The gradients, the snapshot's copies and the optimizer's moments are blocks of this layout at
// bases of their own, so one offset finds a weight, its gradient and its moments.
import { ACTIVATIONS } from '../activations.js';
import { activationOf, type NetworkConfig } from '../config.js';
import type { Layer } from './backprop.js';
import type { Tensor } from './optimizer.js';

/** Layer l's shape and activation, and where its W and b are: byte offsets from the block's start. */
export interface LayerSlot {
  nIn: number;
  nOut: number;
  /** Activation id (src/ids.ts) and its parameter. */
  act: number;
  p: number;
  wOff: number;
  bOff: number;
}

export class Layout {
  readonly slots: LayerSlot[] = [];
  /** The tensors an update goes over, in block order: W (weight decay applies) then b, per layer. */
  readonly tensors: Tensor[] = [];
  /** The block's size, and the width of the last layer (the network's outputs). */
  readonly bytes: number;
  readonly outputs: number;

  constructor(config: Pick<Required<NetworkConfig>, 'inputs' | 'layers'>) {
    let nIn = config.inputs,
      offset = 0;
    config.layers.forEach((spec, l) => {
      const info = ACTIVATIONS[activationOf(config.layers, l)];
      const wOff = offset,
        bOff = offset + 4 * nIn * spec.units;
      this.slots.push({ nIn, nOut: spec.units, act: info.id, p: spec.alpha ?? info.param ?? 0, wOff, bOff });
      this.tensors.push(
        { offset: wOff, n: nIn * spec.units, decay: true },
        { offset: bOff, n: spec.units, decay: false },
      );
      offset = bOff + 4 * spec.units;
      nIn = spec.units;
    });
    this.bytes = offset;
    this.outputs = nIn;
  }

  /** The layers with their pointers, for parameters at `params` and gradients at `grads`. */
  layers(params: number, grads: number): Layer[] {
    return this.slots.map(({ nIn, nOut, act, p, wOff, bOff }) => ({
      nIn,
      nOut,
      act,
      p,
      W: params + wOff,
      b: params + bOff,
      dW: grads + wOff,
      db: grads + bOff,
    }));
  }
}
