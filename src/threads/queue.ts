// Work items shared out with stealing. A phase's work is cut into items whose results do not depend
// on which thread computes them or in what order (every sum inside an item is taken in a fixed order),
// so any claim order gives the same bits. Each thread starts with a contiguous run of items, the same
// run from step to step, so that on a quiet machine each core keeps working on the same weights and
// they stay in its cache; a thread that runs out takes items from the back of the longest run left,
// so that when another process holds a core, the thread on the free core does that core's work
// instead of waiting for it. A run's last item is left to its owner: on a quiet machine the threads
// finish their runs at about the same time, and taking each other's last item would only move those
// weights between the cores' caches, step after step (earlier attempts at claiming lost 3-5% that way).

import { MAX_THREADS, RUNS, QUEUE_THREADS } from './control.js';

const END_MASK = 0xffff;

/** The most items a phase may have. */
export const MAX_ITEMS = END_MASK;

/**
 * Gives thread t the run of items [runs[t], runs[t + 1]), for `runs.length - 1` threads; before the
 * phase starts. The pool's user decides the runs, so that a thread's run in one phase can hold the
 * same weights as in the next.
 */
export function shareItems(i32: Int32Array, base: number, runs: ArrayLike<number>): void {
  const threads = runs.length - 1;
  i32[base + QUEUE_THREADS] = threads;
  for (let t = 0; t < MAX_THREADS; t++) Atomics.store(i32, base + RUNS + t, t < threads ? (runs[t] << 16) | runs[t + 1] : 0);
}

/** Runs of `items` items shared evenly between `threads` threads. */
export function evenRuns(items: number, threads: number): number[] {
  return Array.from({ length: threads + 1 }, (_, t) => Math.floor((items * t) / threads));
}

/**
 * The next item for `thread`: from the front of its own run, else from the back of the longest other
 * that has more than one item left; -1 when there is none.
 */
export function claimItem(i32: Int32Array, base: number, thread: number): number {
  const own = base + RUNS + thread;
  for (;;) {
    const run = Atomics.load(i32, own);
    const next = run >>> 16;
    if (next >= (run & END_MASK)) break;
    if (Atomics.compareExchange(i32, own, run, run + (1 << 16)) === run) return next;
  }
  const threads = i32[base + QUEUE_THREADS];
  for (;;) {
    let victim = -1;
    let most = 1;
    for (let t = 0; t < threads; t++) {
      const run = Atomics.load(i32, base + RUNS + t);
      const left = (run & END_MASK) - (run >>> 16);
      if (left > most) [victim, most] = [t, left];
    }
    if (victim < 0) return -1;
    const at = base + RUNS + victim;
    const run = Atomics.load(i32, at);
    if ((run & END_MASK) - (run >>> 16) <= 1) continue;
    if (Atomics.compareExchange(i32, at, run, run - 1) === run) return (run & END_MASK) - 1;
  }
}
