// `wasmlp import`: a TensorFlow.js layers model (Sequential, Dense layers) as a wasmlp model file.
import { dirname, isAbsolute, resolve } from 'node:path';
import { LOSS_NAMES, Network } from '../../index.js';
import { int, oneOf, parse, path } from '../args.js';
import { checkWritable, readInput, saveModel } from '../files.js';
import { describe } from '../format.js';

export const IMPORT_HELP = `Usage: wasmlp import --tfjs model.json --out FILE [options]

Reads a TensorFlow.js layers model (model.json and the weights files its manifest names, beside
it) and writes a wasmlp model file, to evaluate, predict with, or train on (train --resume FILE).
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
  const text = (await readInput(file, 'model.json', 64 * 2 ** 20)).toString('utf8');
  let json: { weightsManifest?: { paths?: unknown }[] };
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.replace(/[^\x20-\x7e]+/g, ' '); // one printable line, whatever the file held
    throw new Error(`${file} is not JSON (${why}); expected a TensorFlow.js model.json`);
  }
  // The weights files, in manifest order, from beside model.json.
  const paths = Array.isArray(json?.weightsManifest) ? json.weightsManifest.flatMap((g) => g?.paths ?? []) : [];
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    if (typeof p !== 'string' || p.includes('://') || isAbsolute(p))
      throw new Error(
        `${file} names the weights file ${JSON.stringify(p)}; expected a path relative to model.json's folder (download remote weights first)`,
      );
    parts.push(await readInput(resolve(dirname(file), p), 'weights file'));
  }
  const weights = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (weights.set(p, at), at + p.length), 0);
  const net = await Network.fromTfjs(json as never, weights, { loss, seed });
  await saveModel(net, out, { meta: { importedFrom: file } });
  process.stdout.write(
    `wrote ${out}: ${describe(net.config.inputs, net.config.layers)}, loss ${net.config.loss}, ${net.parameterCount} parameters, from ${file}\n`,
  );
}
