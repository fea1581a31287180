// Weight initialisers, written straight into the arena. Formulas follow Keras, with its fans: a dense
// kernel's are its input and output widths, a conv2d kernel's kh·kw·inChannels and kh·kw·filters.

import type { Random } from '../random.js';
import type { Initializer } from '../network/layers.js';
import { parameterTensors, type Topology } from '../network/topology.js';

// Keras's he_normal draws from a normal truncated at two standard deviations and divides the
// standard deviation by this constant so the truncated distribution keeps the intended variance.
const TRUNCATION_CORRECTION = 0.8796256610342398;

/** Fills `target[from, from + count)` with values drawn for a kernel of fan-in `fanIn` and fan-out `fanOut`. */
function initialize(
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

/**
 * Draws every parameter of `topology` into `target` from float `base`, in getWeights order from one
 * generator: layer by layer, its kernel then its bias. That order fixes which draws each tensor takes,
 * so a model's initial weights depend on its seed and its layers alone.
 */
export function initializeParameters(target: Float32Array, base: number, topology: Topology, random: Random): void {
  for (const { offset, length, initializer, fanIn, fanOut } of parameterTensors(topology)) {
    initialize(target, base + offset, length, initializer, random, fanIn, fanOut);
  }
}
