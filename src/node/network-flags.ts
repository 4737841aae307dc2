// The flags that describe a network (--layers, --activation, --output, --loss, --init, --seed), their
// help and their checks: one parser for every command that builds an MNIST network.
import {
  ACTIVATION_NAMES,
  INIT_NAMES,
  LOSS_NAMES,
  type ActivationName,
  type InitName,
  type LayerSpec,
  type LossName,
} from '../index.js';
import { int, oneOf, UsageError } from './args.js';

export const HIDDEN_ACTIVATIONS = ACTIVATION_NAMES.filter((a) => a !== 'softmax');

export const NETWORK_OPTIONS = {
  layers: { type: 'string' },
  activation: { type: 'string' },
  output: { type: 'string' },
  loss: { type: 'string' },
  init: { type: 'string' },
  seed: { type: 'string' },
} as const;

/** The help lines of NETWORK_OPTIONS but --seed (whose meaning each command says). */
export const NETWORK_HELP = `  --layers LIST           units of each layer after the 784 inputs, comma-separated (default 128,10)
  --activation NAME       hidden layers: ${HIDDEN_ACTIVATIONS.join(', ')} (default relu)
  --output NAME           last layer (default softmax for cross-entropy, sigmoid for mse)
  --loss NAME             ${LOSS_NAMES.join(' | ')} (default cross-entropy)
  --init NAME             ${INIT_NAMES.join(' | ')} (default: he for relu-like, xavier otherwise)`;

export interface NetworkFlags {
  layers: LayerSpec[];
  loss: LossName;
  init: InitName | undefined;
  seed: number;
}

/** The network the flags describe, every value checked (a UsageError names the flag). */
export function networkFlags(o: { [K in keyof typeof NETWORK_OPTIONS]?: string }): NetworkFlags {
  const loss = oneOf<LossName>('loss', o.loss ?? 'cross-entropy', LOSS_NAMES);
  if (o.activation === 'softmax')
    throw new UsageError('--activation softmax is only allowed for the output layer (--output softmax)');
  const activation = oneOf<ActivationName>('activation', o.activation ?? 'relu', HIDDEN_ACTIVATIONS);
  const output = oneOf<ActivationName>(
    'output',
    o.output ?? (loss === 'mse' ? 'sigmoid' : 'softmax'),
    ACTIVATION_NAMES,
  );
  for (const [flag, name] of [
    ['activation', activation],
    ['output', output],
  ] as const)
    if (name === 'step')
      throw new UsageError(
        `--${flag} step cannot be trained: the step function's derivative is 0 wherever it exists, so no error signal reaches the weights before it (use sigmoid, a smooth step, or relu)`,
      );
  if (loss === 'cross-entropy' && output !== 'softmax' && output !== 'sigmoid')
    throw new UsageError(
      `--output ${output} cannot go with --loss cross-entropy, which needs probabilities: --output softmax or sigmoid (or --loss mse)`,
    );
  const layersFlag = o.layers ?? '128,10';
  const units = layersFlag.split(',').map((u) => int('layers', u.trim(), 1, 1 << 24)!);
  if (units.at(-1) !== 10)
    throw new UsageError(`--layers must end with 10 units (one per MNIST digit), got ${layersFlag}`);
  const seed = int('seed', o.seed ?? '1', 0, 0xffffffff)!;
  const init = o.init === undefined ? undefined : oneOf<InitName>('init', o.init, INIT_NAMES);
  const layers = units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? output : activation }));
  return { layers, loss, init, seed };
}
