// `wasmlp predict`: classify PNG/PGM pictures or the images of an IDX file with a model file.
import { basename } from 'node:path';
import { Dataset, mnistDigit, Network, parseIdxImages, parseIdxLabels } from '../../index.js';
import { count, int, oneOf, parse, path, pct, UsageError } from '../args.js';
import { isEnsemble, readInput, readModelFile } from '../files.js';
import { classify } from '../format.js';
import { readGreyImage, toMnistPolarity } from '../images.js';
import { isTable, predictTable, refuseTableModel } from './tables.js';

const log = (line: string) => process.stdout.write(line + '\n');

export const PREDICT_HELP = `Usage: wasmlp predict --model FILE [options] [IMAGE ...]
       wasmlp predict --model FILE [--top K] [--out FILE.csv] ROWS.csv

Classifies images and prints, for each, the predicted label and the top probabilities.
IMAGE is a PNG or PGM (P2/P5) picture of at most 4096×4096 pixels (checked in its header before it
is decoded); colour is reduced to grey, and since MNIST digits are
light on dark, a picture with a light border (a dark digit on white) is inverted (see --invert).
A 28×28 picture is taken as it is; for a 784-input model, a picture of any other size is brought
to MNIST's form (scaled into a 20×20 box, centred by mass in 28×28), as MNIST's digits were. With --images, classifies the
images of an IDX file instead of (or as well as) pictures.

With a model trained on a table (or an ensemble file of 'wasmlp search --ensemble': the mean of
its members' outputs), ROWS.csv (the feature columns of its training table, in any
order; other columns are kept as they are) is written back as CSV, to stdout or --out, with a
"prediction" column: the class name, or the predicted value in the target's units (several
targets: one "predicted_NAME" column each). With --top K, a classification adds the
probability of the prediction and the next K − 1 classes with theirs.

Options:
  --model FILE        a model or checkpoint file, or an ensemble file (with ROWS.csv)
  --images FILE       an IDX images file (raw or .gz), e.g. t10k-images-idx3-ubyte
  --labels FILE       the matching IDX labels file: marks each answer right or wrong, prints the accuracy
  --limit N           only the first N images of --images
  --top K             how many of the most probable labels to print (default 3; a table: 0)
  --out FILE          a table: write the CSV there instead of stdout
  --invert MODE       auto | yes | no (default auto)
  --backend NAME      wasm | js (default wasm)
  --json              make the last line of stdout one JSON object:
                      { "predictions": [{ "source", "label", "top": [{ "label", "p" }], "trueLabel"? }], "accuracy"? };
                      a table: { "task", "predictions": [{ "row", "label", "top" } for a class (top: the
                      --top most probable, at least 1), or { "row", "values": { TARGET: value } }] },
                      instead of the CSV on stdout (--out still writes the CSV)
  -h, --help          show this help
`;

interface Prediction {
  source: string;
  inverted?: boolean;
  scaled?: boolean;
  label: number;
  top: { label: number; p: number }[];
  trueLabel?: number;
}

export async function predict(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    {
      model: { type: 'string' },
      images: { type: 'string' },
      labels: { type: 'string' },
      limit: { type: 'string' },
      top: { type: 'string' },
      invert: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
    },
    PREDICT_HELP,
    true,
  );
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined> & { json?: boolean };
  const file = path('model', o.model, true);
  const tables = parsed.positionals.filter(isTable);
  if (tables.length) {
    if (tables.length > 1 || parsed.positionals.length > 1 || o.images || o.invert || o.limit)
      throw new UsageError('predict on a table takes one ROWS.csv, and no pictures, --images, --limit or --invert');
    const backend = oneOf('backend', o.backend ?? 'wasm', ['wasm', 'js'] as const);
    const top = int('top', o.top, 1, 1000);
    return predictTable(file, tables[0], { out: path('out', o.out), top, backend, json: o.json });
  }
  if (o.out) throw new UsageError('--out applies to predicting a table (ROWS.csv)');
  const idx = path('images', o.images),
    labelsFile = path('labels', o.labels);
  if (labelsFile && !idx) throw new UsageError('--labels goes with --images (the IDX images it labels)');
  const limit = int('limit', o.limit, 1);
  if (limit !== undefined && !idx) throw new UsageError('--limit applies to --images');
  const top = int('top', o.top ?? '3', 1, 1000)!;
  const invert = oneOf('invert', o.invert ?? 'auto', ['auto', 'yes', 'no'] as const);
  const backend = oneOf('backend', o.backend ?? 'wasm', ['wasm', 'js'] as const);
  const pictures = parsed.positionals;
  const pass = 'ROWS.csv (rows with the feature columns of its training table)';
  if (!idx && !pictures.length) {
    // Which input is missing depends on the model: say so for one trained on a table.
    const bytes = await readModelFile(file).catch(() => undefined);
    if (bytes) refuseTableModel(bytes, file, pass);
    throw new UsageError('give PNG or PGM image files, or --images FILE (an IDX images file)');
  }
  if (await isEnsemble(file))
    throw new UsageError(`${file} is an ensemble (of a search on a table): predict takes it with ROWS.csv`);
  const bytes = await readModelFile(file);
  refuseTableModel(bytes, file, pass);
  const net = await Network.fromBytes(bytes, { backend, name: file });
  const inputs = [
    ...(await readPictures(pictures, net, file, invert)),
    ...(idx ? await readIdx(idx, labelsFile, limit, net, file) : []),
  ];
  report(rank(net, inputs, top), o.json);
}

