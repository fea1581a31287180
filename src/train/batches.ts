// Checking the arrays users hand to fit/evaluate/predict, and copying rows of them into the arena:
// the one copy a step makes, either as dense rows or, for mostly-zero inputs such as MNIST's pixels,
// compressed to their nonzeros. uint8 inputs are scaled to [0, 1] through a table of the 256 values.

import { ShapeError, describe } from '../errors.js';

/** Inputs: n × width values, uint8 grey levels (scaled by 1/255) or float32. */
export type Inputs = Float32Array | Uint8Array;

const UINT8_SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Checks x against the model's input width and returns the number of rows. */
export function countRows(x: unknown, width: number, where: string, name = 'x'): number {
  if (!(x instanceof Float32Array || x instanceof Uint8Array)) {
    throw new ShapeError(`${where}: ${name} must be a Float32Array or Uint8Array of n × ${width} values, got ${describe(x)}`);
  }
  if (x.length === 0 || x.length % width !== 0) {
    throw new ShapeError(`${where}: ${name} has ${x.length} values, expected a positive multiple of the input width ${width}`);
  }
  if (x instanceof Float32Array) checkFinite(x, where, name);
  return x.length / width;
}

/** Checks targets y (one-hot rows of `classes`) against `rows` inputs. */
export function checkTargets(y: unknown, rows: number, classes: number, where: string, name = 'y'): void {
  if (!(y instanceof Float32Array)) {
    throw new ShapeError(`${where}: ${name} must be a Float32Array of n × ${classes} one-hot values (see toCategorical), got ${describe(y)}`);
  }
  if (y.length !== rows * classes) {
    throw new ShapeError(`${where}: ${name} has ${y.length} values, expected ${rows} rows × ${classes} classes = ${rows * classes}`);
  }
  checkFinite(y, where, name);
}

function checkFinite(values: Float32Array, where: string, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ShapeError(`${where}: ${name}[${i}] is ${values[i]}; inputs must be finite numbers`);
    }
  }
}

/**
 * Copies rows of `source` (rows of `width`) into `target` from index `at`: rows `order[from..from+count)`
 * when an order is given, else rows `from..from+count`.
 */
export function gatherRows(
  target: Float32Array, at: number, source: Inputs, width: number, order: Uint32Array | undefined, from: number, count: number,
): void {
  if (source instanceof Float32Array) {
    if (!order) {
      target.set(source.subarray(from * width, (from + count) * width), at);
      return;
    }
    for (let r = 0; r < count; r++) {
      const row = order[from + r] * width;
      target.set(source.subarray(row, row + width), at + r * width);
    }
    return;
  }
  for (let r = 0; r < count; r++) {
    const row = (order ? order[from + r] : from + r) * width;
    const out = at + r * width;
    for (let c = 0; c < width; c++) target[out + c] = UINT8_SCALE[source[row + c]];
  }
}

/** Inputs at most this dense (fraction of nonzeros) take the sparse first-layer kernels. */
export const SPARSE_DENSITY_LIMIT = 0.5;
const DENSITY_SAMPLE_ROWS = 2048;

/** Whether x is sparse enough for the sparse first-layer kernels, judged from its first rows. */
export function isSparse(x: Inputs, width: number): boolean {
  const end = Math.min(x.length, DENSITY_SAMPLE_ROWS * width);
  let nonzeros = 0;
  for (let i = 0; i < end; i++) if (x[i] !== 0) nonzeros++;
  return nonzeros <= SPARSE_DENSITY_LIMIT * end;
}

/** Word indices (address / 4) of a compressed batch: by rows (CSR) or by columns (CSC). */
export interface Compressed {
  /** (lines + 1) i32: where each row's (column's) entries start. */
  start: number;
  /** One i32 per nonzero: its column (row). */
  index: number;
  /** One f32 per nonzero. */
  values: number;
}

/**
 * Like gatherRows, but writes only the nonzeros, row by row in increasing column order, as CSR at
 * `csr` (word indices into `i32` and `f32`, two views of the same memory).
 */
export function gatherSparseRows(
  i32: Int32Array, f32: Float32Array, csr: Compressed, source: Inputs, width: number, order: Uint32Array | undefined,
  from: number, count: number,
): void {
  const scale = source instanceof Uint8Array ? UINT8_SCALE : undefined;
  let at = 0;
  for (let r = 0; r < count; r++) {
    i32[csr.start + r] = at;
    const row = (order ? order[from + r] : from + r) * width;
    for (let c = 0; c < width; c++) {
      const v = source[row + c];
      if (v === 0) continue;
      i32[csr.index + at] = c;
      f32[csr.values + at] = scale ? scale[v] : v;
      at++;
    }
  }
  i32[csr.start + count] = at;
}

/** Re-sorts a CSR batch of `rows` rows and `width` columns by column (CSC), rows ascending within each. */
export function transposeSparse(i32: Int32Array, f32: Float32Array, csr: Compressed, csc: Compressed, rows: number, width: number): void {
  const total = i32[csr.start + rows];
  // Count per column, shifted by one so the prefix sum leaves each column's start in place.
  i32.fill(0, csc.start, csc.start + width + 1);
  for (let p = 0; p < total; p++) i32[csc.start + i32[csr.index + p] + 1]++;
  for (let c = 0; c < width; c++) i32[csc.start + c + 1] += i32[csc.start + c];
  for (let r = 0; r < rows; r++) {
    const end = i32[csr.start + r + 1];
    for (let p = i32[csr.start + r]; p < end; p++) {
      const slot = i32[csc.start + i32[csr.index + p]]++;
      i32[csc.index + slot] = r;
      f32[csc.values + slot] = f32[csr.values + p];
    }
  }
  // The fill above advanced every start to the next column's; shift them back.
  for (let c = width; c > 0; c--) i32[csc.start + c] = i32[csc.start + c - 1];
  i32[csc.start] = 0;
}
