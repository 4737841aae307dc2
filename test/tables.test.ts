// Real-valued targets, their metrics, column scaling kept in the model, and tables from CSV.
import { describe, expect, test } from 'vitest';
import { Dataset } from '../src/data/dataset.js';
import { parseCsv } from '../src/data/table.js';
import { decodeModel, encodeModel } from '../src/io/model.js';
import { Network } from '../src/network.js';

/** A seeded uniform stream in [0, 1). */
function uniform(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** y = sin(x₁) + x₂² + noise, with x₁ in [−3, 3] given as 10·x₁ (columns on different scales) and y shifted by 100. */
function sineTable(n: number, seed = 7) {
  const r = uniform(seed);
  const x = new Float32Array(2 * n),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r() * 6 - 3,
      b = r() * 4 - 2;
    x[2 * i] = 10 * a;
    x[2 * i + 1] = b;
    y[i] = 100 + Math.sin(a) + b * b + (r() - 0.5) * 0.2;
  }
  return { x, y };
}

const regression = (scale: 'standard' | 'minmax' | 'none', threads: number | 'auto' = 1) =>
  Network.create({
    inputs: 2,
    layers: [
      { units: 32, activation: 'tanh' },
      { units: 32, activation: 'tanh' },
      { units: 1, activation: 'identity' },
    ],
    loss: 'mse',
    scale,
    threads,
  });

/** mse, mae and R² in f64 from predictions and targets (the oracle for evaluate). */
function metrics(p: Float32Array, y: Float32Array) {
  let se = 0,
    ae = 0,
    mean = 0,
    tot = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] / y.length;
  for (let i = 0; i < y.length; i++) {
    se += (p[i] - y[i]) ** 2;
    ae += Math.abs(p[i] - y[i]);
    tot += (y[i] - mean) ** 2;
  }
  return { mse: se / y.length, mae: ae / y.length, r2: 1 - se / tot };
}

describe('regression: y = sin(x₁) + x₂² + noise', async () => {
  const { x, y } = sineTable(2000);
  const all = Dataset.fromArrays(x, y, 2);
  const { train, validation } = all.splitValidation(0.25);
  const net = await regression('standard');
  await net.fit(train, { epochs: 60, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.003 } });
  const e = net.evaluate(validation);
  const p = net.predict(validation);

  test('reaches R² ≥ 0.95 on held-out rows; evaluate reports mse, mae and r2 in the targets’ units', () => {
    console.log(
      `regression: held-out R² ${e.r2!.toFixed(4)}, mse ${e.mse!.toPrecision(3)}, mae ${e.mae!.toPrecision(3)}`,
    );
    expect(e.r2).toBeGreaterThanOrEqual(0.95);
    expect(e.accuracy).toBeUndefined();
    const want = metrics(p, validation.targets!);
    expect(e.mse! / want.mse).toBeCloseTo(1, 3);
    expect(e.mae! / want.mae).toBeCloseTo(1, 3);
    expect(e.r2!).toBeCloseTo(want.r2, 3);
  });

  test('predictions come back in the original units (y ≈ 100 + sin x₁ + x₂²), for raw rows', () => {
    const q = net.predict([
      [0, 0],
      [15, 1],
    ]);
    expect(q[0]).toBeCloseTo(100, 0);
    expect(q[1]).toBeCloseTo(100 + Math.sin(1.5) + 1, 0);
  });

  test('the scaling is fitted on the training rows only and kept in the network', () => {
    const s = net.scaling!;
    let m0 = 0,
      my = 0;
    for (let i = 0; i < train.length; i++) {
      m0 += train.features[2 * i];
      my += train.targets![i];
    }
    expect(s.method).toBe('standard');
    expect(s.inputs.center[0]).toBeCloseTo(m0 / train.length, 4);
    expect(s.targets!.center[0]).toBeCloseTo(my / train.length, 3);
    expect(s.inputs.center[0]).not.toBeCloseTo(
      Array.from({ length: all.length }, (_, i) => x[2 * i]).reduce((a, b) => a + b) / all.length,
      4,
    );
  });

  test('save → load predicts the same bits from raw rows, and reports the same metrics', async () => {
    const loaded = await Network.fromBytes(net.toBytes());
    expect(loaded.scaling).toEqual(net.scaling);
    expect(loaded.predict(validation)).toEqual(p);
    expect(loaded.evaluate(validation)).toEqual(e);
  });

  test('without scaling the same network does worse on these raw columns (the scaling matters)', async () => {
    const raw = await regression('none');
    await raw.fit(train, { epochs: 60, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.003 } });
    expect(raw.evaluate(validation).r2!).toBeLessThan(e.r2!);
  });

  test('the same weights, bit for bit, on 1 and 2 threads, with scaling and real targets', async () => {
    const small = train.slice(0, 400);
    const nets = [await regression('minmax', 1), await regression('minmax', 2)];
    for (const n of nets) await n.fit(small, { epochs: 3, batchSize: 16 });
    expect(nets[1].parameters()).toEqual(nets[0].parameters());
    expect(nets[1].predict(validation)).toEqual(nets[0].predict(validation));
  });
});

