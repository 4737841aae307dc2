// Property-based fuzzing (fast-check, fixed seed) of what reads untrusted bytes: parseIdx (raw and
// gzip), Dataset.fromIdx, Network.fromBytes and CSV tables (parseCsv, readCsv, loadCsv). Model files are mutated with both checksums
// recomputed afterwards, so that the header checks themselves are exercised, not only the CRC.
// The property: a clean result, or an Error that says what is wrong (a ModelFileError for model
// files) — never a raw TypeError, RangeError or hang; and a model file that loads saves again.
// TF.js model.json files and their manifests are read from disk as `wasmlp import` reads them, in
// a child Node with a 192 MiB heap (test/fuzz-tfjs-child.js), its peak memory asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Dataset,
  Network,
  parseCsv,
  parseIdx,
  readCsv,
  schemaWidth,
  type CsvOptions,
  type Table,
} from '../src/index.js';
import { crc32 } from '../src/io/crc32.js';
import { decodeModel, ModelFileError } from '../src/io/model.js';
import { sealModel } from './harness.js';

const SEED = 20261201;
export const RUNS = { idx: 1500, idxGzip: 400, dataset: 400, modelBytes: 1200, modelJson: 1200, tfjs: 400 };

/** An IDX file of unsigned bytes with these dims and data i % 251. */
function idx(dims: number[]): Uint8Array {
  const count = dims.reduce((p, d) => p * d, 1);
  const b = new Uint8Array(4 + 4 * dims.length + count);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x800 + dims.length, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) b[4 + 4 * dims.length + i] = i % 251;
  return b;
}

/** A mutation of bytes: flips, overwrites, truncation or extension, an overwritten dim. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.integer({ min: 0, max: 5 }),
    value: fc.oneof(fc.nat(), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 2 ** 24)),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of ms) {
    if (m.kind === 'flip' && b.length) b[m.at % b.length] ^= 1 << m.bit;
    else if (m.kind === 'set' && b.length) b[m.at % b.length] = m.value;
    else if (m.kind === 'cut') b = b.slice(0, m.at % (b.length + 1));
    else if (m.kind === 'grow') b = Uint8Array.from([...b, ...m.extra]);
    else if (m.kind === 'u32' && b.length >= 4 * m.at + 8)
      new DataView(b.buffer).setUint32(4 * m.at + 4, m.value, false);
  }
  return b;
}

/** Either a clean result or an Error naming `label` (not a TypeError, RangeError or the like). */
async function cleanly<T>(label: string, run: () => Promise<T>, check: (x: T) => void): Promise<void> {
  let result: T;
  try {
    result = await run();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    expect((e as Error).message).toContain(label);
    return;
  }
  check(result);
}

describe('parseIdx', () => {
  const base = [idx([5, 4, 3]), idx([7]), idx([2, 2, 2, 2])];
  test(`raw bytes, ${RUNS.idx} mutated files`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...base), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (b, ms) => {
        await cleanly(
          'fuzz.idx',
          () => parseIdx(mutate(b, ms), 'fuzz.idx'),
          ({ dims, data }) => {
            expect(data.length).toBe(dims.reduce((p, d) => p * d, 1));
          },
        );
      }),
      { seed: SEED, numRuns: RUNS.idx },
    );
  });
  test(`gzip, ${RUNS.idxGzip} files: mutated before and after compression`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...base),
        fc.array(mutation, { maxLength: 3 }),
        fc.array(mutation, { maxLength: 2 }),
        async (b, before, after) => {
          const gz = mutate(gzipSync(mutate(b, before)), after);
          await cleanly(
            'fuzz.gz',
            () => parseIdx(gz, 'fuzz.gz'),
            ({ dims, data }) => {
              expect(data.length).toBe(dims.reduce((p, d) => p * d, 1));
            },
          );
        },
      ),
      { seed: SEED, numRuns: RUNS.idxGzip },
    );
  });
});

