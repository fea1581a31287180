// Data augmentation for fit: what the options mean, the elastic field's basis, and each row's random
// draws. The arithmetic (two small products per field, a bilinear sample per pixel) is the kernel's,
// assembly/augment.ts; the draws come per row from streams keyed by each step's key, as the dropout
// masks do, so any split of a batch between threads gives the same images.
//
// Everything here uses exact IEEE operations only (portableExp, portableSinCos, Jacobi rotations with
// sqrt), so an augmented batch has the same bits in every JavaScript engine.

import { InvalidArgumentError, checkOptionKeys, describe } from '../errors.js';
import { portableExp } from '../math.js';
import type { AugmentConfig } from '../engine/augment.js';



/** Random distortions of each training image, drawn afresh for every batch. Magnitudes of 0 change nothing. */
export interface AugmentOptions {
  /** Height and width of an image; by default a square of the input width (28×28 for 784). */
  shape?: [number, number];
  /** Largest shift, in pixels, along each axis (subpixel amounts, sampled bilinearly). */
  translate?: number;
  /** Largest rotation, in degrees, either way (at most 45). */
  rotate?: number;
  /** Largest relative change of size, either way: 0.1 scales by 0.9 to 1.1. */
  scale?: number;
  /** Largest shear factor, either way. */
  shear?: number;
  /**
   * Simard's elastic distortion: a displacement field of uniform noise in [-1, 1] per pixel, blurred by
   * a Gaussian of standard deviation `sigma` pixels and scaled by `alpha` pixels (Simard et al. used
   * sigma 4, alpha 34).
   */
  elastic?: {
    /** Scale of the displacement in pixels, 0 to 1000; 0 turns the distortion off. */
    alpha: number;
    /** Standard deviation of the Gaussian blur in pixels, 0.5 to 100. */
    sigma: number;
  };
  /**
   * Interpolated grey levels below this (0 to 255) become 0; pixels sampled exactly keep theirs. The
   * faint halo that bilinear sampling spreads around strokes would otherwise make a third more pixels
   * nonzero, and training costs by the nonzero pixel. 16 by default; 0 keeps every level.
   */
  cutoff?: number;
  /**
   * How many of fit's epochs are distorted, counted from a fit's first epoch (a resumed fit counts on);
   * the epochs after them train on the images as they are. A few undistorted epochs at the end, while
   * the learning rate is low, fit the model to digits as the test set has them. Every epoch by default.
   */
  epochs?: number;
}

/** Interpolated levels below this become 0 unless the options say otherwise (see AugmentOptions.cutoff). */
const DEFAULT_CUTOFF = 16;

/** Share of the blurred noise's variance the basis keeps. */
const VARIANCE_KEPT = 0.995;

export function checkAugment(options: unknown, inputDim: number): AugmentConfig {
  const where = 'fit: augment';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError(`${where} must be an object, got ${describe(options)}`);
  checkOptionKeys(where, options, ['shape', 'translate', 'rotate', 'scale', 'shear', 'elastic', 'cutoff', 'epochs']);
  const o = options as AugmentOptions;
  const side = Math.round(Math.sqrt(inputDim));
  const shape: unknown = o.shape ?? [side, side];
  const [height, width] = Array.isArray(shape) && shape.length === 2 ? (shape as number[]) : [];
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || height * width !== inputDim) {
    throw new InvalidArgumentError(`${where}.shape must be [height, width] with height × width = ${inputDim} (the input width), got ${describe(shape)}`);
  }
  const magnitude = (field: keyof AugmentOptions, value: unknown, max: number): number => {
    if (value === undefined) return 0;
    if (typeof value !== 'number' || !(value >= 0 && value <= max)) throw new InvalidArgumentError(`${where}.${field} must be a number from 0 to ${max}, got ${describe(value)}`);
    return value;
  };
  const config: AugmentConfig = {
    height, width,
    translate: magnitude('translate', o.translate, Math.max(height, width)),
    rotate: (magnitude('rotate', o.rotate, 45) * Math.PI) / 180,
    scale: magnitude('scale', o.scale, 0.5),
    shear: magnitude('shear', o.shear, 1),
    cutoff: o.cutoff === undefined ? DEFAULT_CUTOFF : magnitude('cutoff', o.cutoff, 255),
    k: 0, stride: alignFour(width), basisX: new Float32Array(0), basisY: new Float32Array(0),
  };
  if (o.elastic !== undefined) {
    checkOptionKeys(`${where}.elastic`, o.elastic, ['alpha', 'sigma']);
    const { alpha, sigma } = o.elastic as { alpha?: unknown; sigma?: unknown };
    if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1000)) throw new InvalidArgumentError(`${where}.elastic.alpha must be a number from 0 to 1000, got ${describe(alpha)}`);
    if (typeof sigma !== 'number' || !(sigma >= 0.5 && sigma <= 100)) throw new InvalidArgumentError(`${where}.elastic.sigma must be a number from 0.5 to 100, got ${describe(sigma)}`);
    if (alpha > 0) {
      const x = blurBasis(width, sigma);
      const y = blurBasis(height, sigma);
      const k = Math.max(x.kept, y.kept);
      config.k = k;
      config.basisX = new Float32Array(k * config.stride);
      config.basisY = new Float32Array(height * k);
      // alpha scales the field once: on the row side.
      for (let j = 0; j < k; j++) for (let i = 0; i < width; i++) config.basisX[j * config.stride + i] = x.basis[i * x.size + j];
      for (let i = 0; i < height; i++) for (let j = 0; j < k; j++) config.basisY[i * k + j] = alpha * y.basis[i * y.size + j];
    }
  }
  return config;
}

/** The number of epochs fit distorts (Infinity: every one); checkAugment has checked the rest. */
export function augmentEpochs(options: AugmentOptions): number {
  const { epochs } = options;
  if (epochs === undefined) return Infinity;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InvalidArgumentError(`fit: augment.epochs must be an integer of 0 or more, got ${describe(epochs)}`);
  return epochs;
}

/**
 * For a 1-D Gaussian blur B of `size` samples (truncated at 4 sigma, weights summing to 1, zeros past
 * the edges): Q·Λ^½ with BBᵀ = QΛQᵀ, columns by falling eigenvalue (size × size, row-major), and how
 * many columns keep VARIANCE_KEPT of the variance.
 */
function blurBasis(size: number, sigma: number): { basis: Float64Array; size: number; kept: number } {
  const radius = Math.ceil(4 * sigma);
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => portableExp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const b = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) if (Math.abs(i - j) <= radius) b[i * size + j] = weights[j - i + radius] / total;
  }
  const bbt = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let m = 0; m < size; m++) sum += b[i * size + m] * b[j * size + m];
      bbt[i * size + j] = sum;
    }
  }
  const { values, vectors } = symmetricEigen(bbt, size);
  const order = Array.from({ length: size }, (_, i) => i).sort((p, q) => values[q] - values[p] || p - q);
  const trace = values.reduce((a, v) => a + Math.max(v, 0), 0);
  let kept = 0;
  for (let running = 0; kept < size && running < VARIANCE_KEPT * trace; kept++) running += Math.max(values[order[kept]], 0);
  const basis = new Float64Array(size * size);
  order.forEach((column, j) => {
    const root = Math.sqrt(Math.max(values[column], 0));
    for (let i = 0; i < size; i++) basis[i * size + j] = vectors[i * size + column] * root;
  });
  return { basis, size, kept: Math.max(kept, 1) };
}

/** Eigenvalues and eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi rotations. */
function symmetricEigen(matrix: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

function alignFour(n: number): number {
  return Math.ceil(n / 4) * 4;
}
