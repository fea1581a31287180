// A model for inference: its layers and weights read from an MNWM file (network/format-read.ts, the
// same checks as Sequential.fromBytes), its weights copied once into its own kernel instance's memory,
// and the forward pass that Sequential.predict runs, op for op (steps.ts): dense and conv2d layers,
// max pooling, ReLU and softmax; flatten and dropout move nothing at inference.
//
// The kernels are the training build's own functions, so every output is the same bits as predict's.
// When the first layer is dense (as in predict, not after a flatten), a mostly-zero input (at most half
// nonzero in its first 2,048 rows, predict's rule) is gathered into its nonzeros and takes the sparse
// first-layer kernel: on MNIST that is about four times faster than the dense kernel, and it adds the
// same nonzero products in the same order. Rows go through in chunks of at most 500 (predict's batch),
// fewer where one row's buffers (a convolution's windows above all) would make a chunk's exceed 32 MiB.

import { DataNotFoundError, InvalidArgumentError, MnistWasmError, describe } from '../errors.js';
import type { Layer } from '../network/layers.js';
import { readModel, type Fail } from '../network/format-read.js';
import { resolveTopology, weightShapes, type Topology } from '../network/topology.js';
import { readFileBytes } from '../platform/files.js';
import { UINT8_SCALE, countRows, isSparse } from '../data/inputs.js';
import { alignUp, growMemory } from '../wasm/arena.js';
import { instantiate, type InferenceKernels } from './kernels.js';
import { forwardSteps, layOut, runSteps, type Step } from './steps.js';

/** A model loaded for inference by `loadModel`; `predict(model, x)` runs it. */
export interface InferenceModel {
  /** The name it was saved with ('sequential' by default). */
  readonly name: string;
  /** The layer configurations, in order. */
  readonly layers: readonly Layer[];
  /** Width of one input row (784 for MNIST). */
  readonly inputDim: number;
  /** Width of one output row: the number of classes. */
  readonly outputDim: number;
}

/** What `loadModel` reads: the bytes of a model file (`toBytes`, `save`), a fetch Response of them, or a file's path in Node. */
export type ModelSource = Uint8Array | ArrayBuffer | Response | string;

/** Inputs: n × inputDim values, uint8 grey levels (scaled by 1/255, as fit and predict do) or float32. */
export type InferenceInputs = Uint8Array | Float32Array;

interface Runtime {
  kernels: InferenceKernels;
  steps: Step[];
  /** Whether the first layer is dense, so that a sparse input takes the sparse kernel (engine/session.ts's rule). */
  sparseCapable: boolean;
  /** Rows per chunk: BATCH, or fewer so that a chunk's buffers stay within CHUNK_BYTES. */
  chunkRows: number;
  /** The uint8 grey levels' scale table, 256 floats, for the sparse gather. */
  table: number;
  /** First free byte above the weights: each predict lays its batch out from here. */
  top: number;
}

/** Rows per chunk at most, as predict's default batch: rows are independent, so this changes no bit. */
const BATCH = 500;
/** A chunk's buffers at most, unless one row alone needs more. */
const CHUNK_BYTES = 32 * 2 ** 20;
/** Bytes of one nonzero in the sparse kernels' CSR: its value and its column (assembly/sparse.ts). */
const ENTRY = 8;

const runtimes = new WeakMap<InferenceModel, Runtime>();

/**
 * Of the optional sections (optimizer state, a checkpoint's training order) inference needs only their
 * sizes, to check the file's length and skip them.
 */
const SECTION_SIZES = {
  optimizer(value: unknown, fail: Fail): { slots: number } {
    const slots = (value as { slots?: unknown } | null)?.slots;
    if (slots !== 0 && slots !== 1 && slots !== 2) fail(`the optimizer section has ${describe(slots)} state tensors per weight, expected 0, 1 or 2`);
    return { slots: slots as number };
  },
  training(value: unknown, fail: Fail): { rows: number } {
    const rows = (value as { rows?: unknown } | null)?.rows as number;
    if (!Number.isInteger(rows) || rows < 1 || rows >= 2 ** 28) fail(`training rows ${describe(rows)} is not a count`);
    return { rows };
  },
};

