// The sparse first-layer kernels and the gather kernels against the dense scalar references: both
// add the same nonzero products in the same order, so the results must be identical, bit for bit.
// (Whole training runs, sparse against dense, are in threads.test.ts.)

import { describe, expect, it } from 'vitest';
import { loadMnist } from 'mnist-wasm';
import { Random } from '../dist/random.js';
import { isSparse } from '../dist/data/inputs.js';
import { freshKernels, uniform, type Memory } from './support.js';

const SHAPES: Array<[number, number, number]> = [];
for (const batch of [1, 3, 17]) for (const inDim of [1, 5, 31]) for (const outDim of [1, 3, 5, 17, 31, 33, 800]) SHAPES.push([batch, inDim, outDim]);
SHAPES.push([256, 784, 800]);

/** A batch in memory three ways: dense f32 rows, CSR (gathered by the kernel) and CSC of all columns. */
function compress(m: Memory, x: Float32Array, batch: number, inDim: number) {
  const inp = m.floats(batch * inDim);
  m.arena.f32.set(x, inp >> 2);
  const csr = { range: m.floats(2 * batch), entries: m.floats(2 * x.length + 2) };
  const csc = { start: m.floats(inDim + 1), entries: m.floats(2 * x.length + 2) };
  m.k.gatherSparseF32(csr.range, csr.entries, inp, 0, 0, batch, inDim, 0);
  m.k.transposeSparse(csc.start, csc.entries, csr.range, csr.entries, batch, 0, inDim);
  return { inp, csr, csc };
}

