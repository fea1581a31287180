// The whole network's gradients (every weight and bias, through fused and standalone ReLU, dropout
// and a layer without bias) against central finite differences of the loss.

import { describe, expect, it } from 'vitest';
import { dense, dropout, relu, softmax } from 'mnist-wasm';
import { CONTROL_BYTES } from '../dist/engine/arguments.js';
import { adam, updateRule } from '../dist/train/optimizers.js';
import { resolveTopology } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';
import { Session } from '../dist/engine/session.js';
import { Arena } from '../dist/wasm/arena.js';
import { init, instantiateKernels } from '../dist/wasm/kernels.js';
import { finiteDifferenceErrors, usedParameters } from './support.js';

describe('backpropagation', () => {
  it.each([false, true])('matches finite differences for every parameter (sparse first layer: %s)', async (sparse) => {
    await init();
    const topology = resolveTopology([
      dense(7, { inputDim: 5 }), relu(), dropout(0.3),
      dense(6), dropout(0.2), relu(),
      dense(4, { useBias: false }), softmax(),
    ]);
    const rows = 6;
    const arena = new Arena(instantiateKernels());
    const bytes = topology.paramFloats * 4;
    const params = arena.reserve(bytes);
    const grads = arena.reserve(bytes);
    const state: [number, number, number] = [arena.reserve(bytes), arena.reserve(bytes), 0];
    const control = arena.reserve(CONTROL_BYTES);
    const random = new Random(42);
    const f32 = arena.f32;
    const used = usedParameters(topology);
    for (const i of used) f32[(params >> 2) + i] = random.nextFloat() - 0.5;
    // Some zeros, so the sparse path has something to skip.
    const x = Float32Array.from({ length: rows * 5 }, () => (random.nextFloat() < 0.3 ? 0 : 2 * random.nextFloat() - 1));
    const y = new Float32Array(rows * 4);
    for (let r = 0; r < rows; r++) y[r * 4 + random.nextBelow(4)] = 1;
    // Adam keeps the gradient in its region (SGD would fuse it into the update); at a learning rate of 0 it moves nothing.
    const session = new Session({ arena, topology, regions: { params, grads, state, control } }, rows, [{ x, y, rows, ordered: true }], updateRule(adam()));

    // Every loss below draws its dropout masks from the same key, so all see the same dropout.
    const meanLoss = (): number => session.trainRows(0, 0, rows, sparse, new Random(7)).lossSum / rows;
    meanLoss();
    session.update(0);
    const analytic = f32.slice(grads >> 2, (grads >> 2) + topology.paramFloats);

    const worst = Math.max(...finiteDifferenceErrors(f32, params >> 2, used, analytic, meanLoss));
    session.close();
    expect(used.length).toBe(5 * 7 + 7 + 7 * 6 + 6 + 6 * 4);
    expect(worst).toBeLessThan(1);
    expect(used.some((i) => Math.abs(analytic[i]) > 1e-2)).toBe(true);
  });
});
