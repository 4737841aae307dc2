// A network trained on a table keeps the table's schema (net.table): these check a schema against
// a network, and read raw rows — column values as a CSV row holds them — the way parseCsv reads a
// table with that schema, so a row given to predict is encoded exactly as the training rows were.
import { classCount, typeName } from '../config.js';
import type { Dataset } from './dataset.js';
import { checkSchema, formatCsv, parseCsv, schemaWidth, type TableSchema } from './table.js';

/** A row as a table holds it: the feature columns' values in the schema's order, or keyed by column name. */
export type RawRow = readonly (number | string)[] | Readonly<Record<string, number | string>>;

/** Throws unless `s` is a valid schema whose rows fit a network of `inputs` inputs, `outputs` outputs and these class names. */
export function checkTableFor(s: TableSchema, inputs: number, outputs: number, classes: readonly string[]): void {
  checkSchema(s);
  const width = schemaWidth(s);
  if (width !== inputs)
    throw new Error(`the table's feature columns make ${width} inputs, but the network takes ${inputs}`);
  if (s.task === 'classification') {
    const n = classCount(outputs);
    if (s.classes!.length !== n)
      throw new Error(
        `the table has ${s.classes!.length} classes, but the network's ${outputs} outputs tell ${n} apart`,
      );
    if (classes.length && classes.join('\n') !== s.classes!.join('\n'))
      throw new Error(
        `the table's classes (${s.classes!.join(', ')}) are not the network's (${classes.join(', ')}), in the same order`,
      );
  } else if (s.targets.length !== outputs)
    throw new Error(`the table has ${s.targets.length} target columns, but the network has ${outputs} outputs`);
}

/** Raw rows → a Dataset of encoded features, through parseCsv with the schema (rows counted from 1, as in a CSV). */
export function encodeRows(s: TableSchema, rows: readonly RawRow[], what: string): Dataset {
  const names = s.features.map((f) => f.name);
  if (rows.length === 0) throw new Error(`${what}: no rows; expected at least one`);
  const known = new Set([...names, ...s.targets]);
  const text = rows.map((row, i) => {
    const at = `${what}: row ${i + 1}`;
    let values: unknown[];
    if (Array.isArray(row)) {
      if (row.length !== names.length)
        throw new Error(
          `${at} has ${row.length} values; expected ${names.length}, one per column in this order: ${names.join(', ')} (or an object keyed by column name)`,
        );
      values = row;
    } else if (row && typeof row === 'object' && !ArrayBuffer.isView(row)) {
      const r = row as Record<string, unknown>;
      const unknown = Object.keys(r).find((k) => !known.has(k));
      if (unknown !== undefined)
        throw new Error(
          `${at} has a column ${JSON.stringify(unknown)} the table did not; its columns are ${names.join(', ')}`,
        );
      const absent = names.find((n) => !(n in r));
      if (absent !== undefined)
        throw new Error(`${at} has no column ${JSON.stringify(absent)}; expected ${names.join(', ')}`);
      values = names.map((n) => r[n]);
    } else
      throw new Error(
        `${at} is ${typeName(row)}; the network was trained on a table: expected an array of the values of ${names.join(', ')}, or an object keyed by those names`,
      );
    return values.map((v, j) => {
      if (!(typeof v === 'number' || typeof v === 'string'))
        throw new Error(`${at}, column ${JSON.stringify(names[j])}: expected a number or a string, got ${typeName(v)}`);
      return String(v);
    });
  });
  // A row of empty fields is an empty line, which a CSV reader skips: say so instead of losing the row.
  const blank = text.findIndex((r) => r.every((v) => v.trim() === ''));
  if (blank >= 0) throw new Error(`${what}: row ${blank + 1} has no values; expected ${names.join(', ')}`);
  return parseCsv(formatCsv([names, ...text]), { schema: s, delimiter: ',', name: what }).data;
}
