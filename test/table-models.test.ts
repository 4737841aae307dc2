// Table models travel between the CLI and the library (npm run build first: the CLI is dist/'s):
// a model the CLI trained on a table with a categorical column reads raw rows in the library, and
// one the library fitted on parseCsv's rows is read by `wasmlp predict`, `eval` and `info`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Dataset, Network, parseCsv } from '../src/index.js';
import { saveModel } from '../src/node/index.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-table-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(tmp, name), text);
  return join(tmp, name);
};

// Houses: price from rooms, area, year built and a categorical heating; a class from x and a color.
const HEATING = ['gas', 'oil', 'heat-pump'];
const houses = (n: number, from: number) =>
  'rooms,area,built,heating,price\n' +
  Array.from({ length: n }, (_, i) => {
    const k = from + i,
      rooms = 1 + (k % 6),
      area = 40 + ((k * 37) % 160),
      built = 1950 + ((k * 13) % 70),
      heating = HEATING[k % 3];
    const price = 20 * rooms + 2 * area + (built - 1950) + [0, -30, 40][k % 3];
    return `${rooms},${area},${built},${heating},${price}`;
  }).join('\n') +
  '\n';
const COLORS = ['red', 'green', 'blue'];
const shapes = (n: number, from: number) =>
  'x,color,shape\n' +
  Array.from({ length: n }, (_, i) => {
    const k = from + i,
      x = ((k * 7919) % 200) / 100 - 1,
      color = COLORS[k % 3];
    return `${x},${color},${color === 'red' ? 'circle' : x > 0 ? 'square' : 'star'}`;
  }).join('\n') +
  '\n';

