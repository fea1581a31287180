// Layer configurations: plain data, checked when made. A model turns them into shapes and regions of
// its arena; they hold no weights themselves, so one config may be read by many models. The layers over
// images (conv2d, maxPooling2d, flatten) are in image-layers.ts, the checks all factories share in
// layer-checks.ts.

import { InvalidArgumentError, checkOptionKeys, describe, requirePositiveInteger } from '../errors.js';
import type { Conv2dLayer, FlattenLayer, MaxPooling2dLayer } from './image-layers.js';
import { checkInitializers, checkName, checkUseBias, requireChoice, type Initializer } from './layer-checks.js';

export type { Initializer };

/** A fully connected layer's configuration, as {@link dense} makes it. Keras: `Dense`. */
export interface DenseLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'dense';
  /** Width of the output: the number of neurons. */
  units: number;
  /** Width of the input; required on the first layer, and on a later one it must match the width it receives. */
  inputDim?: number;
  /** Whether a bias vector is added after the product. */
  useBias: boolean;
  /** How the kernel (input width × units) starts. */
  kernelInitializer: Initializer;
  /** How the bias starts. */
  biasInitializer: Initializer;
  /** Applied after the affine map; 'relu' and 'softmax' are the same as a relu()/softmax() layer after it. */
  activation: 'linear' | 'relu' | 'softmax';
  /** Shown by `summary()`; `dense`, `dense_1`, … when unset, as in Keras. */
  name?: string;
}

/** A ReLU layer's configuration, as {@link relu} makes it. Keras: `ReLU`. */
export interface ReluLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'relu';
  /** Shown by `summary()`; `re_lu`, `re_lu_1`, … when unset, as in Keras. */
  name?: string;
}

/** A dropout layer's configuration, as {@link dropout} makes it. Keras: `Dropout`. */
export interface DropoutLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'dropout';
  /** Fraction of values zeroed while training, in [0, 1). */
  rate: number;
  /** Shown by `summary()`; `dropout`, `dropout_1`, … when unset, as in Keras. */
  name?: string;
}

/** A softmax layer's configuration, as {@link softmax} makes it. Keras: `Softmax`. */
export interface SoftmaxLayer {
  /** Tells the kinds of {@link Layer} apart. */
  kind: 'softmax';
  /** Shown by `summary()`; `softmax` when unset. */
  name?: string;
}

/** Any layer a {@link Sequential} takes; `kind` says which. */
export type Layer = DenseLayer | ReluLayer | DropoutLayer | SoftmaxLayer | Conv2dLayer | MaxPooling2dLayer | FlattenLayer;

/** Options of {@link dense}; every one may be left out. Keras: the keyword arguments of `Dense`. */
export interface DenseOptions {
  /** Width of the input; required on the first layer. */
  inputDim?: number;
  /** Add a bias vector; true by default. Keras: `use_bias`. */
  useBias?: boolean;
  /** 'glorotUniform' by default, as in Keras 2+. */
  kernelInitializer?: Initializer;
  /** 'zeros' by default, as in Keras. */
  biasInitializer?: Initializer;
  /** 'linear' (none) by default; 'relu' and 'softmax' are the same as a relu()/softmax() layer after it. */
  activation?: DenseLayer['activation'];
  /** Shown by `summary()`; `dense`, `dense_1`, … when unset. Two layers may not be given the same name. */
  name?: string;
}

/**
 * A fully connected layer: `output = input · kernel + bias`. Keras: `Dense(units, input_dim=…)`.
 *
 * @example
 * dense(800, { inputDim: 784, kernelInitializer: 'uniform' })
 */
export function dense(units: number, options: DenseOptions = {}): DenseLayer {
  requirePositiveInteger('dense', 'units', units);
  checkOptionKeys('dense', options, ['inputDim', 'useBias', 'kernelInitializer', 'biasInitializer', 'activation', 'name']);
  if (options.inputDim !== undefined) requirePositiveInteger('dense', 'inputDim', options.inputDim);
  const kernelInitializer = options.kernelInitializer ?? 'glorotUniform';
  const biasInitializer = options.biasInitializer ?? 'zeros';
  checkInitializers('dense', kernelInitializer, biasInitializer);
  const activation = requireChoice('dense', 'activation', options.activation ?? 'linear', ['linear', 'relu', 'softmax'] as const);
  checkUseBias('dense', options.useBias);
  checkName('dense', options.name);
  return {
    kind: 'dense',
    units,
    inputDim: options.inputDim,
    useBias: options.useBias ?? true,
    kernelInitializer,
    biasInitializer,
    activation,
    name: options.name,
  };
}

/**
 * Rectified linear unit, max(0, x). Fused into the dense layer before it. Keras: `Activation('relu')`.
 *
 * @example
 * new Sequential([dense(800, { inputDim: 784 }), relu(), dense(10), softmax()])
 */
export function relu(options: { name?: string } = {}): ReluLayer {
  checkOptionKeys('relu', options, ['name']);
  checkName('relu', options.name);
  return { kind: 'relu', name: options.name };
}

/**
 * Inverted dropout: while training, zeroes each value with probability `rate` and scales the rest by
 * 1 / (1 - rate); does nothing at inference. Keras: `Dropout(rate)`.
 *
 * @example
 * dropout(0.5)
 */
export function dropout(rate: number, options: { name?: string } = {}): DropoutLayer {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new InvalidArgumentError(`dropout: rate must be in [0, 1), got ${describe(rate)}`);
  }
  checkOptionKeys('dropout', options, ['name']);
  checkName('dropout', options.name);
  return { kind: 'dropout', rate, name: options.name };
}

/**
 * Softmax over the classes; must be the last layer. With categorical cross-entropy it is fused into
 * the loss. Keras: `Activation('softmax')`.
 *
 * @example
 * new Sequential([dense(10, { inputDim: 784 }), softmax()])
 */
export function softmax(options: { name?: string } = {}): SoftmaxLayer {
  checkOptionKeys('softmax', options, ['name']);
  checkName('softmax', options.name);
  return { kind: 'softmax', name: options.name };
}
