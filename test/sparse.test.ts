// The sparse first-layer path against the dense one: the kernels against the dense scalar
// references, and a whole training step on real MNIST batches. Both add the same nonzero products in
// the same order, so the results must be identical, bit for bit.

import { describe, expect, it } from 'vitest';
import { dense, dropout, loadMnist, relu, softmax, toCategorical } from 'mnist-wasm';
import { resolveTopology } from '../src/model/topology.js';
import { Random } from '../src/random.js';
import { gatherSparseRows, isSparse, transposeSparse } from '../src/train/batches.js';
import { Workspace } from '../src/train/workspace.js';
import { Arena } from '../src/wasm/arena.js';
import { instantiateKernels } from '../src/wasm/kernels.js';
import { freshKernels, uniform } from './support.js';

const SHAPES: Array<[number, number, number]> = [];
for (const batch of [1, 3, 17]) for (const inDim of [1, 5, 31]) for (const outDim of [1, 3, 5, 17, 31, 33, 800]) SHAPES.push([batch, inDim, outDim]);
SHAPES.push([256, 784, 800]);

describe('sparse first-layer kernels', () => {
  it.each(SHAPES)('equal the dense references bit for bit for batch %i, %i -> %i', async (batch, inDim, outDim) => {
    const m = await freshKernels();
    const fill = uniform(batch + inDim * 100 + outDim);
    const random = new Random(outDim);
    // About 20% nonzeros, as in MNIST.
    const x = Float32Array.from({ length: batch * inDim }, () => (random.nextFloat() < 0.2 ? random.nextFloat() : 0));
    const inp = m.floats(batch * inDim);
    m.arena.f32.set(x, inp >> 2);
    const weight = m.floats(inDim * outDim, fill);
    const bias = m.floats(outDim, fill);
    const dout = m.floats(batch * outDim, fill);
    const csr = { start: m.floats(batch + 1) >> 2, index: m.floats(x.length) >> 2, values: m.floats(x.length) >> 2 };
    const csc = { start: m.floats(inDim + 1) >> 2, index: m.floats(x.length) >> 2, values: m.floats(x.length) >> 2 };
    gatherSparseRows(m.arena.i32, m.arena.f32, csr, x, inDim, undefined, 0, batch);
    transposeSparse(m.arena.i32, m.arena.f32, csr, csc, batch, inDim);

    const fast = m.floats(batch * outDim);
    const slow = m.floats(batch * outDim);
    for (const [b, reluOn] of [[bias, true], [0, false]] as const) {
      m.k.denseForwardSparse(fast, csr.start * 4, csr.index * 4, csr.values * 4, weight, b, batch, outDim, reluOn);
      m.k.denseForwardReference(slow, inp, weight, b, batch, inDim, outDim, reluOn);
      expect(m.read(fast, batch * outDim)).toEqual(m.read(slow, batch * outDim));
    }
    const sparseGradient = m.floats(inDim * outDim, () => NaN);
    const denseGradient = m.floats(inDim * outDim);
    m.k.denseWeightGradientSparse(sparseGradient, csc.start * 4, csc.index * 4, csc.values * 4, dout, inDim, outDim);
    m.k.denseBackwardReference(0, denseGradient, 0, dout, inp, weight, batch, inDim, outDim);
    expect(m.read(sparseGradient, inDim * outDim)).toEqual(m.read(denseGradient, inDim * outDim));
  });
});

describe('sparse batches', () => {
  it('transposes rows to columns with rows ascending within each column', async () => {
    const m = await freshKernels();
    const x = Float32Array.of(0, 1, 2, 3, 0, 0, 0, 4, 5);
    const csr = { start: m.floats(4) >> 2, index: m.floats(9) >> 2, values: m.floats(9) >> 2 };
    const csc = { start: m.floats(4) >> 2, index: m.floats(9) >> 2, values: m.floats(9) >> 2 };
    gatherSparseRows(m.arena.i32, m.arena.f32, csr, x, 3, Uint32Array.of(2, 0, 1), 0, 3);
    expect([...m.arena.i32.subarray(csr.start, csr.start + 4)]).toEqual([0, 2, 4, 5]);
    expect([...m.arena.i32.subarray(csr.index, csr.index + 5)]).toEqual([1, 2, 1, 2, 0]);
    transposeSparse(m.arena.i32, m.arena.f32, csr, csc, 3, 3);
    expect([...m.arena.i32.subarray(csc.start, csc.start + 4)]).toEqual([0, 1, 3, 5]);
    expect([...m.arena.i32.subarray(csc.index, csc.index + 5)]).toEqual([2, 0, 1, 0, 1]);
    expect([...m.arena.f32.subarray(csc.values, csc.values + 5)]).toEqual([3, 4, 1, 5, 2]);
  });

  it('judges MNIST sparse and dense data dense', async () => {
    const { train } = await loadMnist();
    expect(isSparse(train.images, 784)).toBe(true);
    expect(isSparse(Float32Array.from({ length: 7840 }, (_, i) => (i % 3) + 1), 784)).toBe(false);
  });
});

describe('a training step on real MNIST', () => {
  it('gives the same loss, gradients and output whether the batch is loaded sparse or dense', async () => {
    const { train } = await loadMnist();
    const y = toCategorical(train.labels.subarray(0, 1000), 10);
    const topology = resolveTopology([dense(800, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()]);
    const order = Uint32Array.from({ length: 1000 }, (_, i) => i);
    new Random(1).shuffle(order);

    const step = (sparse: boolean) => {
      const arena = new Arena(instantiateKernels());
      const params = arena.reserve(topology.paramFloats * 4);
      const grads = arena.reserve(topology.paramFloats * 4);
      const random = new Random(5);
      for (let i = 0; i < topology.paramFloats; i++) arena.f32[(params >> 2) + i] = 0.1 * (random.nextFloat() - 0.5);
      const workspace = new Workspace(arena, topology, params, grads, 256);
      const results = [];
      for (const from of [0, 256]) {
        workspace.loadBatch(train.images, y, order, from, 256, sparse);
        workspace.sampleMasks(random, 256);
        workspace.forwardTraining(256);
        const loss = workspace.loss(256);
        workspace.backwardPass(256);
        results.push(loss, arena.f32.slice(grads >> 2, (grads >> 2) + topology.paramFloats));
      }
      workspace.loadBatch(train.images, undefined, undefined, 0, 100, sparse);
      workspace.forwardInference(100);
      results.push(arena.f32.slice(workspace.output >> 2, (workspace.output >> 2) + 1000));
      return results;
    };
    const sparse = step(true);
    expect(sparse).toEqual(step(false));
    expect((sparse[0] as { lossSum: number }).lossSum).toBeGreaterThan(0);
  });
});
