import { describe, expect, it } from 'vitest';
import { Random } from '../dist/random.js';
import { portableLog } from '../dist/math.js';

describe('Random', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, ((r) => () => r.nextUint32())(new Random(seed)));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('gives floats in [0, 1) with a mean near one half', () => {
    const random = new Random(3);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random.nextFloat();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('draws integers below a bound evenly', () => {
    const random = new Random(4);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[random.nextBelow(7)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });

  it('draws standard normals', () => {
    const random = new Random(5);
    let sum = 0;
    let squares = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const z = random.nextNormal();
      sum += z;
      squares += z * z;
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(squares / n).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation', () => {
    const order = Uint32Array.from({ length: 1000 }, (_, i) => i);
    new Random(6).shuffle(order);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...order.slice(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('restores a saved state exactly', () => {
    const random = new Random(7);
    random.nextUint32();
    const state = random.getState();
    const next = [random.nextUint32(), random.nextUint32()];
    const other = new Random(0);
    other.setState(state);
    expect([other.nextUint32(), other.nextUint32()]).toEqual(next);
  });
});

describe('portableLog', () => {
  it('agrees with Math.log to double precision', () => {
    for (const x of [1e-300, 1e-12, 0.001, 0.3, 0.5, 0.7071, 0.99999, 1, 1.5, 2, 10, 1e20]) {
      expect(Math.abs(portableLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
    }
  });
});