describe('a CLI-trained table model in the library', () => {
  const model = join(tmp, 'houses.wasmlp');
  const rows = file('rows.csv', 'rooms,area,built,heating\n3,120,1975,gas\n5,80,2001,heat-pump\n');

  test('net.table holds the schema, and raw rows (arrays or objects) predict what `wasmlp predict` writes', async () => {
    const train = file('houses.csv', houses(300, 0));
    const r = cli('train', '--data', train, '--target', 'price', '--epochs', '40', '--out', model, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = cli('predict', '--model', model, rows);
    expect(p.status).toBe(0);
    const written = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').at(-1));

    const net = await Network.fromBytes(readFileSync(model));
    expect(net.table).toEqual({
      features: [
        { name: 'rooms', kind: 'number' },
        { name: 'area', kind: 'number' },
        { name: 'built', kind: 'number' },
        { name: 'heating', kind: 'category', categories: ['gas', 'heat-pump', 'oil'] },
      ],
      targets: ['price'],
      task: 'regression',
    });
    const a = net.predict([
      [3, 120, 1975, 'gas'],
      ['5', '80', '2001', 'heat-pump'],
    ]);
    expect(Array.from(a, String)).toEqual(written);
    const o = net.predict([
      { heating: 'gas', built: 1975, area: 120, rooms: 3 },
      { rooms: 5, area: 80, built: 2001, heating: 'heat-pump', price: 0 }, // the target column may be there
    ]);
    expect(o).toEqual(a);
    net.dispose();
  });

  test('raw rows that do not fit the table are refused, naming the row and the column', async () => {
    const net = await Network.fromBytes(readFileSync(model));
    expect(() => net.predict([[3, 120, 1975, 'coal']])).toThrow(
      'predict: row 1, column "heating": category "coal" was not in the training rows; expected one of gas, heat-pump, oil',
    );
    expect(() => net.predict([[3, 120, 1975]])).toThrow(
      'predict: row 1 has 3 values; expected 4, one per column in this order: rooms, area, built, heating',
    );
    expect(() => net.predict([{ rooms: 3, area: 120, built: 1975, heatng: 'gas' }])).toThrow(
      'predict: row 1 has a column "heatng" the table did not',
    );
    expect(() => net.predict([{ rooms: 3, area: 120, built: 1975 }])).toThrow('predict: row 1 has no column "heating"');
    expect(() => net.predict([[3, 'many', 1975, 'gas']])).toThrow('"many" is not a number; the column is numeric');
    expect(() => net.predict([['', '', '', '']])).toThrow('predict: row 1 has no values');
    expect(() => net.predict([])).toThrow('predict: no rows; expected at least one');
    expect(() => net.classify([[3, 120, 1975, 'gas']], { names: true })).toThrow(
      'classify: this network has no class names',
    );
    net.dispose();
  });

  test('a CLI classification model: classify gives the class names `wasmlp predict` writes', async () => {
    const m = join(tmp, 'shapes-cli.wasmlp');
    const r = cli(
      'train',
      '--data',
      file('shapes.csv', shapes(300, 0)),
      '--target',
      'shape',
      '--epochs',
      '60',
      '--out',
      m,
    );
    expect(r.status).toBe(0);
    const askText = shapes(20, 1000).replace(/,[a-z]+\n/g, '\n'); // no shape column
    const p = cli('predict', '--model', m, file('ask.csv', askText));
    expect(p.status).toBe(0);
    const written = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').at(-1));
    const net = await Network.fromBytes(readFileSync(m));
    expect(net.table?.classes).toEqual(['circle', 'square', 'star']);
    const raw = askText
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    expect(net.classify(raw, { names: true })).toEqual(written);
    expect(Array.from(net.classify(raw), (c) => net.table!.classes![c])).toEqual(written);
    net.dispose();
  });
});

describe('a library model fitted on parseCsv rows, in the CLI', () => {
  test('saveModel keeps the table: `wasmlp predict`, `eval` and `info` read it', async () => {
    const table = parseCsv(shapes(300, 0), { target: 'shape' });
    const net = await Network.create({
      inputs: table.data.width,
      layers: [{ units: 16 }, { units: 3 }],
      loss: 'cross-entropy',
      scale: 'standard',
      seed: 2,
    });
    expect(net.table).toBeUndefined();
    await net.fit(table.data.shuffled(1), {
      epochs: 60,
      batchSize: 32,
      optimizer: { name: 'adam', learningRate: 0.01 },
    });
    expect(net.table).toEqual(table.schema);
    const model = join(tmp, 'shapes-lib.wasmlp');
    await saveModel(net, model);

    const testText = shapes(60, 2000);
    const p = cli('predict', '--model', model, file('shapes-test.csv', testText));
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    const written = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').at(-1));
    const rows = testText
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 2));
    expect(net.classify(rows, { names: true })).toEqual(written);

    const e = cli('eval', '--model', model, '--data', join(tmp, 'shapes-test.csv'), '--json');
    expect(e.status).toBe(0);
    const mine = net.evaluate(parseCsv(testText, { schema: net.table! }).data);
    expect(JSON.parse(e.stdout.trim().split('\n').at(-1)!)).toMatchObject({ accuracy: mine.accuracy, loss: mine.loss });
    expect(mine.accuracy).toBeGreaterThan(0.9);

    const i = cli('info', '--model', model);
    expect(i.status).toBe(0);
    expect(i.stdout).toContain('data: a table; classification of shape (circle, square, star); scale standard');
    net.dispose();
  });

  test('a fit on rows of another table is refused, and a failed first fit keeps no table', async () => {
    const a = parseCsv(shapes(50, 0), { target: 'shape' });
    const net = await Network.create({ inputs: a.data.width, layers: [{ units: 3 }], loss: 'cross-entropy' });
    await expect(net.fit(a.data, { epochs: 1, batchSize: 0 })).rejects.toThrow('batch');
    expect(net.table).toBeUndefined();
    await net.fit(a.data, { epochs: 1, batchSize: 10 });
    const other = parseCsv(shapes(50, 0).replace('x,color,shape', 'y,color,shape'), { target: 'shape' });
    await expect(net.fit(other.data, { epochs: 2, batchSize: 10 })).rejects.toThrow(
      'fit: the network was trained on a table of x, color → shape; these rows were read with another schema',
    );
    const wide = parseCsv(houses(20, 0), { target: 'heating' });
    const b = await Network.create({ inputs: 3, layers: [{ units: 3 }], loss: 'cross-entropy' });
    await expect(b.fit(wide.data, { epochs: 1, batchSize: 10 })).rejects.toThrow(
      "fit: the table's feature columns make 4 inputs, but the network takes 3",
    );
    // Encoded rows without a schema still train a table network (they carry no other table).
    await net.fit(Dataset.fromArrays(a.data.features as Float32Array, a.data.labels, a.data.width), {
      epochs: 2,
      batchSize: 10,
    });
    expect(net.table).toEqual(a.schema);
    net.dispose();
    b.dispose();
  });
});
