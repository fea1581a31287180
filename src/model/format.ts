// The model byte format: what toBytes and save write, and what fromBytes, loadModel and a resumed
// fit read. There is one format; version 2 adds optional sections to version 1, which is still read.
//
//   offset 0        "MNWM"                      magic, 4 bytes
//   offset 4        u32 version                 2 (1: no optional sections)
//   offset 8        u32 n                       bytes of the JSON header, a multiple of 4
//   offset 12       JSON header, UTF-8          { name, layers, weights: [shape, ...], optimizer?, training? },
//                                               padded with spaces
//   offset 12 + n   f32 weights                 in getWeights() order, each tensor row-major
//   then            f32 optimizer slots         if header.optimizer: `slots` copies of the weights' shapes
//                                               (SGD's velocity; Adam's m, then v; RMSprop's mean
//                                               square, then its momentum, then its mean gradient,
//                                               each if kept)
//   then            u32 row order               if header.training: the training set's order (a checkpoint)
//   last 4 bytes    u32 CRC-32 (IEEE 802.3)     of every byte before it
//
// Every integer and float is little-endian. A reader checks the length, magic, version, checksum, the
// layers (rebuilt through the same factories that check user input), every shape and the optional
// sections before it allocates anything for the model. Those checks live in format-read.ts, which the
// inference entry shares without the training code that the optional sections need here.

import { describe } from '../errors.js';
import type { Layer } from '../network/layers.js';
import { CHECKSUM, MAGIC, PREAMBLE, VERSION, crc32, readFloats, readModel, writeFloats, type Fail } from '../network/format-read.js';
import { stateRegions } from '../train/optimizers.js';
import { FINGERPRINT_KEYS } from '../train/fingerprint.js';
import type { OptimizerHeader, TrainingHeader } from '../train/checkpoint.js';

export type { OptimizerHeader, TrainingHeader };

export { crc32 };

export interface ModelHeader {
  name: string;
  layers: Layer[];
  /** The shape of each tensor of getWeights(): [inDim, units] for a dense kernel, [kh, kw, inChannels, filters] for a conv2d one, [units] for a bias. */
  weights: number[][];
  optimizer?: OptimizerHeader;
  training?: TrainingHeader;
}

/** What a file holds besides the layers and weights. */
export interface ModelExtras {
  optimizer?: { header: OptimizerHeader; slots: Float32Array[][] };
  training?: { header: TrainingHeader; order: Uint32Array };
}

/** Header, weights and the optional sections as bytes. */
export function encodeModel(header: ModelHeader, weights: readonly Float32Array[], extras: ModelExtras = {}): Uint8Array {
  const full: ModelHeader = { ...header, optimizer: extras.optimizer?.header, training: extras.training?.header };
  let json = new TextEncoder().encode(JSON.stringify(full));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const spaces = new Uint8Array(padded).fill(0x20);
    spaces.set(json);
    json = spaces;
  }
  const tensors = [...weights, ...(extras.optimizer?.slots.flat() ?? [])];
  const words = tensors.reduce((sum, tensor) => sum + tensor.length, 0) + (extras.training?.order.length ?? 0);
  const bytes = new Uint8Array(PREAMBLE + padded + words * 4 + CHECKSUM);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, padded, true);
  bytes.set(json, PREAMBLE);
  let at = PREAMBLE + padded;
  for (const tensor of tensors) at = writeFloats(bytes, at, tensor);
  const order = extras.training?.order ?? [];
  for (let i = 0; i < order.length; i++, at += 4) view.setUint32(at, order[i], true);
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Reads bytes written by encodeModel. `shapesOf` gives the weight shapes a model of these layers has
 * (and so checks the layers fit together); `source` names the bytes in messages (a file's path).
 * Everything is checked before any tensor is allocated.
 */
export function decodeModel(
  bytes: unknown, shapesOf: (layers: Layer[]) => number[][], source = 'model bytes',
): { header: ModelHeader; weights: Float32Array[]; extras: ModelExtras } {
  const read = readModel(bytes, shapesOf, source, { optimizer: checkOptimizer, training: checkTraining });
  const { name, layers, shapes, weights, optimizer, training, fail } = read;
  const file = bytes as Uint8Array;
  let at = read.sections;
  const readTensors = (): Float32Array[] => weights.map(({ length }) => {
    const tensor = readFloats(file, at, length);
    at += length * 4;
    return tensor;
  });
  const extras: ModelExtras = {};
  if (optimizer) extras.optimizer = { header: optimizer, slots: Array.from({ length: optimizer.slots }, readTensors) };
  if (training) {
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const order = new Uint32Array(training.rows);
    const seen = new Uint8Array(training.rows);
    for (let i = 0; i < training.rows; i++, at += 4) {
      const row = view.getUint32(at, true);
      if (row >= training.rows || seen[row]) fail(`the training order is not a permutation of ${training.rows} rows (entry ${i} is ${row})`);
      seen[row] = 1;
      order[i] = row;
    }
    extras.training = { header: training, order };
  }
  return { header: { name, layers, weights: shapes, optimizer, training }, weights, extras };
}

const isCount = (value: unknown, below = 2 ** 31): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) < below;