/** An input to classify: where it came from, its pixels as the model takes them, its label if known. */
interface Input {
  source: string;
  pixels: Uint8Array;
  trueLabel?: number;
  inverted: boolean;
  scaled: boolean;
}

/** The pictures, each brought to the model's polarity and (for a 784-input model) MNIST's form. */
async function readPictures(
  pictures: string[],
  net: Network,
  file: string,
  invert: 'auto' | 'yes' | 'no',
): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const p of pictures) {
    const img = await readGreyImage(p);
    const exact = img.width * img.height === net.inputs;
    if (!exact && net.inputs !== 784) {
      throw new Error(
        `${p} is ${img.width}×${img.height} = ${img.width * img.height} pixels, but ${file} takes ${net.inputs} inputs; resize the picture first`,
      );
    }
    const { pixels, inverted } = toMnistPolarity(img, invert);
    // A picture of another size is brought to MNIST's form: scaled into 20×20, centred by mass in 28×28.
    const digit = exact
      ? pixels
      : mnistDigit(
          Float32Array.from(pixels, (v) => v / 255),
          img.width,
          img.height,
        );
    if (!digit)
      throw new Error(
        `${p} is blank: no digit to classify${inverted ? ' (after inverting it: it has a light border)' : ''}`,
      );
    inputs.push({
      source: p,
      pixels: exact ? pixels : Uint8Array.from(digit as Float32Array, (v) => Math.round(v * 255)),
      inverted,
      scaled: !exact,
    });
  }
  return inputs;
}

/** The first `limit` images of an IDX file, with their labels from `labelsFile` if given. */
async function readIdx(
  idx: string,
  labelsFile: string | undefined,
  limit: number | undefined,
  net: Network,
  file: string,
): Promise<Input[]> {
  const images = await parseIdxImages(await readInput(idx, 'IDX images file'), idx);
  if (images.rows * images.cols !== net.inputs)
    throw new Error(`${idx} holds ${images.rows}×${images.cols} images, but ${file} takes ${net.inputs} inputs`);
  const labels = labelsFile
    ? await parseIdxLabels(await readInput(labelsFile, 'IDX labels file'), labelsFile)
    : undefined;
  if (labels && labels.length !== images.count)
    throw new Error(`${idx} has ${images.count} images but ${labelsFile} has ${labels.length} labels`);
  const n = Math.min(limit ?? images.count, images.count),
    w = net.inputs;
  return Array.from({ length: n }, (_, i) => ({
    source: `${basename(idx)}[${i}]`,
    pixels: images.pixels.subarray(i * w, (i + 1) * w),
    trueLabel: labels?.[i],
    inverted: false,
    scaled: false,
  }));
}

/** Each input's predicted label and its `top` most probable labels. */
function rank(net: Network, inputs: Input[], top: number): Prediction[] {
  const features = new Uint8Array(inputs.length * net.inputs);
  inputs.forEach((r, i) => features.set(r.pixels, i * net.inputs));
  const data = Dataset.fromArrays(features, new Uint8Array(inputs.length), net.inputs);
  const { predicted, probabilities } = classify(net, data);
  return inputs.map(({ source, inverted, scaled, trueLabel }, i) => {
    // Most probable first; of equals, the predicted class first, then by label.
    const first = (label: number) => (label === predicted[i] ? -1 : label);
    const ranked = probabilities[i]
      .map((p, label) => ({ label, p }))
      .sort((a, b) => b.p - a.p || first(a.label) - first(b.label));
    const pr: Prediction = {
      source,
      ...(inverted ? { inverted: true } : {}),
      ...(scaled ? { scaled: true } : {}),
      label: predicted[i],
      top: ranked.slice(0, top),
    };
    if (trueLabel !== undefined) pr.trueLabel = trueLabel;
    return pr;
  });
}

/** One line per prediction, the accuracy over the labelled ones, and with --json the JSON line. */
function report(predictions: Prediction[], json: boolean | undefined): void {
  const shown = predictions.map((p) => {
    const notes = [p.inverted && 'inverted', p.scaled && 'scaled to 28×28'].filter(Boolean);
    return notes.length ? `${p.source} (${notes.join(', ')})` : p.source;
  });
  const width = shown.reduce((m, s) => Math.max(m, s.length), 0);
  for (const [i, p] of predictions.entries()) {
    const mark = p.trueLabel === undefined ? '' : p.trueLabel === p.label ? '  ✓' : `  ✗ (true ${p.trueLabel})`;
    log(
      `${shown[i].padEnd(width)}  ${p.label}  ${p.top.map((t) => `${t.label}: ${t.p.toFixed(3)}`).join('  ')}${mark}`,
    );
  }
  const judged = predictions.filter((p) => p.trueLabel !== undefined);
  const accuracy = judged.length ? judged.filter((p) => p.trueLabel === p.label).length / judged.length : undefined;
  if (accuracy !== undefined) log(`accuracy ${pct(accuracy)} on ${count(judged.length)} labelled images`);
  if (json) log(JSON.stringify(accuracy === undefined ? { predictions } : { predictions, accuracy }));
}
