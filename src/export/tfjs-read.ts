// TensorFlow.js's Layers format, read: a model.json (a Keras-style `Sequential` topology and a weights
// manifest) beside little-endian float32 weight files, as TensorFlow.js's `model.save` writes them and
// as the Python `tensorflowjs_converter --input_format keras` writes Keras 2 models (tfjs-write.ts
// writes the format).
//
// Reading is strict where a difference would change a prediction and lenient where it would not. A
// layer, activation, dtype or option this library does not have is refused, and so is a weight whose
// name, dtype, shape or bytes disagree with the topology; initializers, regularizers, constraints and
// `trainable` only steer training in the program that wrote the file, so they are not checked
// (initializers with a name of ours are kept, for the record). Everything is checked before anything
// is returned: a file is read whole or refused with a ModelFormatError naming the file and the layer.
//
// Not here: graph models (`format: 'graph-model'`), quantized weights, Keras 3's layout, convolutions.
// No engine either: this module turns layer descriptions and arrays into files and back.

import { InvalidArgumentError, ModelFormatError, describe } from '../errors.js';
import { dense, dropout, relu, softmax, type DenseLayer, type Initializer, type Layer } from '../network/layers.js';
import { resolveTopology } from '../network/topology.js';
import { isFolder, readFileBytes } from '../platform/files.js';
import { nodeModule } from '../platform/node.js';

type Dict = Record<string, unknown>;

const isDict = (value: unknown): value is Dict =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);

/** A config value under its Keras key (snake_case, as files hold it) or TensorFlow.js's camelCase one. */
function read(config: Dict, key: string): unknown {
  if (Object.hasOwn(config, key)) return config[key];
  const camel = key.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase());
  return Object.hasOwn(config, camel) ? config[camel] : undefined;
}

const isPositiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;
const formatShape = (shape: readonly unknown[]): string => `[${shape.map((size) => String(size ?? 'null')).join(', ')}]`;

/** Where a Dense layer's weights must be found, and what they must look like. */
interface DenseSlot {
  layer: DenseLayer;
  /** The file's name for the layer, which its weights' names start with. */
  fileName: string;
  /** "layer 1 (Dense 'dense_Dense1')", for messages. */
  where: string;
  /** Unknown only on a first Dense when the file gives no input shape; the kernel then tells it. */
  inDim: number | undefined;
  /** The manifest's weights for the kernel and the bias, once matched. */
  found: { kernel?: ManifestWeight; bias?: ManifestWeight };
}

/** A weight of the manifest, placed in the concatenation of every shard. */
interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  optimizer: boolean;
  quantization: unknown;
  offset: number;
  bytes: number;
}

/**
 * Reads a TensorFlow.js Layers model: `modelJson` is model.json's content (parsed, or its text) and
 * `readShard` gives the bytes of each file its weights manifest names; `source` names the model in
 * messages. Returns the layers, the weights in `Sequential.getWeights()` order, and the model's name.
 * Anything this library cannot run exactly as the file means it gives a ModelFormatError that names
 * the file, and the layer (its class and name) or the weights file at fault. TensorFlow.js:
 * `tf.loadLayersModel`.
 *
 * @example
 * const { layers, weights, name } = await decodeTfjs(modelJson, () => weightBytes, 'model.json');
 */