function checkOptimizer(value: unknown, fail: Fail): OptimizerHeader {
  const o = value as Partial<OptimizerHeader>;
  if (typeof o !== 'object' || o === null || (o.kind !== 'sgd' && o.kind !== 'adam' && o.kind !== 'rmsprop')) fail('the optimizer section has no known kind');
  if (typeof o.config !== 'object' || o.config === null || Array.isArray(o.config)) fail('the optimizer section has no config');
  for (const [key, setting] of Object.entries(o.config!)) {
    if (setting !== null && typeof setting !== 'boolean' && !(typeof setting === 'number' && Number.isFinite(setting))) fail(`optimizer setting ${key} is ${describe(setting)}`);
  }
  if (!isCount(o.iterations, 2 ** 53)) fail(`optimizer iterations ${describe(o.iterations)} is not a count`);
  if (o.learningRateScale !== undefined && !(typeof o.learningRateScale === 'number' && o.learningRateScale > 0 && Number.isFinite(o.learningRateScale))) {
    fail(`optimizer learningRateScale ${describe(o.learningRateScale)} is not a number above 0`);
  }
  const slots = stateRegions({ kind: o.kind!, momentum: o.config!.momentum, centered: o.config!.centered }).length;
  if (o.slots !== slots) fail(`the optimizer section has ${describe(o.slots)} state tensors per weight, ${o.kind} needs ${slots}`);
  return o as OptimizerHeader;
}

function checkTraining(value: unknown, fail: Fail): TrainingHeader {
  const t = value as Partial<TrainingHeader>;
  if (typeof t !== 'object' || t === null) fail('the training section is not an object');
  for (const key of ['seed', 'epochs', 'batchSize', 'rows', 'epoch', 'batch', 'correct'] as const) {
    if (!isCount(t[key], 2 ** 32)) fail(`training ${key} ${describe(t[key])} is not a count`);
  }
  if (t.rows! === 0 || t.rows! >= 2 ** 28 || t.batchSize! === 0 || t.epoch! > t.epochs! || (t.epoch === t.epochs && t.batch !== 0) || t.batch! * t.batchSize! >= t.rows!) {
    fail(`training position (epoch ${t.epoch} of ${t.epochs}, batch ${t.batch} of ${t.batchSize} over ${t.rows} rows) is impossible`);
  }
  if (!Array.isArray(t.random) || t.random.length !== 4 || !t.random.every((word) => isCount(word, 2 ** 32))) fail('the training section has no generator state');
  if (typeof t.lossSum !== 'number' || !Number.isFinite(t.lossSum)) fail(`training lossSum ${describe(t.lossSum)} is not a finite number`);
  const history = t.history as Partial<TrainingHeader['history']> | undefined;
  const lists = ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds'] as const;
  if (typeof history !== 'object' || history === null || !lists.every((key) => Array.isArray(history[key]) && history[key]!.every((x) => typeof x === 'number'))) {
    fail('the training section has no history');
  }
  if (t.fingerprint !== undefined) {
    const print = t.fingerprint as unknown as Record<string, unknown>;
    const keys = typeof print === 'object' && print !== null ? Object.keys(print) : [];
    const sound = keys.length === FINGERPRINT_KEYS.length && FINGERPRINT_KEYS.every((key) => typeof print[key] === 'string' && (print[key] as string).length <= 4096);
    if (!sound) fail('the training section has a malformed fingerprint');
  }
  return t as TrainingHeader;
}
