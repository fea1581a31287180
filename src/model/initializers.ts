// Weight initialisers, written straight into the arena. Formulas follow Keras.

import type { Random } from '../random.js';
import type { Initializer } from '../network/layers.js';

// Keras's he_normal draws from a normal truncated at two standard deviations and divides the
// standard deviation by this constant so the truncated distribution keeps the intended variance.
const TRUNCATION_CORRECTION = 0.8796256610342398;

/** Fills `target[from, from + count)` with values drawn for a kernel of fan-in `fanIn` and fan-out `fanOut`. */
export function initialize(
  target: Float32Array, from: number, count: number, initializer: Initializer, random: Random, fanIn: number, fanOut: number,
): void {
  const end = from + count;
  switch (initializer) {
    case 'zeros':
      target.fill(0, from, end);
      return;
    case 'uniform':
      for (let i = from; i < end; i++) target[i] = 0.1 * random.nextFloat() - 0.05;
      return;
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = from; i < end; i++) target[i] = limit * (2 * random.nextFloat() - 1);
      return;
    }
    case 'heNormal': {
      const stddev = Math.sqrt(2 / fanIn) / TRUNCATION_CORRECTION;
      for (let i = from; i < end; i++) {
        let z = random.nextNormal();
        while (z < -2 || z > 2) z = random.nextNormal();
        target[i] = stddev * z;
      }
    }
  }
}
