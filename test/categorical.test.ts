import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError, toCategorical } from 'mnist-wasm';

describe('toCategorical', () => {
  it('one-hot encodes labels', () => {
    expect([...toCategorical(Uint8Array.of(2, 0), 3)]).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('refuses labels outside [0, numClasses) and a bad class count', () => {
    expect(() => toCategorical([0, 3], 3)).toThrow(ShapeError);
    expect(() => toCategorical([0, 3], 3)).toThrow('label 1 is 3, expected an integer in [0, 3)');
    expect(() => toCategorical([0.5], 3)).toThrow(ShapeError);
    expect(() => toCategorical([0], 0)).toThrow(InvalidArgumentError);
  });
});
