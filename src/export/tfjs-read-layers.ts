// The topology half of reading a TensorFlow.js Layers model (tfjs-read.ts): a Keras `Sequential`
// config, as TensorFlow.js or the Keras 2 converter writes it, read layer by layer into this library's
// layers, with the Dense and Conv2D layers' weight slots for tfjs-read-weights.ts to fill. One reader
// per Keras layer class; each refuses what would change a prediction and names the layer. The readers
// of the layers over images (Conv2D, MaxPooling2D, Flatten) are in tfjs-read-images.ts.

import { ModelFormatError, describe } from '../errors.js';
import { dense, dropout, relu, softmax, type Layer } from '../network/layers.js';
import { add, initializerOf, toEntry, useBiasOf, weightsOwner, type Entry, type Reading } from './tfjs-read-entry.js';
import { readConv2d, readFlatten, readMaxPooling2d } from './tfjs-read-images.js';
import { formatShape, isDict, isPositiveInteger, read } from './tfjs-read-json.js';
import type { WeightSlot } from './tfjs-read-weights.js';

/** The layers of a Sequential topology, as TensorFlow.js or the Keras 2 converter writes it. */
export function readTopology(value: unknown, fail: (problem: string) => ModelFormatError): { layers: Layer[]; slots: WeightSlot[]; name: string } {
  if (!isDict(value)) throw fail(`modelTopology must be a Keras model config object, got ${describe(value)}`);
  // The converter wraps Keras's config with the Keras version: { keras_version, backend, model_config }.
  const topology = read(value, 'model_config') ?? value;
  if (!isDict(topology)) throw fail(`modelTopology.model_config must be an object, got ${describe(topology)}`);
  const className = read(topology, 'class_name');
  if (className !== 'Sequential') throw fail(`the model is a ${describe(className)}; only Sequential models can be read`);
  const config = topology.config;
  // Keras 2.0 and 2.1 wrote a Sequential's config as the bare list of its layers.
  const entries = Array.isArray(config) ? config : isDict(config) ? config.layers : undefined;
  if (!Array.isArray(entries)) throw fail(`the Sequential config must hold a layers array, got ${describe(config)}`);
  const name = isDict(config) && typeof config.name === 'string' ? config.name : 'sequential';

  const reading: Reading = { shape: undefined, layers: [], origins: [], slots: [] };
  if (isDict(config) && read(config, 'build_input_shape') != null) reading.shape = batchShape(read(config, 'build_input_shape'), 'build_input_shape', fail);
  entries.forEach((entry, index) => readEntry(toEntry(entry, index, fail), reading));

  const { layers, origins, slots } = reading;
  if (layers.length === 0) throw fail('the model has no Dense, Conv2D or MaxPooling2D layer');
  if (layers[0].kind !== 'dense' && layers[0].kind !== 'conv2d' && layers[0].kind !== 'maxPooling2d') {
    throw fail(`${origins[0]} comes first; this library's models start with a Dense, Conv2D or MaxPooling2D layer`);
  }
  const softmaxAt = layers.findIndex((layer) => layer.kind === 'softmax' || (layer.kind === 'dense' && layer.activation === 'softmax'));
  if (softmaxAt !== -1 && softmaxAt !== layers.length - 1) {
    throw fail(`${origins[softmaxAt + 1]} comes after the softmax of ${origins[softmaxAt]}; this library's models end with their softmax`);
  }
  return { layers, slots, name };
}

/** Checks one layer entry and adds what it stands for (if anything) to `reading`. */
function readEntry(entry: Entry, reading: Reading): void {
  const { kind, option, refuse } = entry;
  checkDtype(option('dtype'), refuse);
  if (reading.shape === undefined) {
    if (option('batch_input_shape') != null) reading.shape = batchShape(option('batch_input_shape'), 'batch_input_shape', refuse);
    else if (option('input_shape') != null) reading.shape = batchShape([null, ...asArray(option('input_shape'), 'input_shape', refuse)], 'input_shape', refuse);
  }
  switch (kind) {
    case 'InputLayer':
      if (entry.index !== 0) throw refuse('an InputLayer must come first');
      if (reading.shape === undefined) throw refuse('gives no batch_input_shape');
      return;
    case 'Flatten':
      return readFlatten(entry, reading);
    case 'Dense':
      return readDense(entry, reading);
    case 'Conv2D':
      return readConv2d(entry, reading);
    case 'MaxPooling2D':
      return readMaxPooling2d(entry, reading);
    case 'Activation':
      return readActivation(entry, reading);
    case 'ReLU':
      return readReLU(entry, reading);
    case 'Softmax':
      return readSoftmax(entry, reading);
    case 'Dropout':
      return readDropout(entry, reading);
    default:
      throw refuse(`this library has no ${kind} layer (it reads InputLayer, Conv2D, MaxPooling2D, Flatten, Dense, Activation, ReLU, Softmax and Dropout)`);
  }
}

