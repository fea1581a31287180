// TensorFlow.js's Layers format, written: a model.json (a Keras-style `Sequential` topology and a
// weights manifest) beside one little-endian float32 weights file, which `tf.loadLayersModel` reads.
// Reading the format is in tfjs-read.ts, which the model loads only when it is asked to read one, so
// a page that never does downloads none of it.

import { InvalidArgumentError, SaveFailedError, describe } from '../errors.js';
import type { Initializer, Layer } from '../network/layers.js';
import { writeFloats } from '../network/format-read.js';
import { checkWeightShapes, resolveTopology, weightShapes } from '../network/topology.js';
import { writeFileAtomic } from '../platform/files.js';
import { nodeModule } from '../platform/node.js';

/** The weights file `encodeTfjs` describes, named as TensorFlow.js names the only shard of one group. */
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

/** A Keras layer, initializer or model as model.json spells it. */
export interface KerasObject {
  /** The Keras class: `Sequential`, `Dense`, `GlorotUniform`, … */
  class_name: string;
  /** Its settings, with Keras's snake_case names; a `Sequential`'s are `{ name, layers }`. */
  config: Record<string, unknown>;
}

/** One weight in a weights manifest. */
export interface TfjsWeightSpec {
  /** `${layer}/kernel` or `${layer}/bias`. */
  name: string;
  /** (inDim, units) for a dense kernel, (kernel height, kernel width, input channels, filters) for a conv2d one, (units) for a bias. */
  shape: number[];
  /** Always float32 here. */
  dtype: 'float32';
}

/** The model.json `encodeTfjs` makes: TensorFlow.js's `ModelJSON` for a Layers model. */
export interface TfjsModelJson {
  /** Always `'layers-model'`. */
  format: 'layers-model';
  /** `'mnist-wasm'`. */
  generatedBy: string;
  /** Always null: written directly, not converted. */
  convertedBy: null;
  /** The Keras `Sequential` topology, with snake_case configs as Keras writes them. */
  modelTopology: KerasObject;
  /** One group whose one file (`group1-shard1of1.bin`) holds every weight, in order. */
  weightsManifest: TfjsWeightsGroup[];
}

/** A group of a weights manifest: its files, and the weights they hold one after the other. */
export interface TfjsWeightsGroup {
  /** The weight files, relative to model.json. */
  paths: string[];
  /** The weights, in the order their bytes follow each other. */
  weights: TfjsWeightSpec[];
}

/** A model in TensorFlow.js's Layers format, in memory: what {@link Sequential.toTfjs} gives. */
export interface TfjsArtifacts {
  /** model.json's content. */
  modelJson: TfjsModelJson;
  /** The one weights file's bytes (`group1-shard1of1.bin`): little-endian float32. */
  weights: Uint8Array;
}

const KERAS_INITIALIZERS: Record<Initializer, KerasObject> = {
  uniform: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
  glorotUniform: { class_name: 'GlorotUniform', config: { seed: null } },
  heNormal: { class_name: 'HeNormal', config: { seed: null } },
  zeros: { class_name: 'Zeros', config: {} },
};

/**
 * A model as TensorFlow.js's Layers format: the model.json content, whose one weights file is
 * {@link TFJS_WEIGHTS_FILE}, and that file's bytes (little-endian float32, `weights` in
 * `Sequential.getWeights()` order). Layers keep the names `summary()` shows, so weights are named
 * `${layer}/kernel` and `${layer}/bias`. relu() and softmax() become Keras `Activation` layers;
 * conv2d, maxPooling2d and flatten become `Conv2D`, `MaxPooling2D` and `Flatten`, channels last.
 * TensorFlow.js: what `model.save` hands its IO handler.
 *
 * @example
 * const { modelJson, weights } = encodeTfjs(model.layers, model.getWeights(), model.name);
 */
