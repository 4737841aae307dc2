// A network as a TensorFlow.js layers model (what tf.loadLayersModel reads: model.json plus one
// weights file), and back. Dense kernels are stored [inputs, units] (TF.js computes a·kernel), the
// transpose of wasmlp's W (units × inputs). Only what both compute exactly crosses: a model with
// any other layer, activation, regularizer or constraint is refused with the layer named, so an
// import never trains or predicts something other than the model it came from.
import { ACTIVATIONS } from '../activations.js';
import {
  activationOf,
  MAX_LAYERS,
  MAX_NESTING,
  nestingDepth,
  show,
  typeName,
  type ActivationName,
  type LayerSpec,
  type LossName,
  type NetworkConfig,
  type Parameters,
} from '../config.js';
import { MODEL_LIMITS } from './model.js';

export const TFJS_WEIGHTS_FILE = 'model.weights.bin';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}
export interface TfjsLayer {
  class_name: string;
  config: Record<string, unknown>;
}
/** model.json of a TensorFlow.js layers model (the fields wasmlp writes and reads). */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  trainingConfig?: { loss?: unknown };
  userDefinedMetadata?: Record<string, unknown>;
}

/** TF.js activation names ↔ wasmlp's, where both compute the same function. */
const FROM_TFJS: Record<string, ActivationName> = {
  linear: 'identity',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  softplus: 'softplus',
  softmax: 'softmax',
  elu: 'elu', // alpha 1: TF.js has no other
};
const LOSSES: Record<string, LossName> = {
  'cross-entropy': 'cross-entropy',
  mse: 'mse',
  meanSquaredError: 'mse',
  mean_squared_error: 'mse',
  categoricalCrossentropy: 'cross-entropy',
  categorical_crossentropy: 'cross-entropy',
  sparseCategoricalCrossentropy: 'cross-entropy',
  sparse_categorical_crossentropy: 'cross-entropy',
  binaryCrossentropy: 'cross-entropy',
  binary_crossentropy: 'cross-entropy',
};

export interface TfjsSource {
  inputs: number;
  layers: readonly LayerSpec[];
  loss: LossName;
  parameters: readonly Parameters[];
  producerVersion: string;
}

/** model.json's content and the weights file's bytes. Throws, naming the layer, for what TF.js cannot compute. */
export function encodeTfjs({ inputs, layers, loss, parameters, producerVersion }: TfjsSource): {
  modelJson: TfjsModelJson;
  weights: Uint8Array;
} {
  const topology: TfjsLayer[] = [],
    specs: TfjsWeightSpec[] = [],
    values: Float32Array[] = [];
  layers.forEach((layer, l) => {
    const act = activationOf(layers, l),
      alpha = layer.alpha ?? ACTIVATIONS[act].param;
    const refuse = (why: string): never => {
      throw new Error(`toTfjs: layer ${l + 1} uses ${act}${why}; export a network without it`);
    };
    if (act === 'step') refuse(', which TensorFlow.js has no activation for');
    if (act === 'elu' && alpha !== 1) refuse(` with alpha ${alpha}: TensorFlow.js computes elu with alpha 1 only`);
    const nIn = l === 0 ? inputs : layers[l - 1].units,
      name = `dense_${l + 1}`;
    // leaky-relu is no Dense activation in TF.js: a linear Dense followed by a LeakyReLU layer.
    const dense = act === 'leaky-relu' ? 'linear' : Object.keys(FROM_TFJS).find((k) => FROM_TFJS[k] === act)!;
    topology.push({
      class_name: 'Dense',
      config: {
        name,
        units: layer.units,
        activation: dense,
        use_bias: true,
        trainable: true,
        dtype: 'float32',
        ...(l === 0 ? { batch_input_shape: [null, inputs] } : {}),
      },
    });
    if (act === 'leaky-relu')
      topology.push({ class_name: 'LeakyReLU', config: { name: `leaky_re_lu_${l + 1}`, alpha, trainable: true } });
    const { W, b } = parameters[l],
      kernel = new Float32Array(W.length);
    for (let j = 0; j < layer.units; j++) for (let k = 0; k < nIn; k++) kernel[k * layer.units + j] = W[j * nIn + k];
    specs.push(
      { name: `${name}/kernel`, shape: [nIn, layer.units], dtype: 'float32' },
      { name: `${name}/bias`, shape: [layer.units], dtype: 'float32' },
    );
    values.push(kernel, b);
  });
  const weights = new Uint8Array(4 * values.reduce((s, v) => s + v.length, 0));
  const view = new DataView(weights.buffer);
  let at = 0;
  for (const v of values) for (const x of v) view.setFloat32((at += 4) - 4, x, true);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `wasmlp ${producerVersion}`,
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: topology },
        keras_version: `wasmlp ${producerVersion}`,
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
      userDefinedMetadata: { wasmlp: { loss } }, // a training setting TF.js keeps only with an optimizer
    },
    weights,
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
/** x[k] when x is an object. */
const get = (x: unknown, k: string): unknown => (isObject(x) ? x[k] : undefined);
const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 2 ** 24;

