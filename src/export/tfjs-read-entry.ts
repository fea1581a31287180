// One entry of a model.json's layers array as the layer readers see it (tfjs-read-layers.ts reads the
// Dense stack, tfjs-read-images.ts the layers over images), what the layers read so far have made,
// and the options both kinds of reader read alike. Separate so that the two readers share it without
// importing each other.

import { ModelFormatError, describe } from '../errors.js';
import type { Initializer, Layer } from '../network/layers.js';
import { isDict, read } from './tfjs-read-json.js';
import type { WeightSlot } from './tfjs-read-weights.js';

/** What the layers read so far have given, and the row shape that reaches the next one. */
export interface Reading {
  /** The shape of one input row as it flows through the layers (no batch dimension), once known. */
  shape: number[] | undefined;
  layers: Layer[];
  /** Each layer's origin in the file ("layer 1 (Dense 'dense_Dense1')"), for messages. */
  origins: string[];
  slots: WeightSlot[];
}

/** One entry of the file's layers array, with what its reader needs to name it and to read its options. */
export interface Entry {
  index: number;
  kind: string;
  /** The file's name for the layer, if it gives one. */
  fileName: string | undefined;
  /** "layer 1 (Dense 'dense_Dense1')", for messages. */
  where: string;
  /** The name for the layer made from it: the file's, if any. */
  names: { name?: string };
  option(key: string): unknown;
  refuse(problem: string): ModelFormatError;
}

/** The entry at `index` of the file's layers array, which must be a `{ class_name, config }` object. */
export function toEntry(entry: unknown, index: number, fail: (problem: string) => ModelFormatError): Entry {
  if (!isDict(entry)) throw fail(`layer ${index} must be a { class_name, config } object, got ${describe(entry)}`);
  const kind = read(entry, 'class_name');
  const layerConfig = entry.config ?? {};
  if (typeof kind !== 'string' || !isDict(layerConfig)) throw fail(`layer ${index} must be a { class_name, config } object`);
  const fileName = typeof layerConfig.name === 'string' ? layerConfig.name : undefined;
  const where = `layer ${index} (${kind}${fileName === undefined ? '' : ` '${fileName}'`})`;
  return {
    index, kind, fileName, where,
    names: fileName === undefined ? {} : { name: fileName },
    option: (key: string) => read(layerConfig, key),
    refuse: (problem: string) => fail(`${where}: ${problem}`),
  };
}

/** Adds a layer read from `entry`. */
export function add(reading: Reading, entry: Entry, layer: Layer): void {
  reading.layers.push(layer);
  reading.origins.push(entry.where);
}

/** use_bias of a Dense or Conv2D layer, true when left out. */
export function useBiasOf({ option, refuse }: Entry): boolean {
  const useBias = option('use_bias') ?? true;
  if (typeof useBias !== 'boolean') throw refuse(`use_bias must be true or false, got ${describe(useBias)}`);
  return useBias;
}

/** The file's name for a layer with weights, which their names in the manifest start with. */
export function weightsOwner({ fileName, refuse }: Entry): string {
  if (fileName === undefined) throw refuse('has no name, so its weights cannot be found in the manifest');
  return fileName;
}

/** Our name for a Keras initializer, or `fallback` for one we do not have (it only mattered before training). */
export function initializerOf(value: unknown, fallback: Initializer): Initializer {
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
