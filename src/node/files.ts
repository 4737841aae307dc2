// Files for Node: reads that name the file and are bounded, model files checked header first,
// atomic writes, and an exclusive lock for a folder one run writes to. Every I/O error names its file.
// Every read goes through openFile: one open, a regular file checked on the open descriptor (not
// a FIFO, a device or a folder), its size against the limit for its kind before a byte is read.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { constants, type Stats } from 'node:fs';
import { open, readdir, realpath, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
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
  tfjsManifest,
  type LossName,
  type ModelHeader,
  type TfjsModelJson,
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

/** What a file that is not a regular one is, in words. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * `file` opened to read, with its size: refused, naming it, unless it is a regular file of at most
 * `max` bytes. The check is on the open descriptor, so a link swapped in between cannot get past
 * it; O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer.
 */
export async function openFile(
  file: string,
  what: string,
  max: number,
  flags = 0,
): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | flags).catch((e) => {
    throw fileError(`read ${what}`, file, e);
  });
  try {
    const s = await handle.stat();
    if (s.isDirectory()) throw new Error(`${file} is a directory; expected a ${what}`);
    if (!s.isFile()) throw new Error(`cannot read ${what} ${file}: it is ${kindOf(s)}; expected a regular file`);
    if (s.size > max)
      throw new Error(`cannot read ${what} ${file}: it is ${s.size} bytes, more than the ${max} a ${what} may be`);
    return { handle, size: s.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** A whole input file (an IDX file, a picture, a table), at most `max` bytes, its errors naming it. */
export async function readInput(file: string, what: string, max = 2 ** 31 - 1): Promise<Buffer> {
  const { handle, size } = await openFile(file, what, max);
  try {
    const bytes = await readAt(handle, size, 0);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch (e) {
    throw fileError(`read ${what}`, file, e);
  } finally {
    await handle.close();
  }
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
 * refused by its size, before a byte is read); I/O errors name the file, ModelFileErrors pass as they are.
 */
async function withModelFile<T>(file: string, read: (handle: FileHandle, size: number) => Promise<T>): Promise<T> {
  const { handle, size } = await openFile(file, 'model file', Infinity);
  try {
    if (size > MODEL_MAX_BYTES) {
      throw new ModelFileError(
        'oversized',
        `${file} is ${size} bytes, larger than any wasmlp model file can be (${MODEL_MAX_BYTES} bytes)`,
      );
    }
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

/** The most weights files a model.json may name: TF.js shards weights at 4 MiB, and 256 shards outweigh any network. */
const TFJS_MAX_FILES = 256;
/** A weights file's path: names of letters, digits, `_`, `.` and `-`, joined by `/`; no `.` or `..`. */
const PLAIN_PATH = /^(?!\.\.?(\/|$))[\w.-]+(\/(?!\.\.?(\/|$))[\w.-]+)*$/;

/**
 * A TensorFlow.js layers model from disk: model.json's parsed content and its weights files'
 * bytes, concatenated in manifest order. A weights file must be named by a plain relative path and
 * be, links resolved, a regular file inside model.json's folder; a path that is not is refused
 * with one message whatever lies there, so the refusal tells nothing about files elsewhere. The
 * files' sizes must add up to what the manifest declares before any of them is read.
 */
export async function readTfjs(file: string): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  const text = (await readInput(file, 'model.json', 64 * 2 ** 20)).toString('utf8');
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.replace(/[^\x20-\x7e]+/g, ' '); // one printable line, whatever the file held
    throw new Error(`${file} is not JSON (${why}); expected a TensorFlow.js model.json`);
  }
  const { bytes, paths } = tfjsManifest(json);
  const shown = (p: unknown) => (typeof p === 'string' ? JSON.stringify(p.slice(0, 200)) : typeof p);
  const listed = new Set<string>();
  for (const p of paths) {
    if (typeof p !== 'string' || !PLAIN_PATH.test(p))
      throw new Error(
        `${file} names the weights file ${shown(p)}; expected a path relative to model.json's folder: names of letters, digits, _, . and -, joined by /, without . or .. (download remote weights first)`,
      );
    if (listed.has(p)) throw new Error(`${file} names the weights file ${shown(p)} twice; each is read once`);
    listed.add(p);
  }
  if (paths.length > TFJS_MAX_FILES)
    throw new Error(`${file} names ${paths.length} weights files; a model.json may name at most ${TFJS_MAX_FILES}`);
  const dir = dirname(file),
    root = await realpath(dir).catch((e) => {
      throw fileError('read the folder of', file, e);
    });
  const real: string[] = [];
  for (const p of paths as string[]) {
    const target = await realpath(join(dir, p)).catch(() => '');
    if (!target.startsWith(root + sep))
      throw new Error(
        `${file} names the weights file ${shown(p)}, which is not a file inside model.json's folder ${dir} (missing, or a link that leads out of it)`,
      );
    const twice = real.indexOf(target);
    if (twice >= 0)
      throw new Error(`${file} names one weights file twice: ${shown(p)} is ${shown(paths[twice])}; each is read once`);
    real.push(target);
  }
  const opened: { handle: FileHandle; size: number }[] = [];
  try {
    // O_NOFOLLOW: the resolved path has no link left, so one swapped in since is refused.
    for (const target of real) opened.push(await openFile(target, 'weights file', bytes, constants.O_NOFOLLOW ?? 0));
    const total = opened.reduce((s, o) => s + o.size, 0);
    if (total !== bytes)
      throw new Error(
        `${file}: its weights files hold ${total} bytes, but its weights manifest describes ${bytes} bytes`,
      );
    const weights = new Uint8Array(bytes);
    let at = 0;
    for (const [i, { handle, size }] of opened.entries()) {
      const part = await readAt(handle, size, 0).catch((e) => {
        throw fileError('read weights file', real[i], e);
      });
      if (part.length !== size) throw new Error(`weights file ${real[i]} got shorter while it was read`);
      weights.set(part, at);
      at += size;
    }
    return { json, weights };
  } finally {
    await Promise.all(opened.map((o) => o.handle.close()));
  }
}

/** A TensorFlow.js layers model from disk (see readTfjs) as a Network (see Network.fromTfjs). */
export async function loadTfjs(
  file: string,
  options: { loss?: LossName; seed?: number; backend?: 'wasm' | 'js'; threads?: 'auto' | number } = {},
): Promise<Network> {
  const { json, weights } = await readTfjs(file);
  return Network.fromTfjs(json, weights, options);
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
  // The lock's content, '' when it is gone. Anything but a small regular file is no lock a run made.
  const content = (): Promise<string> =>
    readInput(lock, 'lock', 4096).then(
      (b) => b.toString('utf8'),
      async (e) => {
        if ((e as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return '';
        const s = await stat(lock).catch(() => undefined);
        const is = s && !s.isFile() ? `it is ${kindOf(s)}` : (e as Error).message;
        throw new Error(
          `cannot lock ${what} ${dir}: ${lock} is not a lock a run wrote (${is}); remove it if no run is using the folder`,
        );
      },
    );
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, me, { flag: 'wx' });
      const release = async () => {
        if ((await content().catch(() => '')) === me) await unlink(lock).catch(() => {});
      };
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`lock ${what}`, dir, e);
    }
    let owner: { pid?: number; host?: string; since?: string } = {};
    const text = await content();
    try {
      owner = { ...JSON.parse(text) };
    } catch {
      // a lock half written by a writer killed at that moment (or gone already): its writer is gone
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
