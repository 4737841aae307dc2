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
  /** Keep the rows' text (Table.rows), e.g. to write predictions beside them; it costs the text's memory. */
  keepRows?: boolean;
}

export interface Table {
  /** Features and targets; with a schema and no target columns in the table, zero targets. */
  data: Dataset;
  schema: TableSchema;
  /** Whether the table had the target column(s). */
  hasTargets: boolean;
  /** The header, and (with keepRows) the rows kept as text, for writing predictions beside them. */
  header: string[];
  rows?: string[][];
  /** Data rows (1 = the first after the header) left out for a missing value (dropMissing); typed, so that millions cost 4 bytes each. */
  dropped: Uint32Array;
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
/** Distinct values kept per column while surveying: one more than any column may have as categories or classes. */
const DISTINCT = MAX_CATEGORIES + 1;

/**
 * One pass over a table's rows, header first: calls `row` with each row's fields (empty lines
 * skipped) and gives back the delimiter found. Papa's step and chunk interface: nothing but the
 * row at hand is held, so a table costs the memory of its numbers, not of its text.
 */
type RowPass = (row: Row, config: Papa.ParseConfig) => void | Promise<void>;
type Row = (fields: string[], meta: Papa.ParseMeta, errors: Papa.ParseError[]) => void;

/** A text stream a table is read from (a Node Readable with an encoding set, e.g. fs.createReadStream(file, 'utf8')). */
export interface CsvTextStream {
  readable: boolean;
  read(): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  destroy?(): unknown;
  closed?: boolean;
}

/**
 * A web stream of UTF-8 bytes as the Node-style stream Papa reads (data, end, error events): decoded
 * by a TextDecoderStream, so a character split between chunks stays whole. It starts once Papa has
 * listened to all three.
 */
function readable(bytes: ReadableStream<Uint8Array>): CsvTextStream {
  const listeners: Record<string, ((x?: unknown) => void)[]> = { data: [], end: [], error: [], close: [] };
  const emit = (event: string, x?: unknown) => [...listeners[event]].forEach((f) => f(x));
  const reader = bytes
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .getReader();
  let stopped = false;
  const start = async () => {
    try {
      for (let r = await reader.read(); !r.done && !stopped; r = await reader.read()) emit('data', r.value);
      if (!stopped) emit('end');
    } catch (e) {
      if (!stopped) emit('error', e);
    }
    s.closed = true;
    emit('close');
  };
  const s: CsvTextStream & { removeListener(e: string, f: (x?: unknown) => void): void } = {
    readable: true,
    closed: false,
    read: () => undefined,
    on(event: string, f: (...args: never[]) => void) {
      listeners[event]?.push(f as (x?: unknown) => void);
      if (event === 'error') void start(); // Papa listens to data, end, then error
      return s;
    },
    removeListener(event, f) {
      listeners[event] = listeners[event].filter((g) => g !== f);
    },
    destroy() {
      stopped = true;
      void reader.cancel().catch(() => {});
    },
  };
  return s;
}

/** Reads CSV text into a Dataset; every error names the row (1 = the first after the header) and the column. */
export function parseCsv(text: string, options: CsvOptions): Table {
  if (typeof text !== 'string') throw new Error(`parseCsv: expected the CSV text as a string, got ${typeof text}`);
  const pass: RowPass = (row, config) => {
    Papa.parse<string[]>(text, { ...config, step: (r) => row(r.data, r.meta, r.errors) });
  };
  const reader = new TableReader(options);
  pass(reader.survey, reader.config());
  pass(reader.fill, reader.config());
  return reader.table();
}

/**
 * Reads a table as parseCsv does, from a stream that `open()` gives, twice (a survey of the
 * columns, then the numbers): memory is that of the Dataset made, whatever the size of the text.
 * The stream is a Node Readable of text, or a web ReadableStream of UTF-8 bytes (in a browser,
 * `() => file.stream()` for a File).
 */
export async function readCsv(
  open: () => CsvTextStream | ReadableStream<Uint8Array>,
  options: CsvOptions,
): Promise<Table> {
  const pass: RowPass = (row, config) =>
    new Promise<void>((resolve, reject) => {
      const source = open();
      const stream = source instanceof ReadableStream ? readable(source) : source;
      let failed: { e: unknown } | undefined;
      // A row refused: the parse stops, and so does the stream (its reads end before the error is given).
      const stop = () => {
        if (stream.closed || !stream.destroy) return reject(failed!.e);
        stream.on('close', () => reject(failed!.e));
        stream.destroy();
      };
      Papa.parse<string[]>(stream as unknown as File, {
        ...config,
        step: (r, parser) => {
          if (failed) return;
          try {
            row(r.data, r.meta, r.errors);
          } catch (e) {
            failed = { e };
            parser.abort(); // calls complete
          }
        },
        complete: () => (failed ? stop() : resolve()),
        error: (e) => reject(e),
      });
    });
  const reader = new TableReader(options);
  await pass(reader.survey, reader.config());
  await pass(reader.fill, reader.config());
  return reader.table();
}
/** What the survey saw in a read column's kept rows: how many are numbers, and its distinct values (undefined past DISTINCT). */
interface ColumnSurvey {
  numbers: number;
  distinct?: Set<string>;
}

/**
 * A table read in two passes over its rows: `survey` finds the columns, the rows kept and (without
 * a schema) each column's kind, categories and classes; `fill` writes the numbers into typed
 * arrays sized by the survey. Neither keeps a row (unless keepRows), so memory is the Dataset's.
 */
class TableReader {
  private readonly o: CsvOptions;
  private readonly name: string;
  private head?: string[];
  private at = new Map<string, number>();
  private linebreak = '\n';
  private delimiter?: string;
  private targets: string[];
  private schema?: TableSchema;
  private hasTargets = true;
  private targetAt: number[] = [];
  private featureAt: number[] = [];
  private read: number[] = [];
  /** By column (those read). */
  private columns: ColumnSurvey[] = [];
  private body = 0;
  private kept = 0;
  private dropped = new Uint32Array(16);
  private drops = 0;
  // The fill: rows seen again, rows written, and what it writes.
  private again = -1;
  private i = 0;
  private width = 0;
  private x = new Float32Array(0);
  private y: Uint8Array | Float32Array = new Uint8Array(0);
  private codes: (Map<string, number> | undefined)[] = [];
  private classes = new Map<string, number>();
  private rows?: string[][];

