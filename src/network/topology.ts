// From a list of layer configs to what runs: every node's width, and where each dense layer's
// kernel and bias sit inside the model's one parameter region. This is the single source of truth
// for shapes; kernels receive them as arguments.

import { InvalidArgumentError, ShapeError, describe } from '../errors.js';
import type { DenseLayer, Layer } from './layers.js';

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

export interface ElementwiseNode {
  kind: 'relu' | 'dropout' | 'softmax';
  dim: number;
  /** Dropout's rate; 0 for the others. */
  rate: number;
}

export type Node = DenseNode | ElementwiseNode;

/** A row of the summary: one per layer as the user wrote it. */
interface LayerInfo {
  name: string;
  type: string;
  units: number;
  params: number;
}

export interface Topology {
  inputDim: number;
  outputDim: number;
  nodes: Node[];
  layers: LayerInfo[];
  /** Length of the parameter region in floats: every tensor starts on a 64-byte boundary. */
  paramFloats: number;
  /** Number of trainable values, without the padding. */
  paramCount: number;
}

const TYPE_NAMES = { dense: 'Dense', relu: 'ReLU', dropout: 'Dropout', softmax: 'Softmax' } as const;
const DEFAULT_NAMES = { dense: 'dense', relu: 're_lu', dropout: 'dropout', softmax: 'softmax' } as const;
const FLOAT_ALIGN = 16;

export function resolveTopology(layers: readonly Layer[]): Topology {
  if (layers.length === 0) throw new InvalidArgumentError('Sequential: a model needs at least one layer');
  const first = layers[0];
  if (first.kind !== 'dense' || first.inputDim === undefined) {
    throw new InvalidArgumentError('Sequential: the first layer must be dense(units, { inputDim }) so the input width is known');
  }
  const nodes: Node[] = [];
  const infos: LayerInfo[] = [];
  const used = new Map<string, number>();
  let width = first.inputDim;
  let floats = 0;
  let paramCount = 0;
  layers.forEach((layer, index) => {
    const name = uniqueName(layer.name ?? DEFAULT_NAMES[layer.kind], used, layer.name !== undefined);
    if (layer.kind === 'dense') {
      if (layer.inputDim !== undefined && layer.inputDim !== width) {
        throw new InvalidArgumentError(`Sequential: layer ${index} (${name}) has inputDim ${layer.inputDim} but receives ${width} values`);
      }
      const weight = floats;
      floats = alignFloats(floats + width * layer.units);
      const bias = layer.useBias ? floats : -1;
      if (layer.useBias) floats = alignFloats(floats + layer.units);
      const params = width * layer.units + (layer.useBias ? layer.units : 0);
      paramCount += params;
      nodes.push({ kind: 'dense', layer, inDim: width, outDim: layer.units, weight, bias });
      width = layer.units;
      if (layer.activation !== 'linear') nodes.push({ kind: layer.activation, dim: width, rate: 0 });
      infos.push({ name, type: TYPE_NAMES.dense, units: width, params });
    } else {
      nodes.push({ kind: layer.kind, dim: width, rate: layer.kind === 'dropout' ? layer.rate : 0 });
      infos.push({ name, type: TYPE_NAMES[layer.kind], units: width, params: 0 });
    }
  });
  const softmaxAt = nodes.findIndex((node) => node.kind === 'softmax');
  if (softmaxAt !== -1 && softmaxAt !== nodes.length - 1) {
    throw new InvalidArgumentError('Sequential: softmax must be the last layer');
  }
  return { inputDim: first.inputDim, outputDim: width, nodes, layers: infos, paramFloats: floats, paramCount };
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

/** The shape of each tensor of getWeights(), in its order: per dense layer [inDim, units], then [units] for its bias. */
export function weightShapes(topology: Topology): number[][] {
  const shapes: number[][] = [];
  for (const node of topology.nodes) {
    if (node.kind !== 'dense') continue;
    shapes.push([node.inDim, node.outDim]);
    if (node.bias >= 0) shapes.push([node.outDim]);
  }
  return shapes;
}

/** Throws a ShapeError unless `weights` are Float32Arrays of `shapes`' sizes, in getWeights order. */
export function checkWeightShapes(where: string, weights: readonly Float32Array[], shapes: number[][]): void {
  if (!Array.isArray(weights) || weights.length !== shapes.length) {
    throw new ShapeError(`${where}: expected ${shapes.length} weight arrays (getWeights() order), got ${describe(weights)}`);
  }
  shapes.forEach((shape, i) => {
    const length = shape.reduce((product, dim) => product * dim, 1);
    if (!(weights[i] instanceof Float32Array) || weights[i].length !== length) {
      throw new ShapeError(`${where}: weights[${i}] must be a Float32Array of ${length} values [${shape.join(', ')}], got ${describe(weights[i])}`);
    }
  });
}
