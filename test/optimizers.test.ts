import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, ModelMismatchError, Sequential, adam, cosineDecay, dense, rmsprop, sgd, softmax, type FitOptions, type RmspropOptions,
} from 'mnist-wasm';
import { freshKernels, uniform } from './support.js';

describe('optimizer configurations', () => {
  it('take Keras defaults', () => {
    expect(sgd()).toEqual({ kind: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(adam()).toEqual({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 });
    expect(rmsprop()).toEqual({ kind: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
  });

  it('refuse values outside their range, naming them', () => {
    expect(() => sgd({ learningRate: 0 })).toThrow('sgd: learningRate must be a finite number above 0');
    expect(() => sgd({ learningRate: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => sgd({ momentum: 1 })).toThrow('sgd: momentum must be in [0, 1), got 1');
    expect(() => sgd({ nesterov: true })).toThrow('nesterov needs a momentum');
    expect(() => sgd({ weightDecay: -1 })).toThrow('weightDecay');
    expect(() => adam({ beta2: 1.5 })).toThrow('adam: beta2 must be in [0, 1), got 1.5');
    expect(() => adam({ epsilon: 0 })).toThrow('epsilon');
    expect(() => rmsprop({ rho: 1 })).toThrow('rmsprop: rho must be in [0, 1), got 1');
    expect(() => rmsprop({ momentum: -0.5 })).toThrow('rmsprop: momentum must be in [0, 1), got -0.5');
    expect(() => rmsprop({ epsilon: -1 })).toThrow('rmsprop: epsilon must be a finite number above 0, got -1');
    expect(() => rmsprop({ centered: 1 as never })).toThrow('rmsprop: centered must be true or false, got 1');
    expect(() => rmsprop({ nesterov: true } as never)).toThrow(InvalidArgumentError);
  });
});

describe('cosineDecay', () => {
  it('falls from the initial rate to alpha times it over decaySteps, then holds', () => {
    const schedule = cosineDecay({ initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
    expect(schedule(0)).toBeCloseTo(0.2, 12);
    expect(schedule(50)).toBeCloseTo(0.2 * (0.9 * 0.5 + 0.1), 12);
    expect(schedule(100)).toBeCloseTo(0.02, 12);
    expect(schedule(1000)).toBeCloseTo(0.02, 12);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 0 })).toThrow(InvalidArgumentError);
  });
});

// ---- RMSprop ----

/** Every combination of RMSprop's switches. */
const VARIANTS: Array<[string, { momentum: number; centered: boolean }]> = [
  ['plain', { momentum: 0, centered: false }],
  ['with momentum', { momentum: 0.9, centered: false }],
  ['centered', { momentum: 0, centered: true }],
  ['centered with momentum', { momentum: 0.9, centered: true }],
];

/** RMSprop's state in plain JavaScript: param, mean square, momentum and mean gradient. */
interface RmspropState {
  param: Float32Array;
  ms: Float32Array;
  mom: Float32Array;
  mg: Float32Array;
}

const fresh = (param: ArrayLike<number>): RmspropState => ({
  param: Float32Array.from(param), ms: new Float32Array(param.length), mom: new Float32Array(param.length), mg: new Float32Array(param.length),
});

/**
 * One step of Keras 3's RMSprop (keras/src/optimizers/rmsprop.py), each operation rounded to f32 as
 * TensorFlow computes it in float32: the Python floats rho and 1 - rho (the latter computed in double)
 * become f32 constants; epsilon sits under the root.
 */
function kerasStep(s: RmspropState, grad: ArrayLike<number>, lr: number, o: Required<Omit<RmspropOptions, 'learningRate'>>): void {
  const f = Math.fround;
  const [rate, rho, rest, mu, eps] = [f(lr), f(o.rho), f(1 - o.rho), f(o.momentum), f(o.epsilon)];
  for (let i = 0; i < s.param.length; i++) {
    const g = f(grad[i]);
    s.ms[i] = f(f(rho * s.ms[i]) + f(rest * f(g * g)));
    let denominator = f(s.ms[i] + eps);
    if (o.centered) {
      s.mg[i] = f(f(rho * s.mg[i]) + f(rest * g));
      denominator = f(f(s.ms[i] - f(s.mg[i] * s.mg[i])) + eps);
    }
    let step = f(f(rate * g) / f(Math.sqrt(denominator)));
    if (o.momentum > 0) step = s.mom[i] = f(f(mu * s.mom[i]) + step);
    s.param[i] = f(s.param[i] - step);
  }
}

describe('rmspropUpdate', () => {
  it.each([1, 3, 5, 7, 17, 31, 33])('equals its reference bit for bit over %i values, with every switch', async (count) => {
    const m = await freshKernels();
    const fill = uniform(count);
    const initial = Float32Array.from({ length: count }, fill);
    const grads = Array.from({ length: 4 }, () => m.floats(count, fill));
    for (const [, { momentum, centered }] of VARIANTS) {
      const [fast, slow] = [0, 1].map(() => {
        const param = m.floats(count);
        m.arena.f32.set(initial, param >> 2);
        return { param, ms: m.floats(count), mom: momentum > 0 ? m.floats(count) : 0, mg: centered ? m.floats(count) : 0 };
      });
      for (const grad of grads) {
        m.k.rmspropUpdate(fast.param, grad, fast.ms, fast.mom, fast.mg, count, 0.01, 0.9, momentum, 1e-7);
        m.k.rmspropUpdateReference(slow.param, grad, slow.ms, slow.mom, slow.mg, count, 0.01, 0.9, momentum, 1e-7);
      }
      for (const key of ['param', 'ms', 'mom', 'mg'] as const) {
        if (fast[key]) expect(m.read(fast[key], count), `${key}, momentum ${momentum}, centered ${centered}`).toEqual(m.read(slow[key], count));
      }
    }
  });

  it.each(VARIANTS)('is Keras 3\'s formula, rounded to f32 at each operation, bit for bit (%s)', async (_, variant) => {
    const m = await freshKernels();
    const count = 37;
    const fill = uniform(5);
    const expected = fresh(Array.from({ length: count }, fill));
    const param = m.floats(count);
    m.arena.f32.set(expected.param, param >> 2);
    const [ms, mom, mg] = [m.floats(count), variant.momentum > 0 ? m.floats(count) : 0, variant.centered ? m.floats(count) : 0];
    for (let step = 0; step < 5; step++) {
      const grad = m.floats(count, fill);
      m.k.rmspropUpdate(param, grad, ms, mom, mg, count, 0.003, 0.8, variant.momentum, 1e-7);
      kerasStep(expected, m.read(grad, count), 0.003, { rho: 0.8, epsilon: 1e-7, ...variant });
    }
    expect(m.read(param, count)).toEqual(expected.param);
    expect(m.read(ms, count)).toEqual(expected.ms);
  });
});

describe('rmsprop against TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // tf.train.rmsprop keeps every op in float32 and computes 1 - decay in double as Keras does; with
  // momentum 0 its moments are the steps themselves. Uncentered it is Keras's formula exactly, so the
  // bits must agree. Centered it subtracts epsilon (ms - (mg² + ε)) where Keras adds it ((ms - mg²) + ε):
  // there an epsilon far below f32's resolution of ms - mg² makes the two comparable.
  it.each(VARIANTS)('takes the same steps on the same gradients (%s)', async (_, { momentum, centered }) => {
    const epsilon = centered ? 1e-20 : 1e-7;
    const m = await freshKernels();
    const count = 41;
    const fill = uniform(11);
    const initial = Float32Array.from({ length: count }, fill);
    const param = m.floats(count);
    m.arena.f32.set(initial, param >> 2);
    const [ms, mom, mg] = [m.floats(count), momentum > 0 ? m.floats(count) : 0, centered ? m.floats(count) : 0];
    const variable = tf.variable(tf.tensor1d(initial), true, `rmsprop-${momentum}-${centered}`);
    const optimizer = tf.train.rmsprop(0.01, 0.9, momentum, epsilon, centered);
    for (let step = 0; step < 6; step++) {
      const grad = m.floats(count, fill);
      m.k.rmspropUpdate(param, grad, ms, mom, mg, count, 0.01, 0.9, momentum, epsilon);
      tf.tidy(() => optimizer.applyGradients({ [variable.name]: tf.tensor1d(m.read(grad, count)) }));
    }
    expect(m.read(param, count)).toEqual(variable.dataSync());
    optimizer.dispose();
    variable.dispose();
  });
});

/** Rows of a tiny problem, 4 inputs and 3 classes. */
const ROWS = 12;
const x = Float32Array.from({ length: ROWS * 4 }, uniform(21));
const y = new Float32Array(ROWS * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));

function tinyModel(options: RmspropOptions): Sequential {
  const model = new Sequential([dense(3, { inputDim: 4 }), softmax()], { seed: 2 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: rmsprop(options) });
  return model;
}

/** The loss's gradients for weights [W (4, 3), b (3)]: the mean softmax cross-entropy over the batch, in double. */
function gradients([weight, bias]: Float32Array[]): [Float64Array, Float64Array] {
  const dweight = new Float64Array(12);
  const dbias = new Float64Array(3);
  for (let r = 0; r < ROWS; r++) {
    const logits = [0, 1, 2].map((j) => bias[j] + [0, 1, 2, 3].reduce((sum, i) => sum + x[r * 4 + i] * weight[i * 3 + j], 0));
    const top = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - top));
    const total = exps.reduce((a, b) => a + b);
    exps.forEach((e, j) => {
      const dlogit = (e / total - y[r * 3 + j]) / ROWS;
      dbias[j] += dlogit;
      for (let i = 0; i < 4; i++) dweight[i * 3 + j] += x[r * 4 + i] * dlogit;
    });
  }
  return [dweight, dbias];
}

describe('rmsprop in fit', () => {
  it.each(VARIANTS)('trains a tiny model as Keras 3\'s formula does, on dense and on sparse input (%s)', async (_, variant) => {
    const options = { learningRate: 0.01, rho: 0.9, epsilon: 1e-7, ...variant };
    const steps = 6;
    const states = tinyModel(options).getWeights().map(fresh);
    for (let step = 0; step < steps; step++) {
      const grads = gradients(states.map((s) => s.param));
      states.forEach((state, i) => kerasStep(state, grads[i], options.learningRate, options));
    }
    for (const sparseInput of [false, true]) {
      const model = tinyModel(options);
      await model.fit(x, y, { batchSize: ROWS, epochs: steps, shuffle: false, sparseInput, seed: 1 });
      model.getWeights().forEach((weights, i) => weights.forEach((value, j) => {
        expect(Math.abs(value - states[i].param[j]), `sparse ${sparseInput}, tensor ${i}, index ${j}`).toBeLessThan(1e-6);
      }));
    }
  });

  it.each(VARIANTS)('resumes from a checkpoint with the same bits, and keeps its settings in the file (%s)', async (_, variant) => {
    const options = { learningRate: 0.02, ...variant };
    const fit: FitOptions = { batchSize: 4, epochs: 3, seed: 9 };
    const whole = tinyModel(options);
    await whole.fit(x, y, fit);
    const saves: Uint8Array[] = [];
    await tinyModel(options).fit(x, y, { ...fit, epochs: 1, checkpoint: { save: (bytes) => void saves.push(bytes) } });
    const resumed = tinyModel(options);
    await resumed.fit(x, y, { ...fit, resume: saves[0] });
    expect(resumed.toBytes({ includeOptimizer: true })).toEqual(whole.toBytes({ includeOptimizer: true }));

    // A model read back with its optimizer goes on as the one that wrote it.
    const loaded = Sequential.fromBytes(whole.toBytes({ includeOptimizer: true }));
    loaded.compile({ loss: 'categoricalCrossentropy', optimizer: rmsprop(options) });
    await loaded.fit(x, y, { batchSize: 4, seed: 5 });
    await whole.fit(x, y, { batchSize: 4, seed: 5 });
    expect(loaded.toBytes({ includeOptimizer: true })).toEqual(whole.toBytes({ includeOptimizer: true }));

    // Other settings keep other tensors: refused before any is read, even where their number is the same.
    const others = [{ ...options, centered: !options.centered }, { ...options, momentum: 0.9 - options.momentum, centered: !options.centered }];
    for (const other of others) {
      const error = await tinyModel(other).fit(x, y, { ...fit, resume: saves[0] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelMismatchError);
      expect((error as Error).message).toMatch(/its optimizer keeps \d state tensors per weight, the compiled one \d \(momentum or centered differs\)/);
    }
  });

  it("is accepted by name, as 'sgd' and 'adam' are", () => {
    const model = new Sequential([dense(3, { inputDim: 4 }), softmax()]);
    expect(() => model.compile({ loss: 'categoricalCrossentropy', optimizer: 'rmsprop' })).not.toThrow();
    expect(() => model.compile({ loss: 'categoricalCrossentropy', optimizer: 'rmsprp' as never })).toThrow(/'sgd', 'adam' or 'rmsprop'/);
  });
});
