// Models that travel: wasmlp → ONNX (run by onnxruntime-web), wasmlp ⇄ TensorFlow.js layers models
// (loaded by tf.loadLayersModel, built and trained by TF.js), and a clear refusal, naming the
// layer, for everything that would not compute the same.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, test } from 'vitest';
import { Dataset, Network, type ActivationName, type LayerSpec, type TfjsModelJson } from '../src/index.js';
import { bytes, float32, string, varint } from '../src/io/protobuf.js';

ort.env.wasm.numThreads = 1;
tf.setBackend('cpu');

/** Deterministic pseudo-random numbers in [lo, hi). */
function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

/**
 * The tolerance the issue states: 1e-5 relative to the output's scale, max(|expected|, unit); unit
 * is 1, or for outputs scaled back to a regression's units the targets' spread (a last-bit
 * difference of the network's own output is that many units).
 */
const TOL = 1e-5;
const largest = { onnx: 0, tfjs: 0, tfjsImport: 0 };
function expectClose(actual: ArrayLike<number>, expected: Float32Array, which: keyof typeof largest, unit = 1): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), unit));
  largest[which] = Math.max(largest[which], worst);
  expect(worst).toBeLessThanOrEqual(TOL);
}

/** A 5-7-3 network with `act` in both layers (a softmax only on the last), biases made non-zero. */
async function netWith(act: ActivationName, alpha?: number): Promise<Network> {
  const hidden: LayerSpec = { units: 7, activation: act === 'softmax' ? 'tanh' : act, alpha };
  const net = await Network.create({
    inputs: 5,
    layers: [hidden, { units: 3, activation: act, alpha }],
    loss: act === 'softmax' || act === 'sigmoid' ? 'cross-entropy' : 'mse',
    seed: 3,
  });
  net.setParameters(net.parameters().map((p, l) => ({ W: p.W, b: uniform(p.b.length, 10 + l, -0.5, 0.5) })));
  return net;
}
const ROWS = 9;
const x = uniform(ROWS * 5, 77, -3, 3); // wide enough to reach every activation's saturated parts

const CASES: [ActivationName, number?][] = [
  ['identity'],
  ['sigmoid'],
  ['tanh'],
  ['relu'],
  ['leaky-relu', 0.2],
  ['leaky-relu'],
  ['elu', 0.7],
  ['elu'],
  ['softplus'],
  ['softmax'],
];

describe('protobuf writer', () => {
  test('writes the wire format of the protobuf encoding guide', () => {
    // developers.google.com/protocol-buffers/docs/encoding: field 1 = 150 is 08 96 01; "testing" in field 2.
    expect([...varint(1, 150)]).toEqual([0x08, 0x96, 0x01]);
    expect([...string(2, 'testing')]).toEqual([0x12, 0x07, ...new TextEncoder().encode('testing')]);
    expect([...bytes(3, [varint(1, 150)])]).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    // A negative int64 is its 64-bit two's complement: ten bytes.
    expect([...varint(3, -1)]).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    const f = float32(2, 0.75);
    expect(f[0]).toBe(0x15);
    expect(new DataView(f.buffer).getFloat32(1, true)).toBe(0.75);
  });
  test('refuses a number that is not an integer', () => {
    expect(() => varint(1, 1.5)).toThrow(/field 1 must be an integer, got 1.5/);
  });
});

describe('ONNX export runs in onnxruntime-web', () => {
  test.each(CASES)('%s (alpha %s)', async (act, alpha) => {
    const net = await netWith(act, alpha);
    const session = await ort.InferenceSession.create(net.toOnnx());
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    // The batch dimension is symbolic: one session runs any number of rows.
    for (const rows of [1, ROWS]) {
      const xs = x.subarray(0, rows * 5);
      const out = await session.run({ input: new ort.Tensor('float32', xs, [rows, 5]) });
      expect(out.output.dims).toEqual([rows, 3]);
      expectClose(out.output.data as Float32Array, net.predict(xs), 'onnx');
    }
    await session.release();
    net.dispose();
  });

  test('a trained MNIST-shaped network (784-32-10) predicts the same', async () => {
    const net = await Network.create({ inputs: 784, layers: [{ units: 32 }, { units: 10 }], loss: 'cross-entropy' });
    const px = uniform(40 * 784, 5, 0, 255),
      labels = Uint8Array.from({ length: 40 }, (_, i) => i % 10);
    await net.fit(Dataset.fromArrays(Uint8Array.from(px), labels, 784), { epochs: 2, batchSize: 8 });
    const rows = Float32Array.from(px.subarray(0, 10 * 784), (v) => Math.floor(v) / 255);
    const session = await ort.InferenceSession.create(net.toOnnx());
    const out = await session.run({ input: new ort.Tensor('float32', rows, [10, 784]) });
    expectClose(out.output.data as Float32Array, net.predict(rows), 'onnx');
    await session.release();
  });

  test('a step layer is refused, naming the layer', async () => {
    const net = await Network.create({
      inputs: 2,
      layers: [{ units: 2, activation: 'step' }, { units: 1 }],
      loss: 'mse',
    });
    expect(() => net.toOnnx()).toThrow(/toOnnx: layer 1 uses the step activation, which has no exact ONNX op/);
    expect(() => net.toTfjs()).toThrow(/toTfjs: layer 1 uses step, which TensorFlow.js has no activation for/);
  });
});

