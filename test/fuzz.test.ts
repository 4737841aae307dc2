// Property-based fuzzing (fast-check, fixed seed) of what reads untrusted bytes: parseIdx (raw and
// gzip), Dataset.fromIdx and Network.fromBytes. Model files are mutated with both checksums
// recomputed afterwards, so that the header checks themselves are exercised, not only the CRC.
// The property: a clean result, or an Error that says what is wrong (a ModelFileError for model
// files) — never a raw TypeError, RangeError or hang; and a model file that loads saves again.
// TF.js model.json files and their manifests are read from disk as `wasmlp import` reads them, in
// a child Node with a 192 MiB heap (test/fuzz-tfjs-child.js), its peak memory asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Dataset, Network, parseIdx } from '../src/index.js';
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
