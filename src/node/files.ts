// Files for Node: reads that name the file and are bounded, model files checked header first,
// atomic writes, and an exclusive lock for a folder one run writes to. Every I/O error names its file.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readdir, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  containerOf,
  crc32,
  isEnsembleFile,
  MODEL_MAX_BYTES,
  MODEL_PREAMBLE,
  ModelFileError,
  Network,
  readModelJson,
  readModelPreamble,
  type ModelHeader,
} from '../index.js';

/** An Error for a failed file operation: what was being done, the file, and the system's reason in words. */
export function fileError(doing: string, file: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    EEXIST: 'it already exists',
  };
  return new Error(`cannot ${doing} ${file}: ${why[err?.code ?? ''] ?? err?.message ?? String(e)}`, { cause: e });
}

/** A file's size, refusing a folder and anything over `max` bytes, with the file named. */
async function sizeOf(file: string, what: string, max: number): Promise<number> {
  const s = await stat(file).catch((e) => {
    throw fileError(`read ${what}`, file, e);
  });
  if (s.isDirectory()) throw new Error(`${file} is a directory; expected a ${what}`);
  if (s.size > max)
    throw new Error(`cannot read ${what} ${file}: it is ${s.size} bytes, more than the ${max} a ${what} may be`);
  return s.size;
}

/** A whole input file (an IDX file, a picture), at most `max` bytes, its errors naming it. */
export async function readInput(file: string, what: string, max = 2 ** 31 - 1): Promise<Buffer> {
  await sizeOf(file, what, max);
  return readFile(file).catch((e) => {
    throw fileError(`read ${what}`, file, e);
  });
}

/** Read `length` bytes at `position` of an open file (short only at its end). */
async function readAt(handle: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * `read(handle, size)` on a model file whose size is possible (a file larger than any model is
 * refused by its size, before it is opened); I/O errors name the file, ModelFileErrors pass as they are.
 */
async function withModelFile<T>(file: string, read: (handle: FileHandle, size: number) => Promise<T>): Promise<T> {
  const size = await sizeOf(file, 'model file', Infinity);
  if (size > MODEL_MAX_BYTES) {
    throw new ModelFileError(
      'oversized',
      `${file} is ${size} bytes, larger than any wasmlp model file can be (${MODEL_MAX_BYTES} bytes)`,
    );
  }
  const handle = await open(file, 'r').catch((e) => {
    throw fileError('read model file', file, e);
  });
  try {
    return await read(handle, size);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw fileError('read model file', file, e);
  } finally {
    await handle.close();
  }
}

/**
 * A model (or ensemble) file's bytes. Its size and fixed header are checked first, so a damaged or
 * hostile file is refused before it is read.
 */
export function readModelFile(file: string): Promise<Uint8Array> {
  return withModelFile(file, async (handle, size) => {
    const head = await readAt(handle, MODEL_PREAMBLE, 0);
    readModelPreamble(head, size, file, containerOf(head));
    return readAt(handle, size, 0);
  });
}

/**
 * A model file's header and format version, the whole file verified (sizes, both checksums) but
 * read in chunks: memory stays small however large the file, and no section is decoded.
 */
export function inspectModelFile(file: string): Promise<{ header: ModelHeader; version: number; bytes: number }> {
  return withModelFile(file, async (handle, size) => {
    const head = await readAt(handle, MODEL_PREAMBLE, 0);
    const p = readModelPreamble(head, size, file);
    const json = await readAt(handle, p.headerBytes, MODEL_PREAMBLE);
    let crc = crc32(json, crc32(head));
    const CHUNK = 1 << 22;
    for (let at = MODEL_PREAMBLE + p.headerBytes; at < p.total - 4; at += CHUNK) {
      crc = crc32(await readAt(handle, Math.min(CHUNK, p.total - 4 - at), at), crc);
    }
    const stored = new DataView((await readAt(handle, 4, p.total - 4)).buffer).getUint32(0, true);
    if (stored !== crc) {
      const hex = (x: number) => `0x${x.toString(16).padStart(8, '0')}`;
      throw new ModelFileError(
        'corrupted',
        `${file} is corrupted: CRC-32 mismatch over its ${p.total - 4} bytes (stored ${hex(stored)}, computed ${hex(crc)}); the file was damaged after it was written`,
      );
    }
    return { header: readModelJson(json, p, file), version: p.version, bytes: size };
  });
}

/** Whether a file is an ensemble file (by its magic); what else it is, its reader checks. */
export function isEnsemble(file: string): Promise<boolean> {
  return withModelFile(file, async (handle) => isEnsembleFile(await readAt(handle, 8, 0)));
}

/** Load a model or checkpoint file (see Network.fromBytes); bad files throw a ModelFileError. */
export async function loadModel(file: string, options: { backend?: 'wasm' | 'js' } = {}): Promise<Network> {
  return Network.fromBytes(await readModelFile(file), { ...options, name: file });
}

/** Whether process `pid` on this machine is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, but another user's
  }
}

const tempName = (file: string) => `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
/** The temporary files writeFileAtomic makes for `name`, with their writer's pid. */
const TEMP = (name: string) =>
  new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);

