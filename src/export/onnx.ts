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
// Images: ONNX's Conv and MaxPool take NCHW, this library's images are NHWC. So the flat input rows
// are reshaped to (N, H, W, C) and transposed to NCHW before the first conv2d or maxPooling2d; each
// conv kernel is transposed from Keras's [kh, kw, inChannels, filters] to ONNX's [filters,
// inChannels, kh, kw]; and a flatten (or the end of the model) transposes back to NHWC before
// flattening, so the dense kernels after it, whose rows follow Keras's channels-last flatten order,
// apply unchanged. TensorFlow's 'same' padding puts the odd pixel after the image: ONNX's explicit
// `pads` [top, left, bottom, right] say so, where auto_pad SAME_UPPER would leave it to the runtime.
//
// The protobuf messages are written by onnx-proto.ts. The fields used here, by their numbers in onnx/onnx.proto:
//   ModelProto          ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
//   OperatorSetIdProto  version 2 (domain left empty: the default, ai.onnx)
//   GraphProto          node 1, name 2, initializer 5, input 11, output 12

import type { Layer } from '../network/layers.js';
import { checkWeightShapes, resolveTopology, weightShapes, type Conv2dNode, type MaxPoolNode, type Topology } from '../network/topology.js';
import { Message, floatTensor, int64Vector, intAttribute, nodeProto, valueInfo } from './onnx-proto.js';

const IR_VERSION = 8;
const OPSET_VERSION = 17;
const PRODUCER_NAME = 'mnist-wasm';
/** package.json's version; a constant because browsers cannot read that file. test/onnx.test.ts keeps them equal. */
const PRODUCER_VERSION = '0.1.0';
const INPUT = 'input';
const BATCH = 'N';
/** Transpose permutations: NHWC to NCHW, and back. */
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** One operation of the graph before it is chained: its first input is the previous operation's output. */
interface Operation {
  type: 'Gemm' | 'Relu' | 'Softmax' | 'Conv' | 'MaxPool' | 'Reshape' | 'Transpose' | 'Flatten';
  /** Unique in the graph: the Keras layer name, a slash and the op type, e.g. "dense_1/Gemm". */
  name: string;
  /** Initializers after the chained input: a Gemm's or a Conv's kernel and bias, a Reshape's shape. */
  inputs: string[];
  attributes: Message[];
}

/** The graph's operations and initializers as the layers add them, in order. */
class GraphBuilder {
  readonly operations: Operation[] = [];
  readonly initializers: Message[] = [];
  /** Whether the value reaching the next operation is NCHW images rather than flat rows. */
  private images = false;
  /** The next of the model's weights (getWeights order) to become an initializer. */
  private next = 0;

  constructor(private readonly weights: readonly Float32Array[], private readonly shapes: number[][]) {}

  push(type: Operation['type'], layerName: string, inputs: string[] = [], attributes: Message[] = []): void {
    this.operations.push({ type, name: `${layerName}/${type}`, inputs, attributes });
  }

  /** The next weight as an initializer named `${layerName}/${role}`, reordered by `transpose` if given. */
  weight(layerName: string, role: 'kernel' | 'bias', transpose?: (values: Float32Array) => { dims: number[]; values: Float32Array }): string {
    const original = { dims: this.shapes[this.next], values: this.weights[this.next] };
    const { dims, values } = transpose ? transpose(original.values) : original;
    this.next++;
    this.initializers.push(floatTensor(`${layerName}/${role}`, dims, values));
    return `${layerName}/${role}`;
  }

  dense(layerName: string, useBias: boolean, activation: 'linear' | 'relu' | 'softmax'): void {
    const inputs = [this.weight(layerName, 'kernel')];
    if (useBias) inputs.push(this.weight(layerName, 'bias'));
    this.push('Gemm', layerName, inputs);
    if (activation !== 'linear') this.activation(activation, layerName);
  }

  conv(layerName: string, node: Conv2dNode): void {
    this.toImages(node.inShape);
    const [height, width] = node.kernel;
    const [channels, filters] = [node.inShape[2], node.outShape[2]];
    const inputs = [this.weight(layerName, 'kernel', (values) => ({ dims: [filters, channels, height, width], values: toOihw(values, height, width, channels, filters) }))];
    if (node.bias >= 0) inputs.push(this.weight(layerName, 'bias'));
    this.push('Conv', layerName, inputs, windowAttributes(node, node.kernel));
    if (node.layer.activation === 'relu') this.activation('relu', layerName);
  }

  maxPool(layerName: string, node: MaxPoolNode): void {
    this.toImages(node.inShape);
    this.push('MaxPool', layerName, [], windowAttributes(node, node.pool));
  }

  activation(kind: 'relu' | 'softmax', layerName: string): void {
    // Softmax on axis 1, the classes: for these 2-D tensors the same as opset 13's default -1, written out so no reader has to know that.
    if (kind === 'relu') this.push('Relu', layerName);
    else this.push('Softmax', layerName, [], [intAttribute('axis', 1)]);
  }

  /** From flat rows to NCHW images of `shape` [H, W, C], unless the value is images already. */
  private toImages(shape: readonly number[]): void {
    if (this.images) return;
    this.images = true;
    this.initializers.push(int64Vector(`${INPUT}/shape`, [-1, ...shape]));
    this.push('Reshape', INPUT, [`${INPUT}/shape`]);
    this.push('Transpose', INPUT, [], [intAttribute('perm', TO_NCHW)]);
  }