describe('sparse first-layer kernels', () => {
  it.each(SHAPES)('equal the dense references bit for bit for batch %i, %i -> %i', async (batch, inDim, outDim) => {
    const m = await freshKernels();
    const fill = uniform(batch + inDim * 100 + outDim);
    const random = new Random(outDim);
    // About 20% nonzeros, as in MNIST.
    const x = Float32Array.from({ length: batch * inDim }, () => (random.nextFloat() < 0.2 ? random.nextFloat() : 0));
    const { inp, csr, csc } = compress(m, x, batch, inDim);
    const weight = m.floats(inDim * outDim, fill);
    const bias = m.floats(outDim, fill);
    const dout = m.floats(batch * outDim, fill);
    const mask = m.mask(batch, outDim, Array.from({ length: batch * outDim }, () => (random.nextFloat() < 0.5 ? 1 : 0)));
    const panel = m.floats(16 * Math.max(batch, inDim), () => NaN);

    const fast = m.floats(batch * outDim);
    const slow = m.floats(batch * outDim);
    for (const [b, reluOn, keep] of [[bias, true, 0], [0, false, 0], [bias, true, mask]] as const) {
      m.k.denseForwardSparse(fast, csr.range, csr.entries, weight, b, keep, 2, batch, inDim, outDim, outDim, reluOn, panel);
      m.k.denseForwardReference(slow, inp, weight, b, keep, 2, batch, inDim, outDim, reluOn);
      expect(m.read(fast, batch * outDim)).toEqual(m.read(slow, batch * outDim));
    }
    const sparseGradient = m.floats(inDim * outDim, () => NaN);
    const denseGradient = m.floats(inDim * outDim);
    m.k.denseWeightGradientSparse(sparseGradient, csc.start, csc.entries, dout, batch, inDim, outDim, outDim, panel);
    m.k.denseWeightGradientReference(denseGradient, dout, inp, batch, inDim, outDim, inDim);
    expect(m.read(sparseGradient, inDim * outDim)).toEqual(m.read(denseGradient, inDim * outDim));

    // Threads split the layer by column ranges (see runner.ts): two strided calls give the same bits.
    const split = Math.min(16 * Math.ceil(outDim / 32), outDim);
    const parts = m.floats(batch * outDim, () => NaN);
    const partGradient = m.floats(inDim * outDim, () => NaN);
    for (const [from, to] of [[0, split], [split, outDim]]) {
      if (from === to) continue;
      m.k.denseForwardSparse(parts + 4 * from, csr.range, csr.entries, weight + 4 * from, bias + 4 * from, mask + from / 8, 2, batch, inDim, to - from, outDim, true, panel);
      m.k.denseWeightGradientSparse(partGradient + 4 * from, csc.start, csc.entries, dout + 4 * from, batch, inDim, to - from, outDim, panel);
    }
    m.k.denseForwardReference(slow, inp, weight, bias, mask, 2, batch, inDim, outDim, true);
    expect(m.read(parts, batch * outDim)).toEqual(m.read(slow, batch * outDim));
    expect(m.read(partGradient, inDim * outDim)).toEqual(m.read(denseGradient, inDim * outDim));
  });

  it.each([[0, false], [0.9, false], [0.9, true]] as const)(
    'update W as the gradient and then sgd (momentum %d, nesterov %s) would, bit for bit',
    async (momentum, nesterov) => {
      const m = await freshKernels();
      const [batch, inDim, outDim] = [19, 23, 45];
      const fill = uniform(3);
      const random = new Random(4);
      const x = Float32Array.from({ length: batch * inDim }, () => (random.nextFloat() < 0.3 ? random.nextFloat() : 0));
      const { csc } = compress(m, x, batch, inDim);
      const dout = m.floats(batch * outDim, fill);
      const start = Array.from({ length: inDim * outDim }, fill);
      const [fused, twoPass] = [m.floats(inDim * outDim), m.floats(inDim * outDim)];
      const [fusedVelocity, twoPassVelocity] = [m.floats(inDim * outDim), m.floats(inDim * outDim)];
      const gradient = m.floats(inDim * outDim);
      const panel = m.floats(16 * batch);
      for (const at of [fused, twoPass]) m.arena.f32.set(start, at >> 2);
      for (const at of [fusedVelocity, twoPassVelocity]) m.arena.f32.set(start.map((v) => v / 3), at >> 2);
      for (let step = 0; step < 2; step++) {
        // In two column ranges, as two threads update the layer.
        for (const [from, to] of [[0, 16], [16, outDim]]) {
          m.k.denseWeightUpdateSparse(fused + 4 * from, momentum ? fusedVelocity + 4 * from : 0, csc.start, csc.entries, dout + 4 * from, batch, inDim, to - from, outDim,
            0.1, momentum, 0.01, nesterov, panel);
        }
        m.k.denseWeightGradientSparse(gradient, csc.start, csc.entries, dout, batch, inDim, outDim, outDim, panel);
        if (momentum) m.k.sgdMomentumUpdate(twoPass, gradient, twoPassVelocity, inDim * outDim, 0.1, momentum, 0.01, nesterov);
        else m.k.sgdUpdate(twoPass, gradient, inDim * outDim, 0.1, 0.01);
      }
      expect(m.read(fused, inDim * outDim)).toEqual(m.read(twoPass, inDim * outDim));
      expect(m.read(fusedVelocity, inDim * outDim)).toEqual(m.read(twoPassVelocity, inDim * outDim));
      expect(m.read(fused, inDim * outDim)).not.toEqual(Float32Array.from(start));
    },
  );
});

