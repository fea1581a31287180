// Work items shared out with stealing. A phase's work is cut into items whose results do not depend
// on which thread computes them or in what order (every sum inside an item is taken in a fixed order),
// so any claim order gives the same bits. Each thread starts with a contiguous run of items, the same
// run from step to step, so that on a quiet machine each core keeps working on the same weights and
// they stay in its cache; a thread that runs out takes items from the back of the longest run left,
// so that when another process holds a core, the thread on the free core does that core's work
// instead of waiting for it.

import { MAX_THREADS, RUNS, THREADS } from './control.js';

const END_MASK = 0xffff;

/** The most items a phase may have. */
export const MAX_ITEMS = END_MASK;

/** Shares `items` items between `threads` threads in contiguous runs; before the phase starts. */
export function shareItems(i32: Int32Array, base: number, items: number, threads: number): void {
  i32[base + THREADS] = threads;
  for (let t = 0; t < MAX_THREADS; t++) {
    const next = t < threads ? Math.floor((items * t) / threads) : 0;
    const end = t < threads ? Math.floor((items * (t + 1)) / threads) : 0;
    Atomics.store(i32, base + RUNS + t, (next << 16) | end);
  }
}

/** The next item for `thread`: from the front of its own run, else from the back of the longest other; -1 when none is left. */
export function claimItem(i32: Int32Array, base: number, thread: number): number {
  const own = base + RUNS + thread;
  for (;;) {
    const run = Atomics.load(i32, own);
    const next = run >>> 16;
    if (next >= (run & END_MASK)) break;
    if (Atomics.compareExchange(i32, own, run, run + (1 << 16)) === run) return next;
  }
  const threads = i32[base + THREADS];
  for (;;) {
    let victim = -1;
    let most = 0;
    for (let t = 0; t < threads; t++) {
      const run = Atomics.load(i32, base + RUNS + t);
      const left = (run & END_MASK) - (run >>> 16);
      if (left > most) [victim, most] = [t, left];
    }
    if (victim < 0) return -1;
    const at = base + RUNS + victim;
    const run = Atomics.load(i32, at);
    if ((run & END_MASK) <= run >>> 16) continue;
    if (Atomics.compareExchange(i32, at, run, run - 1) === run) return (run & END_MASK) - 1;
  }
}
