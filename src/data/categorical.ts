// One-hot encoding of class labels, the targets categorical cross-entropy trains against.

import { InvalidArgumentError, ShapeError } from '../errors.js';

/**
 * One-hot encodes integer class labels: row i of the result (labels.length, numClasses) is all zeros
 * but a 1 at column labels[i]. Keras: `keras.utils.to_categorical(y, num_classes)`.
 *
 * @example
 * const yTrain = toCategorical(train.labels, 10); // Float32Array of 60000 × 10
 */
export function toCategorical(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new ShapeError(`toCategorical: label ${i} is ${label}, expected an integer in [0, ${numClasses})`);
    }
    out[i * numClasses + label] = 1;
  }
  return out;
}
