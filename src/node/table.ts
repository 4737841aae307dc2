// loadCsv: a CSV file from disk, read by the library's parseCsv (messages name the file).
import { basename } from 'node:path';
import { parseCsv, type CsvOptions, type Table } from '../index.js';
import { readInput } from './files.js';

/** Reads a CSV file into a Table (see parseCsv); `name` defaults to the file's. */
export async function loadCsv(file: string, options: CsvOptions): Promise<Table> {
  const text = (await readInput(file, 'CSV file')).toString('utf8');
  return parseCsv(text, { name: basename(file), ...options });
}
