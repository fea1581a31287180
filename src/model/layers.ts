// Layer configurations: plain data, checked when made. A model turns them into shapes and regions of
// its arena; they hold no weights themselves, so one config may be read by many models.

import { InvalidArgumentError, describe, requirePositiveInteger } from '../errors.js';

/** How a dense layer's kernel starts: Keras 1's `uniform` is U(-0.05, 0.05). */
export type Initializer = 'uniform' | 'glorotUniform' | 'heNormal' | 'zeros';
export const INITIALIZERS: readonly Initializer[] = ['uniform', 'glorotUniform', 'heNormal', 'zeros'];

export interface DenseLayer {
  kind: 'dense';
  units: number;
  inputDim?: number;
  useBias: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  /** Applied after the affine map; 'relu' and 'softmax' are the same as a relu()/softmax() layer after it. */
  activation: 'linear' | 'relu' | 'softmax';
  name?: string;
}

export interface ReluLayer {
  kind: 'relu';
  name?: string;
}

export interface DropoutLayer {
  kind: 'dropout';
  rate: number;
  name?: string;
}

export interface SoftmaxLayer {
  kind: 'softmax';
  name?: string;
}

export type Layer = DenseLayer | ReluLayer | DropoutLayer | SoftmaxLayer;

export interface DenseOptions {
  /** Width of the input; required on the first layer. */
  inputDim?: number;
  useBias?: boolean;
  /** 'glorotUniform' by default, as in Keras 2+. */
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  activation?: DenseLayer['activation'];
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
  if (options.inputDim !== undefined) requirePositiveInteger('dense', 'inputDim', options.inputDim);
  const kernelInitializer = options.kernelInitializer ?? 'glorotUniform';
  const biasInitializer = options.biasInitializer ?? 'zeros';
  for (const [field, value] of [['kernelInitializer', kernelInitializer], ['biasInitializer', biasInitializer]] as const) {
    if (!INITIALIZERS.includes(value)) {
      throw new InvalidArgumentError(`dense: ${field} must be one of ${INITIALIZERS.join(', ')}, got ${describe(value)}`);
    }
  }
  const activation = options.activation ?? 'linear';
  if (!['linear', 'relu', 'softmax'].includes(activation)) {
    throw new InvalidArgumentError(`dense: activation must be 'linear', 'relu' or 'softmax', got ${describe(activation)}`);
  }
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
  return { kind: 'softmax', name: options.name };
}
