// IDX, the file format of MNIST and its relatives (http://yann.lecun.com/exdb/mnist/): two zero bytes,
// a type code, the number of dimensions, each dimension as a big-endian u32, then the values in
// row-major order, big-endian. Files may be gzipped; the gzip magic is detected and the platform's own
// DecompressionStream (in Node since 18, and in every browser and edge runtime) inflates them.
//
// Every size is checked against the bytes actually present before anything is allocated, so a
// corrupt header cannot ask for gigabytes.

import { IdxFormatError } from '../errors.js';

/** An IDX element type, as the type code in byte 2 of the header declares it. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/** The typed array that holds an IDX file's values, one kind per {@link IdxDType}, in native byte order. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: its element type, its shape, and its values in row-major order. */
export interface IdxArray {
  /** The element type the header declares; it decides the kind of `data`. */
  dtype: IdxDType;
  /** Size of each dimension, outermost first: [60000, 28, 28] for MNIST's training images. */
  shape: number[];
  /** The values, row-major: Uint8Array for uint8, Int16Array for int16, …; uint8 and int8 are views of the (decompressed) input bytes. */
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDType; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

/**
 * Parses an IDX file, gzipped or not. `name` (a file name, say) is used in error messages.
 * uint8 data is returned as a view of the input bytes, not a copy.
 *
 * @example
 * const { shape, data } = await parseIdx(await readFile('train-images-idx3-ubyte.gz'));
 * // shape: [60000, 28, 28], data: Uint8Array
 */
export async function parseIdx(bytes: Uint8Array | ArrayBuffer, name = 'IDX data'): Promise<IdxArray> {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return parseIdxBytes(isGzip(input) ? await gunzip(input, name) : input, name);
}

/**
 * Parses an uncompressed IDX file synchronously; see `parseIdx`.
 *
 * @example
 * const labels = parseIdxBytes(readFileSync('t10k-labels-idx1-ubyte'), 't10k-labels'); // shape [10000]
 */
export function parseIdxBytes(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new IdxFormatError(`${name}: expected an IDX header of at least 4 bytes, found ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(`${name}: not an IDX file: expected magic bytes 00 00, found ${hex(bytes[0])} ${hex(bytes[1])}`);
  }
  const type = TYPES[bytes[2]];
  if (!type) {
    throw new IdxFormatError(`${name}: unknown IDX type code ${hex(bytes[2])} (expected 08, 09, 0B, 0C, 0D or 0E)`);
  }
  const rank = bytes[3];
  if (rank === 0) throw new IdxFormatError(`${name}: expected at least 1 dimension, found 0`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(`${name}: truncated header: ${rank} dimensions need ${headerBytes} bytes, found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    shape.push(size);
    count *= size;
  }
  const dataBytes = bytes.length - headerBytes;
  const expected = count * type.size;
  if (expected !== dataBytes) {
    const what = expected > dataBytes ? 'truncated' : 'trailing bytes';
    throw new IdxFormatError(
      `${name}: ${what}: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} data bytes, found ${dataBytes}`,
    );
  }
  return { dtype: type.dtype, shape, data: decode(bytes, headerBytes, count, type.dtype, view) };
}

function decode(bytes: Uint8Array, offset: number, count: number, dtype: IdxDType, view: DataView): IdxData {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(offset);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(offset + 2 * i, false));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(offset + 4 * i, false));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(offset + 4 * i, false));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(offset + 8 * i, false));
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses as a stream and stops as soon as the data outgrows what its own IDX header declares,
 * so a small file that inflates to gigabytes (a gzip bomb, or a damaged length) is refused having
 * held no more than the header promised.
 */
async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit = Infinity;
  try {
    const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (limit === Infinity) limit = declaredLength(chunks, total);
      // Not an IDX header at all: what is in is enough for the parser to say so.
      if (Number.isNaN(limit)) {
        await reader.cancel();
        break;
      }
      if (total > limit) {
        await reader.cancel();
        throw new IdxFormatError(`${name}: trailing bytes: the decompressed data goes on past the ${limit} bytes its header declares`);
      }
    }
  } catch (error) {
    if (error instanceof IdxFormatError) throw error;
    throw new IdxFormatError(`${name}: gzip data is corrupt or truncated (${(error as Error).message})`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** The whole file's length as its header declares it, once the header is in; Infinity before, NaN if it is no IDX header. */
function declaredLength(chunks: Uint8Array[], total: number): number {
  const head = new Uint8Array(Math.min(total, 4 + 4 * 255));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= head.length) break;
    head.set(chunk.subarray(0, head.length - at), at);
    at += Math.min(chunk.length, head.length - at);
  }
  if (head.length < 4) return Infinity;
  const type = TYPES[head[2]];
  const headerBytes = 4 + 4 * head[3];
  if (!type || head[0] !== 0 || head[1] !== 0 || head[3] === 0) return NaN;
  if (head.length < headerBytes) return Infinity;
  const view = new DataView(head.buffer);
  let count = 1;
  for (let i = 0; i < head[3]; i++) count *= view.getUint32(4 + 4 * i, false);
  return headerBytes + count * type.size;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}