function requireFlat(reading: Reading, entry: Entry, what: string): void {
  const { shape } = reading;
  if (shape !== undefined && shape.length !== 1) {
    throw entry.refuse(`${what} receives rows of shape ${formatShape(shape)}; this library's layers take flat rows (a Flatten before it would give them)`);
  }
}

function readDense(entry: Entry, reading: Reading): void {
  const { where, names, option, refuse } = entry;
  requireFlat(reading, entry, 'it');
  const units = option('units');
  if (!isPositiveInteger(units)) throw refuse(`units must be a positive integer, got ${describe(units)}`);
  const activation = option('activation') ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu' && activation !== 'softmax') {
    throw refuse(`activation ${describe(activation)} is not one this library has (linear, relu, softmax)`);
  }
  const useBias = useBiasOf(entry);
  const fileName = weightsOwner(entry);
  const inDim = reading.shape?.[0];
  const layer = dense(units, {
    ...names,
    ...(reading.slots.length === 0 && inDim !== undefined ? { inputDim: inDim } : {}),
    activation,
    useBias,
    kernelInitializer: initializerOf(option('kernel_initializer'), 'glorotUniform'),
    biasInitializer: initializerOf(option('bias_initializer'), 'zeros'),
  });
  add(reading, entry, layer);
  reading.slots.push({ layer, fileName, where, kernel: [inDim, units], found: {} });
  reading.shape = [units];
}

function readActivation(entry: Entry, reading: Reading): void {
  const activation = entry.option('activation');
  if (activation === 'linear') return;
  if (activation !== 'relu' && activation !== 'softmax') {
    throw entry.refuse(`activation ${describe(activation)} is not one this library has (linear, relu, softmax)`);
  }
  if (activation === 'softmax') requireFlat(reading, entry, 'its softmax');
  add(reading, entry, activation === 'relu' ? relu(entry.names) : softmax(entry.names));
}

function readReLU(entry: Entry, reading: Reading): void {
  const { option, refuse } = entry;
  const maxValue = option('max_value');
  const slope = option('negative_slope') ?? 0;
  const threshold = option('threshold') ?? 0;
  if (maxValue != null || slope !== 0 || threshold !== 0) {
    throw refuse(`max_value ${describe(maxValue ?? null)}, negative_slope ${describe(slope)}, threshold ${describe(threshold)}: only the plain max(0, x) (null, 0, 0) can be read`);
  }
  add(reading, entry, relu(entry.names));
}

function readSoftmax(entry: Entry, reading: Reading): void {
  requireFlat(reading, entry, 'it');
  // TensorFlow.js writes its default axis as 1, Keras as -1: on flat rows both are the classes.
  const axis = entry.option('axis') ?? -1;
  const axes = Array.isArray(axis) ? axis : [axis];
  if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== 1)) throw entry.refuse(`axis ${describe(axis)}; only the last axis (-1) can be read`);
  add(reading, entry, softmax(entry.names));
}

function readDropout(entry: Entry, reading: Reading): void {
  const rate = entry.option('rate');
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw entry.refuse(`rate must be in [0, 1), got ${describe(rate)}`);
  add(reading, entry, dropout(rate, entry.names));
}

function asArray(value: unknown, key: string, refuse: (problem: string) => ModelFormatError): unknown[] {
  if (!Array.isArray(value)) throw refuse(`${key} must be an array, got ${describe(value)}`);
  return value;
}

/** A row's shape from a Keras batch shape: [null, 784] gives [784]; every size but the batch's must be known. */
function batchShape(value: unknown, key: string, refuse: (problem: string) => ModelFormatError): number[] {
  const sizes = asArray(value, key, refuse);
  const row = sizes.slice(1);
  if (sizes.length < 2 || !row.every(isPositiveInteger)) {
    throw refuse(`${key} ${Array.isArray(value) ? formatShape(value) : describe(value)} must be [batch, …sizes] with every size a positive integer`);
  }
  return row as number[];
}

/** float32 as a string, or Keras's dtype policy object whose name is float32 (mixed precision changes results). */
function checkDtype(dtype: unknown, refuse: (problem: string) => ModelFormatError): void {
  const name = isDict(dtype) && isDict(dtype.config) ? dtype.config.name : dtype;
  if (name !== undefined && name !== null && name !== 'float32') throw refuse(`dtype ${describe(name)}; only float32 models can be read`);
}