/** tf.loadLayersModel over model.json's content and the weights file, as a browser would fetch them. */
async function loadTfjs(modelJson: TfjsModelJson, weights: Uint8Array): Promise<tf.LayersModel> {
  const json = JSON.parse(JSON.stringify(modelJson)); // what a file holds
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    expect(manifest.map((g) => g.paths)).toEqual([['model.weights.bin']]);
    return [manifest[0].weights, weights.slice().buffer];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

const predictTfjs = (model: tf.LayersModel, rows: Float32Array, inputs: number): Float32Array => {
  const y = tf.tidy(() => (model.predict(tf.tensor2d(rows, [rows.length / inputs, inputs])) as tf.Tensor).dataSync());
  return Float32Array.from(y);
};

describe('TensorFlow.js export loads with tf.loadLayersModel', () => {
  test.each(CASES.filter(([act, alpha]) => !(act === 'elu' && alpha !== undefined)))(
    '%s (alpha %s)',
    async (act, alpha) => {
      const net = await netWith(act, alpha);
      const { modelJson, weights } = net.toTfjs();
      const model = await loadTfjs(modelJson, weights);
      expectClose(predictTfjs(model, x, 5), net.predict(x), 'tfjs');
      model.dispose();
      // And back: the same network, bit for bit.
      const back = await Network.fromTfjs(JSON.stringify(modelJson), weights);
      expect(back.config.layers).toEqual(net.config.layers.map((l) => ({ ...l, alpha: l.alpha ?? defaultAlpha(act) })));
      expect(back.config.loss).toBe(net.config.loss);
      expect(back.parameters()).toEqual(net.parameters());
      net.dispose();
      back.dispose();
    },
  );

  test('elu with alpha ≠ 1 is refused (TensorFlow.js has only alpha 1)', async () => {
    const net = await netWith('elu', 0.7);
    expect(() => net.toTfjs()).toThrow(
      /toTfjs: layer 1 uses elu with alpha 0.7: TensorFlow.js computes elu with alpha 1 only/,
    );
  });
});

/** A model's model.json content and weights as tf.io saves them (one weights file). */
async function saveTfjs(model: tf.LayersModel): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const json = {
    format: saved!.format,
    generatedBy: saved!.generatedBy,
    convertedBy: saved!.convertedBy,
    modelTopology: saved!.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: saved!.weightSpecs! }],
  };
  return { json: JSON.parse(JSON.stringify(json)), weights: new Uint8Array(saved!.weightData as ArrayBuffer) };
}

describe('a model built and trained in TensorFlow.js', () => {
  test('imports into wasmlp, predicts the same, and trains on', async () => {
    const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotNormal({ seed }) });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, inputShape: [4], activation: 'tanh', ...init(1) }),
        tf.layers.dense({ units: 6, useBias: false, ...init(2) }), // no bias: imported with b = 0
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.dense({ units: 5, activation: 'elu', ...init(3) }),
        tf.layers.dense({ units: 3, activation: 'softmax', ...init(4) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    // 3 classes from a rule over 4 features.
    const rows = 120,
      features = uniform(rows * 4, 9),
      labels = Uint8Array.from({ length: rows }, (_, r) =>
        features[4 * r] + features[4 * r + 1] > 0.3 ? 0 : features[4 * r + 2] > 0 ? 1 : 2,
      );
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    await model.fit(tf.tensor2d(features, [rows, 4]), oneHot, {
      epochs: 15,
      batchSize: 16,
      shuffle: false,
      verbose: 0,
    });
    const { json, weights } = await saveTfjs(model);

    await expect(Network.fromTfjs(json, weights)).rejects.toThrow(/does not say which loss.*pass \{ loss/);
    const net = await Network.fromTfjs(json, weights, { loss: 'cross-entropy' });
    expect(net.config.inputs).toBe(4);
    expect(net.config.layers.map((l) => [l.units, l.activation, l.alpha])).toEqual([
      [8, 'tanh', undefined],
      [6, 'leaky-relu', 0.2],
      [5, 'elu', undefined],
      [3, 'softmax', undefined],
    ]);
    expect([...net.parameters()[1].b]).toEqual([0, 0, 0, 0, 0, 0]);
    expectClose(predictTfjs(model, features, 4), net.predict(features), 'tfjsImport');

    const data = Dataset.fromArrays(features, labels, 4);
    const before = net.evaluate(data).loss;
    await net.fit(data, { epochs: 20, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } });
    expect(net.evaluate(data).loss).toBeLessThan(before);
    model.dispose();
    net.dispose();
  });
});

