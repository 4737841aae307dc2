// Checkpoint folders: DIR/epoch-NNNN.wasmlp after every epoch, the latest one to resume from, and
// the best epoch's weights read back after an early stop.
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Network, type EarlyStopped } from '../index.js';
import { readModelFile } from './files.js';

const CHECKPOINT = /^epoch-(\d+)\.wasmlp$/;
export const checkpointName = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}.wasmlp`;

/** The checkpoint to resume from: the file itself, or the latest epoch-NNNN.wasmlp in a folder. */
export async function findCheckpoint(target: string): Promise<string> {
  const s = await stat(target).catch(() => undefined);
  if (!s) throw new Error(`--resume ${target}: no such file or folder`);
  if (!s.isDirectory()) return target;
  const found = (await readdir(target))
    .map((f) => CHECKPOINT.exec(f))
    .filter((m) => m !== null)
    .sort((a, b) => Number(b![1]) - Number(a![1]));
  if (!found.length) throw new Error(`--resume ${target}: the folder holds no checkpoint (epoch-NNNN.wasmlp)`);
  return join(target, found[0]![0]);
}

/**
 * Create the checkpoint folder. A new run refuses one holding another run's checkpoints (a later
 * --resume DIR would pick theirs); a resumed run, the folder's only writer, removes the temporary
 * files a kill during a write left behind.
 */
export async function prepareCheckpointDir(dir: string, fresh: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`--checkpoint ${dir}: cannot create the folder (${(e as Error).message})`);
  }
  const files = await readdir(dir);
  const found = files.filter((f) => CHECKPOINT.test(f)).sort();
  if (fresh && found.length) {
    throw new Error(
      `--checkpoint ${dir} already holds checkpoints of a run (${found[0]}${found.length > 1 ? ` … ${found.at(-1)}` : ''}): continue it with --resume ${dir}, or remove them or choose another folder to start afresh`,
    );
  }
  if (!fresh)
    await Promise.all(
      files
        .filter((f) => /^\.epoch-\d+\.wasmlp\.\d+\.[0-9a-f]+\.tmp$/.test(f))
        .map((f) => unlink(join(dir, f)).catch(() => {})),
    );
}

/**
 * After an early stop, the weights of the epoch with the best validation loss: already there (fit
 * kept them in memory, or it is the last epoch), else read from its checkpoint. Says what it did.
 */
export async function keepBest(net: Network, stop: EarlyStopped, checkpointDir: string | undefined): Promise<string> {
  const { epoch, bestEpoch } = stop;
  if (bestEpoch === epoch) return `keeping the weights of epoch ${epoch}, the best validation loss`;
  if (stop.restored) return `restored the weights of epoch ${bestEpoch}, the best validation loss`;
  const file = checkpointDir && join(checkpointDir, checkpointName(bestEpoch));
  const saved = file
    ? await readModelFile(file).then(
        (bytes) => Network.fromBytes(bytes, { name: file }),
        () => undefined,
      )
    : undefined;
  if (!saved)
    return `keeping the weights of epoch ${epoch}: epoch ${bestEpoch} (the best validation loss) has no checkpoint to restore`;
  net.setParameters(saved.parameters());
  saved.dispose();
  return `restored the weights of epoch ${bestEpoch}, the best validation loss`;
}
