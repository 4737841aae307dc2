// The network and training flags on a table, shared by train, cv and search: parsed and checked
// once (a UsageError names the flag), with the table defaults, then made into the library's
// NetworkConfig and FitOptions for a given table.
import {
  DEFAULT_LEARNING_RATES,
  INIT_NAMES,
  OPTIMIZER_NAMES,
  SCALE_NAMES,
  type ActivationName,
  type FitOptions,
  type InitName,
  type NetworkConfig,
  type OptimizerConfig,
  type ScaleName,
  type TableSchema,
} from '../index.js';
import { int, oneOf, real, threadCount, UsageError } from './args.js';
import { HIDDEN_ACTIVATIONS } from './network-flags.js';
import { parseSchedule } from './schedule-flag.js';

export type Flags = Record<string, string | boolean | undefined>;
const str = (o: Flags, k: string) => o[k] as string | undefined;

/** The flags that say how a table's network is built and trained (train, cv and search take them all). */
export const TABLE_SETTING_FLAGS = [
  ...['layers', 'activation', 'init', 'seed', 'dropout', 'input-dropout', 'scale', 'epochs', 'batch'],
  ...['early-stop', 'validation-split', 'optimizer', 'lr', 'momentum', 'nesterov', 'l2', 'weight-decay'],
  ...['max-norm', 'schedule', 'backend', 'threads', 'fma'],
] as const;

export interface TableSettings {
  /** The hidden layers' units; undefined: defaultHidden of the table's inputs. */
  hidden: number[] | undefined;
  activation: ActivationName;
  init: InitName | undefined;
  dropout: number;
  inputDropout: number;
  seed: number;
  scale: ScaleName;
  /** The training rows' share held out for validation and early stopping (0: none). */
  split: number;
  patience: number;
  fit: Omit<FitOptions, 'validationSplit' | 'earlyStopping' | 'onEpochEnd' | 'onBatchEnd'>;
  backend: 'wasm' | 'js';
  threads: number | 'auto';
  fma: boolean;
}

/** Hidden layers for `inputs` features: two, of 2×inputs and half that, within [8, 128]. */
export const defaultHidden = (inputs: number): number[] => {
  const h = Math.min(128, Math.max(8, 2 * inputs));
  return [h, Math.max(8, h >> 1)];
};

/** "32,16" as hidden units (a UsageError names `flag`). */
export const hiddenUnits = (flag: string, text: string): number[] =>
  text.split(',').map((u) => int(flag, u.trim(), 1, 1 << 24)!);

/** The table flags' values checked, the table defaults filled in. */
export function tableSettings(o: Flags): TableSettings {
  const name = oneOf('optimizer', str(o, 'optimizer') ?? 'adam', OPTIMIZER_NAMES);
  const learningRate =
    real('lr', str(o, 'lr'), (x) => x > 0, 'a number > 0') ?? (name === 'adam' ? 0.01 : DEFAULT_LEARNING_RATES[name]);
  const momentum = real('momentum', str(o, 'momentum'), (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  if ((momentum !== undefined || o.nesterov) && name !== 'momentum')
    throw new UsageError(`--${momentum !== undefined ? 'momentum' : 'nesterov'} applies only to --optimizer momentum`);
  const optimizer: OptimizerConfig =
    name === 'momentum' ? { name, learningRate, momentum, nesterov: Boolean(o.nesterov) } : { name, learningRate };
  const fraction = (flag: string) =>
    real(flag, str(o, flag), (x) => x >= 0 && x < 1, 'a fraction P with 0 ≤ P < 1 (the share dropped)') ?? 0;
  const weightDecay = real('weight-decay', str(o, 'weight-decay'), (x) => x >= 0, 'a number ≥ 0');
  const maxNorm = real(
    'max-norm',
    str(o, 'max-norm'),
    (x) => x > 0,
    'a number > 0 (the largest norm of a unit’s weights)',
  );
  const schedule = str(o, 'schedule') === undefined ? undefined : parseSchedule(str(o, 'schedule')!);
  if (o.activation === 'softmax' || o.activation === 'step')
    throw new UsageError(`--activation ${o.activation} cannot be a hidden layer's (use relu, tanh or sigmoid)`);
  return {
    hidden: str(o, 'layers') === undefined ? undefined : hiddenUnits('layers', str(o, 'layers')!),
    activation: oneOf<ActivationName>('activation', str(o, 'activation') ?? 'relu', HIDDEN_ACTIVATIONS),
    init: str(o, 'init') === undefined ? undefined : oneOf<InitName>('init', str(o, 'init')!, INIT_NAMES),
    dropout: fraction('dropout'),
    inputDropout: fraction('input-dropout'),
    seed: int('seed', str(o, 'seed') ?? '1', 0, 0xffffffff)!,
    scale: oneOf('scale', str(o, 'scale') ?? 'standard', SCALE_NAMES),
    split: real(
      'validation-split',
      str(o, 'validation-split') ?? '0.2',
      (x) => x >= 0 && x < 1,
      'a fraction from 0 (no validation) up to 1 (exclusive)',
    )!,
    patience: int('early-stop', str(o, 'early-stop') ?? '20', 1)!,
    fit: {
      epochs: int('epochs', str(o, 'epochs') ?? '300', 1, 1e6)!,
      batchSize: int('batch', str(o, 'batch') ?? '32', 1, 1 << 24)!,
      optimizer,
      l2: real('l2', str(o, 'l2') ?? '0', (x) => x >= 0, 'a number ≥ 0')!,
      ...(weightDecay !== undefined && { weightDecay }),
      ...(maxNorm !== undefined && { maxNorm }),
      ...(schedule && { schedule }),
    },
    backend: oneOf('backend', str(o, 'backend') ?? 'wasm', ['wasm', 'js'] as const),
    threads: threadCount(str(o, 'threads')),
    fma: Boolean(o.fma),
  };
}

/** The network the settings describe for a table of `inputs` features: hidden layers, then the task's output layer. */
export function tableNetwork(s: TableSettings, schema: TableSchema, inputs: number): NetworkConfig {
  const hidden = s.hidden ?? defaultHidden(inputs);
  const outputs = schema.task === 'classification' ? schema.classes!.length : schema.targets.length;
  const output: ActivationName =
    schema.task === 'classification' ? 'softmax' : schema.task === 'regression' ? 'identity' : 'sigmoid';
  return {
    inputs,
    layers: [
      ...hidden.map((units) => ({ units, activation: s.activation, ...(s.dropout && { dropout: s.dropout }) })),
      { units: outputs, activation: output },
    ],
    loss: schema.task === 'regression' ? 'mse' : 'cross-entropy',
    ...(s.init && { init: s.init }),
    seed: s.seed,
    backend: s.backend,
    threads: s.threads,
    fma: s.fma,
    scale: s.scale,
    classes: schema.classes,
    ...(s.inputDropout && { inputDropout: s.inputDropout }),
  };
}

/** The fit the settings describe: with a validation split, early stopping that keeps the best epoch. */
export const tableFit = (s: TableSettings): FitOptions => ({
  ...s.fit,
  ...(s.split > 0 && { validationSplit: s.split, earlyStopping: { patience: s.patience, restoreBest: true } }),
});
