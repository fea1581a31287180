// The model byte format, version 1: what toBytes writes and fromBytes reads, so that a model trained
// in one place can be shipped to a browser or a Worker. Model files (the Trust issue) extend it.
//
//   offset 0        "MNWM"                      magic, 4 bytes
//   offset 4        u32 version                 1
//   offset 8        u32 n                       bytes of the JSON header, a multiple of 4
//   offset 12       JSON header, UTF-8          { name, layers, weights: [shape, ...] }, padded with spaces
//   offset 12 + n   f32 weights                 in getWeights() order, each tensor row-major
//   last 4 bytes    u32 CRC-32 (IEEE 802.3)     of every byte before it
//
// Every integer and float is little-endian. A reader checks the length, magic, version, checksum,
// the layers (rebuilt through the same factories that check user input) and every shape before it
// allocates anything for the model.

import { MnistWasmError, ModelFormatError, describe } from '../errors.js';
import { dense, dropout, relu, softmax, type Layer } from './layers.js';

export const MAGIC = 'MNWM';
export const VERSION = 1;
const PREAMBLE = 12;
const CHECKSUM = 4;

export interface ModelHeader {
  name: string;
  layers: Layer[];
  /** The shape of each tensor of getWeights(): [inDim, units] for a kernel, [units] for a bias. */
  weights: number[][];
}

/** Header and weights as bytes. */
export function encodeModel(header: ModelHeader, weights: readonly Float32Array[]): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const spaces = new Uint8Array(padded).fill(0x20);
    spaces.set(json);
    json = spaces;
  }
  const floats = weights.reduce((sum, tensor) => sum + tensor.length, 0);
  const bytes = new Uint8Array(PREAMBLE + padded + floats * 4 + CHECKSUM);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, padded, true);
  bytes.set(json, PREAMBLE);
  let at = PREAMBLE + padded;
  for (const tensor of weights) {
    for (let i = 0; i < tensor.length; i++, at += 4) view.setFloat32(at, tensor[i], true);
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Reads bytes written by encodeModel. `shapesOf` gives the weight shapes a model of these layers has
 * (and so checks the layers fit together); everything is checked before any weight is returned.
 */
export function decodeModel(bytes: unknown, shapesOf: (layers: Layer[]) => number[][]): { header: ModelHeader; weights: Float32Array[] } {
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`fromBytes: expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < PREAMBLE + CHECKSUM) throw new ModelFormatError(`model bytes: ${bytes.length} bytes is too short for a model (at least ${PREAMBLE + CHECKSUM})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC) throw new ModelFormatError(`model bytes: magic is ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)} (not a mnist-wasm model)`);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new ModelFormatError(`model bytes: format version ${version}, this mnist-wasm reads version ${VERSION}`);
  const headerBytes = view.getUint32(8, true);
  if (headerBytes % 4 !== 0 || PREAMBLE + headerBytes + CHECKSUM > bytes.length) {
    throw new ModelFormatError(`model bytes: header length ${headerBytes} does not fit in ${bytes.length} bytes`);
  }
  const stored = view.getUint32(bytes.length - CHECKSUM, true);
  const actual = crc32(bytes.subarray(0, bytes.length - CHECKSUM));
  if (stored !== actual) throw new ModelFormatError(`model bytes: checksum ${hex(actual)} does not match the stored ${hex(stored)} (corrupted or truncated)`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerBytes)));
  } catch (error) {
    throw new ModelFormatError(`model bytes: the header is not valid JSON (${(error as Error).message})`);
  }
  const raw = parsed as Partial<Record<keyof ModelHeader, unknown>>;
  if (typeof raw !== 'object' || raw === null || typeof raw.name !== 'string' || !Array.isArray(raw.layers) || !Array.isArray(raw.weights)) {
    throw new ModelFormatError('model bytes: the header needs a name, layers and weights');
  }
  const layers = raw.layers.map((layer, index) => rebuildLayer(layer, index));
  let shapes: number[][];
  try {
    shapes = shapesOf(layers);
  } catch (error) {
    if (error instanceof MnistWasmError) throw new ModelFormatError(`model bytes: the layers do not make a model: ${error.message}`);
    throw error;
  }
  if (JSON.stringify(raw.weights) !== JSON.stringify(shapes)) {
    throw new ModelFormatError(`model bytes: weight shapes ${JSON.stringify(raw.weights)} do not match the layers, which need ${JSON.stringify(shapes)}`);
  }
  const floats = shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const expected = PREAMBLE + headerBytes + floats * 4 + CHECKSUM;
  if (bytes.length !== expected) throw new ModelFormatError(`model bytes: ${bytes.length} bytes, expected ${expected} for these layers`);

  let at = PREAMBLE + headerBytes;
  const weights = shapes.map((shape) => {
    const tensor = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < tensor.length; i++, at += 4) tensor[i] = view.getFloat32(at, true);
    return tensor;
  });
  return { header: { name: raw.name, layers, weights: shapes }, weights };
}

/** A layer from the header, through the factory that checks user input. */
function rebuildLayer(value: unknown, index: number): Layer {
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
    if (error instanceof MnistWasmError) throw new ModelFormatError(`model bytes: layer ${index}: ${error.message}`);
    throw error;
  }
  throw new ModelFormatError(`model bytes: layer ${index} has unknown kind ${describe(layer?.kind)}`);
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
