// The whole network's gradients (every weight and bias, through fused and standalone ReLU, dropout
// and a layer without bias) against central finite differences of the loss.

import { describe, expect, it } from 'vitest';
import { dense, dropout, relu, softmax } from 'mnist-wasm';
import { resolveTopology } from '../dist/network/topology.js';
import { init } from '../dist/wasm/kernels.js';
import { gradientErrors } from './support.js';

describe('backpropagation', () => {
  it.each([false, true])('matches finite differences for every parameter (sparse first layer: %s)', async (sparse) => {
    await init();
    const topology = resolveTopology([
      dense(7, { inputDim: 5 }), relu(), dropout(0.3),
      dense(6), dropout(0.2), relu(),
      dense(4, { useBias: false }), softmax(),
    ]);
    const rows = 6;
    const { used, analytic, errors } = gradientErrors(topology, rows, 42, (random) => {
      // Some zeros, so the sparse path has something to skip.
      const x = Float32Array.from({ length: rows * 5 }, () => (random.nextFloat() < 0.3 ? 0 : 2 * random.nextFloat() - 1));
      const y = new Float32Array(rows * 4);
      for (let r = 0; r < rows; r++) y[r * 4 + random.nextBelow(4)] = 1;
      return { x, y };
    }, sparse);
    expect(used.length).toBe(5 * 7 + 7 + 7 * 6 + 6 + 6 * 4);
    expect(Math.max(...errors)).toBeLessThan(1);
    expect(used.some((i) => Math.abs(analytic[i]) > 1e-2)).toBe(true);
  });
});