  constructor(options: CsvOptions) {
    const o = (this.o = options ?? {});
    this.name = o.name ?? 'the table';
    if (o.schema && o.target !== undefined) throw new Error('parseCsv: give target or schema, not both');
    if (!o.schema && o.target === undefined)
      throw new Error('parseCsv: options.target must name the column to predict');
    if (o.schema) checkSchema(o.schema);
    this.schema = o.schema;
    this.targets = o.schema ? o.schema.targets : ([] as string[]).concat(o.target!);
  }

  /** Papa's settings: the delimiter found by the survey is the fill's, a byte-order mark is no part of the header. */
  config(): Papa.ParseConfig {
    return {
      delimiter: this.o.delimiter ?? this.delimiter ?? '',
      delimitersToGuess: [',', ';', '\t'],
      skipEmptyLines: 'greedy',
      ...(this.delimiter !== undefined && { newline: this.linebreak as '\n' }),
      beforeFirstChunk: (chunk) => chunk.replace(/^\uFEFF/, ''),
    };
  }

  private where(r: number, c: number): string {
    return `${this.name}: row ${r + 1}, column ${JSON.stringify(this.head![c])}`;
  }

  private col(c: string, what: string): number {
    const at = this.at.get(c);
    if (at === undefined)
      throw new Error(
        `${this.name} has no column ${JSON.stringify(c)} (${what}); its columns are ${this.head!.join(', ')}`,
      );
    return at;
  }

  /** The header: names unique after trimming, and the columns read found in it. */
  private header(fields: string[]): void {
    const head = (this.head = fields.map((h) => h.trim()));
    head.forEach((h, c) => {
      const first = this.at.get(h);
      if (first !== undefined)
        throw new Error(
          `${this.name}: columns ${first + 1} (${JSON.stringify(fields[first])}) and ${c + 1} (${JSON.stringify(fields[c])}) have the same name${fields[first] === fields[c] ? '' : ' once spaces are trimmed'}; expected a distinct name for each column`,
        );
      this.at.set(h, c);
    });
    const o = this.o,
      ignore = new Set(o.ignore ?? []),
      targets = new Set(this.targets);
    this.hasTargets = !this.schema || this.targets.every((t) => this.at.has(t));
    this.targetAt = this.hasTargets ? this.targets.map((t) => this.col(t, 'the target')) : [];
    for (const c of ignore) this.col(c, 'to ignore');
    const featureNames = this.schema
      ? this.schema.features.map((f) => f.name)
      : head.filter((h) => !targets.has(h) && !ignore.has(h));
    if (featureNames.length === 0) throw new Error(`${this.name}: no feature columns are left besides the target`);
    this.featureAt = featureNames.map((f) => this.col(f, 'a feature'));
    this.read = [...this.featureAt, ...this.targetAt];
    for (const c of this.read) this.columns[c] = { numbers: 0, distinct: new Set<string>() };
  }

