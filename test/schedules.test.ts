// Learning-rate schedules: their values at chosen steps, their checks, and that they are computed
// from exact operations (equal to the closed forms within a few ulps, and the same on every call).

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, cosineDecay, exponentialDecay, stepDecay } from 'mnist-wasm';

describe('learning-rate schedules', () => {
  it('cosineDecay follows the cosine, with an optional linear warmup, then stays at alpha', () => {
    const plain = cosineDecay({ initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
    for (const step of [0, 1, 17, 50, 99, 100, 250]) {
      const progress = Math.min(step, 100) / 100;
      expect(plain(step)).toBeCloseTo(0.2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)) + 0.1), 15);
    }
    const warm = cosineDecay({ initialLearningRate: 0, warmupTarget: 0.2, warmupSteps: 10, decaySteps: 90 });
    expect([0, 5, 10].map(warm)).toEqual([0, 0.1, 0.2]);
    expect(warm(55)).toBeCloseTo(0.1, 15);
    expect(warm(100)).toBeCloseTo(0, 15);
  });

  it('stepDecay and exponentialDecay', () => {
    const step = stepDecay({ initialLearningRate: 0.1, stepSize: 10, factor: 0.5 });
    expect([0, 9, 10, 19, 20, 35].map(step)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    const smooth = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 });
    const stairs = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, staircase: true });
    for (const s of [0, 5, 10, 15, 100]) {
      expect(smooth(s)).toBeCloseTo(0.1 * 0.9 ** (s / 10), 15);
      expect(stairs(s)).toBeCloseTo(0.1 * 0.9 ** Math.floor(s / 10), 15);
    }
  });

  it('refuses settings out of range, naming them', () => {
    expect(() => stepDecay({ initialLearningRate: 0.1, stepSize: 0 })).toThrow('stepDecay: stepSize must be a positive integer, got 0');
    expect(() => stepDecay({ initialLearningRate: 0.1, stepSize: 5, factor: 2 })).toThrow('stepDecay: factor must be in (0, 1], got 2');
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0 })).toThrow(InvalidArgumentError);
    expect(() => cosineDecay({ initialLearningRate: -1, decaySteps: 5 })).toThrow('cosineDecay: learningRate must be a finite number above 0');
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, warmupSteps: -1 })).toThrow('warmupSteps must be an integer of at least 0');
  });
});
