// Shared by the tests: a fresh kernel instance with a bump allocator, and seeded test data.

import { Random } from '../src/random.js';
import { Arena } from '../src/wasm/arena.js';
import { init, instantiateKernels, type Kernels } from '../src/wasm/kernels.js';

export interface Memory {
  k: Kernels;
  arena: Arena;
  /** Reserves `count` floats filled with values from `fill` (0 if absent); returns the address. */
  floats(count: number, fill?: () => number): number;
  bytes(count: number, fill?: () => number): number;
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

/** Largest |a - b| relative to max(1, |b|). */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}
