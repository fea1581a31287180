// The layers over images: convolution, max pooling and flatten, named and configured as in
// TensorFlow.js and Keras, channels last (an image is [height, width, channels], stored row by row,
// each pixel's channels together). Like the other layer configurations they are plain data, checked
// when made; their shapes are resolved by topology.ts.

import { InvalidArgumentError, checkOptionKeys, describe, requirePositiveInteger } from '../errors.js';
import { checkInitializers, checkName, checkUseBias, requireChoice, requirePair, requireShape, type Initializer } from './layer-checks.js';

/** How a window meets the image's edges: 'valid' keeps to the image, 'same' pads so that the output is ⌈input / stride⌉ wide, as TensorFlow pads. */
export type Padding = 'valid' | 'same';

/** A 2-D convolution layer's configuration, as {@link conv2d} makes it. Keras: `Conv2D`. */
export interface Conv2dLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'conv2d';
  /** Number of output channels: the kernels the layer learns. */
  filters: number;
  /** Height and width of each kernel. */
  kernelSize: [number, number];
  /** Steps between two windows, down and across. */
  strides: [number, number];
  /** How windows meet the edges. */
  padding: Padding;
  /** Applied after the convolution; 'relu' is the same as a relu() layer after it. */
  activation: 'linear' | 'relu';
  /** Whether a bias per filter is added. */
  useBias: boolean;
  /** How the kernel ([kernel height, kernel width, input channels, filters]) starts. */
  kernelInitializer: Initializer;
  /** How the bias starts. */
  biasInitializer: Initializer;
  /** [height, width, channels] of the input; required on the first layer, and on a later one it must match what it receives. */
  inputShape?: [number, number, number];
  /** Shown by `summary()`; `conv2d`, `conv2d_1`, … when unset, as in Keras. */
  name?: string;
}

/** A max pooling layer's configuration, as {@link maxPooling2d} makes it. Keras: `MaxPooling2D`. */
export interface MaxPooling2dLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'maxPooling2d';
  /** Height and width of the window whose largest value is kept, channel by channel. */
  poolSize: [number, number];
  /** Steps between two windows, down and across. */
  strides: [number, number];
  /** How windows meet the edges; padding never wins a maximum. */
  padding: Padding;
  /** [height, width, channels] of the input; required on the first layer. */
  inputShape?: [number, number, number];
  /** Shown by `summary()`; `max_pooling2d`, `max_pooling2d_1`, … when unset, as in Keras. */
  name?: string;
}

/** A flatten layer's configuration, as {@link flatten} makes it. Keras: `Flatten`. */
export interface FlattenLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'flatten';
  /** The shape of one input row, of any rank; required on the first layer. */
  inputShape?: number[];
  /** Shown by `summary()`; `flatten`, `flatten_1`, … when unset, as in Keras. */
  name?: string;
}

/** Options of {@link conv2d}: `filters` and `kernelSize` are required. TensorFlow.js: the config of `tf.layers.conv2d`. */
export interface Conv2dOptions {
  /** Number of output channels. */
  filters: number;
  /** One number for a square kernel, or [height, width]. */
  kernelSize: number | [number, number];
  /** One number for both directions, or [down, across]; 1 by default. */
  strides?: number | [number, number];
  /** 'valid' (no padding) by default. */
  padding?: Padding;
  /** 'linear' (none) by default; 'relu' is the same as a relu() layer after it. */
  activation?: Conv2dLayer['activation'];
  /** Add a bias per filter; true by default. Keras: `use_bias`. */
  useBias?: boolean;
  /** 'glorotUniform' by default, as in Keras. */
  kernelInitializer?: Initializer;
  /** 'zeros' by default, as in Keras. */
  biasInitializer?: Initializer;
  /** [height, width, channels] of one input image; required on the first layer. [28, 28, 1] for MNIST. */
  inputShape?: [number, number, number];
  /** Shown by `summary()`; `conv2d`, `conv2d_1`, … when unset. Two layers may not be given the same name. */
  name?: string;
}

/** Options of {@link maxPooling2d}; every one may be left out. TensorFlow.js: the config of `tf.layers.maxPooling2d`. */
export interface MaxPooling2dOptions {
  /** One number for a square window, or [height, width]; 2 by default. */
  poolSize?: number | [number, number];
  /** One number for both directions, or [down, across]; `poolSize` by default (windows side by side). */
  strides?: number | [number, number];
  /** 'valid' (no padding) by default. */
  padding?: Padding;
  /** [height, width, channels] of one input image; required on the first layer. */
  inputShape?: [number, number, number];
  /** Shown by `summary()`; `max_pooling2d`, … when unset. */
  name?: string;
}