export async function decodeTfjs(
  modelJson: unknown,
  readShard: (path: string) => Uint8Array | Promise<Uint8Array>,
  source: string,
): Promise<{ layers: Layer[]; weights: Float32Array[]; name: string }> {
  const fail = (problem: string) => new ModelFormatError(`${source}: ${problem}`);
  let json = modelJson;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw fail(`not JSON (${(error as Error).message})`);
    }
  }
  if (!isDict(json)) throw fail(`expected a model.json object with modelTopology and weightsManifest, got ${describe(json)}`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw fail(`format is ${describe(json.format)}; only TensorFlow.js Layers models ('layers-model') can be read, not graph models`);
  }
  const { layers, slots, name } = readTopology(json.modelTopology, fail);
  const manifest = readManifest(json.weightsManifest, fail);
  matchWeights(manifest.weights, slots, fail);

  const chunks: Uint8Array[] = [];
  for (const path of manifest.paths) {
    let chunk: Uint8Array;
    try {
      chunk = await readShard(path);
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      throw fail(`its weights manifest names the file ${path}, which could not be read (${(error as Error).message})`);
    }
    if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError(`decodeTfjs: readShard(${JSON.stringify(path)}) must give a Uint8Array, got ${describe(chunk)}`);
    chunks.push(chunk);
  }
  const data = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  chunks.reduce((at, chunk) => (data.set(chunk, at), at + chunk.length), 0);
  const needed = manifest.weights.reduce((total, weight) => total + weight.bytes, 0);
  if (data.length !== needed) {
    const files = manifest.paths.length === 1 ? `the weights file ${manifest.paths[0]} holds` : `the weights files ${manifest.paths.join(', ')} hold`;
    if (data.length > needed) throw fail(`${files} ${data.length} bytes, ${data.length - needed} more than the ${needed} its manifest describes`);
    const cut = manifest.weights.find((weight) => weight.offset + weight.bytes > data.length)!;
    const owner = slots.find((slot) => slot.found.kernel === cut || slot.found.bias === cut);
    throw fail(`${files} ${data.length} bytes, but its manifest needs ${needed}: ${cut.name}${owner ? ` of ${owner.where}` : ''} is cut off (a truncated file?)`);
  }

  const view = new DataView(data.buffer);
  const weights: Float32Array[] = [];
  for (const slot of slots) {
    for (const weight of [slot.found.kernel, slot.found.bias]) {
      if (weight === undefined) continue;
      const values = new Float32Array(weight.bytes / 4);
      for (let i = 0; i < values.length; i++) {
        values[i] = view.getFloat32(weight.offset + 4 * i, true);
        if (!Number.isFinite(values[i])) throw fail(`${slot.where}: weight ${weight.name} holds ${values[i]} at index ${i}; weights must be finite`);
      }
      weights.push(values);
    }
  }
  try {
    resolveTopology(layers);
  } catch (error) {
    throw fail((error as Error).message);
  }
  return { layers, weights, name };
}