/** Dense options that do not change what the layer computes once its weights are loaded. */
const DENSE_KEYS = [
  'name',
  'units',
  'activation',
  'use_bias',
  'trainable',
  'dtype',
  'batch_input_shape',
  'kernel_initializer',
  'bias_initializer',
];

/** An error from the import, saying what was wrong. */
function fail(why: string): never {
  throw new Error(`fromTfjs: ${why}`);
}

/** A Dense layer as read, before its weights: an activation layer after it may still set its activation. */
interface DenseRead {
  name: string;
  units: number;
  useBias: boolean;
  activation: ActivationName;
  alpha?: number;
  set: boolean;
}

/**
 * The network config and parameters a TF.js layers model describes, every field checked; `weights`
 * is the concatenation of its weights files in manifest order. `loss` overrides the model's own.
 */
export function decodeTfjs(
  json: TfjsModelJson | string,
  weights: Uint8Array | ArrayBuffer,
  loss?: LossName,
): { config: NetworkConfig; parameters: Parameters[] } {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json) as TfjsModelJson;
    } catch (e) {
      fail(`model.json is not JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) return fail(`expected model.json's content (an object or its text), got ${typeName(json)}`);
  if (nestingDepth(json, MAX_NESTING) > MAX_NESTING)
    fail(`model.json's arrays and objects nest more than ${MAX_NESTING} deep; a layers model needs far fewer`);
  if (json.format !== undefined && json.format !== 'layers-model')
    fail(`model.json has format ${show(json.format)}; expected "layers-model" (a graph model has no layers to import)`);
  if (!(weights instanceof Uint8Array || weights instanceof ArrayBuffer))
    fail(`expected the weights as a Uint8Array or an ArrayBuffer, got ${typeName(weights)}`);
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const read = readLayers(sequentialLayers(json));
  const { inputs, parameters } = readWeights(json, bytes, read);
  const layers: LayerSpec[] = read.dense.map((d) => ({
    units: d.units,
    activation: d.activation,
    ...(d.alpha === undefined ? {} : { alpha: d.alpha }),
  }));
  return { config: { inputs, layers, loss: loss ?? modelLoss(json) }, parameters };
}

/** The layer list of model.json's Sequential topology. */
function sequentialLayers(json: Record<string, unknown>): unknown[] {
  // A Keras model converted by tensorflowjs_converter nests its topology in model_config.
  const top = get(json.modelTopology, 'model_config') ?? json.modelTopology;
  if (!isObject(top)) return fail('model.json has no modelTopology object');
  if (top.class_name !== 'Sequential')
    fail(`the model is a ${show(top.class_name)}; wasmlp imports Sequential models (a chain of Dense layers)`);
  const cfg = top.config;
  const list = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) return fail('the Sequential model has no layers');
  if (list.length > 2 * MAX_LAYERS)
    fail(`the Sequential model has ${list.length} layers; wasmlp imports at most ${MAX_LAYERS} Dense layers`);
  return list as unknown[];
}