  /** Throws unless the row has a field per column (saying so when its line endings are what split it wrong). */
  private checkRow(fields: string[], r: number, errors: Papa.ParseError[]): void {
    const bad = errors.find((e) => e.type !== 'Delimiter'); // an undetectable delimiter: one column, read as ','
    if (bad) throw new Error(`${this.name}: row ${r + 1}: ${bad.message}`);
    const n = this.head!.length;
    if (fields.length === n) return;
    const other = this.linebreak === '\r\n' ? '\n' : this.linebreak === '\n' ? '\r' : '\n';
    const endings = fields.some((f) => f.includes(other))
      ? `: the header's line ends in ${JSON.stringify(this.linebreak)} but other lines end in ${JSON.stringify(other === '\n' ? '\n' : '\r\n')}; expected one kind of line ending throughout`
      : '';
    throw new Error(
      `${this.name}: row ${r + 1} has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${n} columns${endings}`,
    );
  }

  /** The first column read with a missing value in this row, if any. */
  private missing(fields: string[]): number | undefined {
    return this.read.find((c) => MISSING.has(fields[c].trim()));
  }

  readonly survey: Row = (fields, meta, errors) => {
    if (!this.head) {
      this.delimiter = meta.delimiter;
      this.linebreak = meta.linebreak;
      return this.header(fields);
    }
    const r = this.body++;
    this.checkRow(fields, r, errors);
    const missing = this.missing(fields);
    if (missing !== undefined) {
      if (!this.o.dropMissing)
        throw new Error(`${this.where(r, missing)}: missing value; expected a value (or drop such rows: dropMissing)`);
      if (this.drops === this.dropped.length) {
        const more = new Uint32Array(2 * this.drops);
        more.set(this.dropped);
        this.dropped = more;
      }
      this.dropped[this.drops++] = r + 1;
      return;
    }
    this.kept++;
    if (this.schema) return;
    this.read.forEach((c) => {
      const v = fields[c].trim(),
        s = this.columns[c];
      if (NUMBER.test(v)) s.numbers++;
      if (s.distinct?.add(v) && s.distinct.size > DISTINCT) s.distinct = undefined;
    });
  };

  /** After the survey: the schema (found, or checked against the header) and the arrays the fill writes. */
  private plan(): void {
    if (!this.head || this.body === 0)
      throw new Error(`${this.name} has no data rows; expected a header row and at least one row of values`);
    if (this.kept === 0) throw new Error(`${this.name}: every row has a missing value`);
    const s = (this.schema ??= this.findSchema());
    this.width = schemaWidth(s);
    const n = this.kept,
      k = s.targets.length;
    this.x = new Float32Array(n * this.width);
    this.y = s.task === 'classification' ? new Uint8Array(n) : new Float32Array(n * k);
    this.codes = s.features.map((f) =>
      f.kind === 'category' ? new Map(f.categories.map((v, j) => [v, j])) : undefined,
    );
    this.classes = new Map((s.classes ?? []).map((v, j) => [v, j]));
    if (this.o.keepRows) this.rows = [];
  }

  /** The schema the survey says: each column's kind, the task, the classes. */
  private findSchema(): TableSchema {
    const { o, name, head } = this;
    const categorical = new Set(o.categorical ?? []);
    const survey = (c: number) => this.columns[c];
    const kind = (c: number): 'number' | 'category' =>
      !categorical.has(head![c]) && survey(c).numbers >= NUMERIC_SHARE * this.kept ? 'number' : 'category';
    /** The column's distinct values, sorted; undefined when it has more than MAX_CATEGORIES. */
    const values = (c: number) => {
      const d = survey(c).distinct;
      return d && d.size <= MAX_CATEGORIES ? sortValues(d) : undefined;
    };
    const features: FeatureColumn[] = this.featureAt.map((c) => {
      if (kind(c) === 'number') return { name: head![c], kind: 'number' };
      const categories = values(c);
      if (!categories)
        throw new Error(
          `${name}: column ${JSON.stringify(head![c])} has more than ${MAX_CATEGORIES} distinct values, more than ${MAX_CATEGORIES} categories: an identifier? Leave it out (ignore)`,
        );
      return { name: head![c], kind: 'category', categories };
    });
    const { targetAt, targets } = this;
    const numeric = targetAt.every((c) => kind(c) === 'number');
    let task = o.task;
    if (task !== undefined && !TABLE_TASKS.includes(task))
      throw new Error(`unknown task ${JSON.stringify(task)}; expected one of ${TABLE_TASKS.join(', ')}`);
    if (!task) {
      if (targetAt.length > 1)
        task = targetAt.every((c) => [...(survey(c).distinct ?? ['-'])].every((v) => v === '0' || v === '1'))
          ? 'multi-label'
          : 'regression';
      else {
        const v = values(targetAt[0]);
        const smallIntegers =
          v !== undefined && v.length <= SMALL_INTEGER_CLASSES && v.every((x) => /^[+-]?\d+$/.test(x));
        task = !numeric || smallIntegers ? 'classification' : 'regression';
      }
    }
    if (task === 'classification' && targetAt.length !== 1)
      throw new Error(`${name}: classification predicts one target column, got ${targetAt.length}`);
    if (task !== 'classification' && !numeric) {
      const c = targetAt.find((t) => kind(t) !== 'number')!;
      const example = [...(survey(c).distinct ?? [])].find((v) => !NUMBER.test(v));
      throw new Error(
        `${name}: target column ${JSON.stringify(head![c])} holds categories${example === undefined ? '' : ` (e.g. ${JSON.stringify(example)})`}, so it cannot be a ${task} target; expected numbers`,
      );
    }
    const schema: TableSchema = { features, targets, task };
    if (task === 'classification') {
      const classes = values(targetAt[0]);
      if (!classes || classes.length < 2)
        throw new Error(
          `${name}: target column ${JSON.stringify(targets[0])} has ${classes ? `${classes.length} class${classes.length === 1 ? '' : 'es'}` : `more than ${MAX_CATEGORIES} classes`}; expected 2 to 256`,
        );
      schema.classes = classes;
    }
    return schema;
  }

