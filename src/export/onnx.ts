// ONNX export: a Sequential model's layers and weights as the bytes of a standard ONNX model, IR
// version 8 with opset 17 (both from ONNX 1.12), for onnxruntime and the other ONNX runtimes. It is
// inference only: dropout is left out, as Keras leaves it out of predict. It does not read ONNX back.
//
// The graph: input "input" (N, inputDim) float32, N symbolic. Per dense layer a Gemm, input (N, inDim)
// times the kernel (inDim, units) as Keras stores it (so transB keeps its default 0) plus the bias,
// which Gemm takes as its optional third input since opset 11; then Relu or Softmax (axis 1) when the
// layer has that activation. relu() and softmax() layers become the same two ops. The last op's output
// is "probabilities" when the model ends in softmax, "output" otherwise. The weights are initializers.
//
// The protobuf is written by hand. The fields used, by their numbers in onnx/onnx.proto:
//   ModelProto          ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
//   OperatorSetIdProto  version 2 (domain left empty: the default, ai.onnx)
//   GraphProto          node 1, name 2, initializer 5, input 11, output 12
//   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto      name 1, i 3, type 20 (INT = 2)
//   TensorProto         dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian)
//   ValueInfoProto      name 1, type 2
//   TypeProto           tensor_type 1: elem_type 1, shape 2: dim 1: dim_value 1 or dim_param 2
// Wire format (protobuf encoding guide): each field is a key, field number × 8 + wire type, as a
// varint, then a varint (wire type 0) or a varint length and that many bytes (wire type 2). Repeated
// fields are written one entry at a time, as proto2 declares `dims`.

import { requireDenseStack, type DenseStackLayer, type Layer } from '../network/layers.js';
import { writeFloats } from '../network/format-read.js';
import { checkWeightShapes, resolveTopology, weightShapes } from '../network/topology.js';

const IR_VERSION = 8;
const OPSET_VERSION = 17;
const PRODUCER_NAME = 'mnist-wasm';
/** package.json's version; a constant because browsers cannot read that file. test/onnx.test.ts keeps them equal. */
const PRODUCER_VERSION = '0.1.0';
const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const INPUT = 'input';
const BATCH = 'N';

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** A protobuf message being written: a list of byte chunks, so a nested message is copied only once, at the end. */
class Message {
  private readonly chunks: Uint8Array[] = [];
  private byteLength = 0;

