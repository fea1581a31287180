// No silent coercion of options: a misspelt key is refused with the key and the known one nearest
// to it, options that are not an object are refused, a value of the wrong type is refused rather
// than read as true, false or 0, and every documented key still works.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, Sequential, adam, augmentImages, cosineDecay, dense, dropout, exponentialDecay, init, relu, rmsprop, sgd, softmax,
  stepDecay, toCategorical,
} from 'mnist-wasm';

beforeAll(async () => {
  await init();
});

/** The InvalidArgumentError `action` throws or rejects with; fails the test on anything else. */
async function refusal(action: () => unknown): Promise<InvalidArgumentError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  return caught as InvalidArgumentError;
}

const image = new Uint8Array(784).fill(200, 300, 500);
const schedule = { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 };

/** Each public function that takes options, called with `options` in their place. */
const takers: Array<[string, (options: never) => unknown]> = [
  ['dense', (options) => dense(10, options)],
  ['relu', (options) => relu(options)],
  ['dropout', (options) => dropout(0.5, options)],
  ['softmax', (options) => softmax(options)],
  ['sgd', (options) => sgd(options)],
  ['adam', (options) => adam(options)],
  ['rmsprop', (options) => rmsprop(options)],
  ['cosineDecay', (options) => cosineDecay(options)],
  ['stepDecay', (options) => stepDecay(options)],
  ['exponentialDecay', (options) => exponentialDecay(options)],
  ['augmentImages', (options) => augmentImages(image, options, 1)],
  ['init', (options) => init(undefined, options)],
];

const misspelt: Array<[string, () => unknown, string, string]> = [
  ['dense', () => dense(10, { activaton: 'relu' } as never), 'activaton', 'activation'],
  ['dense', () => dense(10, { inputdim: 784 } as never), 'inputdim', 'inputDim'],
  ['dense', () => dense(10, { kernelInitialiser: 'uniform' } as never), 'kernelInitialiser', 'kernelInitializer'],
  ['relu', () => relu({ nmae: 'r' } as never), 'nmae', 'name'],
  ['dropout', () => dropout(0.5, { nam: 'd' } as never), 'nam', 'name'],
  ['softmax', () => softmax({ names: 's' } as never), 'names', 'name'],
  ['sgd', () => sgd({ learningrate: 0.1 } as never), 'learningrate', 'learningRate'],
  ['sgd', () => sgd({ momentun: 0.9 } as never), 'momentun', 'momentum'],
  ['adam', () => adam({ beta_1: 0.8 } as never), 'beta_1', 'beta1'],
  ['adam', () => adam({ weightDecya: 0.01 } as never), 'weightDecya', 'weightDecay'],
  ['rmsprop', () => rmsprop({ centred: true } as never), 'centred', 'centered'],
  ['cosineDecay', () => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupStep: 5 } as never), 'warmupStep', 'warmupSteps'],
  ['stepDecay', () => stepDecay({ initialLearningRate: 0.1, stepSize: 10, factr: 0.5 } as never), 'factr', 'factor'],
  ['exponentialDecay', () => exponentialDecay({ ...schedule, stairCase: true } as never), 'stairCase', 'staircase'],
  ['fit: augment', () => augmentImages(image, { rotat: 10 } as never, 1), 'rotat', 'rotate'],
  ['fit: augment.elastic', () => augmentImages(image, { elastic: { alpha: 34, sigam: 4 } } as never, 1), 'sigam', 'sigma'],
  ['init', () => init(undefined, { relaxedSIMD: true } as never), 'relaxedSIMD', 'relaxedSimd'],
];

