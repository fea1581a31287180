// Every SIMD kernel against its scalar reference, on random data over shapes that exercise the
// main register blocks and every tail. Kernels documented as bit-identical are compared exactly.

import { describe, expect, it } from 'vitest';
import { Random } from '../dist/random.js';
import { freshKernels, uniform } from './support.js';

const SIZES = [1, 3, 5, 17, 31];
const SHAPES: Array<[number, number, number]> = [];
for (const batch of SIZES) for (const inDim of SIZES) for (const outDim of SIZES) SHAPES.push([batch, inDim, outDim]);
SHAPES.push([8, 784, 800], [256, 784, 10], [5, 800, 17], [31, 17, 800]);

describe('denseForward', () => {
  it.each(SHAPES)('equals its reference bit for bit for batch %i, %i -> %i (with and without bias and ReLU)', async (batch, inDim, outDim) => {
    const m = await freshKernels();
    const fill = uniform(batch * 1000 + inDim * 10 + outDim);
    const inp = m.floats(batch * inDim, fill);
    const weight = m.floats(inDim * outDim, fill);
    const bias = m.floats(outDim, fill);
    const fast = m.floats(batch * outDim);
    const slow = m.floats(batch * outDim);
    const random = new Random(batch + outDim);
    const mask = m.mask(batch, outDim, Array.from({ length: batch * outDim }, () => (random.nextFloat() < 0.5 ? 1 : 0)));
    for (const [b, relu, keep] of [[bias, false, 0], [bias, true, 0], [0, false, 0], [0, true, 0], [bias, true, mask], [0, false, mask]] as const) {
      m.k.denseForward(fast, inp, weight, b, keep, 2, batch, inDim, outDim, relu);
      m.k.denseForwardReference(slow, inp, weight, b, keep, 2, batch, inDim, outDim, relu);
      expect(m.read(fast, batch * outDim)).toEqual(m.read(slow, batch * outDim));
    }
  });

  it('computes inp·W + b', async () => {
    const m = await freshKernels();
    const inp = m.floats(2 * 3);
    const weight = m.floats(3 * 2);
    const bias = m.floats(2);
    const out = m.floats(4);
    m.arena.f32.set([1, 2, 3, 4, 5, 6], inp >> 2);
    m.arena.f32.set([1, -1, 0, 2, 1, 0], weight >> 2);
    m.arena.f32.set([0.5, -10], bias >> 2);
    m.k.denseForward(out, inp, weight, bias, 0, 1, 2, 3, 2, false);
    expect([...m.read(out, 4)]).toEqual([4.5, -7, 10.5, -4]);
    m.k.denseForward(out, inp, weight, bias, 0, 1, 2, 3, 2, true);
    expect([...m.read(out, 4)]).toEqual([4.5, 0, 10.5, 0]);
    // then dropout: keep, drop, drop, keep, at scale 2
    const mask = m.mask(2, 2, [1, 0, 0, 1]);
    m.k.denseForward(out, inp, weight, bias, mask, 2, 2, 3, 2, false);
    expect([...m.read(out, 4)]).toEqual([9, -0, 0, -8]);
  });
});

