// Ensembles: the mean of the members' outputs (exactly as stated: f32 outputs summed in f64 in
// member order, divided by K, rounded once to f32), their metrics, their file (round trip, refused
// when damaged or when a reader expects the other kind), their ONNX graph in onnxruntime-web, and
// the search's ensemble of the best trial's fold networks.
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { Dataset, Ensemble, foldSplit, kFolds, Network, parseCsv, search, type NetworkConfig } from '../src/index.js';

let s = 7;
const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

// A table: a regression y = 3x₁ − x₂ + noise (in units far from 1, so the scalings matter) and a class by x₁ + x₂ > 0.
let csv = 'x1,x2,x3,y,c\n';
for (let i = 0; i < 150; i++) {
  const x = [g(), 5 + 2 * g(), g()];
  csv += `${x.map((v) => v.toFixed(4)).join(',')},${(100 + 30 * x[0] - 10 * x[1] + g()).toFixed(3)},${x[0] + x[1] - 5 > 0 ? 'yes' : 'no'}\n`;
}
const regression = parseCsv(csv, { target: 'y', ignore: ['c'], keepRows: true });
const classes = parseCsv(csv, { target: 'c', ignore: ['y'], keepRows: true });

/** Three networks trained on different thirds of the rows, with different seeds: members that differ. */
async function members(data: Dataset, config: Omit<NetworkConfig, 'seed'>): Promise<Network[]> {
  const folds = kFolds(data, 3, 1);
  return Promise.all(
    [0, 1, 2].map(async (f) => {
      const net = await Network.create({ ...config, seed: 10 + f });
      await net.fit(foldSplit(data, folds, f).train, { epochs: 20, batchSize: 16 });
      return net;
    }),
  );
}

const regConfig = (d: Dataset): Omit<NetworkConfig, 'seed'> => ({
  inputs: d.width,
  layers: [{ units: 6, activation: 'tanh' }, { units: 1 }],
  loss: 'mse',
  scale: 'standard',
});
const classConfig = (d: Dataset): Omit<NetworkConfig, 'seed'> => ({
  inputs: d.width,
  layers: [{ units: 6 }, { units: 2, activation: 'softmax' }],
  loss: 'cross-entropy',
  scale: 'standard',
});

describe('an ensemble predicts the mean of its members', () => {
  test.each([
    ['a regression', regression.data, regConfig],
    ['a classification', classes.data, classConfig],
  ])('%s: exactly the f64 sum in member order / K, rounded once to f32', async (_, data, config) => {
    const nets = await members(data, config(data));
    const e = new Ensemble(nets);
    expect(e.size).toBe(3);
    const outs = nets.map((n) => n.predict(data));
    const expected = new Float32Array(outs[0].length);
    for (let i = 0; i < expected.length; i++) expected[i] = (outs[0][i] + outs[1][i] + outs[2][i]) / 3;
    const mean = e.predict(data);
    expect(mean).toEqual(expected);
    // The members differ, so the mean is none of them.
    for (const o of outs) expect(mean).not.toEqual(o);
    // Raw rows (through each member's table) give the same as the Dataset.
    const rows = (data === regression.data ? regression : classes).rows!.slice(0, 5).map((row) => row.slice(0, 3));
    expect(e.predict(rows as never)).toEqual(mean.subarray(0, 5 * e.outputs));
    e.dispose();
  });

  test('its metrics are those of the mean outputs, and one member alone scores as the network does', async () => {
    const nets = await members(classes.data, classConfig(classes.data));
    const e = new Ensemble(nets);
    const a = e.predict(classes.data);
    const right = classes.data.labels.filter((y, i) => +(a[2 * i + 1] > a[2 * i]) === y).length;
    expect(e.evaluate(classes.data).accuracy).toBe(right / classes.data.length);
    expect(Array.from(e.classify(classes.data))).toEqual(
      Array.from({ length: a.length / 2 }, (_, i) => +(a[2 * i + 1] > a[2 * i])),
    );
    const alone = new Ensemble([nets[0]]).evaluate(classes.data),
      own = nets[0].evaluate(classes.data);
    expect(alone.accuracy).toBe(own.accuracy);
    expect(alone.loss).toBeCloseTo(own.loss, 5);
    const regs = await members(regression.data, regConfig(regression.data));
    const one = new Ensemble([regs[1]]).evaluate(regression.data),
      net = regs[1].evaluate(regression.data);
    expect(one.r2).toBeCloseTo(net.r2!, 5);
    expect(one.mse! / net.mse!).toBeCloseTo(1, 4);
    expect(one.mae! / net.mae!).toBeCloseTo(1, 4);
    e.dispose();
    for (const n of regs) n.dispose();
  });

  test('members of other shapes, rows of another width and meta that is not JSON are refused', async () => {
    const [a] = await members(regression.data, regConfig(regression.data));
    const b = await Network.create({ inputs: a.inputs, layers: [{ units: 2 }], loss: 'mse' });
    expect(() => new Ensemble([a, b])).toThrow(/Ensemble: member 2 differs from member 1/);
    expect(() => new Ensemble([])).toThrow(/expected an array of one or more Networks/);
    const e = new Ensemble([a]);
    expect(() => e.evaluate(Dataset.fromArrays(new Float32Array(4), new Float32Array(2), 2))).toThrow(
      /rows have 2 features but the network has 3 inputs/,
    );
    expect(() => e.toBytes({ meta: { n: 1n } })).toThrow(/meta must hold plain JSON values/);
  });
});

