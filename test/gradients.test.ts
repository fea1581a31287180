// The whole network's gradients (every weight and bias, through fused and standalone ReLU, dropout
// and a layer without bias) against central finite differences of the loss.

import { describe, expect, it } from 'vitest';
import { dense, dropout, relu, softmax } from 'mnist-wasm';
import { resolveTopology } from '../src/model/topology.js';
import { Random } from '../src/random.js';
import { Workspace } from '../src/train/workspace.js';
import { Arena } from '../src/wasm/arena.js';
import { init, instantiateKernels } from '../src/wasm/kernels.js';

describe('backpropagation', () => {
  it('matches finite differences for every parameter', async () => {
    await init();
    const topology = resolveTopology([
      dense(7, { inputDim: 5 }), relu(), dropout(0.3),
      dense(6), dropout(0.2), relu(),
      dense(4, { useBias: false }), softmax(),
    ]);
    const rows = 6;
    const arena = new Arena(instantiateKernels());
    const params = arena.reserve(topology.paramFloats * 4);
    const grads = arena.reserve(topology.paramFloats * 4);
    const workspace = new Workspace(arena, topology, params, grads, rows);
    const random = new Random(42);
    const f32 = arena.f32;
    const used: number[] = [];
    for (const node of topology.nodes) {
      if (node.kind !== 'dense') continue;
      for (let i = 0; i < node.inDim * node.outDim; i++) used.push(node.weight + i);
      if (node.bias >= 0) for (let i = 0; i < node.outDim; i++) used.push(node.bias + i);
    }
    for (const i of used) f32[(params >> 2) + i] = random.nextFloat() - 0.5;
    for (let i = 0; i < rows * 5; i++) f32[(workspace.x >> 2) + i] = 2 * random.nextFloat() - 1;
    for (let r = 0; r < rows; r++) f32[(workspace.targets >> 2) + r * 4 + random.nextBelow(4)] = 1;
    workspace.sampleMasks(random, rows);

    // The masks stay fixed from here on: every loss below sees the same dropout.
    const meanLoss = (): number => {
      workspace.forwardTraining(rows);
      return workspace.loss(rows).lossSum / rows;
    };
    meanLoss();
    workspace.backwardPass(rows);
    const analytic = f32.slice(grads >> 2, (grads >> 2) + topology.paramFloats);

    const h = 1e-3;
    let worst = 0;
    for (const i of used) {
      const at = (params >> 2) + i;
      const original = f32[at];
      f32[at] = original + h;
      const plus = meanLoss();
      f32[at] = original - h;
      const minus = meanLoss();
      f32[at] = original;
      const numeric = (plus - minus) / (2 * h);
      // f32 forward passes make the loss good to about 1e-7, so the difference quotient to about 1e-4.
      const error = Math.abs(numeric - analytic[i]) / (5e-4 + 1e-2 * Math.abs(analytic[i]));
      worst = Math.max(worst, error);
    }
    expect(used.length).toBe(5 * 7 + 7 + 7 * 6 + 6 + 6 * 4);
    expect(worst).toBeLessThan(1);
    expect(used.some((i) => Math.abs(analytic[i]) > 1e-2)).toBe(true);
  });
});