describe('fromTfjs refuses what it cannot compute the same, naming the layer', () => {
  /** A small model's files, with `edit` applied to its model.json. */
  async function edited(
    edit: (layers: { class_name: string; config: Record<string, unknown> }[], json: TfjsModelJson) => void,
  ) {
    const net = await netWith('relu');
    const { modelJson, weights } = net.toTfjs();
    net.dispose();
    const json = JSON.parse(JSON.stringify(modelJson)) as TfjsModelJson;
    edit(
      (json.modelTopology.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers,
      json,
    );
    return { json, weights };
  }
  test.each([
    [
      'a layer wasmlp has not',
      (L) => L.splice(1, 0, { class_name: 'Dropout', config: { name: 'dropout_1', rate: 0.5 } }),
      /layer 2 "dropout_1" \(Dropout\) is not a layer wasmlp has/,
    ],
    [
      'an activation wasmlp has not',
      (L) => (L[0].config.activation = 'selu'),
      /layer 1 "dense_1" \(Dense\) has activation "selu", which wasmlp does not have/,
    ],
    [
      'a kernel regularizer',
      (L) => (L[1].config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } }),
      /layer 2 "dense_2" \(Dense\) has kernel_regularizer .*which wasmlp does not apply/,
    ],
    [
      'a kernel constraint',
      (L) => (L[0].config.kernel_constraint = { class_name: 'MaxNorm', config: {} }),
      /layer 1 "dense_1" \(Dense\) has kernel_constraint/,
    ],
    ['a frozen layer', (L) => (L[1].config.trainable = false), /layer 2 "dense_2" \(Dense\) is frozen/],
    [
      'ELU with alpha ≠ 1',
      (L) => {
        L[0].config.activation = 'linear';
        L.splice(1, 0, { class_name: 'ELU', config: { name: 'elu_1', alpha: 0.5 } });
      },
      /layer 2 "elu_1" \(ELU\) has alpha 0.5/,
    ],
    [
      'two activations on one Dense',
      (L) => L.splice(1, 0, { class_name: 'Activation', config: { name: 'act', activation: 'tanh' } }),
      /layer 2 "act" \(Activation\) follows "dense_1", which already has the activation relu/,
    ],
    [
      'a capped ReLU',
      (L) => {
        L[0].config.activation = 'linear';
        L.splice(1, 0, { class_name: 'ReLU', config: { name: 'relu6', max_value: 6 } });
      },
      /"relu6" \(ReLU\) has max_value 6/,
    ],
    [
      'a non-flat input',
      (L) => (L[0].config.batch_input_shape = [null, 5, 1]),
      /layer 1 "dense_1" \(Dense\) has input shape \[null,5,1\]; expected \[null, inputs\]/,
    ],
    [
      'a functional model',
      (_, j) => (j.modelTopology.class_name = 'Model'),
      /the model is a "Model"; wasmlp imports Sequential models/,
    ],
    [
      'quantized weights',
      (_, j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 }),
      /the weight dense_1\/kernel is quantized; expected float32/,
    ],
    [
      'a weight of the wrong shape',
      (_, j) => (j.weightsManifest[0].weights[1].shape = [1, 7]),
      /the weight dense_1\/bias has shape \[1, 7\]; expected \[7\]/,
    ],
    [
      'a weight no layer uses',
      (_, j) => j.weightsManifest[0].weights.push({ name: 'extra', shape: [0], dtype: 'float32' }),
      /the weights manifest has extra, which no Dense layer uses/,
    ],
    [
      'a loss wasmlp has not',
      (_, j) => (j.userDefinedMetadata = { wasmlp: { loss: 'hinge' } }),
      /the model's loss "hinge" is not one wasmlp has/,
    ],
  ] as [string, Parameters<typeof edited>[0], RegExp][])('%s', async (_, edit, message) => {
    const { json, weights } = await edited(edit);
    await expect(Network.fromTfjs(json, weights)).rejects.toThrow(message);
  });

  test('weights of another length, text that is not JSON, a graph model, unknown options', async () => {
    const { json, weights } = await edited(() => {});
    await expect(Network.fromTfjs(json, weights.subarray(4))).rejects.toThrow(
      new RegExp(
        `the weights manifest describes ${weights.length} bytes, but the weights given are ${weights.length - 4} bytes`,
      ),
    );
    await expect(Network.fromTfjs('{"format": ', weights)).rejects.toThrow(/fromTfjs: model.json is not JSON/);
    await expect(Network.fromTfjs({ ...json, format: 'graph-model' }, weights)).rejects.toThrow(
      /format "graph-model"; expected "layers-model"/,
    );
    await expect(Network.fromTfjs(json, weights, { los: 'mse' } as never)).rejects.toThrow(
      /fromTfjs has no option "los" \(did you mean "loss"\?\)/,
    );
  });
});

