// loadCsv: a CSV file from disk, read by the library's readCsv as a stream (messages name the file):
// the file is opened once, checked to be a regular file on the open descriptor, and read twice
// in chunks, so its text is never held whole.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { readCsv, type CsvOptions, type Table } from '../index.js';
import { fileError } from './files.js';

/** Reads a CSV file into a Table (see parseCsv); `name` defaults to the file's. */
export async function loadCsv(file: string, options: CsvOptions): Promise<Table> {
  const handle = await open(file, 'r').catch((e) => {
    throw fileError('read CSV file', file, e);
  });
  try {
    const s = await handle.stat();
    if (s.isDirectory()) throw new Error(`${file} is a directory; expected a CSV file`);
    if (!s.isFile()) throw new Error(`${file} is not a regular file; expected a CSV file`);
    const stream = () =>
      handle.createReadStream({ start: 0, encoding: 'utf8', autoClose: false, highWaterMark: 1 << 20 });
    return await readCsv(stream, { name: basename(file), ...options });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw fileError('read CSV file', file, e);
    throw e;
  } finally {
    if (handle.fd >= 0) await handle.close(); // a stream stopped by a refused row closed it
  }
}