/** Reads `source` and builds the model on a fresh kernel instance, once `ready()` has loaded the kernels. */
export async function openModel(source: ModelSource, ready: () => Promise<void>): Promise<InferenceModel> {
  let bytes: unknown = source;
  let name = 'model bytes';
  if (typeof source === 'string') {
    bytes = await readFileBytes(source, 'loadModel').catch((error: Error) => {
      if (error instanceof MnistWasmError) throw error;
      throw new InvalidArgumentError(`loadModel: ${source}: a path is read only where node:fs is (${error.message}); pass fetch(url) or the bytes`);
    });
    name = source;
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    name = source.url || 'the response';
    if (!source.ok) throw new DataNotFoundError(`loadModel: ${name}: HTTP ${source.status}`);
    bytes = new Uint8Array(await source.arrayBuffer());
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  }
  let topology: Topology | undefined;
  const file = readModel(bytes, (layers) => weightShapes((topology = resolveTopology(layers))), name, SECTION_SIZES);
  const { inputDim, outputDim, nodes, paramFloats } = topology!;
  await ready();
  const kernels = instantiate();
  const table = alignUp(kernels.heapBase());
  const params = alignUp(table + UINT8_SCALE.byteLength);
  const top = alignUp(params + paramFloats * 4);
  growMemory(kernels.memory, top);
  const f32 = new Float32Array(kernels.memory.buffer);
  f32.set(UINT8_SCALE, table >> 2);
  let tensor = 0;
  for (const node of nodes) {
    if (node.kind !== 'dense' && node.kind !== 'conv2d') continue;
    f32.set(file.weights[tensor++], (params >> 2) + node.weight);
    if (node.bias >= 0) f32.set(file.weights[tensor++], (params >> 2) + node.bias);
  }
  const steps = forwardSteps(nodes, params);
  const sparseCapable = nodes[0].kind === 'dense';
  // The input, as floats and, if sparse, as nonzeros, and the buffers of every step.
  const inputBytes = inputDim * 4 + (sparseCapable ? 8 + inputDim * ENTRY : 0);
  const chunkRows = Math.max(1, Math.min(BATCH, Math.floor(CHUNK_BYTES / (inputBytes + layOut(steps, 1, 0).end))));
  const model: InferenceModel = { name: file.name, layers: file.layers, inputDim, outputDim };
  runtimes.set(model, { kernels, steps, sparseCapable, chunkRows, table, top });
  return model;
}

/** The model's output for every row of x: (rows, outputDim), class probabilities after a softmax. */
export function predict(model: InferenceModel, x: InferenceInputs): Float32Array {
  const runtime = runtimes.get(model);
  if (!runtime) throw new InvalidArgumentError(`predict: expected a model from loadModel, got ${describe(model)}`);
  const { kernels: k, steps, sparseCapable, chunkRows, table, top } = runtime;
  const { inputDim, outputDim } = model;
  const rows = countRows(x, inputDim, 'predict');
  const capacity = Math.min(rows, chunkRows);
  // predict's rule, so that both take the same kernels and give the same bits.
  const sparse = sparseCapable && isSparse(x, inputDim);
  // The chunk (as given, for the sparse gather, or as floats), its nonzeros and the first layer's
  // scratch when sparse, then the steps' buffers, from `top` up.
  const rowRange = alignUp(top + capacity * inputDim * 4);
  const entries = alignUp(rowRange + capacity * 8);
  const panel = alignUp(entries + (sparse ? capacity * inputDim * ENTRY : 0));
  const layout = layOut(steps, capacity, alignUp(panel + (sparse ? inputDim * 64 : 0)));
  growMemory(k.memory, layout.end);
  const f32 = new Float32Array(k.memory.buffer);
  const u8 = new Uint8Array(k.memory.buffer);
  const result = new Float32Array(rows * outputDim);
  for (let from = 0; from < rows; from += capacity) {
    const count = Math.min(capacity, rows - from);
    const batch = x.subarray(from * inputDim, (from + count) * inputDim);
    if (batch instanceof Float32Array) f32.set(batch, top >> 2);
    else if (sparse) u8.set(batch, top);
    else for (let i = 0; i < batch.length; i++) f32[(top >> 2) + i] = UINT8_SCALE[batch[i]];
    if (sparse && batch instanceof Uint8Array) k.gatherSparseU8(rowRange, entries, top, 0, 0, count, inputDim, table, 0);
    else if (sparse) k.gatherSparseF32(rowRange, entries, top, 0, 0, count, inputDim, 0);
    const output = runSteps(k, steps, layout, top, count, sparse ? { rowRange, entries, panel } : undefined);
    result.set(f32.subarray(output >> 2, (output >> 2) + count * outputDim), from * outputDim);
  }
  return result;
}