describe('multi-label targets (sigmoid outputs, cross-entropy per output)', () => {
  test('evaluate and the epoch logs report each output’s accuracy and their mean', async () => {
    const r = uniform(3),
      n = 1200;
    const x = new Float32Array(2 * n),
      y = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = r() * 2 - 1;
      x[2 * i + 1] = r() * 2 - 1;
      y[2 * i] = +(x[2 * i] > 0);
      y[2 * i + 1] = +(x[2 * i] * x[2 * i + 1] > 0);
    }
    const data = Dataset.fromArrays(x, y, 2);
    const net = await Network.create({
      inputs: 2,
      layers: [
        { units: 16, activation: 'tanh' },
        { units: 2, activation: 'sigmoid' },
      ],
      loss: 'cross-entropy',
      scale: 'standard',
    });
    const h = await net.fit(data, { epochs: 40, batchSize: 32, validationSplit: 0.25 });
    const e = net.evaluate(data);
    expect(e.accuracies).toHaveLength(2);
    expect(e.accuracies![0]).toBeGreaterThan(0.95);
    expect(e.accuracy).toBeCloseTo((e.accuracies![0] + e.accuracies![1]) / 2, 12);
    expect(net.scaling!.targets).toBeUndefined(); // 0/1 targets stay as they are
    expect(h.at(-1)!.valAccuracy).toBeGreaterThan(0.8);
    expect(h.at(-1)!.valAccuracies).toHaveLength(2);
    expect(h.at(-1)!.valAccuracy).toBeCloseTo((h.at(-1)!.valAccuracies![0] + h.at(-1)!.valAccuracies![1]) / 2, 12);
    expect((await Network.fromBytes(net.toBytes())).history).toEqual(net.history); // the model file keeps them
    expect(h.at(-1)!.accuracy).toBeUndefined();
    // Counted from predict: the same per-output accuracy.
    const p = net.predict(data);
    const right0 = Array.from({ length: n }, (_, i) => +(p[2 * i] >= 0.5 === y[2 * i] >= 0.5)).reduce((a, b) => a + b);
    expect(e.accuracies![0]).toBe(right0 / n);
  });

  test('a target other than 0 or 1 is refused, naming the row and output', async () => {
    const net = await Network.create({
      inputs: 1,
      layers: [{ units: 2, activation: 'sigmoid' }],
      loss: 'cross-entropy',
    });
    const d = Dataset.fromArrays(new Float32Array(3), Float32Array.of(0, 1, 1, 0, 0.5, 1), 1);
    await expect(net.fit(d, { epochs: 1, batchSize: 2 })).rejects.toThrow(/target 0\.5 at row 2, output 0.*0 or 1/);
  });
});

