// Tables: CSV text (a header row, then one row per sample) → a Dataset, through papaparse. Numeric
// columns become one feature each, categorical ones one feature per category (one-hot); the target
// column(s) become class labels, real targets (regression) or 0/1 targets (multi-label). The schema
// (columns, categories, classes) of the training table reads every later table the same way.
import Papa from 'papaparse';
import { Dataset } from './dataset.js';

export type TableTask = 'classification' | 'regression' | 'multi-label';
export const TABLE_TASKS: TableTask[] = ['classification', 'regression', 'multi-label'];

/** A feature column: a number, or one of the training table's categories (one-hot, in this order). */
export type FeatureColumn = { name: string; kind: 'number' } | { name: string; kind: 'category'; categories: string[] };

/** How a table is read: its feature columns, its target columns and (classification) the classes. */
export interface TableSchema {
  features: FeatureColumn[];
  targets: string[];
  task: TableTask;
  /** Classification: the class names in label order. */
  classes?: string[];
}

export interface CsvOptions {
  /** The column (or columns) to predict. Not with `schema`, which names them. */
  target?: string | string[];
  /** Read the table as this schema says (a test table, or rows to predict, read as the training table was). */
  schema?: TableSchema;
  /** Overrides the task found from the target: a categorical or small-integer target is classification, else regression. */
  task?: TableTask;
  /** Columns left out. */
  ignore?: string[];
  /** Columns read as categories even though they hold numbers (codes). */
  categorical?: string[];
  /** ',', ';' or tab; default: found from the text. */
  delimiter?: string;
  /** Leave out the rows with a missing value instead of refusing the table. Default false. */
  dropMissing?: boolean;
  /** The table's name in messages (a file name). */
  name?: string;
}

export interface Table {
  /** Features and targets; with a schema and no target columns in the table, zero targets. */
  data: Dataset;
  schema: TableSchema;
  /** Whether the table had the target column(s). */
  hasTargets: boolean;
  /** The header, and the rows kept (as text), for writing predictions beside them. */
  header: string[];
  rows: string[][];
  /** Data rows (1 = the first after the header) left out for a missing value (dropMissing). */
  dropped: number[];
  delimiter: string;
}

/** Fields read as missing values. */
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'null', '?']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A column is numeric when at least this share of its values are numbers (the rest are then errors). */
const NUMERIC_SHARE = 0.9;
/** A numeric target with at most this many distinct integer values is a classification target. */
const SMALL_INTEGER_CLASSES = 10;
const MAX_CATEGORIES = 256;

const sortValues = (values: Iterable<string>) => {
  const v = [...values];
  return v.every((x) => NUMBER.test(x)) ? v.sort((a, b) => Number(a) - Number(b)) : v.sort();
};

