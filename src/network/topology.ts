// From a list of layer configs to what runs: every node's shape, and where each dense or conv2d
// layer's kernel and bias sit inside the model's one parameter region. This is the single source of
// truth for shapes; kernels receive them as arguments. Images are channels last ([height, width,
// channels], row-major), so a row of the input, an image and its flattened form are the same floats:
// inputs stay flat rows, and flatten moves nothing. The window arithmetic is TensorFlow's (windows.ts).

import { InvalidArgumentError, ShapeError, describe } from '../errors.js';
import type { Conv2dLayer } from './image-layers.js';
import type { DenseLayer, Initializer, Layer } from './layers.js';
import { formatShape, resolveWindows, type Windows } from './windows.js';

/** A dense layer's place in the parameter region, in floats from its start. */
export interface DenseNode {
  kind: 'dense';
  layer: DenseLayer;
  inDim: number;
  outDim: number;
  weight: number;
  /** -1 without a bias. */
  bias: number;
}

/** A 2-D convolution over images; its kernels and its bias are in the parameter region. */
export interface Conv2dNode {
  kind: 'conv2d';
  layer: Conv2dLayer;
  /** [height, width, channels] in and out. */
  inShape: [number, number, number];
  outShape: [number, number, number];
  kernel: [number, number];
  strides: [number, number];
  /** Zero rows before the image and zero columns left of it (TensorFlow's 'same': total = max((out−1)·stride + kernel − in, 0), before = floor(total / 2)); [0, 0] for 'valid'. */
  pad: [number, number];
  /** Flat widths, height·width·channels. */
  inDim: number;
  outDim: number;
  /** Float offsets in the parameter region of the kernel [kh, kw, inChannels, filters] (row-major) and the bias [filters]; bias −1 if none. 64-byte aligned like the dense ones. */
  weight: number;
  bias: number;
}

/**
 * Max pooling over images. `pad` is placed as conv2d's is; padding never wins a maximum, and with
 * TensorFlow's 'same' every window holds at least one pixel of the image.
 */
export interface MaxPoolNode {
  kind: 'maxPooling2d';
  inShape: [number, number, number];
  outShape: [number, number, number];
  pool: [number, number];
  strides: [number, number];
  pad: [number, number];
  inDim: number;
  outDim: number;
}

/** Flatten: the same floats, read as one row of `dim` values. */
export interface FlattenNode {
  kind: 'flatten';
  dim: number;
}

/** A layer applied value by value, over `dim` values a row whatever their shape. */
export interface ElementwiseNode {
  kind: 'relu' | 'dropout' | 'softmax';
  dim: number;
  /** Dropout's rate; 0 for the others. */
  rate: number;
}

export type Node = DenseNode | Conv2dNode | MaxPoolNode | FlattenNode | ElementwiseNode;

/** A row of the summary: one per layer as the user wrote it. */
interface LayerInfo {
  name: string;
  type: string;
  /** One row of its output, without the batch: [units], or [height, width, channels]. */
  shape: number[];
  params: number;
}

export interface Topology {
  /** Width of one flat input row: the product of `inputShape`. */
  inputDim: number;
  /** The shape of one input row: [inputDim] for a dense first layer, else its inputShape. */
  inputShape: number[];
  outputDim: number;
  nodes: Node[];
  layers: LayerInfo[];
  /** Length of the parameter region in floats: every tensor starts on a 64-byte boundary. */
  paramFloats: number;
  /** Number of trainable values, without the padding. */
  paramCount: number;
}

/** What the layers so far have made: the shape that reaches the next layer, its nodes, and the parameter region so far. */
interface Resolving {
  shape: number[];
  nodes: Node[];
  floats: number;
  paramCount: number;
}

const TYPE_NAMES = {
  dense: 'Dense', relu: 'ReLU', dropout: 'Dropout', softmax: 'Softmax', conv2d: 'Conv2D', maxPooling2d: 'MaxPooling2D', flatten: 'Flatten',
} as const;
const DEFAULT_NAMES = {
  dense: 'dense', relu: 're_lu', dropout: 'dropout', softmax: 'softmax', conv2d: 'conv2d', maxPooling2d: 'max_pooling2d', flatten: 'flatten',
} as const;
const FLOAT_ALIGN = 16;

