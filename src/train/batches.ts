// Checking the arrays users hand to fit/evaluate/predict, and copying rows of them into the arena:
// the one copy a step makes. uint8 inputs are scaled to [0, 1] through a table of the 256 values.

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