/** Reads CSV text into a Dataset; every error names the row (1 = the first after the header) and the column. */
export function parseCsv(text: string, options: CsvOptions): Table {
  if (typeof text !== 'string') throw new Error(`parseCsv: expected the CSV text as a string, got ${typeof text}`);
  const o = options ?? {};
  const name = o.name ?? 'the table';
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: o.delimiter ?? '',
    delimitersToGuess: [',', ';', '\t'],
    skipEmptyLines: 'greedy',
  });
  const bad = parsed.errors.find((e) => e.type !== 'Delimiter'); // an undetectable delimiter: one column, read as ','
  if (bad) throw new Error(`${name}: row ${bad.row ?? 0}: ${bad.message}`);
  const [header, ...body] = parsed.data;
  if (!header || body.length === 0)
    throw new Error(`${name} has no data rows; expected a header row and at least one row of values`);
  const head = header.map((h) => h.trim());
  const col = (c: string, what: string) => {
    const at = head.indexOf(c);
    if (at < 0)
      throw new Error(`${name} has no column ${JSON.stringify(c)} (${what}); its columns are ${head.join(', ')}`);
    return at;
  };
  const where = (r: number, c: number) => `${name}: row ${r + 1}, column ${JSON.stringify(head[c])}`;
  body.forEach((row, r) => {
    if (row.length !== head.length)
      throw new Error(
        `${name}: row ${r + 1} has ${row.length} field${row.length === 1 ? '' : 's'} but the header has ${head.length} columns`,
      );
  });

  // Rows with a missing value in a column that is read: refused, or left out.
  let schema = o.schema;
  if (schema && o.target !== undefined) throw new Error('parseCsv: give target or schema, not both');
  if (!schema && o.target === undefined) throw new Error('parseCsv: options.target must name the column to predict');
  const targets = schema ? schema.targets : ([] as string[]).concat(o.target!);
  const hasTargets = !schema || targets.every((t) => head.includes(t));
  const targetAt = hasTargets ? targets.map((t) => col(t, 'the target')) : [];
  for (const c of o.ignore ?? []) col(c, 'to ignore');
  const featureNames = schema
    ? schema.features.map((f) => f.name)
    : head.filter((h) => !targets.includes(h) && !(o.ignore ?? []).includes(h));
  if (featureNames.length === 0) throw new Error(`${name}: no feature columns are left besides the target`);
  const featureAt = featureNames.map((f) => col(f, 'a feature'));
  const read = [...featureAt, ...targetAt];
  const dropped: number[] = [];
  const rows: string[][] = [];
  /** Each kept row's index in the table's body, for messages. */
  const rowNumber: number[] = [];
  body.forEach((row, r) => {
    const missing = read.find((c) => MISSING.has(row[c].trim()));
    if (missing === undefined) {
      rows.push(row);
      rowNumber.push(r);
      return;
    }
    if (!o.dropMissing)
      throw new Error(`${where(r, missing)}: missing value; expected a value (or drop such rows: dropMissing)`);
    dropped.push(r + 1);
  });
  if (rows.length === 0) throw new Error(`${name}: every row has a missing value`);
  const value = (i: number, c: number) => rows[i][c].trim();

  if (!schema) {
    const kind = (c: number): 'number' | 'category' => {
      if (o.categorical?.includes(head[c])) return 'category';
      const numbers = rows.filter((_, i) => NUMBER.test(value(i, c))).length;
      return numbers >= NUMERIC_SHARE * rows.length ? 'number' : 'category';
    };
    const categories = (c: number) => sortValues(new Set(rows.map((_, i) => value(i, c))));
    const features: FeatureColumn[] = featureAt.map((c) => {
      if (kind(c) === 'number') return { name: head[c], kind: 'number' };
      const values = categories(c);
      if (values.length > MAX_CATEGORIES)
        throw new Error(
          `${name}: column ${JSON.stringify(head[c])} has ${values.length} distinct values, more than ${MAX_CATEGORIES} categories: an identifier? Leave it out (ignore)`,
        );
      return { name: head[c], kind: 'category', categories: values };
    });
    const numeric = targetAt.every((c) => kind(c) === 'number');
    let task = o.task;
    if (task !== undefined && !TABLE_TASKS.includes(task))
      throw new Error(`unknown task ${JSON.stringify(task)}; expected one of ${TABLE_TASKS.join(', ')}`);
    if (!task) {
      if (targetAt.length > 1)
        task = targetAt.every((c) => rows.every((_, i) => value(i, c) === '0' || value(i, c) === '1'))
          ? 'multi-label'
          : 'regression';
      else {
        const values = categories(targetAt[0]);
        const smallIntegers = values.length <= SMALL_INTEGER_CLASSES && values.every((v) => /^[+-]?\d+$/.test(v));
        task = !numeric || smallIntegers ? 'classification' : 'regression';
      }
    }
    if (task === 'classification' && targetAt.length !== 1)
      throw new Error(`${name}: classification predicts one target column, got ${targetAt.length}`);
    if (task !== 'classification' && !numeric) {
      const c = targetAt.find((t) => kind(t) !== 'number')!;
      throw new Error(
        `${name}: target column ${JSON.stringify(head[c])} holds categories (e.g. ${JSON.stringify(value(0, c))}), so it cannot be a ${task} target; expected numbers`,
      );
    }
    schema = { features, targets, task };
    if (task === 'classification') {
      schema.classes = categories(targetAt[0]);
      if (schema.classes.length < 2 || schema.classes.length > 256)
        throw new Error(
          `${name}: target column ${JSON.stringify(targets[0])} has ${schema.classes.length} class${schema.classes.length === 1 ? '' : 'es'}; expected 2 to 256`,
        );
    }
  } else checkSchema(schema);

  // The features: numbers as they are, categories one-hot.
  const s = schema;
  const width = schemaWidth(s);
  const x = new Float32Array(rows.length * width);
  for (let i = 0, at = 0; i < rows.length; i++) {
    s.features.forEach((f, j) => {
      const v = value(i, featureAt[j]),
        r = rowNumber[i];
      if (f.kind === 'number') {
        if (!NUMBER.test(v))
          throw new Error(`${where(r, featureAt[j])}: ${JSON.stringify(v)} is not a number; the column is numeric`);
        x[at++] = Number(v);
        return;
      }
      const k = f.categories.indexOf(v);
      if (k < 0)
        throw new Error(
          `${where(r, featureAt[j])}: category ${JSON.stringify(v)} was not in the training rows; expected one of ${f.categories.join(', ')}`,
        );
      x[at + k] = 1;
      at += f.categories.length;
    });
  }
  const finite = x.findIndex((v) => !Number.isFinite(v));
  if (finite >= 0)
    throw new Error(
      `${name}: a number overflows float32 (${x[finite]}) in row ${rowNumber[Math.floor(finite / width)] + 1}`,
    );

  // The targets.
  let y: Uint8Array | Float32Array;
  if (!hasTargets)
    y = s.task === 'classification' ? new Uint8Array(rows.length) : new Float32Array(rows.length * s.targets.length);
  else if (s.task === 'classification') {
    y = new Uint8Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = value(i, targetAt[0]),
        k = s.classes!.indexOf(v);
      if (k < 0)
        throw new Error(
          `${where(rowNumber[i], targetAt[0])}: class ${JSON.stringify(v)} was not in the training rows; expected one of ${s.classes!.join(', ')}`,
        );
      y[i] = k;
    }
  } else {
    const k = targetAt.length;
    y = new Float32Array(rows.length * k);
    for (let i = 0; i < rows.length; i++)
      targetAt.forEach((c, j) => {
        const v = value(i, c);
        const ok =
          s.task === 'multi-label' ? v === '0' || v === '1' : NUMBER.test(v) && Number.isFinite(Math.fround(Number(v)));
        if (!ok)
          throw new Error(
            `${where(rowNumber[i], c)}: ${JSON.stringify(v)} is not ${s.task === 'multi-label' ? '0 or 1 (a multi-label target)' : 'a number (a regression target)'}`,
          );
        y[i * k + j] = Number(v);
      });
  }
  return {
    data: Dataset.fromArrays(x, y, width, s),
    schema: s,
    hasTargets,
    header: head,
    rows,
    dropped,
    delimiter: parsed.meta.delimiter,
  };
}