export function resolveTopology(layers: readonly Layer[]): Topology {
  if (layers.length === 0) throw new InvalidArgumentError('Sequential: a model needs at least one layer');
  const inputShape = inputShapeOf(layers[0]);
  const state: Resolving = { shape: inputShape, nodes: [], floats: 0, paramCount: 0 };
  const infos: LayerInfo[] = [];
  const used = new Map<string, number>();
  layers.forEach((layer, index) => {
    const name = uniqueName(layer.name ?? DEFAULT_NAMES[layer.kind], used, layer.name !== undefined);
    const where = `layer ${index} (${name})`;
    if (layer.kind === 'conv2d' || layer.kind === 'maxPooling2d' || layer.kind === 'flatten') requireReceived(layer.inputShape, where, state.shape);
    const params = addLayer(layer, where, state);
    state.paramCount += params;
    infos.push({ name, type: TYPE_NAMES[layer.kind], shape: state.shape, params });
  });
  const { nodes } = state;
  const softmaxAt = nodes.findIndex((node) => node.kind === 'softmax');
  if (softmaxAt !== -1 && softmaxAt !== nodes.length - 1) {
    throw new InvalidArgumentError('Sequential: softmax must be the last layer');
  }
  return {
    inputDim: product(inputShape), inputShape, outputDim: product(state.shape), nodes, layers: infos, paramFloats: state.floats, paramCount: state.paramCount,
  };
}

/** The first layer's input shape, which it must give. */
function inputShapeOf(first: Layer): number[] {
  if (first.kind === 'dense' && first.inputDim !== undefined) return [first.inputDim];
  if ((first.kind === 'conv2d' || first.kind === 'maxPooling2d' || first.kind === 'flatten') && first.inputShape !== undefined) return [...first.inputShape];
  throw new InvalidArgumentError(
    "Sequential: the first layer must be dense(units, { inputDim }), or conv2d, maxPooling2d or flatten with { inputShape }, so that the input's shape is known",
  );
}

/** Adds a layer's nodes and parameters to `state`, moves its shape on, and returns the layer's parameter count. */
function addLayer(layer: Layer, where: string, state: Resolving): number {
  switch (layer.kind) {
    case 'dense':
      return addDense(layer, where, state);
    case 'conv2d':
      return addConv2d(layer, where, state);
    case 'maxPooling2d': {
      const { inShape, outShape, window: pool, strides, pad } = resolveWindows(state.shape, layer, layer.poolSize, where, 'pool window');
      state.nodes.push({ kind: 'maxPooling2d', inShape, outShape, pool, strides, pad, inDim: product(inShape), outDim: product(outShape) });
      state.shape = outShape;
      return 0;
    }
    case 'flatten':
      state.shape = [product(state.shape)];
      state.nodes.push({ kind: 'flatten', dim: state.shape[0] });
      return 0;
    case 'softmax':
      requireFlat(state.shape, where, 'softmax');
      state.nodes.push({ kind: 'softmax', dim: state.shape[0], rate: 0 });
      return 0;
    default:
      state.nodes.push({ kind: layer.kind, dim: product(state.shape), rate: layer.kind === 'dropout' ? layer.rate : 0 });
      return 0;
  }
}

function addDense(layer: DenseLayer, where: string, state: Resolving): number {
  requireFlat(state.shape, where, 'dense');
  const width = state.shape[0];
  if (layer.inputDim !== undefined && layer.inputDim !== width) {
    throw new InvalidArgumentError(`Sequential: ${where} has inputDim ${layer.inputDim} but receives ${width} values`);
  }
  const { weight, bias } = reserve(state, width * layer.units, layer.useBias ? layer.units : 0);
  state.nodes.push({ kind: 'dense', layer, inDim: width, outDim: layer.units, weight, bias });
  state.shape = [layer.units];
  if (layer.activation !== 'linear') state.nodes.push({ kind: layer.activation, dim: layer.units, rate: 0 });
  return width * layer.units + (layer.useBias ? layer.units : 0);
}

function addConv2d(layer: Conv2dLayer, where: string, state: Resolving): number {
  const windows: Windows = resolveWindows(state.shape, layer, layer.kernelSize, where, 'kernel');
  const { inShape, window: kernel, strides, pad } = windows;
  const outShape: [number, number, number] = [windows.outShape[0], windows.outShape[1], layer.filters];
  const kernelFloats = kernel[0] * kernel[1] * inShape[2] * layer.filters;
  const biasFloats = layer.useBias ? layer.filters : 0;
  const { weight, bias } = reserve(state, kernelFloats, biasFloats);
  const outDim = product(outShape);
  state.nodes.push({ kind: 'conv2d', layer, inShape, outShape, kernel, strides, pad, inDim: product(inShape), outDim, weight, bias });
  state.shape = outShape;
  if (layer.activation === 'relu') state.nodes.push({ kind: 'relu', dim: outDim, rate: 0 });
  return kernelFloats + biasFloats;
}