/** Walk the layers: each Dense starts a wasmlp layer; an activation layer may follow a linear Dense. */
function readLayers(list: unknown[]): { inputs: number | undefined; dense: DenseRead[] } {
  let inputs: number | undefined;
  const dense: DenseRead[] = [];
  const names = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    const c = isObject(entry) && isObject(entry.config) ? entry.config : {};
    const what = `layer ${i + 1}${typeof c.name === 'string' ? ` ${show(c.name)}` : ''} (${isObject(entry) ? (typeof entry.class_name === 'string' ? entry.class_name.slice(0, 60) : show(entry.class_name)) : typeName(entry)})`;
    function refuse(why: string): never {
      fail(`${what} ${why}`);
    }
    if (!isObject(entry) || !isObject(entry.config)) refuse('is not a { class_name, config } object');
    const kind = entry.class_name as string;
    // Weights are found by their layer's name: a name used twice would give one layer's weights to both.
    if (c.name !== undefined) {
      if (typeof c.name !== 'string' || c.name === '') refuse('has a name that is not a non-empty string');
      const first = names.get(c.name);
      if (first !== undefined) refuse(`has the name of layer ${first}; layer names must be unique`);
      names.set(c.name, i + 1);
    }
    if (c.trainable === false)
      refuse('is frozen (trainable: false); wasmlp trains every layer, so make it trainable before importing');
    if (c.dtype !== undefined && c.dtype !== 'float32') refuse(`has dtype ${show(c.dtype)}; expected float32`);
    const shape = c.batch_input_shape;
    if (shape !== undefined) {
      if (dense.length > 0 || inputs !== undefined) refuse('sets an input shape, but is not the first layer');
      if (!Array.isArray(shape) || shape.length !== 2 || !isCount(shape[1]))
        refuse(`has input shape ${show(shape)}; expected [null, inputs] (rows of numbers)`);
      inputs = (shape as number[])[1];
    }
    if (kind === 'InputLayer') {
      if (i !== 0 || shape === undefined) refuse('must be the first layer and give batch_input_shape [null, inputs]');
      return;
    }
    if (kind === 'Dense') {
      dense.push(denseLayer(c, refuse));
      return;
    }
    // An activation layer: the activation of the Dense before it, which must not have one yet.
    const [activation, alpha] = activationLayer(kind, c, refuse);
    const last = dense.at(-1);
    if (!last) return refuse("comes before any Dense layer; wasmlp applies activations to a Dense layer's output");
    if (last.set)
      refuse(`follows "${last.name}", which already has the activation ${last.activation}; wasmlp layers have one`);
    last.activation = activation;
    last.alpha = alpha;
    last.set = true;
  });
  if (dense.length === 0) fail('the model has no Dense layer');
  if (dense.length > MAX_LAYERS)
    fail(`the model has ${dense.length} Dense layers; a network has at most ${MAX_LAYERS}`);
  return { inputs, dense };
}

/** A Dense layer's config, checked: only options that do not change what it computes. */
function denseLayer(c: Record<string, unknown>, refuse: (why: string) => never): DenseRead {
  for (const [k, v] of Object.entries(c))
    if (!DENSE_KEYS.includes(k) && v !== null)
      refuse(
        `has ${k} ${show(v)}, which wasmlp does not apply (it would train or compute differently); remove it before importing`,
      );
  if (typeof c.name !== 'string') refuse('has no name; its weights are found by it (name/kernel, name/bias)');
  if (!isCount(c.units)) refuse(`has units ${show(c.units)}; expected an integer ≥ 1`);
  const act = c.activation ?? 'linear';
  if (typeof act !== 'string' || !Object.hasOwn(FROM_TFJS, act))
    refuse(
      `has activation ${show(act)}, which wasmlp does not have; expected one of ${Object.keys(FROM_TFJS).join(', ')}`,
    );
  if (c.use_bias !== undefined && typeof c.use_bias !== 'boolean') refuse('has a use_bias that is not true or false');
  return {
    name: c.name as string,
    units: c.units as number,
    useBias: c.use_bias !== false,
    activation: FROM_TFJS[act as string],
    set: act !== 'linear',
  };
}

/** The activation (and its parameter) an activation layer of class `kind` applies, checked. */
function activationLayer(
  kind: string,
  c: Record<string, unknown>,
  refuse: (why: string) => never,
): [ActivationName, number?] {
  const num = (k: string, dflt: number) => {
    const v = c[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) refuse(`has ${k} ${show(v)}; expected a number`);
    return v as number;
  };
  if (kind === 'LeakyReLU') return ['leaky-relu', num('alpha', 0.3)]; // TF.js's default slope
  if (kind === 'ELU') {
    if (num('alpha', 1) !== 1) refuse(`has alpha ${c.alpha}; TensorFlow.js computes ELU with alpha 1 only`);
    return ['elu'];
  }
  if (kind === 'ReLU') {
    if (c.max_value !== undefined && c.max_value !== null)
      refuse(`has max_value ${c.max_value}; wasmlp's relu has no cap`);
    return ['relu'];
  }
  if (kind === 'Softmax') {
    const axis = c.axis ?? -1;
    if (axis !== -1 && axis !== 1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1)))
      refuse(`has axis ${show(axis)}; expected the last axis (-1)`);
    return ['softmax'];
  }
  if (kind === 'Activation') {
    const a = c.activation;
    if (typeof a !== 'string' || !Object.hasOwn(FROM_TFJS, a))
      refuse(
        `has activation ${show(a)}, which wasmlp does not have; expected one of ${Object.keys(FROM_TFJS).join(', ')}`,
      );
    return [FROM_TFJS[a as string]];
  }
  return refuse(
    'is not a layer wasmlp has; it imports Sequential models of Dense layers, each optionally followed by an Activation, ReLU, LeakyReLU, ELU or Softmax layer',
  );
}

