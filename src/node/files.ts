// Files for Node: atomic writes, and model files read with their size checked before reading.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MODEL_MAX_BYTES, ModelFileError, Network } from '../index.js';

/**
 * Write `data` to `file` so that a crash or kill at any moment leaves either the old file or the
 * new one, never a torn one: a temporary file in the same directory, fsync, rename over the
 * target, then fsync the directory so the rename itself survives a power cut.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  }
}

/** Save a network as a model file (or, with `checkpoint`, a checkpoint), atomically. */
export async function saveModel(
  net: Network,
  file: string,
  options: { checkpoint?: boolean; meta?: Record<string, unknown> } = {},
): Promise<void> {
  await writeFileAtomic(file, net.toBytes(options));
}

/** A model file's bytes; a file larger than any valid model is refused before it is read. */
export async function readModelFile(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new Error(`${file} is a directory; expected a model file`);
    size = s.size;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      err.code === 'ENOENT'
        ? `cannot read model file ${file}: no such file`
        : `cannot read model file ${file}: ${err.message}`,
    );
  }
  if (size > MODEL_MAX_BYTES)
    throw new ModelFileError(
      'oversized',
      `${file} is ${size} bytes, larger than any wasmlp model file can be (${MODEL_MAX_BYTES} bytes)`,
    );
  return readFile(file);
}

/** Load a model or checkpoint file (see Network.fromBytes); bad files throw a ModelFileError. */
export async function loadModel(file: string, options: { backend?: 'wasm' | 'js' } = {}): Promise<Network> {
  return Network.fromBytes(await readModelFile(file), { ...options, name: file });
}