describe('options', () => {
  it.each(misspelt)('%s: a misspelt key is refused with the key and the nearest known one', async (where, action, key, nearest) => {
    const error = await refusal(action);
    expect(error.message.startsWith(`${where}: unknown option`)).toBe(true);
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(`"${nearest}"`);
  });

  it('fit: a misspelt augment key is refused with the key and the nearest known one', async () => {
    const model = new Sequential([dense(10, { inputDim: 784 }), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd() });
    const error = await refusal(() => model.fit(image, toCategorical([3], 10), { augment: { translat: 2 } as never }));
    expect(error.message).toBe('fit: augment: unknown option "translat"; did you mean "translate"?');
  });

  it.each(takers)('%s: options that are not an object are refused', async (_, take) => {
    for (const options of [5, 'x', [], null, new Uint8Array(2)]) {
      const error = await refusal(() => take(options as never));
      expect(error.message).toMatch(/must be an object, got /);
    }
  });

  it('every documented key still works', async () => {
    expect(dense(10, { inputDim: 784, useBias: false, kernelInitializer: 'uniform', biasInitializer: 'zeros', activation: 'relu', name: 'hidden' })).toEqual({
      kind: 'dense', units: 10, inputDim: 784, useBias: false, kernelInitializer: 'uniform', biasInitializer: 'zeros', activation: 'relu', name: 'hidden',
    });
    expect(relu({ name: 'r' })).toEqual({ kind: 'relu', name: 'r' });
    expect(dropout(0.25, { name: 'd' })).toEqual({ kind: 'dropout', rate: 0.25, name: 'd' });
    expect(softmax({ name: 's' })).toEqual({ kind: 'softmax', name: 's' });
    expect(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })).toEqual({
      kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4,
    });
    expect(adam({ learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.01 })).toEqual({
      kind: 'adam', learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.01,
    });
    expect(rmsprop({ learningRate: 0.002, rho: 0.95, momentum: 0.5, epsilon: 1e-6, centered: true })).toEqual({
      kind: 'rmsprop', learningRate: 0.002, rho: 0.95, momentum: 0.5, epsilon: 1e-6, centered: true,
    });
    const cosine = cosineDecay({ initialLearningRate: 0, decaySteps: 10, alpha: 0.1, warmupSteps: 5, warmupTarget: 0.2 });
    expect([cosine(0), cosine(5), cosine(15)]).toEqual([0, 0.2, expect.closeTo(0.02, 12)]);
    expect(stepDecay({ initialLearningRate: 0.1, stepSize: 10, factor: 0.5 })(10)).toBe(0.05);
    expect(exponentialDecay({ ...schedule, staircase: true })(9)).toBe(0.1);
    const augmented = augmentImages(image, { shape: [28, 28], translate: 1, rotate: 5, scale: 0.1, shear: 0.1, elastic: { alpha: 8, sigma: 4 }, cutoff: 8 }, 1);
    expect(augmented).toHaveLength(784);
    expect(augmented).not.toEqual(image);
    await expect(init(undefined, { relaxedSimd: false })).resolves.toBeUndefined();
  });

  it('a hand-made optimizer config is checked as sgd() and adam() check theirs', async () => {
    const model = new Sequential([dense(10, { inputDim: 784 }), softmax()], { seed: 1 });
    const compile = (optimizer: unknown) => model.compile({ loss: 'categoricalCrossentropy', optimizer: optimizer as never });
    expect((await refusal(() => compile({ kind: 'sgd', learningrate: 0.1 }))).message).toBe('sgd: unknown option "learningrate"; did you mean "learningRate"?');
    expect((await refusal(() => compile({ kind: 'adam', learningRate: '0.1' }))).message).toContain('adam: learningRate must be a finite number above 0');
    expect(() => compile({ kind: 'adam', learningRate: 0.01 })).not.toThrow();
  });
});

describe('values of the wrong type or outside their range', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['dense useBias', () => dense(10, { useBias: 'no' } as never), 'dense: useBias must be true or false, got "no"'],
    ['a layer name', () => relu({ name: 5 } as never), 'relu: name must be a string, got 5'],
    ['sgd nesterov', () => sgd({ momentum: 0.9, nesterov: 1 } as never), 'sgd: nesterov must be true or false, got 1'],
    ['adam epsilon as a string', () => adam({ epsilon: '1e-7' } as never), 'adam: epsilon must be a finite number above 0, got "1e-7"'],
    ['adam epsilon infinite', () => adam({ epsilon: Infinity }), 'adam: epsilon must be a finite number above 0, got Infinity'],
    ['a schedule as the initial rate', () => stepDecay({ initialLearningRate: (() => 0.1) as never, stepSize: 10 }), 'stepDecay: initialLearningRate must be a finite number above 0'],
    ['a schedule as the warmup target', () => cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupSteps: 5, warmupTarget: (() => 0.1) as never }), 'cosineDecay: warmupTarget must be a finite number above 0'],
    ['exponentialDecay staircase', () => exponentialDecay({ ...schedule, staircase: 'yes' } as never), 'exponentialDecay: staircase must be true or false, got "yes"'],
    ['missing schedule options', () => cosineDecay(undefined as never), 'cosineDecay: options must be an object, got undefined'],
    ['an augment shape of three numbers', () => augmentImages(image, { shape: [28, 28, 1] } as never, 1), 'fit: augment.shape must be [height, width]'],
    ['an augment shape that is a number', () => augmentImages(image, { shape: 784 } as never, 1), 'fit: augment.shape must be [height, width] with height × width = 784 (the input width), got 784'],
    ['augmentImages inputDim', () => augmentImages(image, {}, 1, 392.5), 'augmentImages: inputDim must be a positive integer, got 392.5'],
    ['init relaxedSimd', () => init(undefined, { relaxedSimd: 'true' } as never), 'init: relaxedSimd must be true or false, got "true"'],
  ];
  it.each(cases)('%s is refused', async (_, action, text) => {
    expect((await refusal(action)).message).toContain(text);
  });
});

describe('augmentImages seed', () => {
  it.each([['"abc"', 'abc'], ['NaN', NaN], ['-1', -1], ['1.5', 1.5], ['4294967296', 2 ** 32]] as Array<[string, unknown]>)('refuses %s', async (shown, seed) => {
    const error = await refusal(() => augmentImages(image, { rotate: 10 }, seed as number));
    expect(error.message).toBe(`augmentImages: seed must be an integer from 0 to 4294967295, got ${shown}`);
  });

  it('accepts 0 and 2**32 - 1, each its own draws', () => {
    const first = augmentImages(image, { rotate: 10 }, 0);
    const last = augmentImages(image, { rotate: 10 }, 2 ** 32 - 1);
    expect(first).toHaveLength(784);
    expect(last).not.toEqual(first);
  });
});