/** Places a kernel and, when `biasFloats` is not 0, a bias after it, each on a 64-byte boundary. */
function reserve(state: Resolving, kernelFloats: number, biasFloats: number): { weight: number; bias: number } {
  const weight = state.floats;
  state.floats = alignFloats(state.floats + kernelFloats);
  const bias = biasFloats > 0 ? state.floats : -1;
  if (biasFloats > 0) state.floats = alignFloats(state.floats + biasFloats);
  return { weight, bias };
}

function requireFlat(shape: number[], where: string, kind: string): void {
  if (shape.length !== 1) {
    throw new InvalidArgumentError(`Sequential: ${where} receives rows of shape ${formatShape(shape)}, but ${kind} takes flat rows: add flatten() before it`);
  }
}

/** A later layer's inputShape, if it gives one, must be the shape it receives. */
function requireReceived(inputShape: readonly number[] | undefined, where: string, shape: number[]): void {
  if (inputShape !== undefined && formatShape(inputShape) !== formatShape(shape)) {
    throw new InvalidArgumentError(`Sequential: ${where} has inputShape [${inputShape.join(', ')}] but receives rows of shape ${formatShape(shape)}`);
  }
}

function uniqueName(base: string, used: Map<string, number>, explicit: boolean): string {
  const seen = used.get(base) ?? 0;
  if (explicit && seen > 0) throw new InvalidArgumentError(`Sequential: two layers are named ${JSON.stringify(base)}`);
  used.set(base, seen + 1);
  return seen === 0 ? base : `${base}_${seen}`;
}

function alignFloats(count: number): number {
  return Math.ceil(count / FLOAT_ALIGN) * FLOAT_ALIGN;
}

const product = (shape: readonly number[]): number => shape.reduce((total, size) => total * size, 1);

/** One tensor of getWeights(): where it lies in a region laid out like the parameters, and how it starts. */
export interface ParameterTensor {
  /** Floats from the region's start. */
  offset: number;
  shape: number[];
  /** The product of `shape`. */
  length: number;
  initializer: Initializer;
  /**
   * The fans of the layer's kernel as Keras counts them (a conv2d's: kh·kw·inChannels and
   * kh·kw·filters). A bias draws with its layer's fans, as a dense bias always has here.
   */
  fanIn: number;
  fanOut: number;
  /** "layer 2 kernel", by the index of its node, for messages. */
  what: string;
}

/** The tensors of getWeights(), in its order (Keras's): per dense or conv2d layer its kernel, then its bias if it has one. */
export function parameterTensors(topology: Topology): ParameterTensor[] {
  const tensors: ParameterTensor[] = [];
  topology.nodes.forEach((node, index) => {
    if (node.kind !== 'dense' && node.kind !== 'conv2d') return;
    const { layer } = node;
    const shape = node.kind === 'dense' ? [node.inDim, node.outDim] : [...node.kernel, node.inShape[2], node.outShape[2]];
    const receptiveField = node.kind === 'dense' ? 1 : node.kernel[0] * node.kernel[1];
    const [fanIn, fanOut] = [shape[shape.length - 2] * receptiveField, shape[shape.length - 1] * receptiveField];
    tensors.push({ offset: node.weight, shape, length: product(shape), initializer: layer.kernelInitializer, fanIn, fanOut, what: `layer ${index} kernel` });
    const units = shape[shape.length - 1];
    if (node.bias >= 0) tensors.push({ offset: node.bias, shape: [units], length: units, initializer: layer.biasInitializer, fanIn, fanOut, what: `layer ${index} bias` });
  });
  return tensors;
}

/** The shape of each tensor of getWeights(), in its order: a dense kernel [inDim, units], a conv2d kernel [kh, kw, inChannels, filters], a bias [units]. */
export function weightShapes(topology: Topology): number[][] {
  return parameterTensors(topology).map((tensor) => tensor.shape);
}

/** Throws a ShapeError unless `weights` are Float32Arrays of `shapes`' sizes, in getWeights order. */
export function checkWeightShapes(where: string, weights: readonly Float32Array[], shapes: number[][]): void {
  if (!Array.isArray(weights) || weights.length !== shapes.length) {
    throw new ShapeError(`${where}: expected ${shapes.length} weight arrays (getWeights() order), got ${describe(weights)}`);
  }
  shapes.forEach((shape, i) => {
    const length = product(shape);
    if (!(weights[i] instanceof Float32Array) || weights[i].length !== length) {
      throw new ShapeError(`${where}: weights[${i}] must be a Float32Array of ${length} values [${shape.join(', ')}], got ${describe(weights[i])}`);
    }
  });
}