describe('the ensemble file', () => {
  test('round trip: the same predictions, the same bytes', async () => {
    const e = new Ensemble(await members(regression.data, regConfig(regression.data)));
    const bytes = e.toBytes({ meta: { note: 'kept' } });
    const back = await Ensemble.fromBytes(bytes);
    expect(back.size).toBe(3);
    expect(back.table).toEqual(regression.schema);
    expect(back.predict(regression.data)).toEqual(e.predict(regression.data));
    expect(back.toBytes({ meta: { note: 'kept' } })).toEqual(bytes);
  });

  test('refused: by a single network’s reader, damaged, truncated, newer, or a model file as an ensemble', async () => {
    const nets = await members(regression.data, regConfig(regression.data));
    const bytes = new Ensemble(nets).toBytes();
    await expect(Network.fromBytes(bytes, { name: 'e.wasmlp' })).rejects.toThrow(
      /^e\.wasmlp is an ensemble of networks \(a wasmlp ensemble file\), not one network: read it with Ensemble\.fromBytes$/,
    );
    await expect(Ensemble.fromBytes(nets[0].toBytes(), { name: 'm.wasmlp' })).rejects.toThrow(
      /m\.wasmlp is one network's model file, not an ensemble: read it with Network\.fromBytes/,
    );
    const flipped = bytes.slice();
    flipped[bytes.length - 100] ^= 1;
    await expect(Ensemble.fromBytes(flipped)).rejects.toMatchObject({ code: 'corrupted' });
    await expect(Ensemble.fromBytes(bytes.subarray(0, bytes.length - 3))).rejects.toMatchObject({
      code: 'truncated',
      message: expect.stringMatching(/is truncated/),
    });
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, 2, true);
    await expect(Ensemble.fromBytes(newer)).rejects.toThrow(/uses ensemble format version 2, newer than this wasmlp/);
    await expect(Ensemble.fromBytes(new TextEncoder().encode('hello, world!'))).rejects.toThrow(
      /is not a wasmlp ensemble file: it starts with 68 65 6c/,
    );
  });
});

describe('an ensemble’s ONNX model runs in onnxruntime-web', () => {
  test.each([
    ['a regression (each member scaled its own way)', regression, regConfig],
    ['a classification', classes, classConfig],
  ])('%s: the mean of the members’ graphs', async (_, table, config) => {
    const e = new Ensemble(await members(table.data, config(table.data)));
    const session = await ort.InferenceSession.create(e.toOnnx());
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    const x = table.data.features as Float32Array;
    const out = await session.run({ input: new ort.Tensor('float32', x, [table.data.length, table.data.width]) });
    const expected = e.predict(table.data),
      got = out.output.data as Float32Array;
    // As for one network (test/export.test.ts): 1e-5 relative to max(|expected|, unit), unit the targets' spread.
    const unit = Math.max(1, ...e.members.map((m) => m.scaling?.targets?.spread[0] ?? 1));
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(got[i] - expected[i]) / Math.max(Math.abs(expected[i]), unit));
    console.log(`ensemble ONNX vs wasmlp, largest relative difference: ${worst.toExponential(2)}`);
    expect(got.length).toBe(expected.length);
    expect(worst).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});

describe('the search’s ensemble', () => {
  test('the best trial’s fold networks: each scores its own fold as the trial did', async () => {
    const data = classes.data;
    const base = { network: { ...classConfig(data), seed: 1 }, fit: { epochs: 10, batchSize: 16 } };
    const result = await search(data, { learningRate: [0.003, 0.03] }, { ...base, folds: 3, seed: 4, ensemble: true });
    expect(result.network).toBeUndefined();
    const e = result.ensemble!;
    expect(e.size).toBe(3);
    const folds = kFolds(data, 3, 4);
    const scores = e.members.map((m, f) => m.evaluate(foldSplit(data, folds, f).test).accuracy);
    expect(scores).toEqual(result.best!.scores);
    e.dispose();
  });
});