/** The layers of a Sequential topology, as TensorFlow.js or the Keras 2 converter writes it. */
function readTopology(value: unknown, fail: (problem: string) => ModelFormatError): { layers: Layer[]; slots: DenseSlot[]; name: string } {
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

  // The shape of one input row as it flows through the layers (no batch dimension), once known.
  let shape: number[] | undefined;
  if (isDict(config) && read(config, 'build_input_shape') != null) shape = batchShape(read(config, 'build_input_shape'), 'build_input_shape', fail);
  const layers: Layer[] = [];
  const origins: string[] = [];
  const slots: DenseSlot[] = [];
  entries.forEach((entry, index) => {
    if (!isDict(entry)) throw fail(`layer ${index} must be a { class_name, config } object, got ${describe(entry)}`);
    const kind = read(entry, 'class_name');
    const layerConfig = entry.config ?? {};
    if (typeof kind !== 'string' || !isDict(layerConfig)) throw fail(`layer ${index} must be a { class_name, config } object`);
    const fileName = typeof layerConfig.name === 'string' ? layerConfig.name : undefined;
    const where = `layer ${index} (${kind}${fileName === undefined ? '' : ` '${fileName}'`})`;
    const refuse = (problem: string) => fail(`${where}: ${problem}`);
    const option = (key: string) => read(layerConfig, key);
    const names = fileName === undefined ? {} : { name: fileName };
    const add = (layer: Layer) => {
      layers.push(layer);
      origins.push(where);
    };
    const requireFlat = (what: string) => {
      if (shape !== undefined && shape.length !== 1) {
        throw refuse(`${what} receives rows of shape ${formatShape(shape)}; this library's layers take flat rows (a Flatten before it would give them)`);
      }
    };

    checkDtype(option('dtype'), refuse);
    if (shape === undefined) {
      if (option('batch_input_shape') != null) shape = batchShape(option('batch_input_shape'), 'batch_input_shape', refuse);
      else if (option('input_shape') != null) shape = batchShape([null, ...asArray(option('input_shape'), 'input_shape', refuse)], 'input_shape', refuse);
    }
    switch (kind) {
      case 'InputLayer':
        if (index !== 0) throw refuse('an InputLayer must come first');
        if (shape === undefined) throw refuse('gives no batch_input_shape');
        return;
      case 'Flatten': {
        const format = option('data_format');
        if (shape !== undefined && shape.length > 1 && (format === 'channels_first' || format === 'channelsFirst')) {
          throw refuse(`data_format 'channels_first' reorders rows of shape ${formatShape(shape)} before flattening them; only 'channels_last' can be read`);
        }
        if (shape !== undefined) shape = [shape.reduce((product, size) => product * size, 1)];
        return;
      }
      case 'Dense': {
        requireFlat('it');
        const units = option('units');
        if (!isPositiveInteger(units)) throw refuse(`units must be a positive integer, got ${describe(units)}`);
        const activation = option('activation') ?? 'linear';
        if (activation !== 'linear' && activation !== 'relu' && activation !== 'softmax') {
          throw refuse(`activation ${describe(activation)} is not one this library has (linear, relu, softmax)`);
        }
        const useBias = option('use_bias') ?? true;
        if (typeof useBias !== 'boolean') throw refuse(`use_bias must be true or false, got ${describe(useBias)}`);
        if (fileName === undefined) throw refuse('has no name, so its weights cannot be found in the manifest');
        const inDim = shape?.[0];
        const layer = dense(units, {
          ...names,
          ...(slots.length === 0 && inDim !== undefined ? { inputDim: inDim } : {}),
          activation,
          useBias,
          kernelInitializer: initializerOf(option('kernel_initializer'), 'glorotUniform'),
          biasInitializer: initializerOf(option('bias_initializer'), 'zeros'),
        });
        add(layer);
        slots.push({ layer, fileName, where, inDim, found: {} });
        shape = [units];
        return;
      }
      case 'Activation': {
        const activation = option('activation');
        if (activation === 'linear') return;
        if (activation !== 'relu' && activation !== 'softmax') {
          throw refuse(`activation ${describe(activation)} is not one this library has (linear, relu, softmax)`);
        }
        if (activation === 'softmax') requireFlat('its softmax');
        add(activation === 'relu' ? relu(names) : softmax(names));
        return;
      }
      case 'ReLU': {
        const maxValue = option('max_value');
        const slope = option('negative_slope') ?? 0;
        const threshold = option('threshold') ?? 0;
        if (maxValue != null || slope !== 0 || threshold !== 0) {
          throw refuse(`max_value ${describe(maxValue ?? null)}, negative_slope ${describe(slope)}, threshold ${describe(threshold)}: only the plain max(0, x) (null, 0, 0) can be read`);
        }
        add(relu(names));
        return;
      }
      case 'Softmax': {
        requireFlat('it');
        // TensorFlow.js writes its default axis as 1, Keras as -1: on flat rows both are the classes.
        const axis = option('axis') ?? -1;
        const axes = Array.isArray(axis) ? axis : [axis];
        if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== 1)) throw refuse(`axis ${describe(axis)}; only the last axis (-1) can be read`);
        add(softmax(names));
        return;
      }
      case 'Dropout': {
        const rate = option('rate');
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw refuse(`rate must be in [0, 1), got ${describe(rate)}`);
        add(dropout(rate, names));
        return;
      }
      default:
        throw refuse(`this library has no ${kind} layer (it reads InputLayer, Flatten, Dense, Activation, ReLU, Softmax and Dropout)`);
    }
  });

  if (layers.length === 0 || layers[0].kind !== 'dense') {
    throw fail(layers.length === 0 ? 'the model has no Dense layer' : `${origins[0]} comes before the first Dense layer; this library's models start with a Dense layer`);
  }
  const softmaxAt = layers.findIndex((layer) => layer.kind === 'softmax' || (layer.kind === 'dense' && layer.activation === 'softmax'));
  if (softmaxAt !== -1 && softmaxAt !== layers.length - 1) {
    throw fail(`${origins[softmaxAt + 1]} comes after the softmax of ${origins[softmaxAt]}; this library's models end with their softmax`);
  }
  return { layers, slots, name };
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

