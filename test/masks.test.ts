// Dropout masks: one stream per (step key, row, layer), so any split of a batch between threads
// draws the same bits, at the rate asked for.

import { describe, expect, it } from 'vitest';
import { drawMaskRow } from '../dist/train/masks.js';

const draw = (count: number, threshold: number, key0: number, key1: number, row: number, layer: number): Uint8Array => {
  const u8 = new Uint8Array(count + 2).fill(7);
  drawMaskRow(u8, 1, count, threshold, key0, key1, row, layer);
  return u8;
};

describe('drawMaskRow', () => {
  it('drops units at the rate threshold / 65536', () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      const mask = draw(100_001, Math.round(rate * 65536), 1, 2, 3, 0).subarray(1, 100_002);
      const dropped = mask.reduce((n, keep) => n + (keep === 0 ? 1 : 0), 0) / mask.length;
      // four standard deviations of a binomial proportion over 100,001 draws
      expect(Math.abs(dropped - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / mask.length));
      expect(mask.every((keep) => keep === 0 || keep === 1)).toBe(true);
    }
  });

  it('gives the same bits for the same key, row and layer, and other bits for any other', () => {
    const mask = draw(801, 32768, 10, 20, 5, 1);
    expect(draw(801, 32768, 10, 20, 5, 1)).toEqual(mask);
    for (const other of [draw(801, 32768, 11, 20, 5, 1), draw(801, 32768, 10, 21, 5, 1), draw(801, 32768, 10, 20, 6, 1), draw(801, 32768, 10, 20, 5, 0)]) {
      expect(other).not.toEqual(mask);
    }
  });

  it('writes exactly its row, also for an odd width: the bytes around it belong to other rows', () => {
    for (const count of [1, 2, 799, 800]) {
      const mask = draw(count, 30000, 1, 1, 0, 0);
      expect(mask[0]).toBe(7);
      expect(mask[count + 1]).toBe(7);
      // the first count - 1 units of an odd row are those of the even row one shorter
      if (count % 2 === 1 && count > 1) expect(mask.subarray(1, count)).toEqual(draw(count - 1, 30000, 1, 1, 0, 0).subarray(1, count));
    }
  });
});
