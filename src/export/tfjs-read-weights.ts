// The weights half of reading a TensorFlow.js Layers model (tfjs-read.ts): the weights manifest, the
// pairing of its weights with the Dense and Conv2D layers the topology reader found
// (tfjs-read-layers.ts), and the float32 values out of the weight files' bytes. Separate from the
// topology reader: this half works on bytes and offsets, that one on layer configs.

import { InvalidArgumentError, ModelFormatError, describe } from '../errors.js';
import type { Conv2dLayer } from '../network/image-layers.js';
import type { DenseLayer } from '../network/layers.js';
import { formatShape, isDict, isPositiveInteger } from './tfjs-read-json.js';

/** Where a Dense or Conv2D layer's weights must be found, and what they must look like. */
export interface WeightSlot {
  layer: DenseLayer | Conv2dLayer;
  /** The file's name for the layer, which its weights' names start with. */
  fileName: string;
  /** "layer 1 (Dense 'dense_Dense1')", for messages. */
  where: string;
  /**
   * The kernel's shape: [inDim, units] for a Dense layer, [kernel height, kernel width, input channels,
   * filters] for a Conv2D one; the bias is its last size. A first Dense's inDim is unknown when the file
   * gives no input shape: the kernel then tells it.
   */
  kernel: Array<number | undefined>;
  /** The manifest's weights for the kernel and the bias, once matched. */
  found: { kernel?: ManifestWeight; bias?: ManifestWeight };
}

/** A weight of the manifest, placed in the concatenation of every shard. */
interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  optimizer: boolean;
  quantization: unknown;
  offset: number;
  bytes: number;
}

/** The weights files to read, in order, and every weight placed in their concatenation. */
interface Manifest {
  paths: string[];
  weights: ManifestWeight[];
}