/** Throws unless `s` is a table schema (e.g. one read back from a model file). */
export function checkSchema(s: TableSchema): void {
  const fail = (why: string): never => {
    throw new Error(`the table schema is invalid: ${why}`);
  };
  if (!s || typeof s !== 'object') fail('expected an object { features, targets, task }');
  if (!Array.isArray(s.features) || s.features.length === 0) fail('features must be a non-empty array');
  s.features.forEach((f, i) => {
    if (typeof f?.name !== 'string') fail(`features[${i}].name must be a string`);
    if (f.kind === 'category') {
      if (!Array.isArray(f.categories) || !f.categories.length || f.categories.some((c) => typeof c !== 'string'))
        fail(`features[${i}].categories must be a non-empty array of strings`);
    } else if (f.kind !== 'number') fail(`features[${i}].kind must be "number" or "category"`);
  });
  if (!Array.isArray(s.targets) || !s.targets.length || s.targets.some((t) => typeof t !== 'string'))
    fail('targets must be a non-empty array of column names');
  if (!TABLE_TASKS.includes(s.task)) fail(`task must be one of ${TABLE_TASKS.join(', ')}`);
  if (s.task === 'classification' && (!Array.isArray(s.classes) || s.classes.length < 2))
    fail('a classification schema needs classes: at least 2 names');
}

/** The number of features a schema's rows have (one per number, one per category). */
export const schemaWidth = (s: TableSchema): number =>
  s.features.reduce((w, f) => w + (f.kind === 'number' ? 1 : f.categories.length), 0);

/** Rows of fields as CSV text (papaparse's quoting: fields with the delimiter, quotes or line breaks are quoted). */
export function formatCsv(rows: string[][], delimiter = ','): string {
  return Papa.unparse(rows, { delimiter, newline: '\n' }) + '\n';
}