test(`Dataset.fromIdx, ${RUNS.dataset} mutated image and label pairs`, async () => {
  const images = idx([6, 3, 3]),
    labels = idx([6]);
  await fc.assert(
    fc.asyncProperty(
      fc.array(mutation, { maxLength: 3 }),
      fc.array(mutation, { maxLength: 3 }),
      fc.boolean(),
      async (mi, ml, gz) => {
        const i = mutate(images, mi),
          l = mutate(labels, ml);
        let failure = '';
        try {
          const d = await Dataset.fromIdx(gz ? gzipSync(i) : i, l, { images: 'img.idx', labels: 'lab.idx' });
          expect(d.features.length).toBe(d.length * d.width);
          return;
        } catch (e) {
          expect((e as Error).constructor).toBe(Error);
          failure = (e as Error).message;
        }
        expect(failure).toMatch(/img\.idx|lab\.idx/);
      },
    ),
    { seed: SEED, numRuns: RUNS.dataset },
  );
});

describe('Network.fromBytes', () => {
  const bases: Uint8Array[] = [];
  const outcomes: Record<string, number> = { loaded: 0 };
  afterAll(() =>
    console.log(
      `Network.fromBytes over ${RUNS.modelBytes + RUNS.modelJson} mutated files: ${JSON.stringify(outcomes)}`,
    ),
  );
  beforeAll(async () => {
    const x = Float32Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i)),
      y = Uint8Array.from({ length: 40 }, (_, i) => i % 2);
    const data = Dataset.fromArrays(x, y, 3);
    for (const optimizer of [{ name: 'adam' }, { name: 'momentum', learningRate: 0.1 }] as const) {
      const net = await Network.create({
        inputs: 3,
        layers: [
          { units: 4, activation: 'tanh' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: 'cross-entropy',
        seed: 3,
      });
      await net.fit(data, {
        epochs: 2,
        batchSize: 8,
        optimizer,
        validationSplit: 0.25,
        earlyStopping: { patience: 5 },
      });
      bases.push(net.toBytes({ checkpoint: true }), net.toBytes({ meta: { note: 'x', list: [1, 2] } }));
      await net.fit(data, {
        epochs: 3,
        initialEpoch: 2,
        batchSize: 8,
        optimizer,
        validationSplit: 0.25,
        onBatchEnd: (b) => b.batch < 2,
      });
      bases.push(net.toBytes({ checkpoint: true })); // format version 2: stopped mid-epoch
      net.dispose();
    }
  });

  /** Recompute both checksums, as a buggy writer would (the sizes are left as they are). */
  const reseal = (b: Uint8Array) => {
    if (b.length < 28) return b;
    const v = new DataView(b.buffer);
    v.setUint32(24, crc32(b.subarray(0, 24)), true);
    if (b.length >= 32) v.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    return b;
  };

  /** Loads, or fails with a ModelFileError; a file that loads saves again, and that loads too. */
  async function loadsOrRefuses(bytes: Uint8Array): Promise<void> {
    let net: Network;
    try {
      net = await Network.fromBytes(bytes, { name: 'fuzz.wasmlp' });
      outcomes.loaded++;
    } catch (e) {
      outcomes[(e as ModelFileError).code ?? 'other'] = (outcomes[(e as ModelFileError).code ?? 'other'] ?? 0) + 1;
      expect(e, String(e)).toBeInstanceOf(ModelFileError);
      expect((e as Error).message).toMatch(/^fuzz\.wasmlp /);
      return;
    }
    const again = net.toBytes({ checkpoint: decodeModel(bytes).header.kind === 'checkpoint' });
    (await Network.fromBytes(again)).dispose();
    net.dispose();
  }

  test(`${RUNS.modelBytes} files with bytes flipped, overwritten, cut or added, checksums recomputed`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (i, ms) => {
        await loadsOrRefuses(reseal(mutate(bases[i % bases.length], ms)));
      }),
      { seed: SEED, numRuns: RUNS.modelBytes },
    );
  });

  /** A JSON value to put somewhere a header field was. */
  const value = fc.oneof(
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1,
      0.5,
      2 ** 31,
      2 ** 53,
      1e308,
      -1e308,
      '',
      'adam',
      'softmax',
      'parameters',
      'optimizer.m,optimizer.v',
      [],
      {},
    ),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 8 }),
    fc.array(fc.integer({ min: 0, max: 2 ** 32 }), { maxLength: 5 }),
  );

  test(`${RUNS.modelJson} files whose header has a field set, removed or added, well sealed`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'add'), value), { minLength: 1, maxLength: 3 }),
        async (i, edits) => {
          const { header, sections, version } = decodeModel(bases[i % bases.length]);
          const h = JSON.parse(JSON.stringify(header));
          for (const [at, op, v] of edits) {
            // Every container in the header, and a key of one.
            const places: [Record<string, unknown>, string][] = [];
            const walk = (o: unknown) => {
              if (typeof o !== 'object' || o === null) return;
              for (const [k, x] of Object.entries(o)) {
                places.push([o as Record<string, unknown>, k]);
                walk(x);
              }
            };
            walk(h);
            const [obj, key] = places[at % places.length];
            if (op === 'set') obj[key] = v;
            else if (op === 'delete') delete obj[key];
            else obj[`extra${at % 3}`] = v;
          }
          // The payload stays the original's: a header that now says otherwise must be refused.
          const payload = header.sections.map((x) => sections[x.name]!);
          await loadsOrRefuses(sealModel(JSON.stringify(h), payload, version));
        },
      ),
      { seed: SEED, numRuns: RUNS.modelJson },
    );
  });

  test('the mutations reach past the checksums: some files load, many fail the header checks', () => {
    expect(outcomes.loaded).toBeGreaterThan(100);
    expect(outcomes.invalid).toBeGreaterThan(500);
  });
});

