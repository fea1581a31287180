// How threads share a phase's work items through the control block: each works through its own
// range from the front, then takes what is left of the others' from the back, and no item is
// claimed twice or missed. (Real threads claiming at once are in threads.test.ts.)

import { describe, expect, it } from 'vitest';
import { claim, resetClaims, share } from '../dist/train/control.js';

const BASE = 4;

describe('claims', () => {
  it('give each thread its own range first, front to back', () => {
    const i32 = new Int32Array(256);
    resetClaims(i32, BASE, 10, 3);
    expect([0, 1, 2].map((t) => share(10, 3, t, 1))).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect([claim(i32, BASE, 0, 3), claim(i32, BASE, 0, 3), claim(i32, BASE, 1, 3), claim(i32, BASE, 2, 3)]).toEqual([0, 1, 4, 8]);
  });

  it('let a thread that is done take the others’ items from the back, each item once', () => {
    const i32 = new Int32Array(256);
    resetClaims(i32, BASE, 10, 3);
    // Thread 2 is fast: its own two items, then from the back of thread 0's range, then thread 1's.
    const fast = Array.from({ length: 5 }, () => claim(i32, BASE, 2, 3));
    expect(fast).toEqual([8, 9, 3, 2, 1]);
    const rest = [claim(i32, BASE, 0, 3), claim(i32, BASE, 1, 3), claim(i32, BASE, 1, 3), claim(i32, BASE, 1, 3), claim(i32, BASE, 1, 3)];
    expect(rest).toEqual([0, 4, 5, 6, 7]);
    expect([0, 1, 2].map((t) => claim(i32, BASE, t, 3))).toEqual([-1, -1, -1]);
    expect([...fast, ...rest].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('leave nothing to claim for a phase of no items, and all to one thread alone', () => {
    const i32 = new Int32Array(256);
    resetClaims(i32, BASE, 0, 2);
    expect([claim(i32, BASE, 0, 2), claim(i32, BASE, 1, 2)]).toEqual([-1, -1]);
    resetClaims(i32, BASE, 3, 1);
    expect(Array.from({ length: 4 }, () => claim(i32, BASE, 0, 1))).toEqual([0, 1, 2, -1]);
  });
});