/**
 * Remove the temporary files that writers of `file` killed mid-write left beside it (a writer
 * still running keeps its own). With `file` a folder's pattern: any of its files'.
 */
export async function removeStaleTemps(dir: string, name = '[^/]+'): Promise<void> {
  const pattern = name === '[^/]+' ? /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/ : TEMP(name);
  const files = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    files.map((f) => {
      const m = pattern.exec(f);
      return m && !alive(Number(m[1])) ? unlink(join(dir, f)).catch(() => {}) : undefined;
    }),
  );
}

/**
 * Fail now, not after hours of training, when `file` cannot be written: its folder is missing or
 * read-only, or `file` is a folder. Makes and removes a temporary file where the real one will go.
 */
export async function checkWritable(file: string, flag: string): Promise<void> {
  const dir = dirname(resolve(file));
  const s = await stat(file).catch(() => undefined);
  if (s?.isDirectory()) throw new Error(`--${flag} ${file}: it is a folder; expected a file name`);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new Error(`--${flag} ${file}: the folder ${dir} does not exist`);
  const temp = join(dir, tempName(file));
  try {
    await writeFile(temp, '', { flag: 'wx' });
  } catch (e) {
    throw fileError(`write --${flag}`, file, e);
  }
  await unlink(temp).catch(() => {});
}

/**
 * Write `data` to `file` so that a crash or kill at any moment leaves either the old file or the
 * new one, never a torn one: a temporary file in the same directory, fsync, rename over the
 * target, then fsync the directory so the rename itself survives a power cut. Temporary files
 * that killed writers of the same file left behind are removed first.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(file);
  await removeStaleTemps(dir, basename(file));
  const temp = join(dir, tempName(file));
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw fileError('write', file, e);
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

/**
 * Take `dir`'s lock (a file `.lock` made exclusively, holding the owner's pid and host) for as
 * long as this process writes there; a lock whose process is gone (same host) is stale and taken
 * over. Returns the release. A second writer gets a clear Error naming the owner.
 */
export async function lockFolder(dir: string, what: string): Promise<() => Promise<void>> {
  const lock = join(dir, '.lock');
  const me = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, me, { flag: 'wx' });
      const release = async () => {
        if ((await readFile(lock, 'utf8').catch(() => '')) === me) await unlink(lock).catch(() => {});
      };
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`lock ${what}`, dir, e);
    }
    let owner: { pid?: number; host?: string; since?: string } = {};
    try {
      owner = JSON.parse(await readFile(lock, 'utf8'));
    } catch {
      // a lock half written by a writer killed at that moment: its writer is gone
    }
    if (owner.host && owner.host !== hostname()) {
      throw new Error(
        `${what} ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.since}); wait for it, or remove ${lock} if that run is over`,
      );
    }
    if (owner.pid && alive(owner.pid)) {
      throw new Error(
        `${what} ${dir} is in use by another run, process ${owner.pid} (since ${owner.since}): two runs writing one folder would mix their checkpoints; wait for it to finish, or choose another folder`,
      );
    }
    await unlink(lock).catch(() => {}); // stale: its process is gone
  }
  throw new Error(`cannot lock ${what} ${dir}: another run took the lock at the same moment`);
}