// The child reads what `wasmlp import` reads through dist/, so `npm run build` first (as for the CLI tests).
test(`TF.js model.json and weights files, ${RUNS.tfjs} mutated models (paths, shapes, names, nesting) read in a 192 MiB heap`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmlp-fuzz-tfjs-'));
  try {
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=192', 'test/fuzz-tfjs-child.js', String(SEED), String(RUNS.tfjs), dir],
      { encoding: 'utf8', timeout: 600_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0); // not killed by the heap limit (134) or the guard timeout
    const { cases, loaded, failures, maxRssMiB } = JSON.parse(r.stdout);
    expect(failures).toEqual([]);
    expect(cases).toBe(RUNS.tfjs);
    expect(loaded).toBeGreaterThan(RUNS.tfjs / 10); // the mutations leave some models whole
    expect(loaded).toBeLessThan(RUNS.tfjs - 100); // and refuse many
    expect(maxRssMiB).toBeLessThan(400); // one weights file read 2,000 times took 4 GB
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// CSV tables: headers (duplicates, spaces, quotes, delimiters and line breaks in names), fields
// (numbers, categories, missing values, quoted or not), line endings (LF, CRLF, CR, a CRLF header
// over LF rows), delimiters, sizes. Each table is read from its text and from a stream cut into
// random chunks: both give the same table or the same Error, and a well-formed table's numbers are
// the ones written.
export const CSV_RUNS = { tables: 1500, large: 24 };

const csvName = fc.oneof(
  fc.constantFrom('a', 'b', 'y', ' y', 'y ', '', 'x1', '"q"', 'a,b', 'x\ny', 'é', 'NA'),
  fc.string({ maxLength: 4 }),
);
const csvCell = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 3 }).map(String) },
  fc.double().map(String),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('', 'NA', '?', 'red', 'blue', '1e39', '-3e38', ' 2 ', '"', 'a,b', 'x\ny', '0', '1', '0', '1', '2'),
  fc.string({ maxLength: 5 }),
);
const csvTable = fc.integer({ min: 1, max: 5 }).chain((c) =>
  fc.record({
    // Mostly distinct plain names (so that many tables read), else hostile ones.
    names: fc.oneof(
      { weight: 2, arbitrary: fc.constant(Array.from({ length: c }, (_, j) => (j === c - 1 ? 'y' : `x${j}`))) },
      { weight: 1, arbitrary: fc.array(csvName, { minLength: c, maxLength: c }) },
    ),
    rows: fc.array(fc.array(csvCell, { minLength: c, maxLength: c }), { maxLength: 25 }),
    eol: fc.constantFrom('\n', '\r\n', '\r', 'crlf header'),
    delimiter: fc.constantFrom(',', ';', '\t'),
    given: fc.boolean(), // the delimiter given, or found
    quote: fc.constantFrom('needed', 'all', 'never'),
    ragged: fc.option(fc.record({ row: fc.nat(), drop: fc.boolean() }), { freq: 4 }),
    target: fc.constantFrom(-1, -1, 0, 1, 2, 3, 4), // -1: the last column
    dropMissing: fc.boolean(),
    finalEol: fc.boolean(),
    chunks: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
  }),
);
type CsvCase = typeof csvTable extends fc.Arbitrary<infer T> ? T : never;

