// loadCsv: a CSV file from disk, read by the library's parseCsv (messages name the file).
import { basename } from 'node:path';
import { parseCsv, type CsvOptions, type Table } from '../index.js';
import { readInput } from './files.js';

/**
 * Reads a CSV file into a Table (see parseCsv); `name` defaults to the file's. The library's
 * advice for a missing value names its option (dropMissing): here it names `dropFlag`, the
 * command's flag for it, or goes where the command has none.
 */
export async function loadCsv(file: string, options: CsvOptions, dropFlag?: string): Promise<Table> {
  const text = (await readInput(file, 'CSV file')).toString('utf8');
  try {
    return parseCsv(text, { name: basename(file), ...options });
  } catch (e) {
    const advice = / \(or drop such rows: dropMissing\)$/;
    if (e instanceof Error && advice.test(e.message))
      e.message = e.message.replace(advice, dropFlag ? ` (or drop such rows: ${dropFlag})` : '');
    throw e;
  }
}
