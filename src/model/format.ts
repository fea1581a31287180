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
//                                               (SGD's velocity; Adam's m, then v)
//   then            u32 row order               if header.training: the training set's order (a checkpoint)
//   last 4 bytes    u32 CRC-32 (IEEE 802.3)     of every byte before it
//
// Every integer and float is little-endian. A reader checks the length, magic, version, checksum, the
// layers (rebuilt through the same factories that check user input), every shape and the optional
// sections before it allocates anything for the model.

import { MnistWasmError, ModelFormatError, describe } from '../errors.js';
import { dense, dropout, relu, softmax, type Layer } from './layers.js';
import { stateSlots } from '../train/optimizers.js';
import { FINGERPRINT_KEYS, type Fingerprint } from '../train/fingerprint.js';

export const MAGIC = 'MNWM';
export const VERSION = 2;
const OLDEST_VERSION = 1;
const PREAMBLE = 12;
/** Floats are stored little-endian: on such machines (nearly all) they are copied as they lie in memory. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;
const CHECKSUM = 4;

export interface ModelHeader {
  name: string;
  layers: Layer[];
  /** The shape of each tensor of getWeights(): [inDim, units] for a kernel, [units] for a bias. */
  weights: number[][];
  optimizer?: OptimizerHeader;
  training?: TrainingHeader;
}

/** The optimizer a model was trained with, and how far. */
export interface OptimizerHeader {
  kind: 'sgd' | 'adam';
  /** Its numeric settings; a learning rate given as a schedule (a function) is stored as null. */
  config: Record<string, number | boolean | null>;
  /** Updates done so far. */
  iterations: number;
  /** Tensors of state per weight tensor: 0 (plain SGD), 1 (momentum) or 2 (Adam). */
  slots: number;
  /** What ReduceLROnPlateau has made of the learning rate: a factor; 1 if absent. */
  learningRateScale?: number;
}

