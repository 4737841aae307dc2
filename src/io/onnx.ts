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

/** The model's bytes (a serialized ModelProto). Throws for a step layer (nothing is returned). */
export function encodeOnnx({ inputs, layers, parameters, scaling, producerVersion }: OnnxSource): Uint8Array {
  const nodes: Field[] = [],
    initializers: Field[] = [];
  let x = 'input';
  /** Append a node computing op(x, ...more) and make its output the new x. */
  const node = (op: string, more: string[], attributes: Field[], out: string) => {
    nodes.push(
      bytes(1, [
        ...[x, ...more].map((i) => string(1, i)),
        string(2, out),
        string(3, out),
        string(4, op),
        ...attributes,
      ]),
    );
    x = out;
  };
  /** x·factor + shift per column (Mul then Add: the affine kernel's two roundings), named `name`. */
  const affine = (name: string, { factor, shift }: { factor: Float32Array; shift: Float32Array }, out: string) => {
    initializers.push(
      tensor(`${name}_factor`, [factor.length], factor),
      tensor(`${name}_shift`, [shift.length], shift),
    );
    node('Mul', [`${name}_factor`], [], `${name}_scaled`);
    node('Add', [`${name}_shift`], [], out);
  };
  if (scaling) affine('input', affineOf(scaling.inputs, false), 'x');
  const inverse = scaling?.targets && affineOf(scaling.targets, true);
  layers.forEach((layer, l) => {
    const { W, b } = parameters[l];
    const nIn = l === 0 ? inputs : layers[l - 1].units;
    initializers.push(tensor(`W${l + 1}`, [layer.units, nIn], W), tensor(`b${l + 1}`, [layer.units], b));
    const act = activationOp(layers, l),
      last = l === layers.length - 1 && !inverse;
    node('Gemm', [`W${l + 1}`, `b${l + 1}`], [intAttribute('transB', 1)], last && !act ? 'output' : `z${l + 1}`);
    if (act) node(act.op, [], act.attributes, last ? 'output' : `a${l + 1}`);
  });
  if (inverse) affine('output', inverse, 'output'); // a regression's outputs in the targets' units
  const graph = bytes(7, [
    ...nodes,
    string(2, 'wasmlp'),
    ...initializers,
    valueInfo(11, 'input', inputs),
    valueInfo(12, 'output', layers[layers.length - 1].units),
  ]);
  return concat([
    varint(1, ONNX_IR_VERSION),
    string(2, 'wasmlp'),
    string(3, producerVersion),
    graph,
    bytes(8, [string(1, ''), varint(2, ONNX_OPSET)]),
  ]);
}