export function encodeTfjs(layers: readonly Layer[], weights: readonly Float32Array[], name: string): TfjsArtifacts {
  if (typeof name !== 'string') throw new InvalidArgumentError(`encodeTfjs: name must be a string, got ${describe(name)}`);
  const topology = resolveTopology(layers);
  const shapes = weightShapes(topology);
  checkWeightShapes('encodeTfjs', weights, shapes);
  const specs: TfjsWeightSpec[] = [];
  const configs = layers.map((layer, index): KerasObject => {
    const layerName = topology.layers[index].name;
    if (layer.kind === 'dense' || layer.kind === 'conv2d') {
      specs.push({ name: `${layerName}/kernel`, shape: shapes[specs.length], dtype: 'float32' });
      if (layer.useBias) specs.push({ name: `${layerName}/bias`, shape: shapes[specs.length], dtype: 'float32' });
    }
    // As TensorFlow.js and Keras write them: the base layer's keys first, the input's shape on the first layer only.
    const base = { name: layerName, trainable: true, dtype: 'float32', ...(index === 0 ? { batch_input_shape: [null, ...topology.inputShape] } : {}) };
    return kerasLayer(layer, base);
  });
  const bytes = new Uint8Array(weights.reduce((total, tensor) => total + tensor.length * 4, 0));
  let at = 0;
  for (const tensor of weights) at = writeFloats(bytes, at, tensor);
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'mnist-wasm',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name, layers: configs } },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
  };
  return { modelJson, weights: bytes };
}

/** One layer's `{ class_name, config }` as TensorFlow.js's `model.save` writes it; `base` holds its name, dtype and input shape. */
function kerasLayer(layer: Layer, base: Record<string, unknown>): KerasObject {
  const { name, trainable } = base;
  switch (layer.kind) {
    case 'dense':
      return {
        class_name: 'Dense',
        config: {
          ...base, units: layer.units, activation: layer.activation, use_bias: layer.useBias,
          kernel_initializer: KERAS_INITIALIZERS[layer.kernelInitializer], bias_initializer: KERAS_INITIALIZERS[layer.biasInitializer],
        },
      };
    case 'conv2d':
      return {
        class_name: 'Conv2D',
        config: {
          ...base, filters: layer.filters, kernel_size: [...layer.kernelSize], strides: [...layer.strides], padding: layer.padding,
          data_format: 'channels_last', dilation_rate: [1, 1], activation: layer.activation, use_bias: layer.useBias,
          kernel_initializer: KERAS_INITIALIZERS[layer.kernelInitializer], bias_initializer: KERAS_INITIALIZERS[layer.biasInitializer],
        },
      };
    case 'maxPooling2d':
      return { class_name: 'MaxPooling2D', config: { ...base, pool_size: [...layer.poolSize], padding: layer.padding, strides: [...layer.strides], data_format: 'channels_last' } };
    case 'flatten':
      return { class_name: 'Flatten', config: { ...base, data_format: 'channels_last' } };
    case 'dropout':
      return { class_name: 'Dropout', config: { name, trainable, rate: layer.rate, noise_shape: null, seed: null } };
    case 'relu':
    case 'softmax':
      return { class_name: 'Activation', config: { name, trainable, activation: layer.kind } };
  }
}

/**
 * Writes a model as TensorFlow.js's Layers format into the folder `dir` (made if missing): model.json
 * and its one weights file, each whole or not at all, the weights first so that a model.json never
 * names a file that is not there yet. TensorFlow.js: `model.save('file://web_model')` in tfjs-node;
 * Keras: `tensorflowjs.converters.save_keras_model(model, 'web_model')`.
 *
 * @example
 * await writeTfjsModel('web_model', model.layers, model.getWeights(), model.name);
 */
export async function writeTfjsModel(dir: string, layers: readonly Layer[], weights: readonly Float32Array[], name: string): Promise<void> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError(`writeTfjsModel: dir must be a non-empty string, got ${describe(dir)}`);
  const { modelJson, weights: bytes } = encodeTfjs(layers, weights, name);
  const { mkdir } = await nodeModule('fs/promises');
  const { join } = await nodeModule('path');
  await mkdir(dir, { recursive: true }).catch((error: Error) => {
    throw new SaveFailedError(`${dir}: could not make the folder (${error.message})`);
  });
  await writeFileAtomic(join(dir, TFJS_WEIGHTS_FILE), bytes);
  await writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
}