/** What the round trip writes for alpha: leaky-relu's slope is made explicit in its LeakyReLU layer. */
const defaultAlpha = (act: ActivationName) => (act === 'leaky-relu' ? 0.01 : undefined);

afterAll(() =>
  console.log(
    `largest difference, relative to max(|expected|, 1 or a regression's target spread): ${JSON.stringify(largest)}`,
  ),
);

describe('a table model with its scaling', () => {
  // Columns of very different sizes, targets far from [0, 1]: the scaling matters to the outputs.
  const n = 200;
  const features = Float32Array.from(
    { length: n * 3 },
    (_, i) => [1000, 0.01, 5][i % 3] * (uniform(1, i + 1)[0] + 0.3 * (i % 3)),
  );
  const targets = Float32Array.from(
    { length: n * 2 },
    (_, i) => 400 * features[3 * (i >> 1)] * 1e-3 + 50 * (i % 2) + 7,
  );
  const make = async (scale: 'standard' | 'minmax', task: 'regression' | 'classes') => {
    const net = await Network.create({
      inputs: 3,
      layers: [
        { units: 8, activation: 'tanh' },
        task === 'regression' ? { units: 2, activation: 'identity' } : { units: 3, activation: 'softmax' },
      ],
      loss: task === 'regression' ? 'mse' : 'cross-entropy',
      scale,
      seed: 4,
    });
    const data =
      task === 'regression'
        ? Dataset.fromArrays(features, targets, 3)
        : Dataset.fromArrays(
            features,
            Uint8Array.from({ length: n }, (_, i) => i % 3),
            3,
          );
    await net.fit(data, { epochs: 3, batchSize: 20, optimizer: { name: 'adam', learningRate: 0.01 } });
    expect(net.scaling?.method).toBe(scale);
    return net;
  };
  const rows = features.subarray(0, 20 * 3);
  const unit = (net: Network) => Math.max(1, ...(net.scaling?.targets?.spread ?? []));

  test.each([
    ['standard', 'regression'],
    ['minmax', 'regression'],
    ['standard', 'classes'],
  ] as const)(
    '%s scaling, %s: ONNX (Mul and Add in front, and after for the targets) predicts the same from raw rows',
    async (scale, task) => {
      const net = await make(scale, task);
      const session = await ort.InferenceSession.create(net.toOnnx());
      const out = await session.run({ input: new ort.Tensor('float32', rows, [20, 3]) });
      const expected = net.predict(rows);
      if (task === 'regression') expect(Math.max(...expected)).toBeGreaterThan(20); // in the targets' units
      expectClose(out.output.data as Float32Array, expected, 'onnx', unit(net));
      await session.release();
      net.dispose();
    },
  );

  test.each([
    ['standard', 'regression'],
    ['minmax', 'classes'],
  ] as const)(
    '%s scaling, %s: the TF.js export has it folded into the first (and the last, identity) Dense layer',
    async (scale, task) => {
      const net = await make(scale, task);
      const { modelJson, weights } = net.toTfjs();
      const model = await loadTfjs(modelJson, weights);
      expectClose(predictTfjs(model, rows, 3), net.predict(rows), 'tfjs', unit(net));
      model.dispose();
      net.dispose();
    },
  );
});
