// loadCsv: a CSV file from disk, read by the library's readCsv as a stream (messages name the file):
// the file is opened once, checked to be a regular file on the open descriptor, and read twice
// in chunks, so its text is never held whole.
import { basename } from 'node:path';
import { readCsv, type CsvOptions, type Table } from '../index.js';
import { fileError, openFile } from './files.js';

/**
 * Reads a CSV file into a Table (see parseCsv); `name` defaults to the file's. The library's
 * advice for a missing value names its option (dropMissing): here it names `dropFlag`, the
 * command's flag for it, or goes where the command has none.
 */
export async function loadCsv(file: string, options: CsvOptions, dropFlag?: string): Promise<Table> {
  const { handle } = await openFile(file, 'CSV file', Number.MAX_SAFE_INTEGER); // streamed: no size bound
  try {
    const stream = () =>
      handle.createReadStream({ start: 0, encoding: 'utf8', autoClose: false, highWaterMark: 1 << 20 });
    return await readCsv(stream, { name: basename(file), ...options });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw fileError('read CSV file', file, e);
    const advice = / \(or drop such rows: dropMissing\)$/;
    if (e instanceof Error && advice.test(e.message))
      e.message = e.message.replace(advice, dropFlag ? ` (or drop such rows: ${dropFlag})` : '');
    throw e;
  } finally {
    if (handle.fd >= 0) await handle.close(); // a stream stopped by a refused row closed it
  }
}
