// `wasmlp export`: a model file as an ONNX model or a TensorFlow.js layers model.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ensemble } from '../../index.js';
import { oneOf, parse, path, UsageError } from '../args.js';
import { checkWritable, fileError, isEnsemble, loadModel, readModelFile, writeFileAtomic } from '../files.js';
import { describe } from '../format.js';

export const EXPORT_HELP = `Usage: wasmlp export --model FILE --format onnx|tfjs --out PATH

Writes a model for other engines to run:
  onnx    one .onnx file (opset 13: a Gemm and an activation per layer, input "input" [N, inputs],
          output "output" [N, outputs]) for ONNX Runtime in browsers, Node, Python, C++, mobile
  tfjs    a folder holding model.json and model.weights.bin, the TensorFlow.js layers format
          (tf.loadLayersModel('…/model.json')); the folder is made if missing
A layer TensorFlow.js or ONNX cannot compute exactly (step; elu with alpha ≠ 1 for tfjs) is refused
and nothing is written. An ensemble file ('wasmlp search --ensemble') exports to onnx only: every
member's graph on the one input, and their Mean as the output.

Options:
  --model FILE      a model, checkpoint or ensemble file (required)
  --format NAME     onnx | tfjs (required)
  --out PATH        the .onnx file, or the folder for tfjs (required)
  -h, --help        show this help
`;

export async function exportModel(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    { model: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
    EXPORT_HELP,
  );
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined>;
  const file = path('model', o.model, true);
  if (o.format === undefined) throw new UsageError('--format is required: onnx or tfjs');
  const format = oneOf('format', o.format, ['onnx', 'tfjs'] as const);
  const out = path('out', o.out, true);
  if (await isEnsemble(file)) return exportEnsemble(file, format, out);
  const net = await loadModel(file);
  // Everything is encoded (and refused, if it must be) before anything is written.
  const shape = describe(net.config.inputs, net.config.layers);
  if (format === 'onnx') {
    const bytes = net.toOnnx();
    await checkWritable(out, 'out');
    await writeFileAtomic(out, bytes);
    process.stdout.write(`wrote ${out}: ONNX model (opset 13) of ${shape}, ${bytes.length} bytes\n`);
    return;
  }
  const { modelJson, weights } = net.toTfjs();
  const s = await stat(out).catch(() => undefined);
  if (s && !s.isDirectory())
    throw new Error(`--out ${out}: it is a file; tfjs writes a folder (model.json and its weights)`);
  if (!s)
    await mkdir(out, { recursive: true }).catch((e) => {
      throw fileError('make the folder', out, e);
    });
  const weightsFile = join(out, modelJson.weightsManifest[0].paths[0]);
  await writeFileAtomic(weightsFile, weights); // first, so model.json never names a file not yet there
  await writeFileAtomic(join(out, 'model.json'), JSON.stringify(modelJson));
  process.stdout.write(
    `wrote ${join(out, 'model.json')} and ${weightsFile}: TensorFlow.js layers model of ${shape}, ${weights.length} bytes of weights\n`,
  );
}

/** An ensemble as one ONNX model (the mean of its members' graphs); TensorFlow.js layers have no mean of models. */
async function exportEnsemble(file: string, format: 'onnx' | 'tfjs', out: string): Promise<void> {
  if (format !== 'onnx')
    throw new UsageError(`${file} is an ensemble: it exports to onnx (the mean of its members' graphs), not to tfjs`);
  const ensemble = await Ensemble.fromBytes(await readModelFile(file), { name: file });
  const bytes = ensemble.toOnnx();
  await checkWritable(out, 'out');
  await writeFileAtomic(out, bytes);
  process.stdout.write(
    `wrote ${out}: ONNX model (opset 13) of the mean of ${ensemble.size} networks, ${bytes.length} bytes\n`,
  );
}
