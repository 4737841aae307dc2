// A network as an ONNX model (opset 13, IR version 7), for ONNX Runtime and every other ONNX
// engine. The graph is a chain: each layer is a Gemm (z = a·Wᵀ + b: W kept nOut × nIn as wasmlp
// stores it, transB = 1) and its activation's op; identity adds no node. `step` has no single
// ONNX op (Sign is 0 at 0, step is 1), so it is refused rather than approximated.
import { ACTIVATIONS } from '../activations.js';
import { activationOf, type LayerSpec, type Parameters, type Scaling } from '../config.js';
import { affineOf } from '../data/scaling.js';
import { bytes, concat, float32, string, varint, type Field } from './protobuf.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE = { FLOAT: 1, INT: 2 }; // AttributeProto.AttributeType

export interface OnnxSource {
  inputs: number;
  layers: readonly LayerSpec[];
  parameters: readonly Parameters[];
  /** A table model's scaling: x·factor + shift in front (the affine kernel's form), and the targets' inverse after. */
  scaling?: Scaling;
  producerVersion: string;
}

/** The activation's ONNX op and attributes, or an Error naming the layer. */
function activationOp(layers: readonly LayerSpec[], l: number): { op: string; attributes: Field[] } | undefined {
  const name = activationOf(layers, l);
  const alpha = layers[l].alpha ?? ACTIVATIONS[name].param;
  switch (name) {
    case 'identity':
      return undefined;
    case 'sigmoid':
      return { op: 'Sigmoid', attributes: [] };
    case 'tanh':
      return { op: 'Tanh', attributes: [] };
    case 'relu':
      return { op: 'Relu', attributes: [] };
    case 'softplus':
      return { op: 'Softplus', attributes: [] };
    case 'leaky-relu':
      return { op: 'LeakyRelu', attributes: [floatAttribute('alpha', alpha!)] };
    case 'elu':
      return { op: 'Elu', attributes: [floatAttribute('alpha', alpha!)] };
    case 'softmax':
      return { op: 'Softmax', attributes: [intAttribute('axis', -1)] };
    case 'step':
      throw new Error(
        `toOnnx: layer ${l + 1} uses the step activation, which has no exact ONNX op (Sign(0) = 0, step(0) = 1); export a network without step layers`,
      );
  }
}

const floatAttribute = (name: string, f: number): Field =>
  bytes(5, [string(1, name), float32(2, f), varint(20, ATTRIBUTE.FLOAT)]);
const intAttribute = (name: string, i: number): Field =>
  bytes(5, [string(1, name), varint(3, i), varint(20, ATTRIBUTE.INT)]);

/** A float tensor (TensorProto) with its values as little-endian raw_data. */
function tensor(name: string, dims: number[], values: Float32Array): Field {
  const raw = new Uint8Array(4 * values.length);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes(5, [...dims.map((d) => varint(1, d)), varint(2, FLOAT), string(8, name), bytes(9, raw)]);
}

/** A ValueInfoProto: a float tensor [N, width] with a symbolic batch dimension N. */
function valueInfo(field: number, name: string, width: number): Field {
  const shape = bytes(2, [bytes(1, [string(2, 'N')]), bytes(1, [varint(1, width)])]);
  return bytes(field, [string(1, name), bytes(2, [bytes(1, [varint(1, FLOAT), shape])])]);
}

/** One network's nodes and initializers, reading `input` and writing `out`; every other name starts with `prefix`. */
function networkGraph(
  { inputs, layers, parameters, scaling }: OnnxSource,
  prefix: string,
  out: string,
): { nodes: Field[]; initializers: Field[] } {
  const nodes: Field[] = [],
    initializers: Field[] = [];
  let x = 'input';
  /** Append a node computing op(x, ...more) and make its output the new x. */
  const node = (op: string, more: string[], attributes: Field[], to: string) => {
    nodes.push(
      bytes(1, [...[x, ...more].map((i) => string(1, i)), string(2, to), string(3, to), string(4, op), ...attributes]),
    );
    x = to;
  };
  /** x·factor + shift per column (Mul then Add: the affine kernel's two roundings), named `name`. */
  const affine = (name: string, { factor, shift }: { factor: Float32Array; shift: Float32Array }, to: string) => {
    initializers.push(
      tensor(`${name}_factor`, [factor.length], factor),
      tensor(`${name}_shift`, [shift.length], shift),
    );
    node('Mul', [`${name}_factor`], [], `${name}_scaled`);
    node('Add', [`${name}_shift`], [], to);
  };
  if (scaling) affine(`${prefix}input`, affineOf(scaling.inputs, false), `${prefix}x`);
  const inverse = scaling?.targets && affineOf(scaling.targets, true);
  layers.forEach((layer, l) => {
    const { W, b } = parameters[l];
    const nIn = l === 0 ? inputs : layers[l - 1].units;
    const [Wl, bl] = [`${prefix}W${l + 1}`, `${prefix}b${l + 1}`];
    initializers.push(tensor(Wl, [layer.units, nIn], W), tensor(bl, [layer.units], b));
    const act = activationOp(layers, l),
      last = l === layers.length - 1 && !inverse;
    node('Gemm', [Wl, bl], [intAttribute('transB', 1)], last && !act ? out : `${prefix}z${l + 1}`);
    if (act) node(act.op, [], act.attributes, last ? out : `${prefix}a${l + 1}`);
  });
  if (inverse) affine(`${prefix}output`, inverse, out); // a regression's outputs in the targets' units
  return { nodes, initializers };
}

/** A ModelProto of one graph from `input` [N, inputs] to `output` [N, outputs]. */
function model(g: { nodes: Field[]; initializers: Field[] }, inputs: number, outputs: number, producerVersion: string) {
  const graph = bytes(7, [
    ...g.nodes,
    string(2, 'wasmlp'),
    ...g.initializers,
    valueInfo(11, 'input', inputs),
    valueInfo(12, 'output', outputs),
  ]);
  return concat([
    varint(1, ONNX_IR_VERSION),
    string(2, 'wasmlp'),
    string(3, producerVersion),
    graph,
    bytes(8, [string(1, ''), varint(2, ONNX_OPSET)]),
  ]);
}

const outputsOf = (s: OnnxSource) => s.layers[s.layers.length - 1].units;

/** The model's bytes (a serialized ModelProto). Throws for a step layer (nothing is returned). */
export function encodeOnnx(source: OnnxSource): Uint8Array {
  return model(networkGraph(source, '', 'output'), source.inputs, outputsOf(source), source.producerVersion);
}

/**
 * An ensemble's model: every member's graph on the same input (its names prefixed m1_, m2_, …),
 * and the output their Mean (ONNX sums in order and divides by the count, in f32).
 */
export function encodeOnnxMean(sources: readonly OnnxSource[]): Uint8Array {
  const graphs = sources.map((s, i) => networkGraph(s, `m${i + 1}_`, `m${i + 1}_output`));
  const mean = bytes(1, [
    ...sources.map((_, i) => string(1, `m${i + 1}_output`)),
    string(2, 'output'),
    string(3, 'output'),
    string(4, 'Mean'),
  ]);
  const g = { nodes: [...graphs.flatMap((x) => x.nodes), mean], initializers: graphs.flatMap((x) => x.initializers) };
  return model(g, sources[0].inputs, outputsOf(sources[0]), sources[0].producerVersion);
}
