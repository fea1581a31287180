// Reading the model byte format (its layout is drawn in format.ts): every check a reader makes, from
// the length and the checksum to the layers, the weight shapes and the weights themselves, and
// nothing that needs the training code. format.ts's decodeModel checks and reads the optional sections
// on top of it; the inference entry (mnist-wasm/infer) reads models with it alone, and checks of those
// sections only what it takes to skip them.

import { MnistWasmError, ModelFormatError, describe, firstNonFinite } from '../errors.js';
import { conv2d, flatten, maxPooling2d } from './image-layers.js';
import { dense, dropout, relu, softmax, type Layer } from './layers.js';

export const MAGIC = 'MNWM';
export const VERSION = 2;
const OLDEST_VERSION = 1;
export const PREAMBLE = 12;
export const CHECKSUM = 4;
/** Floats are stored little-endian: on such machines (nearly all) they are copied as they lie in memory. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** Throws a ModelFormatError that names the bytes and says what is wrong with them. */
export type Fail = (message: string) => never;

/** How a reader checks the optional sections' headers: it needs at least their sizes. */
interface SectionChecks<Optimizer extends { slots: number }, Training extends { rows: number }> {
  optimizer(value: unknown, fail: Fail): Optimizer;
  training(value: unknown, fail: Fail): Training;
}

/** A model file read and checked up to its optional sections, which start at byte `sections`. */
interface ModelRead<Optimizer, Training> {
  name: string;
  layers: Layer[];
  shapes: number[][];
  weights: Float32Array[];
  optimizer?: Optimizer;
  training?: Training;
  sections: number;
  fail: Fail;
}

/**
 * Reads bytes written by encodeModel, up to the optional sections. `shapesOf` gives the weight shapes
 * a model of these layers has (and so checks the layers fit together); `checks` read the optional
 * sections' headers; `source` names the bytes in messages (a file's path). Everything, the file's
 * whole length included, is checked before any tensor is allocated.
 */
export function readModel<Optimizer extends { slots: number }, Training extends { rows: number }>(
  bytes: unknown, shapesOf: (layers: Layer[]) => number[][], source: string, checks: SectionChecks<Optimizer, Training>,
): ModelRead<Optimizer, Training> {
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`${source}: expected a Uint8Array, got ${describe(bytes)}`);
  const fail: Fail = (message) => {
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
  const raw = parsed as { name: unknown; layers: unknown; weights: unknown; optimizer?: unknown; training?: unknown };
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
  const optimizer = version >= 2 && raw.optimizer !== undefined ? checks.optimizer(raw.optimizer, fail) : undefined;
  const training = version >= 2 && raw.training !== undefined ? checks.training(raw.training, fail) : undefined;
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const floats = sizes.reduce((sum, size) => sum + size, 0);
  const words = floats * (1 + (optimizer?.slots ?? 0)) + (training?.rows ?? 0);
  const expected = PREAMBLE + headerBytes + words * 4 + CHECKSUM;
  if (bytes.length !== expected) fail(`${bytes.length} bytes, expected ${expected} for these layers${optimizer || training ? ' and sections' : ''}`);

  let at = PREAMBLE + headerBytes;
  const weights = sizes.map((size) => {
    const tensor = readFloats(bytes, at, size);
    at += size * 4;
    return tensor;
  });
  // A non-finite weight makes every prediction NaN; such a file was never written by a sound model.
  weights.forEach((tensor, i) => {
    const bad = firstNonFinite(tensor);
    if (bad >= 0) fail(`weight tensor ${i} has ${tensor[bad]} at index ${bad}; weights must be finite`);
  });
  return { name: raw.name as string, layers, shapes, weights, optimizer, training, sections: at, fail };
}

/** `size` little-endian floats from byte `at` of `bytes`. */
export function readFloats(bytes: Uint8Array, at: number, size: number): Float32Array {
  const tensor = new Float32Array(size);
  if (LITTLE_ENDIAN) {
    new Uint8Array(tensor.buffer).set(bytes.subarray(at, at + size * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, size * 4);
    for (let i = 0; i < size; i++) tensor[i] = view.getFloat32(i * 4, true);
  }
  return tensor;
}

/**
 * Writes `tensor` as little-endian floats into `bytes` from byte `at`, and returns the byte after it:
 * the byte order of every file this library writes (its models, ONNX, TensorFlow.js weights).
 */
export function writeFloats(bytes: Uint8Array, at: number, tensor: Float32Array): number {
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength), at);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    for (let i = 0; i < tensor.length; i++) view.setFloat32(at + i * 4, tensor[i], true);
  }
  return at + tensor.byteLength;
}

/**
 * What an image layer's entry must spell out: the factories' defaults are for people, and a file that
 * left a stride out was not written by this library.
 */
const REQUIRED_FIELDS = new Map<unknown, readonly string[]>([
  ['conv2d', ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']],
  ['maxPooling2d', ['poolSize', 'strides', 'padding']],
]);

/** A layer from the header, through the factory that checks user input. */
function rebuildLayer(value: unknown, index: number, source: string): Layer {
  const layer = value as Record<string, unknown>;
  const name = typeof layer?.name === 'string' ? layer.name : undefined;
  const missing = (REQUIRED_FIELDS.get(layer?.kind) ?? []).find((field) => layer[field] === undefined || layer[field] === null);
  if (missing) throw new ModelFormatError(`${source}: layer ${index} (${layer.kind}) has no ${missing}`);
  const inputShape = (layer?.inputShape ?? undefined) as never;
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
      case 'conv2d':
        return conv2d({
          filters: layer.filters as number, kernelSize: layer.kernelSize as never, strides: layer.strides as never, padding: layer.padding as never,
          activation: layer.activation as never, useBias: layer.useBias as boolean,
          kernelInitializer: layer.kernelInitializer as never, biasInitializer: layer.biasInitializer as never, inputShape, name,
        });
      case 'maxPooling2d':
        return maxPooling2d({ poolSize: layer.poolSize as never, strides: layer.strides as never, padding: layer.padding as never, inputShape, name });
      case 'flatten':
        return flatten({ inputShape, name });
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