  /** An int32, int64 or enum field; `value` must be a whole number from 0 to 2⁵³. */
  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  message(field: number, value: Message): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.byteLength);
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  finish(): Uint8Array {
    const bytes = new Uint8Array(this.byteLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** Seven bits a byte, lowest first, the high bit set on all but the last; arithmetic rather than bit operators, which stop at 32 bits. */
  private varint(value: number): void {
    const bytes: number[] = [];
    for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
    bytes.push(value);
    this.push(Uint8Array.from(bytes));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.byteLength += chunk.length;
  }
}

/** One operation of the graph before it is chained: its first input is the previous operation's output. */
interface Operation {
  type: 'Gemm' | 'Relu' | 'Softmax';
  /** Unique in the graph: the Keras layer name, a slash and the op type, e.g. "dense_1/Gemm". */
  name: string;
  /** Initializers after the chained input: a Gemm's kernel and bias. */
  weights: string[];
}

/**
 * The bytes of an ONNX model (IR 8, opset 17) that computes what `predict` does: float32 input
 * "input" (N, inputDim) scaled as predict scales uint8 (by 1/255), output (N, outputDim). Keras users
 * reach the same with tf2onnx.
 *
 * @param layers - the model's layer configs, as `Sequential.layers`.
 * @param weights - in `Sequential.getWeights()` order: per dense layer its kernel (inDim × units,
 *   row-major), then its bias if it has one.
 * @param name - the graph's name, as `Sequential.name`.
 * @throws ShapeError if `weights` do not have the shapes `layers` give them.
 *
 * @example
 * const onnx = encodeOnnx(model.layers, model.getWeights(), model.name);
 * const session = await ort.InferenceSession.create(onnx);
 */
export function encodeOnnx(layers: readonly Layer[], weights: readonly Float32Array[], name: string): Uint8Array {
  requireDenseStack('toOnnx', layers, 'the ONNX export');
  const topology = resolveTopology(layers);
  const shapes = weightShapes(topology);
  checkWeightShapes('toOnnx', weights, shapes);

  const initializers: Message[] = [];
  const operations: Operation[] = [];
  let next = 0;
  const initializer = (tensorName: string): string => {
    initializers.push(tensor(tensorName, shapes[next], weights[next]));
    next++;
    return tensorName;
  };
  layers.forEach((layer, index) => {
    const layerName = topology.layers[index].name;
    if (layer.kind === 'dense') {
      const gemmWeights = [initializer(`${layerName}/kernel`)];
      if (layer.useBias) gemmWeights.push(initializer(`${layerName}/bias`));
      operations.push({ type: 'Gemm', name: `${layerName}/Gemm`, weights: gemmWeights });
      if (layer.activation !== 'linear') operations.push(activation(layer.activation, layerName));
    } else if (layer.kind !== 'dropout') {
      operations.push(activation(layer.kind, layerName));
    }
  });

  const output = topology.nodes[topology.nodes.length - 1].kind === 'softmax' ? 'probabilities' : 'output';
  const graph = new Message();
  let value = INPUT;
  operations.forEach((operation, index) => {
    const result = index === operations.length - 1 ? output : operation.name;
    graph.message(1, node(operation, [value, ...operation.weights], result)); // node
    value = result;
  });
  graph.string(2, name); // name
  for (const entry of initializers) graph.message(5, entry); // initializer
  graph.message(11, valueInfo(INPUT, [BATCH, topology.inputDim])); // input
  graph.message(12, valueInfo(output, [BATCH, topology.outputDim])); // output

  const layerList = layers.map((layer, index) => `${topology.layers[index].name} (${describeLayer(layer)})`);
  return new Message()
    .int(1, IR_VERSION) // ir_version
    .string(2, PRODUCER_NAME) // producer_name
    .string(3, PRODUCER_VERSION) // producer_version
    .string(6, `mnist-wasm Sequential "${name}": ${layerList.join(', ')}`) // doc_string
    .message(7, graph) // graph
    .message(8, new Message().int(2, OPSET_VERSION)) // opset_import: version
    .finish();
}

/** A layer as the model's doc_string lists it: "Dense 128, relu", "ReLU", "Dropout, left out". */
function describeLayer(layer: DenseStackLayer): string {
  switch (layer.kind) {
    case 'dense': return `Dense ${layer.units}${layer.activation === 'linear' ? '' : `, ${layer.activation}`}${layer.useBias ? '' : ', no bias'}`;
    case 'relu': return 'ReLU';
    case 'dropout': return 'Dropout, left out';
    case 'softmax': return 'Softmax';
  }
}

function activation(kind: 'relu' | 'softmax', layerName: string): Operation {
  const type = kind === 'relu' ? 'Relu' : 'Softmax';
  return { type, name: `${layerName}/${type}`, weights: [] };
}

/** A NodeProto; Softmax gets its axis as an AttributeProto. */
function node(operation: Operation, inputs: string[], output: string): Message {
  const message = new Message();
  for (const input of inputs) message.string(1, input);
  message.string(2, output).string(3, operation.name).string(4, operation.type);
  // Axis 1, the classes: for these 2-D tensors the same as opset 13's default -1, written out so no reader has to know that.
  if (operation.type === 'Softmax') message.message(5, new Message().string(1, 'axis').int(3, 1).int(20, ATTRIBUTE_INT));
  return message;
}

/** A TensorProto holding a weight: its shape, FLOAT, its name and its values as raw little-endian bytes. */
function tensor(name: string, dims: number[], values: Float32Array): Message {
  const raw = new Uint8Array(values.length * 4);
  writeFloats(raw, 0, values);
  const message = new Message();
  for (const dim of dims) message.int(1, dim);
  return message.int(2, FLOAT).string(8, name).bytes(9, raw);
}

/** A ValueInfoProto: a float32 tensor's name and shape, where a string dimension is symbolic. */
function valueInfo(name: string, dims: Array<number | string>): Message {
  const shape = new Message();
  for (const dim of dims) shape.message(1, typeof dim === 'string' ? new Message().string(2, dim) : new Message().int(1, dim));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

