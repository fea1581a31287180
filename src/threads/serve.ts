// The worker's side of the pool: wait for the main thread to announce a phase, run this thread's
// claims, count the phase done. What running a phase means is the caller's (engine/worker.ts).

import { GENERATION, PENDING, PHASE, RELOAD, recordFailure } from './control.js';

/**
 * Polls before sleeping: a step's next phase usually comes within microseconds. Few (2^16 before),
 * because a worker polling on a core it shares with other work takes that core from the thread the
 * step waits for (see MAIN_SPINS in pool.ts for the figures).
 */
const SPINS = 1 << 10;

/**
 * Runs `run(phase)` for every phase announced after generation `seen` (control words from `base`),
 * until a RELOAD phase sends this thread back to its event loop for a new plan. A phase that throws
 * is recorded for the main thread, which throws it.
 */
export function serve(control: Int32Array, base: number, seen: number, run: (phase: number) => void, describe: (error: unknown) => string): void {
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, base + GENERATION) === seen) {
      if (++spins > SPINS) Atomics.wait(control, base + GENERATION, seen);
    }
    seen = Atomics.load(control, base + GENERATION);
    const phase = control[base + PHASE];
    // Back to the event loop, where the new plan waits; its arrival counts as this phase's end.
    if (phase === RELOAD) return;
    try {
      run(phase);
    } catch (error) {
      recordFailure(control, base, describe(error));
    }
    countDone(control, base);
  }
}

/** Counts this thread's part of the phase done; the last thread to finish wakes the main thread. */
export function countDone(control: Int32Array, base: number): void {
  if (Atomics.sub(control, base + PENDING, 1) === 1) Atomics.notify(control, base + PENDING);
}
