// Augmentation as the engine runs it: the checked settings and the elastic field's basis (built by
// train/augment.ts from the user's options), the working space of the kernel (assembly/augment.ts),
// and each row's random draws, from streams keyed by each step's key as the dropout masks are, so
// that any split of a batch between threads gives the same images.

import { portableSinCos } from '../math.js';
import type { Random } from '../random.js';

/** The options checked, with the elastic field's basis (see assembly/augment.ts). */
export interface AugmentConfig {
  height: number;
  width: number;
  translate: number;
  /** Radians. */
  rotate: number;
  scale: number;
  shear: number;
  cutoff: number;
  /** Columns of the basis: 0 without elastic distortion. */
  k: number;
  /** Floats per basis row, a multiple of 4. */
  stride: number;
  /** Pᵀ for columns (k × stride) and alpha·P for rows (height × k). */
  basisX: Float32Array;
  basisY: Float32Array;
}

/** A uniform draw in [-range, range). */
function symmetric(random: Random, range: number): number {
  return (2 * random.nextFloat() - 1) * range;
}

/** Bytes the kernel works in for one row: k + 2·height basis-wide rows, and the zero-bordered source image. */
export function augmentScratchBytes(config: Pick<AugmentConfig, 'k' | 'height' | 'width' | 'stride'>): number {
  return ((config.k + 2 * config.height) * config.stride + (config.height + 3) * (config.width + 3)) * 4;
}

/** Floats of random draws per row: the 2×2 map, the translation, and two k×k noise blocks. */
export const paramStride = (k: number): number => 6 + 2 * k * k;

/**
 * Writes row `row`'s draws at f32[at]: the map from an output pixel to its source (rotation, shear,
 * scale), the translation, and the elastic noise. Its stream is keyed by the step's key and the row.
 */
export function drawAugmentRow(
  f32: Float32Array, at: number, config: Pick<AugmentConfig, 'translate' | 'rotate' | 'scale' | 'shear' | 'k'>, random: Random,
  key0: number, key1: number, row: number,
): void {
  random.reseed(key0, key1, row ^ 0x2545f491, 0x6a09e667);
  for (let i = 0; i < 12; i++) random.nextUint32();
  const [sin, cos] = portableSinCos(symmetric(random, config.rotate));
  const shear = symmetric(random, config.shear);
  const inverseScale = 1 / (1 + symmetric(random, config.scale));
  f32[at] = inverseScale * cos;
  f32[at + 1] = inverseScale * (cos * shear - sin);
  f32[at + 2] = inverseScale * sin;
  f32[at + 3] = inverseScale * (sin * shear + cos);
  f32[at + 4] = symmetric(random, config.translate);
  f32[at + 5] = symmetric(random, config.translate);
  const noise = 2 * config.k * config.k;
  for (let i = 0; i < noise; i++) f32[at + 6 + i] = 2 * random.nextFloat() - 1;
}