/** The weights: every entry of the manifest, in order, float32, used exactly once. */
function readWeights(
  json: Record<string, unknown>,
  bytes: Uint8Array,
  { inputs, dense }: { inputs: number | undefined; dense: DenseRead[] },
): { inputs: number; parameters: Parameters[] } {
  const { weights: offsets, bytes: at } = tfjsManifest(json);
  if (at !== bytes.length)
    fail(`the weights manifest describes ${at} bytes, but the weights given are ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const used = new Set<string>();
  const read = (name: string, shape: number[], layer: string): Float32Array => {
    const w = offsets.get(name);
    if (!w) return fail(`layer "${layer}" has no weight ${name} in the weights manifest`);
    if (w.shape.join() !== shape.join())
      fail(`the weight ${name} has shape [${w.shape.join(', ')}]; expected [${shape.join(', ')}]`);
    used.add(name);
    return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) =>
      view.getFloat32(w.at + 4 * i, true),
    );
  };
  const parameters = dense.map((d, l) => {
    if (l === 0 && inputs === undefined) inputs = offsets.get(`${d.name}/kernel`)?.shape[0];
    const nIn = l === 0 ? inputs! : dense[l - 1].units;
    const kernel = read(`${d.name}/kernel`, [nIn, d.units], d.name),
      W = new Float32Array(kernel.length);
    for (let j = 0; j < d.units; j++) for (let k = 0; k < nIn; k++) W[j * nIn + k] = kernel[k * d.units + j];
    return { W, b: d.useBias ? read(`${d.name}/bias`, [d.units], d.name) : new Float32Array(d.units) }; // no bias: b = 0, kept trainable
  });
  const unused = [...offsets.keys()].filter((n) => !used.has(n));
  if (unused.length) fail(`the weights manifest has ${unused.join(', ')}, which no Dense layer uses`);
  return { inputs: inputs!, parameters };
}

/** The loss: wasmlp's own record of it, else a compiled model's training config. */
function modelLoss(json: Record<string, unknown>): LossName {
  const named =
    get(get(json.userDefinedMetadata, 'wasmlp'), 'loss') ??
    get(json.trainingConfig, 'loss') ??
    get(get(json.modelTopology, 'training_config'), 'loss');
  if (named === undefined)
    fail('the model does not say which loss it trains with; pass { loss: "mse" or "cross-entropy" }');
  if (typeof named !== 'string' || !Object.hasOwn(LOSSES, named))
    fail(`the model's loss ${show(named)} is not one wasmlp has; pass { loss: "mse" or "cross-entropy" }`);
  return LOSSES[named as string];
}

/**
 * The weights a model.json's manifest lists (name → byte offset and shape, in manifest order) and
 * the bytes they take, every entry checked: float32, a shape of counts, a name used once, a total
 * no network could exceed. The weights files' paths are given as listed; where they may be read
 * from is the reader's business (Node: inside model.json's folder).
 */
export function tfjsManifest(json: unknown): {
  weights: Map<string, { at: number; shape: number[] }>;
  bytes: number;
  paths: unknown[];
} {
  const manifest = get(json, 'weightsManifest');
  if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(get(g, 'weights'))))
    fail('model.json has no weightsManifest (a list of { paths, weights })');
  const groups = manifest as { weights: unknown[]; paths?: unknown }[];
  const weights = new Map<string, { at: number; shape: number[] }>();
  const most = 4 * MODEL_LIMITS.sectionValues; // a network's parameters fill one model file section
  let bytes = 0;
  for (const s of groups.flatMap((g) => g.weights)) {
    if (
      !isObject(s) ||
      typeof s.name !== 'string' ||
      !Array.isArray(s.shape) ||
      s.shape.length > 8 ||
      !s.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0)
    )
      fail(`the weights manifest has an entry ${show(s)}; expected { name, shape, dtype }`);
    if (s.dtype !== 'float32' || s.quantization !== undefined)
      fail(
        `the weight ${s.name.slice(0, 200)} is ${s.quantization ? 'quantized' : show(s.dtype)}; expected float32 (not quantized)`,
      );
    if (weights.has(s.name)) fail(`the weights manifest lists the weight ${show(s.name)} twice; names must be unique`);
    weights.set(s.name, { at: bytes, shape: s.shape });
    bytes += 4 * s.shape.reduce((p: number, d: number) => p * d, 1);
    if (bytes > most)
      fail(`the weights manifest describes more than ${most} bytes, more than any wasmlp network holds`);
  }
  return {
    weights,
    bytes,
    paths: groups.flatMap((g) => (g.paths === undefined ? [] : Array.isArray(g.paths) ? g.paths : [g.paths])),
  };
}