/** Where an interrupted fit stood (a checkpoint): enough to go on with the same bits. */
export interface TrainingHeader {
  seed: number;
  epochs: number;
  batchSize: number;
  rows: number;
  /** The next step: batch `batch` of epoch `epoch` (0-based); epoch = epochs when the fit finished. */
  epoch: number;
  batch: number;
  /** The seeded generator's state at that step. */
  random: number[];
  /** The epoch's running sums so far, for its logs. */
  lossSum: number;
  correct: number;
  history: { loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[]; seconds: number[] };
  /** What a resume must be given again: hashes of the data, the optimizer's settings, … (train/fingerprint.ts). */
  fingerprint?: Fingerprint;
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
  for (const tensor of tensors) {
    if (LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength), at);
      at += tensor.byteLength;
    } else {
      for (let i = 0; i < tensor.length; i++, at += 4) view.setFloat32(at, tensor[i], true);
    }
  }
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
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`${source}: expected a Uint8Array, got ${describe(bytes)}`);
  const fail = (message: string): never => {
    throw new ModelFormatError(`${source}: ${message}`);
  };
  if (bytes.length < PREAMBLE + CHECKSUM) fail(`${bytes.length} bytes is too short for a model (at least ${PREAMBLE + CHECKSUM})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC) fail(`magic is ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)} (not a mnist-wasm model)`);
  const version = view.getUint32(4, true);
  if (version < OLDEST_VERSION || version > VERSION) fail(`format version ${version}, this mnist-wasm reads versions ${OLDEST_VERSION} to ${VERSION}`);
  const headerBytes = view.getUint32(8, true);
  if (headerBytes % 4 !== 0 || PREAMBLE + headerBytes + CHECKSUM > bytes.length) fail(`header length ${headerBytes} does not fit in ${bytes.length} bytes`);
  const stored = view.getUint32(bytes.length - CHECKSUM, true);
  const actual = crc32(bytes.subarray(0, bytes.length - CHECKSUM));
  if (stored !== actual) fail(`checksum ${hex(actual)} does not match the stored ${hex(stored)} (corrupted or truncated)`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerBytes)));
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  const raw = parsed as Partial<Record<keyof ModelHeader, unknown>>;
  if (typeof raw !== 'object' || raw === null || typeof raw.name !== 'string' || !Array.isArray(raw.layers) || !Array.isArray(raw.weights)) {
    fail('the header needs a name, layers and weights');
  }
  const layers = (raw.layers as unknown[]).map((layer, index) => rebuildLayer(layer, index, source));
  let shapes: number[][] = [];
  try {
    shapes = shapesOf(layers);
  } catch (error) {
    if (error instanceof MnistWasmError) fail(`the layers do not make a model: ${error.message}`);
    throw error;
  }
  if (JSON.stringify(raw.weights) !== JSON.stringify(shapes)) {
    fail(`weight shapes ${JSON.stringify(raw.weights)} do not match the layers, which need ${JSON.stringify(shapes)}`);
  }
  const optimizer = version >= 2 && raw.optimizer !== undefined ? checkOptimizer(raw.optimizer, fail) : undefined;
  const training = version >= 2 && raw.training !== undefined ? checkTraining(raw.training, fail) : undefined;
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const floats = sizes.reduce((sum, size) => sum + size, 0);
  const words = floats * (1 + (optimizer?.slots ?? 0)) + (training?.rows ?? 0);
  const expected = PREAMBLE + headerBytes + words * 4 + CHECKSUM;
  if (bytes.length !== expected) fail(`${bytes.length} bytes, expected ${expected} for these layers${optimizer || training ? ' and sections' : ''}`);

  let at = PREAMBLE + headerBytes;
  const readTensors = (): Float32Array[] => sizes.map((size) => {
    const tensor = new Float32Array(size);
    if (LITTLE_ENDIAN) {
      new Uint8Array(tensor.buffer).set(bytes.subarray(at, at + size * 4));
      at += size * 4;
    } else {
      for (let i = 0; i < size; i++, at += 4) tensor[i] = view.getFloat32(at, true);
    }
    return tensor;
  });
  const weights = readTensors();
  // A non-finite weight makes every prediction NaN; such a file was never written by a sound model.
  weights.forEach((tensor, i) => {
    const bad = tensor.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) fail(`weight tensor ${i} has ${tensor[bad]} at index ${bad}; weights must be finite`);
  });
  const extras: ModelExtras = {};
  if (optimizer) extras.optimizer = { header: optimizer, slots: Array.from({ length: optimizer.slots }, readTensors) };
  if (training) {
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
  return { header: { name: raw.name as string, layers, weights: shapes, optimizer, training }, weights, extras };
}

const isCount = (value: unknown, below = 2 ** 31): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) < below;

function checkOptimizer(value: unknown, fail: (message: string) => never): OptimizerHeader {
  const o = value as Partial<OptimizerHeader>;
  if (typeof o !== 'object' || o === null || (o.kind !== 'sgd' && o.kind !== 'adam')) fail('the optimizer section has no known kind');
  if (typeof o.config !== 'object' || o.config === null || Array.isArray(o.config)) fail('the optimizer section has no config');
  for (const [key, setting] of Object.entries(o.config!)) {
    if (setting !== null && typeof setting !== 'boolean' && !(typeof setting === 'number' && Number.isFinite(setting))) fail(`optimizer setting ${key} is ${describe(setting)}`);
  }
  if (!isCount(o.iterations, 2 ** 53)) fail(`optimizer iterations ${describe(o.iterations)} is not a count`);
  if (o.learningRateScale !== undefined && !(typeof o.learningRateScale === 'number' && o.learningRateScale > 0 && Number.isFinite(o.learningRateScale))) {
    fail(`optimizer learningRateScale ${describe(o.learningRateScale)} is not a number above 0`);
  }
  const slots = stateSlots({ kind: o.kind!, momentum: o.config!.momentum });
  if (o.slots !== slots) fail(`the optimizer section has ${describe(o.slots)} state tensors per weight, ${o.kind} needs ${slots}`);
  return o as OptimizerHeader;
}

function checkTraining(value: unknown, fail: (message: string) => never): TrainingHeader {
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

/** A layer from the header, through the factory that checks user input. */
function rebuildLayer(value: unknown, index: number, source: string): Layer {
  const layer = value as Record<string, unknown>;
  const name = typeof layer?.name === 'string' ? layer.name : undefined;
  try {
    switch (layer?.kind) {
      case 'dense':
        return dense(layer.units as number, {
          inputDim: (layer.inputDim ?? undefined) as number | undefined, useBias: layer.useBias as boolean,
          kernelInitializer: layer.kernelInitializer as never, biasInitializer: layer.biasInitializer as never,
          activation: layer.activation as never, name,
        });
      case 'relu':
        return relu({ name });
      case 'dropout':
        return dropout(layer.rate as number, { name });
      case 'softmax':
        return softmax({ name });
    }
  } catch (error) {
    if (error instanceof MnistWasmError) throw new ModelFormatError(`${source}: layer ${index}: ${error.message}`);
    throw error;
  }
  throw new ModelFormatError(`${source}: layer ${index} has unknown kind ${describe(layer?.kind)}`);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as zlib and PNG compute it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