describe('Dataset.fromArrays with real targets: shapes and values checked', () => {
  test.each([
    [new Float32Array(5), /targets hold 5 values; expected rows × outputs values \(a multiple of 2\)/],
    [Float32Array.of(1, NaN, 2, 3), /targets\[1\] \(row 0, output 1\) is NaN/],
    [new Float64Array(2), /targets must be a Uint8Array .* or a Float32Array/],
  ])('%#', (targets, message) => {
    expect(() => Dataset.fromArrays(new Float32Array(4), targets as Float32Array, 2)).toThrow(message);
  });

  test('width of the targets against the network, and softmax with real targets, are refused', async () => {
    const d = Dataset.fromArrays(new Float32Array(4), new Float32Array(4), 2); // 2 rows × 2 outputs
    const one = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'identity' }], loss: 'mse' });
    expect(() => one.evaluate(d)).toThrow('data rows have 2 target values but the network has 1 output');
    const soft = await Network.create({ inputs: 2, layers: [{ units: 2 }], loss: 'cross-entropy' });
    expect(() => soft.evaluate(d)).toThrow(/real-valued targets with a softmax output/);
  });

  test('a scaling network refuses u8 features (pixels are read as value / 255)', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 2 }], loss: 'cross-entropy', scale: 'standard' });
    const d = Dataset.fromArrays(new Uint8Array(4), new Uint8Array(2), 2);
    await expect(net.fit(d, { epochs: 1, batchSize: 2 })).rejects.toThrow(/scale "standard".*Float32Array features/);
  });
});

describe('the model file keeps the scaling and the class names, and its reader checks them', async () => {
  const net = await Network.create({
    inputs: 2,
    layers: [{ units: 3 }],
    loss: 'cross-entropy',
    scale: 'minmax',
    classes: ['a', 'b', 'c'],
  });
  await net.fit(Dataset.fromArrays(Float32Array.of(1, 2, 3, 4, 5, 7), Uint8Array.of(0, 1, 2), 2), {
    epochs: 1,
    batchSize: 3,
  });
  const bytes = net.toBytes();
  const { header, sections } = decodeModel(bytes);

  test('the classes and the min–max scaling (min, max − min) round-trip', async () => {
    expect(header.network.classes).toEqual(['a', 'b', 'c']);
    expect(header.scaling).toEqual({ method: 'minmax', inputs: { center: [1, 2], spread: [4, 5] } });
    const loaded = await Network.fromBytes(bytes);
    expect(loaded.config.classes).toEqual(['a', 'b', 'c']);
    expect(loaded.predict([[3, 4.5]])).toEqual(net.predict([[3, 4.5]]));
  });

  test.each([
    [
      { method: 'minmax', inputs: { center: [1, 2], spread: [4, 0] } },
      /scaling\.inputs\.spread\[1\] is 0; expected a finite number > 0/,
    ],
    [
      { method: 'minmax', inputs: { center: [1], spread: [4, 5] } },
      /scaling\.inputs\.center must be an array of 2 numbers/,
    ],
    [
      { method: 'standard', inputs: { center: [1, 2], spread: [4, 5] } },
      /scaling\.method "standard" must be network\.scale \("minmax"\)/,
    ],
  ])('a bad scaling is refused: %#', (scaling, message) => {
    const { sections: _, ...rest } = header;
    expect(() => encodeModel({ ...rest, scaling } as never, [['parameters', sections.parameters!]])).toThrow(message);
  });

  test('classes must be one name per class', async () => {
    await expect(
      Network.create({ inputs: 2, layers: [{ units: 3 }], loss: 'cross-entropy', classes: ['a', 'b'] }),
    ).rejects.toThrow(/classes must be 3 distinct strings/);
  });
});