function csvText(t: CsvCase): string {
  const field = (f: string) =>
    t.quote === 'all' ||
    (t.quote === 'needed' && /["\r\n]/.test(f + t.delimiter) && new RegExp(`["\\r\\n${t.delimiter}]`).test(f))
      ? `"${f.replaceAll('"', '""')}"`
      : f;
  const rows = t.rows.map((r) => [...r]);
  if (t.ragged && rows.length) {
    const r = rows[t.ragged.row % rows.length];
    if (t.ragged.drop) r.pop();
    else r.push('9');
  }
  const lines = [t.names, ...rows].map((r) => r.map(field).join(t.delimiter));
  const eol = t.eol === 'crlf header' ? '\n' : t.eol;
  const head = t.eol === 'crlf header' ? '\r\n' : eol;
  return lines[0] + (lines.length > 1 ? head + lines.slice(1).join(eol) : '') + (t.finalEol ? eol : '');
}

/**
 * The text as a stream cut at random: the delimiter and line ending are found in the first chunk
 * (a file's first MB), so a table cut before its first line ends is one chunk until `cut`.
 */
function csvStream(text: string, cuts: number[], cut: boolean) {
  return () => {
    const parts: string[] = [];
    for (let at = 0, i = 0; at < text.length; i++) {
      const n = cut ? cuts[i % cuts.length] : text.length;
      parts.push(text.slice(at, at + n));
      at += n;
    }
    return Readable.from(parts, { objectMode: false });
  };
}

const outcome = (f: () => Table) => {
  try {
    return { table: f() };
  } catch (e) {
    return { error: e as Error };
  }
};

/** The numbers a well-formed table was written with are the ones read. */
function checkWritten(t: CsvCase, table: Table): void {
  const rows = t.rows.filter((r) => r.join('').trim() !== ''); // empty lines are skipped
  const dropped = new Set(table.dropped);
  const kept = rows.filter((_, r) => !dropped.has(r + 1));
  expect(table.data.length).toBe(kept.length);
  expect(table.data.width).toBe(schemaWidth(table.schema));
  expect(table.header).toEqual(t.names.map((n) => n.trim()));
  let at = 0;
  for (const f of table.schema.features) {
    const c = table.header.indexOf(f.name);
    kept.forEach((row, i) => {
      const v = row[c].trim(),
        x = table.data.features.subarray(i * table.data.width + at);
      if (f.kind === 'number') expect(x[0]).toBe(Math.fround(Number(v)));
      else expect(x[f.categories.indexOf(v)]).toBe(1);
    });
    at += f.kind === 'number' ? 1 : f.categories.length;
  }
}

describe('CSV tables', () => {
  test(`${CSV_RUNS.tables} tables, from text and from a chunked stream: the same table or the same clear Error`, async () => {
    let read = 0,
      written = 0;
    await fc.assert(
      fc.asyncProperty(csvTable, async (t) => {
        const text = csvText(t);
        const target = t.names.at(t.target < 0 ? -1 : t.target % t.names.length)!.trim();
        const options: CsvOptions = {
          target,
          name: 'fuzz.csv',
          dropMissing: t.dropMissing,
          keepRows: true,
          ...(t.given && { delimiter: t.delimiter }),
        };
        const a = outcome(() => parseCsv(text, options));
        let b: { table?: Table; error?: Error };
        try {
          // Cut anywhere when nothing is left to find (the delimiter given, LF: the default line ending).
          b = { table: await readCsv(csvStream(text, t.chunks, t.given && t.eol === '\n'), options) };
        } catch (e) {
          b = { error: e as Error };
        }
        if (a.error) {
          expect(a.error.constructor).toBe(Error);
          expect(a.error.message).toMatch(/fuzz\.csv|^unknown task/);
          expect(b.error?.message).toBe(a.error.message);
          return;
        }
        expect(b.error).toBeUndefined();
        const x = a.table!,
          y = b.table!;
        expect(y.schema).toEqual(x.schema);
        expect(y.rows).toEqual(x.rows);
        expect(y.dropped).toEqual(x.dropped);
        expect(Array.from(y.data.features)).toEqual(Array.from(x.data.features));
        expect(Array.from(y.data.targets ?? y.data.labels)).toEqual(Array.from(x.data.targets ?? x.data.labels));
        expect(x.data.features.every(Number.isFinite)).toBe(true);
        read++;
        // Well-formed: quoted where needed, one line ending, the delimiter given, no ragged row.
        if (t.quote !== 'never' && t.eol !== 'crlf header' && t.given && !t.ragged) {
          checkWritten(t, x);
          written++;
        }
      }),
      { seed: SEED, numRuns: CSV_RUNS.tables },
    );
    expect(read).toBeGreaterThan(CSV_RUNS.tables / 20); // not only refusals
    expect(written).toBeGreaterThan(CSV_RUNS.tables / 100);
  });

  test(`${CSV_RUNS.large} large or wide tables read from files under a 64 MB heap: a result or a clear Error`, () => {
    // In a child process with --max-old-space-size=64: a table's text is never held whole, so
    // tables of up to 16 MB of text (with 64 MB of heap for everything else) end cleanly, one after another.
    const script = `
      import fc from 'fast-check';
      import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { loadCsv } = await import(${JSON.stringify(new URL('../dist/node/index.js', import.meta.url).href)});
      const dir = mkdtempSync(join(tmpdir(), 'wasmlp-fuzz-csv-'));
      const file = join(dir, 't.csv');
      let ok = 0, refused = 0;
      const shape = fc.record({
        columns: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1000, 20000)),
        mb: fc.integer({ min: 1, max: 16 }),
        field: fc.constantFrom('1.5', '-3e38', 'red', '"a,""b"""', '', 'x'.repeat(1000)),
        eol: fc.constantFrom('\\n', '\\r\\n'),
      });
      await fc.assert(fc.asyncProperty(shape, async (s) => {
        const fd = openSync(file, 'w');
        const names = Array.from({ length: s.columns }, (_, j) => 'c' + j);
        writeSync(fd, names.join(',') + ',y' + s.eol);
        const line = Array.from({ length: s.columns }, (_, j) => (j % 3 === 0 ? s.field : String(j))).join(',');
        for (let i = 0, at = 0; at < s.mb * 1e6; i++) at += writeSync(fd, line + ',' + (i % 2) + s.eol);
        closeSync(fd);
        try {
          const t = await loadCsv(file, { target: 'y', dropMissing: true });
          if (!(t.data.length > 0 && t.data.features.every(Number.isFinite))) throw new Error('a table that is not right');
          ok++;
        } catch (e) {
          if (e.constructor !== Error || !e.message.startsWith('t.csv')) throw e;
          refused++;
        }
      }), { seed: ${SEED}, numRuns: ${CSV_RUNS.large} });
      rmSync(dir, { recursive: true, force: true });
      console.log(JSON.stringify({ ok, refused }));`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { ok, refused } = JSON.parse(r.stdout);
    expect(ok + refused).toBe(CSV_RUNS.large);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 600_000);
});