/** Our name for a Keras initializer, or `fallback` for one we do not have (it only mattered before training). */
function initializerOf(value: unknown, fallback: Initializer): Initializer {
  const className = isDict(value) ? read(value, 'class_name') : value;
  const config = isDict(value) && isDict(value.config) ? value.config : {};
  if (typeof className !== 'string') return fallback;
  switch (className.toLowerCase().replaceAll('_', '')) {
    case 'glorotuniform':
      return 'glorotUniform';
    case 'henormal':
      return 'heNormal';
    case 'zeros':
      return 'zeros';
    case 'uniform':
      return 'uniform';
    case 'randomuniform':
      return (config.minval ?? -0.05) === -0.05 && (config.maxval ?? 0.05) === 0.05 ? 'uniform' : fallback;
    default:
      return fallback;
  }
}

/** Bytes per value of a manifest weight as stored; undefined for strings, whose length is stored with them. */
function bytesPerValue(dtype: string, quantization: unknown): number | undefined {
  if (isDict(quantization)) return ({ uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[String(quantization.dtype)];
  return ({ float32: 4, int32: 4, bool: 1, complex64: 8 } as Record<string, number>)[dtype];
}

/** Every group's files in order, and every group's weights in order, placed in the files' concatenation. */
function readManifest(value: unknown, fail: (problem: string) => ModelFormatError): { paths: string[]; weights: ManifestWeight[] } {
  if (!Array.isArray(value) || value.length === 0) throw fail(`weightsManifest must be a non-empty array of { paths, weights } groups, got ${describe(value)}`);
  const paths: string[] = [];
  const weights: ManifestWeight[] = [];
  let offset = 0;
  value.forEach((group, g) => {
    if (!isDict(group) || !Array.isArray(group.paths) || !group.paths.every((path) => typeof path === 'string') || !Array.isArray(group.weights)) {
      throw fail(`weightsManifest[${g}] must be a { paths: string[], weights: [] } group`);
    }
    paths.push(...(group.paths as string[]));
    for (const entry of group.weights as unknown[]) {
      if (!isDict(entry) || typeof entry.name !== 'string' || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !entry.shape.every((size) => Number.isInteger(size) && size >= 0)) {
        throw fail(`weightsManifest[${g}] has a malformed weight (expected { name, shape, dtype }): ${JSON.stringify(entry)}`);
      }
      const shape = entry.shape as number[];
      const perValue = bytesPerValue(entry.dtype, entry.quantization);
      if (perValue === undefined) throw fail(`weight ${entry.name} has dtype ${describe(entry.dtype)}, whose size this library cannot tell`);
      const bytes = shape.reduce((product, size) => product * size, perValue);
      weights.push({ name: entry.name, shape, dtype: entry.dtype, optimizer: entry.group === 'optimizer', quantization: entry.quantization, offset, bytes });
      offset += bytes;
    }
  });
  return { paths, weights };
}

/**
 * Pairs each model weight of the manifest with its Dense layer's kernel or bias, by name as
 * TensorFlow.js does (`layer/kernel`, or with an inner scope dropped: `layer/cell/kernel`), and
 * checks its dtype and shape; the pairs go to each slot's `found`.
 */
function matchWeights(weights: ManifestWeight[], slots: DenseSlot[], fail: (problem: string) => ModelFormatError): void {
  const wanted = new Map<string, { slot: DenseSlot; role: 'kernel' | 'bias' }>();
  for (const slot of slots) {
    wanted.set(`${slot.fileName}/kernel`, { slot, role: 'kernel' });
    if (slot.layer.useBias) wanted.set(`${slot.fileName}/bias`, { slot, role: 'bias' });
  }
  for (const weight of weights) {
    if (weight.optimizer) continue;
    const tokens = weight.name.split('/');
    const key = wanted.has(weight.name) ? weight.name : [...tokens.slice(0, -2), tokens[tokens.length - 1]].join('/');
    const target = wanted.get(key);
    if (target === undefined) throw fail(`its weights manifest has a weight ${weight.name} that no layer of the model has`);
    const { slot, role } = target;
    const twin = slot.found[role];
    if (twin !== undefined) throw fail(`${slot.where}: its weights manifest has two ${role}s (${twin.name} and ${weight.name})`);
    slot.found[role] = weight;
    if (weight.quantization != null) throw fail(`${slot.where}: weight ${weight.name} is quantized; only float32 weights can be read (convert without quantization)`);
    if (weight.dtype !== 'float32') throw fail(`${slot.where}: weight ${weight.name} has dtype ${describe(weight.dtype)}; only float32 weights can be read`);
    if (role === 'kernel' && slot.inDim === undefined && weight.shape.length === 2 && isPositiveInteger(weight.shape[0])) {
      slot.inDim = weight.shape[0];
      slot.layer.inputDim = slot.inDim;
    }
    const expected = role === 'kernel' ? [slot.inDim, slot.layer.units] : [slot.layer.units];
    if (formatShape(weight.shape) !== formatShape(expected)) {
      throw fail(`${slot.where}: weight ${weight.name} has shape ${formatShape(weight.shape)}, but the layer's ${role} is ${formatShape(expected)}`);
    }
  }
  for (const [key, { slot, role }] of wanted) {
    if (slot.found[role] === undefined) throw fail(`${slot.where}: its weights manifest has no ${role} ${key}`);
  }
}

/**
 * Reads a TensorFlow.js Layers model in Node: `path` is its folder (holding model.json) or its
 * model.json, and the weights files its manifest names are read from beside it. A missing model.json
 * gives a DataNotFoundError; everything else wrong, a missing weights file included, a ModelFormatError.
 * TensorFlow.js: `tf.loadLayersModel('file://web_model/model.json')` in tfjs-node.
 *
 * @example
 * const { layers, weights, name } = await readTfjsModel('web_model');
 */
export async function readTfjsModel(path: string): Promise<{ layers: Layer[]; weights: Float32Array[]; name: string }> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`readTfjsModel: path must be a non-empty string, got ${describe(path)}`);
  const { readFile, stat } = await nodeModule('fs/promises');
  const { dirname, isAbsolute, join, relative, resolve } = await nodeModule('path');
  const isFolder = (await stat(path).catch(() => undefined))?.isDirectory() === true;
  const modelPath = isFolder ? join(path, 'model.json') : path;
  const text = new TextDecoder().decode(await readFileBytes(modelPath, 'readTfjsModel'));
  const folder = dirname(modelPath);
  return decodeTfjs(text, async (shard) => {
    const file = resolve(folder, shard);
    const inside = relative(folder, file);
    // A manifest names files beside it; one that reaches elsewhere is not a model's.
    if (isAbsolute(shard) || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new ModelFormatError(`${modelPath}: its weights manifest names ${shard}, which is not a file in the model's folder`);
    }
    return new Uint8Array(await readFile(file));
  }, modelPath);
}

/**
 * Whether `path` names a TensorFlow.js model rather than this library's own file: a folder, or a
 * path ending in .json. A path that does not exist is not one.
 *
 * @example
 * if (await isTfjsPath(path)) return readTfjsModel(path);
 */
export async function isTfjsPath(path: string): Promise<boolean> {
  return /\.json$/i.test(path) || isFolder(path);
}