  readonly fill: Row = (fields) => {
    if (this.again < 0) {
      this.plan();
      this.again = 0;
      if (fields.length !== this.head!.length) this.changed();
      return;
    }
    const r = this.again++;
    if (fields.length !== this.head!.length || r >= this.body) this.changed();
    if (this.missing(fields) !== undefined) return; // left out by the survey
    const i = this.i++;
    if (i >= this.kept) this.changed();
    this.features(fields, r, i * this.width);
    if (this.hasTargets) this.target(fields, r, i);
    this.rows?.push(fields);
  };

  /** The text read the second time is not the text the survey read (a file written to meanwhile). */
  private changed(): never {
    throw new Error(`${this.name} changed while it was read; expected the same table on both passes`);
  }

  /** Row r's features at x[at…]: numbers as they are, categories one-hot. */
  private features(fields: string[], r: number, at: number): void {
    const { x, featureAt } = this;
    this.schema!.features.forEach((f, j) => {
      const v = fields[featureAt[j]].trim();
      if (f.kind === 'number') {
        if (!NUMBER.test(v))
          throw new Error(
            `${this.where(r, featureAt[j])}: ${JSON.stringify(v)} is not a number; the column is numeric`,
          );
        x[at] = Number(v);
        if (!Number.isFinite(x[at++]))
          throw new Error(`${this.where(r, featureAt[j])}: ${v} overflows float32 (its largest is about 3.4e38)`);
        return;
      }
      const k = this.codes[j]!.get(v);
      if (k === undefined)
        throw new Error(
          `${this.where(r, featureAt[j])}: category ${JSON.stringify(v)} was not in the training rows; expected one of ${f.categories.join(', ')}`,
        );
      x[at + k] = 1;
      at += f.categories.length;
    });
  }

  /** Row r's target(s) as the i-th label or target row. */
  private target(fields: string[], r: number, i: number): void {
    const s = this.schema!,
      { y, targetAt } = this;
    if (s.task === 'classification') {
      const v = fields[targetAt[0]].trim(),
        k = this.classes.get(v);
      if (k === undefined)
        throw new Error(
          `${this.where(r, targetAt[0])}: class ${JSON.stringify(v)} was not in the training rows; expected one of ${s.classes!.join(', ')}`,
        );
      y[i] = k;
      return;
    }
    targetAt.forEach((c, j) => {
      const v = fields[c].trim();
      const ok =
        s.task === 'multi-label' ? v === '0' || v === '1' : NUMBER.test(v) && Number.isFinite(Math.fround(Number(v)));
      if (!ok)
        throw new Error(
          `${this.where(r, c)}: ${JSON.stringify(v)} is not ${s.task === 'multi-label' ? '0 or 1 (a multi-label target)' : 'a number (a regression target)'}`,
        );
      y[i * targetAt.length + j] = Number(v);
    });
  }

  /** The table both passes read. */
  table(): Table {
    if (this.again < 0) this.plan(); // no rows at all: plan says so
    if (this.i !== this.kept) this.changed();
    const s = this.schema!;
    return {
      data: Dataset.fromArrays(this.x, this.y, this.width, s),
      schema: s,
      hasTargets: this.hasTargets,
      header: this.head!,
      ...(this.rows && { rows: this.rows }),
      dropped: this.dropped.slice(0, this.drops),
      delimiter: this.delimiter ?? ',',
    };
  }
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
