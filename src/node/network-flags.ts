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
import { int, oneOf, real, UsageError } from './args.js';

export const HIDDEN_ACTIVATIONS = ACTIVATION_NAMES.filter((a) => a !== 'softmax');

export const NETWORK_OPTIONS = {
  layers: { type: 'string' },
  activation: { type: 'string' },
  output: { type: 'string' },
  loss: { type: 'string' },
  init: { type: 'string' },
  seed: { type: 'string' },
  dropout: { type: 'string' },
  'input-dropout': { type: 'string' },
} as const;

/** --init's help (compare's network flags are lists, with their own help, but for this one). */
export const INIT_HELP = `  --init NAME             ${INIT_NAMES.join(' | ')} (default: he for relu-like, xavier otherwise;
                          network2: weights N(0, 1/inputs), biases N(0, 1))`;

/** The help lines of NETWORK_OPTIONS but --seed (whose meaning each command says). */
export const NETWORK_HELP = `  --layers LIST           units of each layer after the 784 inputs, comma-separated (default 128,10)
  --activation NAME       hidden layers: ${HIDDEN_ACTIVATIONS.join(', ')} (default relu)
  --output NAME           last layer (default softmax for cross-entropy, sigmoid for mse)
  --loss NAME             ${LOSS_NAMES.join(' | ')} (default cross-entropy)
${INIT_HELP}
  --dropout P             drop the fraction P of every hidden layer's units while training
                          (inverted dropout: the rest scaled by 1/(1 − P); none when evaluating)
  --input-dropout P       drop the fraction P of the inputs while training (default 0)`;

export interface NetworkFlags {
  layers: LayerSpec[];
  loss: LossName;
  init: InitName | undefined;
  seed: number;
  inputDropout: number;
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
  const fraction = (flag: string, v: string | undefined) =>
    real(flag, v, (x) => x >= 0 && x < 1, 'a fraction P with 0 ≤ P < 1 (the share dropped)') ?? 0;
  const dropout = fraction('dropout', o.dropout),
    inputDropout = fraction('input-dropout', o['input-dropout']);
  if (dropout && units.length === 1)
    throw new UsageError('--dropout applies to hidden layers, and --layers has none (give e.g. --layers 128,10)');
  const layers = units.map((u, i) => ({
    units: u,
    activation: i === units.length - 1 ? output : activation,
    ...(dropout && i < units.length - 1 && { dropout }),
  }));
  return { layers, loss, init, seed, inputDropout };
}
