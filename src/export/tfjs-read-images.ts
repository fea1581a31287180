// The layers over images, read from a TensorFlow.js Layers model's topology (tfjs-read-layers.ts reads
// the rest): Conv2D, MaxPooling2D and Flatten, channels last as this library's images are ([height,
// width, channels]); a file's channels-first layer, a dilated or grouped convolution and a padding
// other than 'valid' and 'same' are refused, naming the layer and the option. Window options may be
// one number or [height, width], as Keras and TensorFlow.js both accept.

import { describe } from '../errors.js';
import { conv2d, flatten, maxPooling2d, type Padding } from '../network/image-layers.js';
import { resolveWindows } from '../network/windows.js';
import { add, initializerOf, useBiasOf, weightsOwner, type Entry, type Reading } from './tfjs-read-entry.js';
import { formatShape, isPositiveInteger } from './tfjs-read-json.js';

/**
 * A Flatten after a layer that gives images becomes flatten(); one before any layer is left out, as
 * this library's inputs are flat rows already.
 */
export function readFlatten(entry: Entry, reading: Reading): void {
  const { shape } = reading;
  if (shape !== undefined && shape.length > 1) checkChannelsLast(entry, `it reorders rows of shape ${formatShape(shape)} before flattening them`);
  if (shape !== undefined) reading.shape = [shape.reduce((product, size) => product * size, 1)];
  if (reading.layers.length > 0 && shape !== undefined && shape.length > 1) add(reading, entry, flatten(entry.names));
}

/** A Conv2D layer: conv2d() with its kernel and bias to be found in the manifest. */
export function readConv2d(entry: Entry, reading: Reading): void {
  const { where, names, option, refuse } = entry;
  const inShape = imageShape(entry, reading);
  checkChannelsLast(entry, 'it takes images as [channels, height, width]');
  const filters = option('filters');
  if (!isPositiveInteger(filters)) throw refuse(`filters must be a positive integer, got ${describe(filters)}`);
  const kernelSize = pairOption(entry, 'kernel_size');
  const dilation = pairOption(entry, 'dilation_rate', [1, 1]);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw refuse(`dilation_rate ${formatShape(dilation)}; this library's conv2d has no dilation, so only [1, 1] can be read`);
  const groups = option('groups') ?? 1;
  if (groups !== 1) throw refuse(`groups ${describe(groups)}; this library's conv2d has no grouped convolution, so only 1 can be read`);
  const activation = option('activation') ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') throw refuse(`activation ${describe(activation)} is not one this library's conv2d has (linear, relu)`);
  const useBias = useBiasOf(entry);
  const owner = weightsOwner(entry);
  const layer = conv2d({
    ...names,
    ...(reading.layers.length === 0 ? { inputShape: inShape } : {}),
    filters,
    kernelSize,
    strides: pairOption(entry, 'strides', [1, 1]),
    padding: paddingOf(entry),
    activation,
    useBias,
    kernelInitializer: initializerOf(option('kernel_initializer'), 'glorotUniform'),
    biasInitializer: initializerOf(option('bias_initializer'), 'zeros'),
  });
  const [height, width] = outputImage(entry, inShape, layer, kernelSize, 'kernel');
  add(reading, entry, layer);
  reading.slots.push({ layer, fileName: owner, where, kernel: [...kernelSize, inShape[2], filters], found: {} });
  reading.shape = [height, width, filters];
}

/** A MaxPooling2D layer: maxPooling2d(). */
export function readMaxPooling2d(entry: Entry, reading: Reading): void {
  const inShape = imageShape(entry, reading);
  checkChannelsLast(entry, 'it takes images as [channels, height, width]');
  const poolSize = pairOption(entry, 'pool_size', [2, 2]);
  // Keras and TensorFlow.js take strides null (left out) as the pool size: windows side by side.
  const strides = pairOption(entry, 'strides', poolSize);
  const layer = maxPooling2d({ ...entry.names, ...(reading.layers.length === 0 ? { inputShape: inShape } : {}), poolSize, strides, padding: paddingOf(entry) });
  add(reading, entry, layer);
  reading.shape = outputImage(entry, inShape, layer, poolSize, 'pool window');
}

/** The [height, width, channels] images that reach a Conv2D or MaxPooling2D layer. */
function imageShape({ refuse }: Entry, { shape }: Reading): [number, number, number] {
  if (shape === undefined) throw refuse('gives no batch_input_shape, which a first layer over images needs: [null, height, width, channels]');
  if (shape.length !== 3) throw refuse(`receives rows of shape ${formatShape(shape)}; it takes images of [height, width, channels]`);
  return [shape[0], shape[1], shape[2]];
}

/** The images out of a layer whose `window` slides over `inShape` with the layer's strides and padding, as windows.ts (TensorFlow) places it. */
function outputImage(
  { refuse }: Entry, inShape: [number, number, number], layer: { kind: string; strides: [number, number]; padding: Padding }, window: [number, number], windowName: string,
): [number, number, number] {
  try {
    return resolveWindows(inShape, layer, window, 'it', windowName).outShape;
  } catch {
    throw refuse(`its ${window.join('×')} ${windowName} finds no room in a ${inShape[0]}×${inShape[1]} image with padding 'valid'`);
  }
}

/** A window option: one positive integer for both axes, or [height, width]; `fallback` when the file leaves it out or null. */
function pairOption({ option, refuse }: Entry, key: string, fallback?: [number, number]): [number, number] {
  const value = option(key) ?? fallback;
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isPositiveInteger)) {
    throw refuse(`${key} must be a positive integer or [height, width] of positive integers, got ${Array.isArray(value) ? formatShape(value) : describe(value)}`);
  }
  return [pair[0], pair[1]];
}

function paddingOf({ option, refuse }: Entry): Padding {
  const padding = option('padding') ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw refuse(`padding ${describe(padding)}; only 'valid' and 'same' can be read`);
  return padding;
}

/** channels_last, TensorFlow.js's channelsLast, or left out (Keras's default); `why` says what channels_first would change. */
function checkChannelsLast({ option, refuse }: Entry, why: string): void {
  const format = option('data_format') ?? 'channels_last';
  if (format !== 'channels_last' && format !== 'channelsLast') {
    throw refuse(`data_format ${describe(format)}: ${why}; only 'channels_last' (images as [height, width, channels]) can be read`);
  }
}