describe('parseCsv', () => {
  test('header, numeric and categorical columns (one-hot), a categorical target with class names', () => {
    const t = parseCsv('size,colour,kind\n1.5,red,cat\n2,blue,dog\n-3e1,red,dog\n', { target: 'kind' });
    expect(t.schema).toEqual({
      features: [
        { name: 'size', kind: 'number' },
        { name: 'colour', kind: 'category', categories: ['blue', 'red'] },
      ],
      targets: ['kind'],
      task: 'classification',
      classes: ['cat', 'dog'],
    });
    expect(Array.from(t.data.features)).toEqual([1.5, 0, 1, 2, 1, 0, -30, 0, 1]);
    expect(Array.from(t.data.labels)).toEqual([0, 1, 1]);
  });

  test.each([
    ['a;b;y\n1;2;3.5\n4;5;6.25\n', ';'],
    ['a\tb\ty\n1\t2\t3.5\n4\t5\t6.25\n', '\t'],
    ['"a","b","y"\n"1",2,3.5\n4,"5",6.25\n', ','],
  ])('finds the delimiter (%j) and reads quoted fields; a numeric target is a regression', (text, delimiter) => {
    const t = parseCsv(text, { target: 'y' });
    expect(t.delimiter).toBe(delimiter);
    expect(t.schema.task).toBe('regression');
    expect(Array.from(t.data.features)).toEqual([1, 2, 4, 5]);
    expect(Array.from(t.data.targets!)).toEqual([3.5, 6.25]);
  });

  test('a quoted field may hold the delimiter; a small-integer target is a classification; --task overrides', () => {
    const text = 'name,x,y\n"Smith, J",1,0\n"Doe, A",2,2\n"Roe, B",3,1\n';
    const t = parseCsv(text, { target: 'y', ignore: ['name'], keepRows: true });
    expect(t.rows![0][0]).toBe('Smith, J');
    expect(t.schema.task).toBe('classification');
    expect(t.schema.classes).toEqual(['0', '1', '2']);
    expect(parseCsv(text, { target: 'y', ignore: ['name'], task: 'regression' }).schema.task).toBe('regression');
  });

  test('several 0/1 target columns are multi-label', () => {
    const t = parseCsv('x,p,q\n1,0,1\n2,1,1\n', { target: ['p', 'q'] });
    expect(t.schema.task).toBe('multi-label');
    expect(Array.from(t.data.targets!)).toEqual([0, 1, 1, 1]);
  });

  test('dropMissing leaves out rows with a missing value and says which', () => {
    const t = parseCsv('a,y\n1,x\n,y\n3,y\nNA,y\n', { target: 'y', dropMissing: true });
    expect(Array.from(t.dropped)).toEqual([2, 4]);
    expect(Array.from(t.data.features)).toEqual([1, 3]);
  });

  const train = parseCsv('a,c,y\n1,u,x\n2,v,y\n3,u,x\n', { target: 'y', name: 'train.csv' });
  test.each([
    ['a,c,y\n1,u,x\n,v,y\n', { target: 'y' }, 'in.csv: row 2, column "a": missing value'],
    [
      'a,c,y\n1,u,x\n2,v,y\n' + '3,u,x\n'.repeat(20) + 'abc,u,x\n',
      { target: 'y' },
      'in.csv: row 23, column "a": "abc" is not a number; the column is numeric',
    ],
    ['a,c,y\n1,u,x\n2,v\n', { target: 'y' }, 'in.csv: row 2 has 2 fields but the header has 3 columns'],
    ['a,c,y\n1,u,x\n', { target: 'z' }, 'in.csv has no column "z" (the target); its columns are a, c, y'],
    [
      'a,c,y\n1,u,x\n2,v,w\n',
      { schema: train.schema },
      'in.csv: row 2, column "y": class "w" was not in the training rows; expected one of x, y',
    ],
    [
      'a,c,y\n1,w,x\n',
      { schema: train.schema },
      'in.csv: row 1, column "c": category "w" was not in the training rows; expected one of u, v',
    ],
    ['b,c,y\n1,u,x\n', { schema: train.schema }, 'in.csv has no column "a" (a feature)'],
  ])('refuses a bad table, naming the row and column: %#', (text, options, message) => {
    expect(() => parseCsv(text, { name: 'in.csv', ...options })).toThrow(message);
  });

  test('rows read with the training schema: columns in any order, targets optional', () => {
    const t = parseCsv('y,c,a\nx,v,5\n', { schema: train.schema });
    expect(Array.from(t.data.features)).toEqual([5, 0, 1]);
    const rows = parseCsv('c,a\nu,7\n', { schema: train.schema });
    expect(rows.hasTargets).toBe(false);
    expect(Array.from(rows.data.features)).toEqual([7, 1, 0]);
  });
});

test('a fit that fails before its first epoch ends leaves no scaling behind; the next fit finds it anew', async () => {
  const net = await regression('standard');
  const { x, y } = sineTable(64);
  const data = Dataset.fromArrays(x, y, 2);
  await expect(
    net.fit(data, {
      epochs: 1,
      batchSize: 8,
      onBatchEnd: () => {
        throw new Error('stop here');
      },
    }),
  ).rejects.toThrow('stop here');
  expect(net.scaling).toBeUndefined();
  await net.fit(data.slice(0, 32), { epochs: 1, batchSize: 8 });
  let mean = 0;
  for (let i = 0; i < 32; i++) mean += x[2 * i] / 32;
  expect(net.scaling!.inputs.center[0]).toBeCloseTo(mean, 4);
});
