// A checkpoint's fingerprint of what a resumed fit must be given again for its result to equal an
// uninterrupted one: the training data and labels, the optimizer's settings, the learning-rate
// schedule, shuffling and augmentation. Data is hashed (a resume with other data of the same size is
// then caught); small settings are kept as text, so a refusal can say what they were.

import { ModelMismatchError } from '../errors.js';
import type { AugmentConfig } from '../engine/augment.js';
import type { Inputs } from '../data/inputs.js';
import type { OptimizerConfig } from './optimizers.js';

/** What the fingerprint covers, each as a short string; the keys are what a refusal names. */
export interface Fingerprint {
  'training data': string;
  'training labels': string;
  'optimizer settings': string;
  'learning-rate schedule': string;
  shuffle: string;
  augmentation: string;
}

export const FINGERPRINT_KEYS: ReadonlyArray<keyof Fingerprint> = [
  'training data', 'training labels', 'optimizer settings', 'learning-rate schedule', 'shuffle', 'augmentation',
];

/** Kept as hashes, which say nothing to a reader. */
const HASHED: ReadonlyArray<keyof Fingerprint> = ['training data', 'training labels', 'learning-rate schedule'];

/** What a fit trains on and with, as its loop knows it. */
interface FitDescription {
  x: Inputs;
  y: Float32Array;
  optimizer: OptimizerConfig;
  shuffle: boolean;
  augment: AugmentConfig | undefined;
  augmentEpochs: number;
}

export function fingerprint({ x, y, optimizer, shuffle, augment, augmentEpochs }: FitDescription): Fingerprint {
  const { learningRate, ...settings } = optimizer;
  return {
    'training data': `${x instanceof Uint8Array ? 'uint8' : 'float32'} ${hash(x)}`,
    'training labels': hash(y),
    'optimizer settings': JSON.stringify({ ...settings, learningRate: typeof learningRate === 'number' ? learningRate : 'a schedule' }),
    'learning-rate schedule': typeof learningRate === 'number' ? 'constant' : scheduleHash(learningRate),
    shuffle: String(shuffle),
    augmentation: augment ? describeAugment(augment, augmentEpochs) : 'none',
  };
}

/**
 * The augmentation's settings as text; the elastic distortion's basis (alpha and sigma made into
 * numbers) as a hash. A limit on its epochs only when there is one, so that older checkpoints match.
 */
function describeAugment({ basisX, basisY, ...settings }: AugmentConfig, epochs: number): string {
  const limit = Number.isFinite(epochs) ? { epochs } : {};
  return JSON.stringify({ ...settings, elastic: settings.k > 0 ? hash(basisX) + hash(basisY) : 'none', ...limit });
}

/** Throws a ModelMismatchError naming the first thing that differs between a checkpoint's fingerprint and this fit's. */
export function requireSameFit(source: string, saved: Fingerprint | undefined, now: Fingerprint): void {
  if (!saved) {
    throw new ModelMismatchError(`${source}: the checkpoint has no fingerprint of its data and settings (an older version wrote it), so a resume could not be checked`);
  }
  for (const key of FINGERPRINT_KEYS) {
    if (saved[key] === now[key]) continue;
    const detail = HASHED.includes(key) ? '' : ` (the checkpoint: ${saved[key]}; this fit: ${now[key]})`;
    throw new ModelMismatchError(`${source}: the checkpoint was made with other ${key}${detail}; resume with what it was made with`);
  }
}

/**
 * A schedule's rates at steps 0, 1, 2, 3, 5, 8, … (Fibonacci, up to ten million), hashed: schedules
 * made by the same factory with other settings share their source text, so only their values tell
 * them apart. The steps do not depend on the fit's length, which a resume may extend.
 */
function scheduleHash(schedule: (step: number) => number): string {
  const points: number[] = [0];
  for (let [a, b] = [1, 2]; a < 1e7; [a, b] = [b, a + b]) points.push(a);
  const rates = new Float64Array(points.map((step) => schedule(step)));
  return hash(new Uint8Array(rates.buffer));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A 64-bit hash of an array's bytes, as 16 hex digits: two 32-bit multiply-xor lanes over its
 * little-endian 32-bit words, the same wherever the array starts in its buffer. Not cryptographic: it
 * tells data sets apart, it does not defend against forgery.
 */
function hash(array: ArrayBufferView): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const words = bytes.length >>> 2;
  const fast = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, words) : undefined;
  let a = 0x9e3779b9 ^ bytes.length;
  let b = 0x85ebca6b ^ Math.floor(bytes.length / 2 ** 32);
  for (let i = 0; i < words; i++) {
    const word = fast ? fast[i] : bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
    a = Math.imul(a ^ word, 0x01000193);
    b = Math.imul(b ^ word, 0x5bd1e995) ^ (b >>> 15);
  }
  for (let i = words * 4; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (a >>> 0).toString(16).padStart(8, '0') + ((b ^ (b >>> 16)) >>> 0).toString(16).padStart(8, '0');
}