describe('dense gradients', () => {
  it.each(SHAPES)('equal their references bit for bit for batch %i, %i -> %i', async (batch, inDim, outDim) => {
    const m = await freshKernels();
    const fill = uniform(batch * 7 + inDim * 3 + outDim);
    const inp = m.floats(batch * inDim, fill);
    const weight = m.floats(inDim * outDim, fill);
    const dout = m.floats(batch * outDim, fill);
    const fast = { dinput: m.floats(batch * inDim), dweight: m.floats(inDim * outDim), dbias: m.floats(outDim) };
    const slow = { dinput: m.floats(batch * inDim), dweight: m.floats(inDim * outDim), dbias: m.floats(outDim) };
    const transposed = { weight: m.floats(inDim * outDim, () => NaN), dinput: m.floats(batch * inDim, () => NaN) };
    m.k.denseInputGradient(fast.dinput, dout, weight, batch, inDim, outDim);
    m.k.denseInputGradientReference(slow.dinput, dout, weight, batch, inDim, outDim);
    m.k.transpose(transposed.weight, weight, inDim, outDim, inDim);
    m.k.denseInputGradientTransposed(transposed.dinput, dout, transposed.weight, batch, inDim, outDim, inDim, 0, 1, 0);
    // The transposed kernel adds each output's products in order, the other kernel in four lanes:
    // equal to its own reference bit for bit, and to the other within rounding.
    const sequential = m.floats(batch * inDim, () => NaN);
    m.k.denseInputGradientTransposedReference(sequential, dout, weight, batch, inDim, outDim);
    expect(m.read(transposed.dinput, batch * inDim)).toEqual(m.read(sequential, batch * inDim));
    const lanes = m.read(slow.dinput, batch * inDim);
    m.read(sequential, batch * inDim).forEach((value, i) => expect(Math.abs(value - lanes[i])).toBeLessThanOrEqual(1e-5 * outDim));
    // with the dropout and the ReLU below fused in, as the two element-wise passes would give
    const random = new Random(batch + inDim);
    const mask = m.mask(batch, inDim, Array.from({ length: batch * inDim }, () => random.nextBelow(2)));
    const gate = m.floats(batch * inDim, fill);
    m.k.denseInputGradientTransposed(transposed.dinput, dout, transposed.weight, batch, inDim, outDim, inDim, mask, 2, gate);
    const expected = m.floats(batch * inDim);
    m.k.dropoutApplyReference(expected, sequential, mask, batch, inDim, 2);
    m.k.reluBackwardReference(expected, expected, gate, batch * inDim);
    expect(m.read(transposed.dinput, batch * inDim)).toEqual(m.read(expected, batch * inDim));
    m.k.denseWeightGradient(fast.dweight, dout, inp, batch, inDim, outDim, inDim);
    m.k.denseWeightGradientReference(slow.dweight, dout, inp, batch, inDim, outDim, inDim);
    m.k.denseBiasGradient(fast.dbias, dout, batch, outDim, outDim);
    m.k.denseBiasGradientReference(slow.dbias, dout, batch, outDim);
    expect(m.read(fast.dinput, batch * inDim)).toEqual(m.read(slow.dinput, batch * inDim));
    expect(m.read(fast.dweight, inDim * outDim)).toEqual(m.read(slow.dweight, inDim * outDim));
    expect(m.read(fast.dbias, outDim)).toEqual(m.read(slow.dbias, outDim));
  });

  it('give the same bits for any split of the batch (input gradient) or of the input units (weight gradient)', async () => {
    const m = await freshKernels();
    const [batch, inDim, outDim] = [37, 29, 10];
    const fill = uniform(11);
    const inp = m.floats(batch * inDim, fill);
    const weight = m.floats(inDim * outDim, fill);
    const dout = m.floats(batch * outDim, fill);
    const whole = { dinput: m.floats(batch * inDim), dweight: m.floats(inDim * outDim) };
    const parts = { dinput: m.floats(batch * inDim), dweight: m.floats(inDim * outDim) };
    m.k.denseInputGradient(whole.dinput, dout, weight, batch, inDim, outDim);
    m.k.denseWeightGradient(whole.dweight, dout, inp, batch, inDim, outDim, inDim);
    for (const [from, to] of [[0, 3], [3, 4], [4, 21], [21, 37]]) {
      m.k.denseInputGradient(parts.dinput + from * inDim * 4, dout + from * outDim * 4, weight, to - from, inDim, outDim);
    }
    for (const [from, to] of [[0, 5], [5, 6], [6, 29]]) {
      m.k.denseWeightGradient(parts.dweight + from * outDim * 4, dout, inp + from * 4, batch, to - from, outDim, inDim);
    }
    expect(m.read(parts.dinput, batch * inDim)).toEqual(m.read(whole.dinput, batch * inDim));
    expect(m.read(parts.dweight, inDim * outDim)).toEqual(m.read(whole.dweight, inDim * outDim));
  });

  it('give the same bits for any split of the units, for the transposed input gradient and the bias gradient', async () => {
    // As a sparse step runs them (see runner.ts): each thread its columns of dinput, from its rows of W.
    const m = await freshKernels();
    const [batch, inDim, outDim] = [37, 80, 10];
    const fill = uniform(12);
    const random = new Random(3);
    const weight = m.floats(inDim * outDim, fill);
    const dout = m.floats(batch * outDim, fill);
    const gate = m.floats(batch * inDim, fill);
    const mask = m.mask(batch, inDim, Array.from({ length: batch * inDim }, () => random.nextBelow(2)));
    const whole = { weightT: m.floats(inDim * outDim), dinput: m.floats(batch * inDim), dbias: m.floats(inDim) };
    const parts = { weightT: m.floats(inDim * outDim, () => NaN), dinput: m.floats(batch * inDim, () => NaN), dbias: m.floats(inDim, () => NaN) };
    m.k.transpose(whole.weightT, weight, inDim, outDim, inDim);
    m.k.denseInputGradientTransposed(whole.dinput, dout, whole.weightT, batch, inDim, outDim, inDim, mask, 2, gate);
    m.k.denseBiasGradient(whole.dbias, gate, batch, inDim, inDim);
    for (const [from, to] of [[0, 16], [16, 24], [24, 72], [72, 80]]) {
      m.k.transpose(parts.weightT + 4 * from, weight + 4 * from * outDim, to - from, outDim, inDim);
      m.k.denseInputGradientTransposed(parts.dinput + 4 * from, dout, parts.weightT + 4 * from, batch, to - from, outDim, inDim, mask + from / 8, 2, gate + 4 * from);
      m.k.denseBiasGradient(parts.dbias + 4 * from, gate + 4 * from, batch, to - from, inDim);
    }
    expect(m.read(parts.weightT, inDim * outDim)).toEqual(m.read(whole.weightT, inDim * outDim));
    expect(m.read(parts.dinput, batch * inDim)).toEqual(m.read(whole.dinput, batch * inDim));
    expect(m.read(parts.dbias, inDim)).toEqual(m.read(whole.dbias, inDim));
  });

  it('computes dW = inpᵀ·dout, db = colsum(dout) and dinput = dout·Wᵀ', async () => {
    const m = await freshKernels();
    const inp = m.floats(2 * 3);
    const weight = m.floats(3 * 2);
    const dout = m.floats(2 * 2);
    m.arena.f32.set([1, 2, 3, 4, 5, 6], inp >> 2);
    m.arena.f32.set([1, -1, 0, 2, 1, 0], weight >> 2);
    m.arena.f32.set([1, 0, -1, 2], dout >> 2);
    const dweight = m.floats(6);
    const dbias = m.floats(2);
    const dinput = m.floats(6);
    m.k.denseWeightGradient(dweight, dout, inp, 2, 3, 2, 3);
    m.k.denseBiasGradient(dbias, dout, 2, 2, 2);
    m.k.denseInputGradient(dinput, dout, weight, 2, 3, 2);
    expect([...m.read(dweight, 6)]).toEqual([-3, 8, -3, 10, -3, 12]);
    expect([...m.read(dbias, 2)]).toEqual([0, 2]);
    expect([...m.read(dinput, 6)]).toEqual([1, 0, 1, -3, 4, -1]);
    const weightT = m.floats(6);
    m.k.transpose(weightT, weight, 3, 2, 3);
    expect([...m.read(weightT, 6)]).toEqual([1, 0, 1, -1, 2, 0]);
    m.k.denseInputGradientTransposed(dinput, dout, weightT, 2, 3, 2, 3, 0, 1, 0);
    expect([...m.read(dinput, 6)]).toEqual([1, 0, 1, -3, 4, -1]);
  });
});

