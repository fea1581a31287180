// Whether a step runs on every thread of the pool or on the main thread alone. On a quiet machine
// every thread is faster (about 1.8x on two cores). When another process keeps a core busy, every
// thread of ours shares a core with it now and then, and a step waits for whichever was preempted,
// the main thread that announces the phases included: measured with one spinning neighbour, two
// threads took 1.39 s per epoch where one took 1.28 s, even with work items that the free thread can
// take over (phases.ts). Since the number of threads never changes a result, the session may switch
// between the two at any step; this class says when, from the steps' wall times.
//
// Windows of steps, each timed as a whole. The second window tries the main thread alone, since a
// fit may start on a busy machine. Later, running on every thread, a window much slower than the
// best such window so far suggests contention (one busy core about doubles a two-thread step), and
// the next window tries the main thread alone; running alone, every few windows try every thread
// again, since the contention may be over. A switch holds when the window that tried it was clearly
// faster than the last one of the other way. Each failed try makes the next one wait twice as long,
// so that on a quiet but noisy machine tries stay rare: each costs a window at the slower speed.

/** Steps per window; the first step of a window, which may still pay for the switch, is not timed. */
const WINDOW = 8;
/** How much slower than the best all-thread window a window must be to try the main thread alone. */
const SUSPECT = 1.4;
/** How much faster a tried window must be for the switch to hold. */
const GAIN = 0.05;
/** Windows between tries, at first and at most; doubled by each try that fails. */
const WAIT_FIRST = 4;
const WAIT_MOST = 64;

export class ThreadChoice {
  /** Threads the next step runs on. */
  threads: number;
  private trying = false;
  private steps = 0;
  private sum = 0;
  private windows = 0;
  private bestAll = Infinity;
  /** The last window's mean step time, each way: [all threads, one thread]. */
  private readonly last = [Infinity, Infinity];
  /** Windows since the last try, and how many must pass before the next, each way. */
  private since = 0;
  private readonly wait = [WAIT_FIRST, WAIT_FIRST];

  constructor(private readonly all: number) {
    this.threads = all;
  }

  /** Records a finished step's wall time in milliseconds. */
  record(ms: number): void {
    if (this.all <= 1) return;
    if (this.steps++ > 0) this.sum += ms;
    if (this.steps < WINDOW) return;
    const mean = this.sum / (WINDOW - 1);
    this.steps = 0;
    this.sum = 0;
    this.windows++;
    this.since++;
    const alone = this.threads === 1 ? 1 : 0;
    this.last[alone] = mean;
    if (!alone) this.bestAll = Math.min(this.bestAll, mean);
    if (this.trying) this.settle(alone, mean);
    else if (alone ? this.since >= this.wait[1] : this.windows === 1 || (mean > this.bestAll * SUSPECT && this.since >= this.wait[0])) this.tryOther();
  }

  private tryOther(): void {
    this.threads = this.threads === 1 ? this.all : 1;
    this.trying = true;
  }

  /** After a window that tried the other way: keep it if it was clearly faster, else go back and wait longer before the next try. */
  private settle(alone: number, mean: number): void {
    this.trying = false;
    this.since = 0;
    const from = 1 - alone;
    if (mean < this.last[from] * (1 - GAIN)) {
      this.wait[alone] = WAIT_FIRST;
      return;
    }
    this.threads = alone ? this.all : 1;
    this.wait[from] = Math.min(WAIT_MOST, this.wait[from] * 2);
  }
}
