// Dropout masks: one stream per (step key, row, layer), so any split of a batch between threads
// draws the same bits, at the rate asked for; a bit per unit, each row padded to whole 32-bit words.

import { describe, expect, it } from 'vitest';
import { drawMaskRow, maskRowBytes } from '../dist/engine/masks.js';

/** One row drawn into words 1 .. of an array whose other words are 7s; returns the words. */
const drawWords = (count: number, threshold: number, key0: number, key1: number, row: number, layer: number): Int32Array => {
  const words = new Int32Array(maskRowBytes(count) / 4 + 2).fill(7);
  drawMaskRow(words, 1, count, threshold, key0, key1, row, layer);
  return words;
};

/** The row's units as 0s and 1s. */
const draw = (count: number, threshold: number, key0: number, key1: number, row: number, layer: number): Uint8Array => {
  const words = drawWords(count, threshold, key0, key1, row, layer);
  return Uint8Array.from({ length: count }, (_, unit) => (words[1 + (unit >>> 5)] >>> (unit & 31)) & 1);
};

describe('drawMaskRow', () => {
  it('drops units at the rate threshold / 65536', () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      const mask = draw(100_001, Math.round(rate * 65536), 1, 2, 3, 0);
      const dropped = mask.reduce((n, keep) => n + (keep === 0 ? 1 : 0), 0) / mask.length;
      // four standard deviations of a binomial proportion over 100,001 draws
      expect(Math.abs(dropped - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / mask.length));
    }
  });

  it('gives the same bits for the same key, row and layer, and other bits for any other', () => {
    const mask = draw(801, 32768, 10, 20, 5, 1);
    expect(draw(801, 32768, 10, 20, 5, 1)).toEqual(mask);
    for (const other of [draw(801, 32768, 11, 20, 5, 1), draw(801, 32768, 10, 21, 5, 1), draw(801, 32768, 10, 20, 6, 1), draw(801, 32768, 10, 20, 5, 0)]) {
      expect(other).not.toEqual(mask);
    }
  });

  it('writes exactly its row, with its padding bits 0, for any width: the words around it belong to other rows', () => {
    for (const count of [1, 2, 31, 32, 33, 63, 799, 800, 801]) {
      const words = drawWords(count, 30000, 1, 1, 0, 0);
      expect(words[0]).toBe(7);
      expect(words[words.length - 1]).toBe(7);
      if (count % 32 !== 0) expect(words[words.length - 2] >>> (count % 32)).toBe(0);
      // a shorter row is the start of a longer one: the draws come in the same order
      expect(draw(count, 30000, 1, 1, 0, 0)).toEqual(draw(count + 40, 30000, 1, 1, 0, 0).subarray(0, count));
    }
  });
});