describe('element-wise kernels', () => {
  it.each([1, 3, 5, 17, 31, 800])('reluForward, reluBackward and dropoutApply equal their references over %i values', async (count) => {
    const m = await freshKernels();
    const fill = uniform(count);
    const random = new Random(count);
    const inp = m.floats(count, fill);
    const dout = m.floats(count, fill);
    const keep = Array.from({ length: count }, () => random.nextBelow(2));
    const fast = m.floats(count);
    const slow = m.floats(count);
    m.k.reluForward(fast, inp, count);
    m.k.reluForwardReference(slow, inp, count);
    expect(m.read(fast, count)).toEqual(m.read(slow, count));
    expect(m.read(fast, count).every((v, i) => v === Math.max(0, m.read(inp, count)[i]))).toBe(true);
    m.k.reluBackward(fast, dout, inp, count);
    m.k.reluBackwardReference(slow, dout, inp, count);
    expect(m.read(fast, count)).toEqual(m.read(slow, count));
    // as one row of count units, and as rows of 1, 3 or 5 units (each row of the mask padded)
    for (const units of [count, 1, 3, 5].filter((u) => count % u === 0)) {
      const mask = m.mask(count / units, units, keep);
      m.k.dropoutApply(fast, inp, mask, count / units, units, 2);
      m.k.dropoutApplyReference(slow, inp, mask, count / units, units, 2);
      expect(m.read(fast, count)).toEqual(m.read(slow, count));
      const x = m.read(inp, count);
      expect([...m.read(fast, count)]).toEqual([...x].map((v, i) => Math.fround(v * (keep[i] * 2))));
    }
  });
});