describe('sparse batches', () => {
  it('are gathered from uint8 rows through the scale table, in the given order, and transposed by column range', async () => {
    const m = await freshKernels();
    const data = m.bytes(9);
    m.arena.u8.set([0, 1, 2, 3, 0, 0, 0, 4, 255], data);
    const order = m.floats(3);
    m.arena.i32.set([2, 0, 1], order >> 2);
    const table = m.floats(256);
    m.arena.f32.set(Float32Array.from({ length: 256 }, (_, i) => i / 255), table >> 2);
    const csr = { range: m.floats(6), entries: m.floats(18) };
    // Numbered from 2, as a second thread's rows would be.
    m.k.gatherSparseU8(csr.range, csr.entries, data, order, 0, 3, 3, table, 2);
    expect([...m.arena.i32.subarray(csr.range >> 2, (csr.range >> 2) + 6)]).toEqual([2, 4, 4, 6, 6, 7]);
    // Entries are (value, index · 64) pairs.
    const pairs = (at: number, from: number, to: number) => ({
      values: [...m.arena.f32.subarray((at >> 2) + 2 * from, (at >> 2) + 2 * to)].filter((_, i) => i % 2 === 0),
      indices: [...m.arena.i32.subarray((at >> 2) + 2 * from, (at >> 2) + 2 * to)].filter((_, i) => i % 2 === 1).map((line) => line / 64),
    });
    expect(pairs(csr.entries, 2, 7)).toEqual({ indices: [1, 2, 1, 2, 0], values: [4 / 255, 1, 1 / 255, 2 / 255, 3 / 255].map(Math.fround) });

    const csc = { start: m.floats(4), entries: m.floats(18) };
    m.k.transposeSparse(csc.start, csc.entries, csr.range, csr.entries, 3, 1, 3);
    expect([...m.arena.i32.subarray(csc.start >> 2, (csc.start >> 2) + 3)]).toEqual([0, 2, 4]);
    expect(pairs(csc.entries, 0, 4)).toEqual({ indices: [0, 1, 0, 1], values: [4 / 255, 1 / 255, 1, 2 / 255].map(Math.fround) });
  });

  it('are copied out of a data set compressed whole, equal to gathering them from the images', async () => {
    const { train } = await loadMnist();
    const [rows, width, batch] = [300, 784, 64];
    const m = await freshKernels();
    const images = m.bytes(rows * width);
    m.arena.u8.set(train.images.subarray(0, rows * width), images);
    const table = m.floats(256);
    m.arena.f32.set(Float32Array.from({ length: 256 }, (_, i) => i / 255), table >> 2);
    const order = m.floats(rows);
    const random = new Random(5);
    const shuffled = Uint32Array.from({ length: rows }, (_, r) => r);
    random.shuffle(shuffled);
    m.arena.i32.set(shuffled, order >> 2);
    // The whole set, in two calls as Session.compress makes them, the second numbered on from the first.
    const set = { ranges: m.floats(2 * rows), entries: m.floats(2 * rows * width) };
    m.k.gatherSparseU8(set.ranges, set.entries, images, 0, 0, 100, width, table, 0);
    m.k.gatherSparseU8(set.ranges + 800, set.entries, images + 100 * width, 0, 0, rows - 100, width, table, m.arena.i32[(set.ranges >> 2) + 199]);

    const direct = { range: m.floats(2 * batch), entries: m.floats(2 * batch * width, () => NaN) };
    const copied = { range: m.floats(2 * batch), entries: m.floats(2 * batch * width, () => NaN) };
    // Rows 40.. of the order, numbered from 7 as a thread's part would be.
    m.k.gatherSparseU8(direct.range, direct.entries, images, order, 40, batch, width, table, 7);
    m.k.gatherSparseRows(copied.range, copied.entries, set.ranges, set.entries, order, 40, batch, 7);
    const ranges = (at: number) => [...m.arena.i32.subarray(at >> 2, (at >> 2) + 2 * batch)];
    expect(ranges(copied.range)).toEqual(ranges(direct.range));
    const end = ranges(direct.range)[2 * batch - 1];
    expect(end).toBeGreaterThan(7 + batch * 50);
    const entries = (at: number) => m.arena.u8.slice(at, at + end * 8);
    expect(entries(copied.entries)).toEqual(entries(direct.entries));
  });

  it('judges MNIST sparse and dense data dense', async () => {
    const { train } = await loadMnist();
    expect(isSparse(train.images, 784)).toBe(true);
    expect(isSparse(Float32Array.from({ length: 7840 }, (_, i) => (i % 3) + 1), 784)).toBe(false);
  });
});
