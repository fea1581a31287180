// How the threads share a phase's strips of columns: each takes its own share from the front, then
// helps the others from their back. Whatever the order in which the threads ask, every strip must be
// handed out exactly once, or a step would skip or repeat part of a layer.

import { describe, expect, it } from 'vitest';
import { claim, share } from '../dist/train/control.js';
import { Random } from '../dist/random.js';

const CLAIMS = 3;

/** Thread `thread`'s next range as [from, to), or undefined when none is left. */
function next(words: Int32Array, thread: number, threads: number, strips: number): [number, number] | undefined {
  const range = claim(words, CLAIMS, thread, threads, strips);
  return range < 0 ? undefined : [range & 0xffff, range >>> 16];
}

describe('claim', () => {
  it('gives one thread all the strips, in order, half of what is left at a time', () => {
    const words = new Int32Array(CLAIMS + 1);
    const ranges = [];
    for (let range = next(words, 0, 1, 50); range; range = next(words, 0, 1, 50)) ranges.push(range);
    expect(ranges).toEqual([[0, 25], [25, 38], [38, 44], [44, 47], [47, 49], [49, 50]]);
  });

  it('lets a thread done with its share take another thread\'s strips from the back, one at a time, but not the last', () => {
    const words = new Int32Array(CLAIMS + 2);
    const ranges = [];
    for (let range = next(words, 1, 2, 50); range; range = next(words, 1, 2, 50)) ranges.push(range);
    // thread 0 has not started: thread 1 takes all of its strips but the first
    const stolen = Array.from({ length: 24 }, (_, i) => [24 - i, 25 - i]);
    expect(ranges).toEqual([[25, 38], [38, 44], [44, 47], [47, 49], [49, 50], ...stolen]);
    expect(next(words, 0, 2, 50)).toEqual([0, 1]);
    expect(next(words, 0, 2, 50)).toBeUndefined();
  });

  it('hands out every strip exactly once, whatever the order in which the threads ask', () => {
    const random = new Random(5);
    for (const [threads, strips] of [[2, 50], [3, 50], [2, 1], [3, 2], [4, 7], [16, 50], [2, 4096]]) {
      for (let trial = 0; trial < 20; trial++) {
        const words = new Int32Array(CLAIMS + threads);
        const owner = new Int32Array(strips).fill(-1);
        const done = new Set<number>();
        while (done.size < threads) {
          const thread = random.nextBelow(threads);
          if (done.has(thread)) continue;
          const range = next(words, thread, threads, strips);
          if (!range) {
            done.add(thread);
            continue;
          }
          const [from, to] = range;
          expect(to).toBeGreaterThan(from);
          for (let strip = from; strip < to; strip++) {
            expect(owner[strip]).toBe(-1);
            owner[strip] = thread;
          }
          // a thread takes ranges of more than one strip from its own share only
          const [first, end] = share(strips, threads, thread, 1);
          if (to - from > 1) expect(from >= first && to <= end).toBe(true);
        }
        expect(owner.every((thread) => thread >= 0)).toBe(true);
      }
    }
  });
});
