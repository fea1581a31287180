// A call's data sets in linear memory: copied in once (uint8 images stay uint8), with their targets
// and row order, so that a training step copies nothing from JavaScript at all: the threads gather
// their rows out of the data set in linear memory.
//
// A training set that goes through the sparse first layer is also compressed once, whole, into CSR
// (see assembly/sparse.ts): a step's gather then copies its rows' entries as they are, instead of
// scanning every pixel of its rows for the nonzeros. The images themselves then stay out of linear
// memory: on MNIST, 72 MB of CSR (about 150 nonzeros of 8 bytes per image) take the place of 47 MB.

import type { Arena } from '../wasm/arena.js';
import { alignUp } from '../wasm/arena.js';
import { countNonzeros, type Inputs } from '../data/inputs.js';
import { DataKind } from './arguments.js';
import { SPARSE_ENTRY_BYTES } from './layers/dense-sparse.js';
import type { Plan } from './plan-types.js';

/** A data set to copy in: inputs, targets if the call has them, and whether to give it a row order. */
export interface DataSpec {
  x: Inputs;
  y?: Float32Array;
  rows: number;
  ordered?: boolean;
  /** Whether to compress the inputs into CSR once, for a sparse first layer (see CSR_GROWTH). */
  csr?: boolean;
}

/** A data set in memory: byte addresses (0: absent). */
export interface DataSet {
  x: number;
  kind: number;
  y: number;
  order: number;
  rows: number;
  /** The inputs in CSR: (rows, 2) i32 row ranges into `entries`; both 0 if not compressed. */
  ranges: number;
  entries: number;
}

/**
 * The most memory a data set's CSR may take, as a multiple of its inputs' (which it replaces) and in
 * bytes; a denser or larger set is gathered batch by batch. MNIST's uint8 images (19% nonzero) take
 * 1.5 times their size; Fashion-MNIST's (50%) would take 4 times, 187 MB.
 */
const CSR_GROWTH = 2;
const CSR_MAX_BYTES = 256 * 2 ** 20;

/** Where a data set goes, in bytes from the start of the call's lease. */
export type DataLayout = ReturnType<typeof layOut>;

/**
 * Where a data set goes, from byte `start` of the call's lease: inputs (or, for a set compressed to
 * CSR, its row ranges and entries instead), targets, row order; and where the next set may start.
 */
export function layOut(spec: DataSpec, inputDim: number, outputDim: number, start: number) {
  let bytes = start;
  const take = (size: number): number => {
    const at = bytes;
    bytes = alignUp(bytes + size);
    return at;
  };
  const wide = spec.x instanceof Float32Array;
  const nonzeros = spec.csr ? countNonzeros(spec.x) : 0;
  const csrBytes = nonzeros * SPARSE_ENTRY_BYTES;
  const csr = spec.csr === true && csrBytes <= CSR_GROWTH * spec.x.byteLength && csrBytes <= CSR_MAX_BYTES;
  const x = csr ? 0 : take(spec.rows * inputDim * (wide ? 4 : 1));
  const ranges = csr ? take(spec.rows * 8) : 0;
  const entries = csr ? take(nonzeros * SPARSE_ENTRY_BYTES) : 0;
  const y = spec.y ? take(spec.rows * outputDim * 4) : 0;
  const order = spec.ordered ? take(spec.rows * 4) : 0;
  return { x, wide, csr, ranges, entries, y, order, end: bytes };
}

/** Copies a data set in at `base` + its layout, compressing it to CSR through the plan's batch buffer if the layout says so. */
export function copyIn(arena: Arena, plan: Plan, spec: DataSpec, at: DataLayout, base: number): DataSet {
  const set: DataSet = {
    x: at.csr ? 0 : base + at.x, kind: at.wide ? DataKind.F32 : DataKind.U8, y: spec.y ? base + at.y : 0,
    order: spec.ordered ? base + at.order : 0, rows: spec.rows,
    ranges: at.csr ? base + at.ranges : 0, entries: at.csr ? base + at.entries : 0,
  };
  if (at.csr) compress(arena, plan, set, spec.x);
  else arena.u8.set(new Uint8Array(spec.x.buffer, spec.x.byteOffset, spec.x.byteLength), set.x);
  if (spec.y) arena.f32.set(spec.y, set.y >> 2);
  if (set.order) arena.i32.set(Int32Array.from({ length: spec.rows }, (_, r) => r), set.order >> 2);
  return set;
}

/**
 * Writes a data set's inputs as CSR (its ranges and entries), a few rows at a time through the
 * plan's batch buffer: the set itself never needs to be in linear memory.
 */
function compress(arena: Arena, plan: Plan, set: DataSet, x: Inputs): void {
  const k = arena.kernels;
  const rowBytes = plan.inputDim * x.BYTES_PER_ELEMENT;
  const chunk = Math.floor((plan.capacity * plan.inputDim * 4) / rowBytes);
  let first = 0;
  for (let row = 0; row < set.rows; row += chunk) {
    const count = Math.min(chunk, set.rows - row);
    const rows = x.subarray(row * plan.inputDim, (row + count) * plan.inputDim);
    arena.u8.set(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength), plan.x);
    const ranges = set.ranges + row * 8;
    if (x instanceof Float32Array) k.gatherSparseF32(ranges, set.entries, plan.x, 0, 0, count, plan.inputDim, first);
    else k.gatherSparseU8(ranges, set.entries, plan.x, 0, 0, count, plan.inputDim, plan.table, first);
    first = arena.i32[(ranges >> 2) + 2 * count - 1];
  }
}

/** Rows sampled to share the batch's CSC between parts by its inputs' nonzeros. */
const SAMPLE_ROWS = 2048;

/** Nonzeros before each input unit (entry u counts units before u; entry `width` is the total), over the first rows. */
export function nonzerosBefore(x: Inputs, width: number): Float64Array {
  const rows = Math.min(x.length / width, SAMPLE_ROWS);
  const counts = new Float64Array(width + 1);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) if (x[r * width + c] !== 0) counts[c + 1]++;
  for (let c = 0; c < width; c++) counts[c + 1] += counts[c];
  return counts;
}
