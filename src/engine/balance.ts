// How a sparse first layer's columns (its hidden units, in 16-column strips) are shared between the
// threads. They start even. On a machine whose cores run at different speeds, a shared virtual
// machine whose host gives one core less time than the other, or a phone's big and little cores,
// the faster thread would wait at the end of every phase for the slower one; so the main thread
// times each thread's column phases, and moves strips to the faster threads when the times say,
// window after window, that the phases would be clearly shorter for it. A strip that moves takes its
// columns of W1 to another core's cache, which costs a little once; a share that followed every
// wobble would pay that all the time, and follow preemptions that last a few milliseconds, hence the
// threshold and the two windows in a row. Any share gives the same bits: every column is summed in
// the same order by whichever thread computes it.

import { share } from './control.js';

/** Columns per strip: a thread's share is whole strips, but for the layer's last, which may be partial. */
export const STRIP = 16;
/** Steps per window of timing. */
export const BALANCE_WINDOW = 32;
/** How much shorter, at least, the slowest thread's time must become for a move to be worth it. */
export const BALANCE_GAIN = 0.06;

export class ColumnBalance {
  /** threads + 1 column boundaries: thread t takes columns [boundaries[t], boundaries[t + 1]). */
  readonly boundaries: Int32Array;
  private readonly strips: number;
  private readonly busy: Float64Array;
  private steps = 0;
  /** Whether the last window also called for a move. */
  private pending = false;

  constructor(
    private readonly columns: number,
    readonly threads: number,
  ) {
    this.strips = Math.ceil(columns / STRIP);
    this.boundaries = Int32Array.from({ length: threads + 1 }, (_, t) => (t === threads ? columns : share(columns, threads, t, STRIP)[0]));
    this.busy = new Float64Array(threads);
  }

  /**
   * Adds one step's milliseconds of work in the column phases, thread t's at busy[from + t]; at the
   * end of a window, re-shares if two windows in a row said so. Returns whether the boundaries changed.
   */
  record(busy: ArrayLike<number>, from = 0): boolean {
    for (let t = 0; t < this.threads; t++) this.busy[t] += busy[from + t];
    if (++this.steps < BALANCE_WINDOW) return false;
    const proposal = this.propose();
    this.busy.fill(0);
    this.steps = 0;
    const move = proposal !== undefined && this.pending;
    this.pending = proposal !== undefined;
    if (!move) return false;
    this.pending = false;
    let at = 0;
    for (let t = 0; t < this.threads; t++) {
      this.boundaries[t] = Math.min(this.columns, at * STRIP);
      at += proposal[t];
    }
    this.boundaries[this.threads] = this.columns;
    return true;
  }

  /** Strips per thread in proportion to each one's speed this window, if that shortens the slowest thread's time enough. */
  private propose(): number[] | undefined {
    const { threads, strips } = this;
    const speed: number[] = [];
    for (let t = 0; t < threads; t++) {
      const own = this.stripsOf(t);
      // A thread with no strips, or no time, says nothing about its speed.
      if (own === 0 || !(this.busy[t] > 0)) return undefined;
      speed.push(own / this.busy[t]);
    }
    const now = Math.max(...this.busy);
    const total = speed.reduce((sum, s) => sum + s, 0);
    // Largest remainders, each thread keeping at least one strip.
    const exact = speed.map((s) => Math.max(1, (strips * s) / total));
    const proposal = exact.map(Math.floor);
    let left = strips - proposal.reduce((sum, s) => sum + s, 0);
    const order = exact.map((e, t) => [e - Math.floor(e), t]).sort((a, b) => b[0] - a[0]);
    for (let i = 0; left > 0; i = (i + 1) % threads, left--) proposal[order[i][1]]++;
    for (let t = 0; left < 0; t = (t + 1) % threads) {
      if (proposal[t] > 1) {
        proposal[t]--;
        left++;
      }
    }
    if (proposal.every((s, t) => s === this.stripsOf(t))) return undefined;
    const then = Math.max(...proposal.map((s, t) => s / speed[t]));
    return then < now * (1 - BALANCE_GAIN) ? proposal : undefined;
  }

  private stripsOf(thread: number): number {
    return Math.ceil(this.boundaries[thread + 1] / STRIP) - Math.ceil(this.boundaries[thread] / STRIP);
  }
}
