// The augmentation fit applies, on its own: to see what a setting does to the digits, or to make an
// augmented copy of a data set. The same draws and kernel as in training (train/augment.ts).

import { InvalidArgumentError, describe, requirePositiveInteger, requireSeed } from '../errors.js';
import { Random } from '../random.js';
import { Arena } from '../wasm/arena.js';
import { instantiateKernels } from '../wasm/kernels.js';
import { checkAugment, type AugmentOptions } from './augment.js';
import { augmentScratchBytes, drawAugmentRow, paramStride } from '../engine/augment.js';

/**
 * Distorts each of `count` images (row-major uint8, count × height × width) with random draws from
 * `seed`; image i of the result comes from image i. `await init()` first.
 *
 * @example
 * const distorted = augmentImages(test.images.subarray(0, 16 * 784), { rotate: 10, elastic: { alpha: 34, sigma: 4 } }, 1);
 */
export function augmentImages(images: Uint8Array, options: AugmentOptions, seed: number, inputDim = 784): Uint8Array {
  requirePositiveInteger('augmentImages', 'inputDim', inputDim);
  if (!(images instanceof Uint8Array) || images.length === 0 || images.length % inputDim !== 0) {
    throw new InvalidArgumentError(`augmentImages: images must be a Uint8Array of n × ${inputDim} grey levels, got ${describe(images)}`);
  }
  requireSeed('augmentImages', 'seed', seed);
  const config = checkAugment(options, inputDim);
  const count = images.length / inputDim;
  const stride = paramStride(config.k);
  const arena = new Arena(instantiateKernels());
  const data = arena.reserve(images.length);
  const order = arena.reserve(count * 4);
  const params = arena.reserve(count * stride * 4);
  const basisX = arena.reserve(config.basisX.length * 4 + 16);
  const basisY = arena.reserve(config.basisY.length * 4 + 16);
  const scratch = arena.reserve(augmentScratchBytes(config));
  const out = arena.reserve(images.length);
  arena.u8.set(images, data);
  arena.i32.set(Int32Array.from({ length: count }, (_, i) => i), order >> 2);
  arena.f32.set(config.basisX, basisX >> 2);
  arena.f32.set(config.basisY, basisY >> 2);
  const keys = new Random(seed);
  const [key0, key1] = [keys.nextUint32() | 0, keys.nextUint32() | 0];
  const random = new Random(0);
  for (let r = 0; r < count; r++) drawAugmentRow(arena.f32, (params >> 2) + r * stride, config, random, key0, key1, r);
  arena.kernels.augmentRows(out, data, order, 0, count, config.width, config.height, params, stride, basisX, basisY, config.k, config.stride, scratch, config.cutoff);
  return arena.u8.slice(out, out + images.length);
}