/** Bytes per value of a manifest weight as stored; undefined for strings, whose length is stored with them. */
function bytesPerValue(dtype: string, quantization: unknown): number | undefined {
  if (isDict(quantization)) return ({ uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[String(quantization.dtype)];
  return ({ float32: 4, int32: 4, bool: 1, complex64: 8 } as Record<string, number>)[dtype];
}

/** Every group's files in order, and every group's weights in order, placed in the files' concatenation. */
export function readManifest(value: unknown, fail: (problem: string) => ModelFormatError): Manifest {
  if (!Array.isArray(value) || value.length === 0) throw fail(`weightsManifest must be a non-empty array of { paths, weights } groups, got ${describe(value)}`);
  const paths: string[] = [];
  const weights: ManifestWeight[] = [];
  let offset = 0;
  value.forEach((group, g) => {
    if (!isDict(group) || !Array.isArray(group.paths) || !group.paths.every((path) => typeof path === 'string') || !Array.isArray(group.weights)) {
      throw fail(`weightsManifest[${g}] must be a { paths: string[], weights: [] } group`);
    }
    paths.push(...(group.paths as string[]));
    for (const entry of group.weights as unknown[]) {
      if (!isDict(entry) || typeof entry.name !== 'string' || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !entry.shape.every((size) => Number.isInteger(size) && size >= 0)) {
        throw fail(`weightsManifest[${g}] has a malformed weight (expected { name, shape, dtype }): ${JSON.stringify(entry)}`);
      }
      const shape = entry.shape as number[];
      const perValue = bytesPerValue(entry.dtype, entry.quantization);
      if (perValue === undefined) throw fail(`weight ${entry.name} has dtype ${describe(entry.dtype)}, whose size this library cannot tell`);
      const bytes = shape.reduce((product, size) => product * size, perValue);
      weights.push({ name: entry.name, shape, dtype: entry.dtype, optimizer: entry.group === 'optimizer', quantization: entry.quantization, offset, bytes });
      offset += bytes;
    }
  });
  return { paths, weights };
}

/**
 * Pairs each model weight of the manifest with its Dense or Conv2D layer's kernel or bias, by name as
 * TensorFlow.js does (`layer/kernel`, or with an inner scope dropped: `layer/cell/kernel`), and
 * checks its dtype and shape; the pairs go to each slot's `found`.
 */
export function matchWeights(weights: ManifestWeight[], slots: WeightSlot[], fail: (problem: string) => ModelFormatError): void {
  const wanted = new Map<string, { slot: WeightSlot; role: 'kernel' | 'bias' }>();
  for (const slot of slots) {
    wanted.set(`${slot.fileName}/kernel`, { slot, role: 'kernel' });
    if (slot.layer.useBias) wanted.set(`${slot.fileName}/bias`, { slot, role: 'bias' });
  }
  for (const weight of weights) {
    if (weight.optimizer) continue;
    const tokens = weight.name.split('/');
    const key = wanted.has(weight.name) ? weight.name : [...tokens.slice(0, -2), tokens[tokens.length - 1]].join('/');
    const target = wanted.get(key);
    if (target === undefined) throw fail(`its weights manifest has a weight ${weight.name} that no layer of the model has`);
    const { slot, role } = target;
    const twin = slot.found[role];
    if (twin !== undefined) throw fail(`${slot.where}: its weights manifest has two ${role}s (${twin.name} and ${weight.name})`);
    slot.found[role] = weight;
    if (weight.quantization != null) throw fail(`${slot.where}: weight ${weight.name} is quantized; only float32 weights can be read (convert without quantization)`);
    if (weight.dtype !== 'float32') throw fail(`${slot.where}: weight ${weight.name} has dtype ${describe(weight.dtype)}; only float32 weights can be read`);
    const { layer, kernel } = slot;
    if (role === 'kernel' && layer.kind === 'dense' && kernel[0] === undefined && weight.shape.length === 2 && isPositiveInteger(weight.shape[0])) {
      kernel[0] = layer.inputDim = weight.shape[0];
    }
    const expected = role === 'kernel' ? kernel : kernel.slice(-1);
    if (formatShape(weight.shape) !== formatShape(expected)) {
      throw fail(`${slot.where}: weight ${weight.name} has shape ${formatShape(weight.shape)}, but the layer's ${role} is ${formatShape(expected)}`);
    }
  }
  for (const [key, { slot, role }] of wanted) {
    if (slot.found[role] === undefined) throw fail(`${slot.where}: its weights manifest has no ${role} ${key}`);
  }
}

/** The manifest's files one after the other, which must hold exactly the bytes the manifest describes. */
export async function readWeightFiles(
  manifest: Manifest,
  slots: WeightSlot[],
  readShard: (path: string) => Uint8Array | Promise<Uint8Array>,
  fail: (problem: string) => ModelFormatError,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (const path of manifest.paths) {
    let chunk: Uint8Array;
    try {
      chunk = await readShard(path);
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      throw fail(`its weights manifest names the file ${path}, which could not be read (${(error as Error).message})`);
    }
    if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError(`decodeTfjs: readShard(${JSON.stringify(path)}) must give a Uint8Array, got ${describe(chunk)}`);
    chunks.push(chunk);
  }
  const data = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  chunks.reduce((at, chunk) => (data.set(chunk, at), at + chunk.length), 0);
  const needed = manifest.weights.reduce((total, weight) => total + weight.bytes, 0);
  if (data.length !== needed) {
    const files = manifest.paths.length === 1 ? `the weights file ${manifest.paths[0]} holds` : `the weights files ${manifest.paths.join(', ')} hold`;
    if (data.length > needed) throw fail(`${files} ${data.length} bytes, ${data.length - needed} more than the ${needed} its manifest describes`);
    const cut = manifest.weights.find((weight) => weight.offset + weight.bytes > data.length)!;
    const owner = slots.find((slot) => slot.found.kernel === cut || slot.found.bias === cut);
    throw fail(`${files} ${data.length} bytes, but its manifest needs ${needed}: ${cut.name}${owner ? ` of ${owner.where}` : ''} is cut off (a truncated file?)`);
  }
  return data;
}

/** Each slot's kernel, then its bias, as little-endian float32 values read from `data`; every one must be finite. */
export function decodeWeights(data: Uint8Array, slots: WeightSlot[], fail: (problem: string) => ModelFormatError): Float32Array[] {
  const view = new DataView(data.buffer);
  const weights: Float32Array[] = [];
  for (const slot of slots) {
    for (const weight of [slot.found.kernel, slot.found.bias]) {
      if (weight === undefined) continue;
      const values = new Float32Array(weight.bytes / 4);
      for (let i = 0; i < values.length; i++) {
        values[i] = view.getFloat32(weight.offset + 4 * i, true);
        if (!Number.isFinite(values[i])) throw fail(`${slot.where}: weight ${weight.name} holds ${values[i]} at index ${i}; weights must be finite`);
      }
      weights.push(values);
    }
  }
  return weights;
}
