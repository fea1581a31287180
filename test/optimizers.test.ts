import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, adam, cosineDecay, sgd } from 'mnist-wasm';

describe('optimizer configurations', () => {
  it('take Keras defaults', () => {
    expect(sgd()).toEqual({ kind: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(adam()).toEqual({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 });
  });

  it('refuse values outside their range, naming them', () => {
    expect(() => sgd({ learningRate: 0 })).toThrow('sgd: learningRate must be a finite number above 0');
    expect(() => sgd({ learningRate: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => sgd({ momentum: 1 })).toThrow('sgd: momentum must be in [0, 1), got 1');
    expect(() => sgd({ nesterov: true })).toThrow('nesterov needs a momentum');
    expect(() => sgd({ weightDecay: -1 })).toThrow('weightDecay');
    expect(() => adam({ beta2: 1.5 })).toThrow('adam: beta2 must be in [0, 1), got 1.5');
    expect(() => adam({ epsilon: 0 })).toThrow('epsilon');
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
