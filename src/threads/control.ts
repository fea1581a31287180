// The pool's part of a control block: the first words of a few of shared memory through which the
// main thread tells every thread (itself included) what to run next, and learns when all are done.
// What a phase means, and the words after HEADER_WORDS, belong to whoever runs the pool (engine/).
// Indices here are i32 words from the block's address / 4.

/** The most threads a pool starts. */
export const MAX_THREADS = 16;

/** Bumped by the main thread for every phase; workers wait for it to change. */
export const GENERATION = 0;
/** Workers still running the current phase; the last one to finish wakes the main thread. */
export const PENDING = 1;
/** The phase to run: RELOAD, or a number the pool's user gives a meaning. */
export const PHASE = 2;
/** Set by a thread whose phase threw; its message follows at MESSAGE, as UTF-16 code units. */
const FAILED = 3;
const MESSAGE_LENGTH = 4;
/** Threads sharing the current phase's items (queue.ts), the main thread included. */
export const QUEUE_THREADS = 5;
/**
 * The phase's work items, one word per thread: the run [next, end) of item indices it has left of its
 * own share, as next << 16 | end. A thread claims from the front of its own run, and when that is
 * empty, from the back of another's (see queue.ts).
 */
export const RUNS = 8;
const MESSAGE = RUNS + MAX_THREADS;
/** Words of message: two UTF-16 code units each. */
const MESSAGE_CAPACITY = 120;
/** Words the pool's part takes; the pool's user may use the words from here on. */
export const HEADER_WORDS = MESSAGE + MESSAGE_CAPACITY;

/** The phase that sends every worker back to its event loop, to receive a new plan by message. */
export const RELOAD = 0;

/** Records a failure in the control block at word `base`, for the main thread to rethrow; the first failure wins. */
export function recordFailure(i32: Int32Array, base: number, message: string): void {
  if (Atomics.compareExchange(i32, base + FAILED, 0, 1) !== 0) return;
  const length = Math.min(message.length, MESSAGE_CAPACITY * 2);
  const u16 = new Uint16Array(i32.buffer, (base + MESSAGE) * 4, MESSAGE_CAPACITY * 2);
  for (let i = 0; i < length; i++) u16[i] = message.charCodeAt(i);
  Atomics.store(i32, base + MESSAGE_LENGTH, length);
}

/** The message of a recorded failure, and the block cleared of it. */
export function takeFailure(i32: Int32Array, base: number): string | undefined {
  if (!Atomics.load(i32, base + FAILED)) return undefined;
  const u16 = new Uint16Array(i32.buffer, (base + MESSAGE) * 4, MESSAGE_CAPACITY * 2);
  const message = String.fromCharCode(...u16.subarray(0, i32[base + MESSAGE_LENGTH]));
  i32[base + MESSAGE_LENGTH] = 0;
  Atomics.store(i32, base + FAILED, 0);
  return message;
}
