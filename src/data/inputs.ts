// Checking the arrays users hand to fit, evaluate and predict (mnist-wasm/infer's too), and judging
// whether inputs are sparse enough (mostly zeros, as MNIST's pixels) for the first layer's sparse
// kernels. A leaf: both entries import it.

import { ShapeError, describe, firstNonFinite } from '../errors.js';

/** Inputs: n × width values, uint8 grey levels (scaled by 1/255 on the way in) or float32. */
export type Inputs = Float32Array | Uint8Array;

/** The uint8 grey levels as floats: level / 255, one table for every entry, so every one scales alike. */
export const UINT8_SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

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
  const i = firstNonFinite(values);
  if (i >= 0) throw new ShapeError(`${where}: ${name}[${i}] is ${values[i]}; inputs must be finite numbers`);
}

/** Inputs at most this dense (fraction of nonzeros) take the sparse first-layer kernels. */
const SPARSE_DENSITY_LIMIT = 0.5;
const DENSITY_SAMPLE_ROWS = 2048;

/** Whether x is sparse enough for the sparse first-layer kernels, judged from its first rows. */
export function isSparse(x: Inputs, width: number): boolean {
  const end = Math.min(x.length, DENSITY_SAMPLE_ROWS * width);
  return countNonzeros(x, end) <= SPARSE_DENSITY_LIMIT * end;
}

/** The nonzero values among x's first `end`. */
export function countNonzeros(x: Inputs, end = x.length): number {
  let nonzeros = 0;
  for (let i = 0; i < end; i++) if (x[i] !== 0) nonzeros++;
  return nonzeros;
}