describe('optimizer kernels', () => {
  it.each([1, 3, 5, 17, 31, 800])('SGD, momentum, Nesterov and Adam equal their references over %i values', async (count) => {
    const m = await freshKernels();
    const fill = uniform(count + 11);
    const grad = m.floats(count, fill);
    const initial = Float32Array.from({ length: count }, fill);
    const pair = () => {
      const param = m.floats(count);
      const s1 = m.floats(count);
      const s2 = m.floats(count);
      m.arena.f32.set(initial, param >> 2);
      return { param, s1, s2 };
    };
    const same = (a: { param: number; s1: number; s2: number }, b: typeof a) => {
      expect(m.read(a.param, count)).toEqual(m.read(b.param, count));
      expect(m.read(a.s1, count)).toEqual(m.read(b.s1, count));
      expect(m.read(a.s2, count)).toEqual(m.read(b.s2, count));
    };
    let a = pair(), b = pair();
    for (let step = 0; step < 3; step++) {
      m.k.sgdUpdate(a.param, grad, count, 0.1, 1e-3);
      m.k.sgdUpdateReference(b.param, grad, count, 0.1, 1e-3);
    }
    same(a, b);
    for (const nesterov of [false, true]) {
      a = pair();
      b = pair();
      for (let step = 0; step < 3; step++) {
        m.k.sgdMomentumUpdate(a.param, grad, a.s1, count, 0.1, 0.9, 1e-3, nesterov);
        m.k.sgdMomentumUpdateReference(b.param, grad, b.s1, count, 0.1, 0.9, 1e-3, nesterov);
      }
      same(a, b);
    }
    a = pair();
    b = pair();
    for (let t = 1; t <= 3; t++) {
      const c1 = 1 / (1 - 0.9 ** t);
      const c2 = 1 / (1 - 0.999 ** t);
      m.k.adamUpdate(a.param, grad, a.s1, a.s2, count, 1e-3, 0.9, 0.999, 1e-7, 0.01, c1, c2);
      m.k.adamUpdateReference(b.param, grad, b.s1, b.s2, count, 1e-3, 0.9, 0.999, 1e-7, 0.01, c1, c2);
    }
    same(a, b);
  });

  it('follows the documented formulas', async () => {
    const m = await freshKernels();
    const param = m.floats(1, () => 1);
    const grad = m.floats(1, () => 0.5);
    const velocity = m.floats(1, () => 0.25);
    m.k.sgdUpdate(param, grad, 1, 0.1, 0.2);
    expect(m.read(param, 1)[0]).toBeCloseTo(1 - 0.1 * (0.5 + 0.2), 6);
    m.arena.f32[param >> 2] = 1;
    m.k.sgdMomentumUpdate(param, grad, velocity, 1, 0.1, 0.9, 0, true);
    const v = 0.5 + 0.9 * 0.25;
    expect(m.read(velocity, 1)[0]).toBeCloseTo(v, 6);
    expect(m.read(param, 1)[0]).toBeCloseTo(1 - 0.1 * (0.5 + 0.9 * v), 6);
    const mo = m.floats(1);
    const ve = m.floats(1);
    m.arena.f32[param >> 2] = 1;
    m.k.adamUpdate(param, grad, mo, ve, 1, 0.01, 0.9, 0.999, 1e-7, 0, 1 / 0.1, 1 / 0.001);
    // The first Adam step moves each weight by about the learning rate, against the gradient's sign.
    expect(m.read(param, 1)[0]).toBeCloseTo(0.99, 5);
  });
});

describe('softmaxCrossEntropy', () => {
  it('gives the loss, the accuracy count and the gradient of the mean loss, stably', async () => {
    const m = await freshKernels();
    const logits = m.floats(6);
    const targets = m.floats(6);
    const dlogits = m.floats(6);
    const stats = m.floats(8);
    m.arena.f32.set([1, 2, 3, 1000, 0, -1000], logits >> 2);
    m.arena.f32.set([0, 0, 1, 0, 1, 0], targets >> 2);
    m.k.softmaxCrossEntropy(dlogits, stats, logits, targets, 2, 3, 0.5);
    const z = [1, 2, 3];
    const sum = z.reduce((s, v) => s + Math.exp(v), 0);
    const p = z.map((v) => Math.exp(v) / sum);
    // per row: loss, then 1 if right
    expect([...m.arena.f64.subarray(stats >> 3, (stats >> 3) + 4)]).toEqual([expect.closeTo(-Math.log(p[2]), 12), 1, 1000, 0]);
    const d = m.read(dlogits, 6);
    expect(d[0]).toBeCloseTo(p[0] * 0.5, 6);
    expect(d[2]).toBeCloseTo((p[2] - 1) * 0.5, 6);
    expect(d[3]).toBeCloseTo(0.5, 6);
    expect(d[4]).toBeCloseTo(-0.5, 6);
    expect([...d].every(Number.isFinite)).toBe(true);
  });

  it('reports NaN when a logit is NaN', async () => {
    const m = await freshKernels();
    const logits = m.floats(3);
    const targets = m.floats(3);
    const dlogits = m.floats(3);
    const stats = m.floats(4);
    m.arena.f32.set([1, NaN, 0], logits >> 2);
    m.arena.f32.set([1, 0, 0], targets >> 2);
    m.k.softmaxCrossEntropy(dlogits, stats, logits, targets, 1, 3, 1);
    expect(m.arena.f64[stats >> 3]).toBeNaN();
  });

  it('softmax rows sum to one', async () => {
    const m = await freshKernels();
    const logits = m.floats(2 * 10, uniform(5));
    const out = m.floats(2 * 10);
    m.k.softmax(out, logits, 2, 10);
    const p = m.read(out, 20);
    expect(p.slice(0, 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    expect(p.slice(10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  });
});
