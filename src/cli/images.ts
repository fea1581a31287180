// Images for `mnist-wasm predict`: IDX image files (any count of images) and PNG files (one image
// each), read as grey levels 0-255, one row of `pixels` values per image. PNGs are decoded by fast-png;
// colour becomes luminance, transparency is laid over black (MNIST's background), 16-bit samples keep
// their high byte, and palettes are looked up.
//
// A PNG is bounded before it is decoded, so a small file cannot make the decoder allocate gigabytes:
// the width and height its header declares must give exactly the model's input size, and its image
// data may inflate to no more than twice what an image of that size holds at 16-bit RGBA (twice,
// for Adam7 interlacing's extra filter bytes). Only the chunks that make the pixels (IHDR, PLTE,
// tRNS, IDAT, IEND) reach the decoder; the rest, compressed ICC profiles among them, are dropped unread.

import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { convertIndexedToRgb, decode, hasPngSignature, type DecodedPng } from 'fast-png';
import { DataNotFoundError, IdxFormatError, ShapeError } from '../errors.js';
import { parseIdx } from '../data/idx.js';

interface ImageSet {
  source: string;
  /** count × pixels grey levels. */
  images: Uint8Array;
  count: number;
}

/** Reads one input file; `pixels` is the model's input width. */
export async function readImages(path: string, pixels: number, invert: boolean): Promise<ImageSet> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new DataNotFoundError(`${path}: ${(error as Error).message}`);
  }
  if (hasPngSignature(bytes)) return { source: path, images: pngToGrey(path, bytes, pixels, invert), count: 1 };
  const idx = await parseIdx(bytes, path);
  if (idx.dtype !== 'uint8' || idx.shape.length < 2) {
    throw new IdxFormatError(`${path}: expected uint8 images (count, rows, cols), found ${idx.dtype} [${idx.shape.join(', ')}]`);
  }
  const width = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  if (width !== pixels) throw new ShapeError(`${path}: images of ${idx.shape.slice(1).join('×')} = ${width} pixels, the model takes ${pixels}`);
  return { source: path, images: idx.data as Uint8Array, count: idx.shape[0] };
}

function pngToGrey(path: string, bytes: Uint8Array, pixels: number, invert: boolean): Uint8Array {
  const bounded = boundedPng(path, bytes, pixels);
  let png: DecodedPng;
  try {
    png = decode(bounded);
  } catch (error) {
    throw new IdxFormatError(`${path}: not a readable PNG (${(error as Error).message})`);
  }
  const { channels, samples } = png.palette ? { channels: png.palette[0].length, samples: convertIndexedToRgb(png) } : { channels: png.channels, samples: unpack(png) };
  const max = png.palette || png.depth <= 8 ? (png.palette ? 255 : 2 ** png.depth - 1) : 65535;
  const grey = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const at = i * channels;
    const colour = channels >= 3 ? 0.299 * samples[at] + 0.587 * samples[at + 1] + 0.114 * samples[at + 2] : samples[at];
    const alpha = channels === 2 || channels === 4 ? samples[at + channels - 1] / max : 1;
    const level = Math.round((colour / max) * alpha * 255);
    grey[i] = invert ? 255 - level : level;
  }
  return grey;
}

/** The chunks of a PNG that make its pixels. */
const PIXEL_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/**
 * The PNG with only its pixel chunks, once its declared size is `pixels` and its image data is known
 * to inflate within the bound in the file's comment; read from the bytes, nothing decoded.
 */
function boundedPng(path: string, bytes: Uint8Array, pixels: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  // The signature (8 bytes), then IHDR: length, type, width and height as big-endian u32.
  if (bytes.length < 33 || type(12) !== 'IHDR') throw new IdxFormatError(`${path}: not a readable PNG (no IHDR chunk after the signature)`);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height !== pixels) throw new ShapeError(`${path}: a ${width}×${height} image (${width * height} pixels), the model takes ${pixels}`);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const data: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    if (at + 12 > bytes.length) throw new IdxFormatError(`${path}: not a readable PNG (truncated after byte ${at})`);
    const name = type(at + 4);
    const end = at + 12 + view.getUint32(at);
    if (end > bytes.length) throw new IdxFormatError(`${path}: not a readable PNG (truncated in its ${name} chunk)`);
    if (PIXEL_CHUNKS.has(name)) kept.push(bytes.subarray(at, end));
    if (name === 'IDAT') data.push(bytes.subarray(at + 8, end - 4));
    if (name === 'IEND') break;
    at = end;
  }
  const limit = 2 * height * (1 + 8 * width);
  try {
    inflateSync(Buffer.concat(data), { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw new IdxFormatError(`${path}: not a readable PNG (${(error as Error).message})`);
    throw new IdxFormatError(`${path}: not a readable PNG (its image data inflates to more than the ${limit} bytes a ${width}×${height} image can hold)`);
  }
  return Buffer.concat(kept);
}

/** Samples one per array entry: 16-bit stays as is, 1-, 2- and 4-bit grey is unpacked from its bytes. */
function unpack(png: DecodedPng): ArrayLike<number> {
  if (png.depth >= 8) return png.data;
  const perRow = Math.ceil((png.width * png.channels * png.depth) / 8);
  const out = new Uint8Array(png.width * png.height * png.channels);
  const mask = 2 ** png.depth - 1;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width * png.channels; x++) {
      const bit = x * png.depth;
      out[y * png.width * png.channels + x] = (png.data[y * perRow + (bit >> 3)] >> (8 - png.depth - (bit & 7))) & mask;
    }
  }
  return out;
}
