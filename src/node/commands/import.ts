// `wasmlp import`: a TensorFlow.js layers model (Sequential, Dense layers) as a wasmlp model file.
import { LOSS_NAMES } from '../../index.js';
import { int, oneOf, parse, path } from '../args.js';
import { checkWritable, loadTfjs, saveModel } from '../files.js';
import { describe } from '../format.js';

export const IMPORT_HELP = `Usage: wasmlp import --tfjs model.json --out FILE [options]

Reads a TensorFlow.js layers model (model.json and the weights files its manifest names, which
must be regular files inside model.json's folder, named by plain relative paths without ..) and
writes a wasmlp model file, to evaluate, predict with, or train on (train --resume FILE).
It takes Sequential models of Dense layers (linear, sigmoid, tanh, relu, softplus, elu, softmax),
each optionally followed by an Activation, ReLU, LeakyReLU, ELU or Softmax layer. Anything else
(other layers or activations, regularizers, constraints, frozen layers) is refused, naming the layer.

Options:
  --tfjs FILE       the model.json (required)
  --out FILE        the model file to write (required)
  --loss NAME       mse | cross-entropy (default: the loss the model records; required if it has none)
  --seed N          the seed of further training's shuffles (default 1)
  -h, --help        show this help
`;

export async function importModel(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    { tfjs: { type: 'string' }, out: { type: 'string' }, loss: { type: 'string' }, seed: { type: 'string' } },
    IMPORT_HELP,
  );
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined>;
  const file = path('tfjs', o.tfjs, true);
  const out = path('out', o.out, true);
  const loss = o.loss === undefined ? undefined : oneOf('loss', o.loss, LOSS_NAMES);
  const seed = int('seed', o.seed, 0, 0xffffffff);
  await checkWritable(out, 'out');
  const net = await loadTfjs(file, { loss, seed });
  await saveModel(net, out, { meta: { importedFrom: file } });
  process.stdout.write(
    `wrote ${out}: ${describe(net.config.inputs, net.config.layers)}, loss ${net.config.loss}, ${net.parameterCount} parameters, from ${file}\n`,
  );
}
