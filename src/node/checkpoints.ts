// Checkpoint folders: DIR/epoch-NNNN.wasmlp after every epoch, the latest one to resume from, and
// the best epoch's weights read back after an early stop.
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Network, type EarlyStopped } from '../index.js';
import { fileError, lockFolder, readModelFile, removeStaleTemps } from './files.js';

/** epoch-NNNN.wasmlp after epoch N; epoch-NNNN-batch-BBBBBB.wasmlp when a run stopped B batches into epoch N + 1. */
const CHECKPOINT = /^epoch-(\d+)(?:-batch-(\d+))?\.wasmlp$/;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const checkpointName = (epoch: number, batch?: number) =>
  `epoch-${pad(epoch, 4)}${batch === undefined ? '' : `-batch-${pad(batch, 6)}`}.wasmlp`;

/** A folder's checkpoints, latest first (a part-done epoch after the epoch before it, before its own end). */
async function checkpoints(dir: string): Promise<{ file: string; epoch: number; batch: number }[]> {
  const found = (await readdir(dir)).flatMap((file) => {
    const m = CHECKPOINT.exec(file);
    return m ? [{ file, epoch: Number(m[1]), batch: m[2] === undefined ? -1 : Number(m[2]) }] : [];
  });
  const rank = (c: { epoch: number; batch: number }) => (c.batch < 0 ? c.epoch : c.epoch + 0.5);
  return found.sort((a, b) => rank(b) - rank(a) || b.batch - a.batch);
}

/** The checkpoint to resume from: the file itself, or the latest one in a folder. */
export async function findCheckpoint(target: string): Promise<string> {
  const s = await stat(target).catch(() => undefined);
  if (!s) throw new Error(`--resume ${target}: no such file or folder`);
  if (!s.isDirectory()) return target;
  const found = await checkpoints(target);
  if (!found.length) throw new Error(`--resume ${target}: the folder holds no checkpoint (epoch-NNNN.wasmlp)`);
  return join(target, found[0].file);
}

/** After the checkpoint of epoch `epoch`, the part-done ones of that epoch are out of date. */
export async function removePartCheckpoints(dir: string, epoch: number): Promise<void> {
  for (const c of await checkpoints(dir))
    if (c.batch >= 0 && c.epoch < epoch) await unlink(join(dir, c.file)).catch(() => {});
}

/**
 * Create the checkpoint folder and lock it for this run (a second run writing it would interleave
 * its epochs with ours). A new run refuses a folder holding another run's checkpoints (a later
 * --resume DIR would pick theirs). Temporary files that writers killed mid-write left are removed.
 * Returns the lock's release.
 */
export async function prepareCheckpointDir(dir: string, fresh: boolean): Promise<() => Promise<void>> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw fileError('create --checkpoint folder', dir, e);
  }
  const release = await lockFolder(dir, '--checkpoint');
  try {
    const found = (await checkpoints(dir)).map((c) => c.file).sort();
    if (fresh && found.length) {
      throw new Error(
        `--checkpoint ${dir} already holds checkpoints of a run (${found[0]}${found.length > 1 ? ` … ${found.at(-1)}` : ''}): continue it with --resume ${dir}, or remove them or choose another folder to start afresh`,
      );
    }
    await removeStaleTemps(dir);
    return release;
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * After an early stop, the weights of the epoch with the best validation loss: already there (fit
 * kept them in memory, or it is the last epoch), else read from its checkpoint. Says what it did,
 * and which epoch's weights the network now holds.
 */
export async function keepBest(
  net: Network,
  stop: EarlyStopped,
  checkpointDir: string | undefined,
): Promise<{ text: string; epoch: number }> {
  const { epoch, bestEpoch } = stop;
  const restored = { text: `restored the weights of epoch ${bestEpoch}, the best validation loss`, epoch: bestEpoch };
  if (bestEpoch === epoch) return { text: `keeping the weights of epoch ${epoch}, the best validation loss`, epoch };
  if (stop.restored) return restored;
  const file = checkpointDir && join(checkpointDir, checkpointName(bestEpoch));
  const saved = file
    ? await readModelFile(file).then(
        (bytes) => Network.fromBytes(bytes, { name: file }),
        () => undefined,
      )
    : undefined;
  if (!saved)
    return {
      text: `keeping the weights of epoch ${epoch}: epoch ${bestEpoch} (the best validation loss) has no checkpoint to restore`,
      epoch,
    };
  net.setParameters(saved.parameters());
  saved.dispose();
  return restored;
}