/** Options of {@link flatten}; every one may be left out. */
export interface FlattenOptions {
  /** The shape of one input row, such as [28, 28]; required on the first layer. */
  inputShape?: number[];
  /** Shown by `summary()`; `flatten`, `flatten_1`, … when unset. */
  name?: string;
}

const PADDINGS: readonly Padding[] = ['valid', 'same'];
const CONV2D_OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'inputShape', 'name'];

/**
 * A 2-D convolution over images of [height, width, channels]: each filter's kernel slides over the
 * image and its products with every window, summed over the input channels, plus the filter's bias,
 * make one output channel. The kernel is [kernel height, kernel width, input channels, filters], as
 * in Keras and TensorFlow.js. Keras: `Conv2D(filters, kernel_size, …)`.
 *
 * @example
 * new Sequential([
 *   conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d(),
 *   flatten(), dense(10, { activation: 'softmax' }),
 * ])
 */
export function conv2d(options: Conv2dOptions): Conv2dLayer {
  checkOptionKeys('conv2d', options, CONV2D_OPTIONS);
  if (options === undefined) throw new InvalidArgumentError(`conv2d: expected options { filters, kernelSize, … }, got ${describe(options)}`);
  requirePositiveInteger('conv2d', 'filters', options.filters);
  const kernelSize = requirePair('conv2d', 'kernelSize', options.kernelSize);
  const strides = requirePair('conv2d', 'strides', options.strides ?? 1);
  const padding = requireChoice('conv2d', 'padding', options.padding ?? 'valid', PADDINGS);
  const activation = requireChoice('conv2d', 'activation', options.activation ?? 'linear', ['linear', 'relu'] as const);
  const kernelInitializer = options.kernelInitializer ?? 'glorotUniform';
  const biasInitializer = options.biasInitializer ?? 'zeros';
  checkInitializers('conv2d', kernelInitializer, biasInitializer);
  checkUseBias('conv2d', options.useBias);
  const inputShape = options.inputShape === undefined ? undefined : (requireShape('conv2d', options.inputShape, 3) as Conv2dLayer['inputShape']);
  checkName('conv2d', options.name);
  return {
    kind: 'conv2d', filters: options.filters, kernelSize, strides, padding, activation, useBias: options.useBias ?? true,
    kernelInitializer, biasInitializer, inputShape, name: options.name,
  };
}

/**
 * Max pooling over images of [height, width, channels]: the largest value of each window, channel by
 * channel. With the defaults it halves the height and the width. Keras: `MaxPooling2D(pool_size=2)`.
 *
 * @example
 * maxPooling2d() // 2×2 windows, side by side
 * maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })
 */
export function maxPooling2d(options: MaxPooling2dOptions = {}): MaxPooling2dLayer {
  checkOptionKeys('maxPooling2d', options, ['poolSize', 'strides', 'padding', 'inputShape', 'name']);
  const poolSize = requirePair('maxPooling2d', 'poolSize', options.poolSize ?? 2);
  const strides = requirePair('maxPooling2d', 'strides', options.strides ?? poolSize);
  const padding = requireChoice('maxPooling2d', 'padding', options.padding ?? 'valid', PADDINGS);
  const inputShape = options.inputShape === undefined ? undefined : (requireShape('maxPooling2d', options.inputShape, 3) as MaxPooling2dLayer['inputShape']);
  checkName('maxPooling2d', options.name);
  return { kind: 'maxPooling2d', poolSize, strides, padding, inputShape, name: options.name };
}

/**
 * Flattens each input row to one dimension, in the order it is stored (row by row, channels last, as
 * Keras's channels-last Flatten does); on rows already flat it changes nothing. Keras: `Flatten()`.
 *
 * @example
 * new Sequential([flatten({ inputShape: [28, 28] }), dense(128, { activation: 'relu' }), dense(10, { activation: 'softmax' })])
 */
export function flatten(options: FlattenOptions = {}): FlattenLayer {
  checkOptionKeys('flatten', options, ['inputShape', 'name']);
  const inputShape = options.inputShape === undefined ? undefined : requireShape('flatten', options.inputShape);
  checkName('flatten', options.name);
  return { kind: 'flatten', inputShape, name: options.name };
}