  /** From NCHW images to flat rows in NHWC order, as flatten() reads them; nothing if the rows are flat already. */
  toRows(layerName: string): void {
    if (!this.images) return;
    this.images = false;
    this.push('Transpose', layerName, [], [intAttribute('perm', TO_NHWC)]);
    this.push('Flatten', layerName, [], [intAttribute('axis', 1)]);
  }
}

/**
 * The bytes of an ONNX model (IR 8, opset 17) that computes what `predict` does: float32 input
 * "input" (N, inputDim) scaled as predict scales uint8 (by 1/255), output (N, outputDim). Keras users
 * reach the same with tf2onnx.
 *
 * @param layers - the model's layer configs, as `Sequential.layers`.
 * @param weights - in `Sequential.getWeights()` order: per dense layer its kernel (inDim × units,
 *   row-major), per conv2d layer its kernel [kh, kw, inChannels, filters], each then its bias if it has one.
 * @param name - the graph's name, as `Sequential.name`.
 * @throws ShapeError if `weights` do not have the shapes `layers` give them.
 *
 * @example
 * const onnx = encodeOnnx(model.layers, model.getWeights(), model.name);
 * const session = await ort.InferenceSession.create(onnx);
 */
export function encodeOnnx(layers: readonly Layer[], weights: readonly Float32Array[], name: string): Uint8Array {
  const topology = resolveTopology(layers);
  const shapes = weightShapes(topology);
  checkWeightShapes('toOnnx', weights, shapes);
  const { operations, initializers } = buildGraph(layers, topology, new GraphBuilder(weights, shapes));

  const output = topology.nodes[topology.nodes.length - 1].kind === 'softmax' ? 'probabilities' : 'output';
  const graph = new Message();
  let value = INPUT;
  operations.forEach((operation, index) => {
    const result = index === operations.length - 1 ? output : operation.name;
    graph.message(1, nodeProto(operation.type, operation.name, [value, ...operation.inputs], result, operation.attributes)); // node
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

/** Adds each layer's operations to `builder`, in order, and returns it. */
function buildGraph(layers: readonly Layer[], topology: Topology, builder: GraphBuilder): GraphBuilder {
  let at = 0; // the layer's first node: a dense or conv2d layer with an activation made two
  layers.forEach((layer, index) => {
    const node = topology.nodes[at];
    at += (layer.kind === 'dense' || layer.kind === 'conv2d') && layer.activation !== 'linear' ? 2 : 1;
    const layerName = topology.layers[index].name;
    if (layer.kind === 'dense') builder.dense(layerName, layer.useBias, layer.activation);
    else if (node.kind === 'conv2d') builder.conv(layerName, node);
    else if (node.kind === 'maxPooling2d') builder.maxPool(layerName, node);
    else if (layer.kind === 'flatten') builder.toRows(layerName);
    else if (layer.kind === 'relu' || layer.kind === 'softmax') builder.activation(layer.kind, layerName);
  });
  // A model that ends on images gives them as predict does: flat rows, channels last.
  builder.toRows(topology.layers[layers.length - 1].name);
  return builder;
}

/**
 * A window's attributes for Conv and MaxPool: kernel_shape, strides, and pads [top, left, bottom,
 * right]. The padding after is what TensorFlow's total leaves after the padding before (windows.ts);
 * with 'valid' that total is not above 0, and the pixels no window reaches are left out, as ONNX's
 * floor rounding of the output size leaves them.
 */
function windowAttributes(node: Conv2dNode | MaxPoolNode, window: [number, number]): Message[] {
  const { inShape, outShape, strides, pad } = node;
  const after = [0, 1].map((axis) => Math.max((outShape[axis] - 1) * strides[axis] + window[axis] - inShape[axis] - pad[axis], 0));
  return [intAttribute('kernel_shape', window), intAttribute('strides', strides), intAttribute('pads', [...pad, ...after])];
}

/** A conv kernel from Keras's [height, width, channels, filters] to ONNX's [filters, channels, height, width]. */
function toOihw(kernel: Float32Array, height: number, width: number, channels: number, filters: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        for (let f = 0; f < filters; f++) out[((f * channels + c) * height + y) * width + x] = kernel[((y * width + x) * channels + c) * filters + f];
      }
    }
  }
  return out;
}

/** A layer as the model's doc_string lists it: "Dense 128, relu", "Conv2D 8 3×3, same, relu", "Dropout, left out". */
function describeLayer(layer: Layer): string {
  const noBias = 'useBias' in layer && !layer.useBias ? ', no bias' : '';
  const activation = 'activation' in layer && layer.activation !== 'linear' ? `, ${layer.activation}` : '';
  const window = (size: [number, number], strides: [number, number]) =>
    `${size.join('×')}${strides[0] === 1 && strides[1] === 1 ? '' : `, strides ${strides.join('×')}`}`;
  switch (layer.kind) {
    case 'dense': return `Dense ${layer.units}${activation}${noBias}`;
    case 'conv2d': return `Conv2D ${layer.filters} ${window(layer.kernelSize, layer.strides)}, ${layer.padding}${activation}${noBias}`;
    case 'maxPooling2d': return `MaxPooling2D ${window(layer.poolSize, layer.strides)}, ${layer.padding}`;
    case 'flatten': return 'Flatten';
    case 'relu': return 'ReLU';
    case 'dropout': return 'Dropout, left out';
    case 'softmax': return 'Softmax';
  }
}
