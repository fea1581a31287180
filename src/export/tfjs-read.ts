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
// Not here: graph models (`format: 'graph-model'`), quantized weights, Keras 3's layout, channels-first
// images. No engine either: this module turns layer descriptions and arrays into files and back.
//
// This file holds the entry points; the topology is read in tfjs-read-layers.ts (the layers over
// images in tfjs-read-images.ts), the manifest and the weight files in tfjs-read-weights.ts.

import { InvalidArgumentError, ModelFormatError, describe } from '../errors.js';
import type { Layer } from '../network/layers.js';
import { resolveTopology } from '../network/topology.js';
import { isFolder, readFileBytes } from '../platform/files.js';
import { nodeModule } from '../platform/node.js';
import { isDict, type Dict } from './tfjs-read-json.js';
import { readTopology } from './tfjs-read-layers.js';
import { decodeWeights, matchWeights, readManifest, readWeightFiles } from './tfjs-read-weights.js';

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
  const json = parseModelJson(modelJson, fail);
  const { layers, slots, name } = readTopology(json.modelTopology, fail);
  const manifest = readManifest(json.weightsManifest, fail);
  matchWeights(manifest.weights, slots, fail);
  const weights = decodeWeights(await readWeightFiles(manifest, slots, readShard, fail), slots, fail);
  try {
    resolveTopology(layers);
  } catch (error) {
    throw fail((error as Error).message);
  }
  return { layers, weights, name };
}

/** model.json's content, parsed if it is text, which must be a Layers model's. */
function parseModelJson(modelJson: unknown, fail: (problem: string) => ModelFormatError): Dict {
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
  return json;
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

