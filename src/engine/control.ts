// The control block: a few words of shared memory through which the main thread tells every thread
// (itself included) what to run next, and learns when all are done. Word indices are relative to
// the block's address / 4; the f64 slots to its address / 8.

/** The most threads a plan makes room for (the pool never starts more). */
export const MAX_THREADS = 16;

/** Bumped by the main thread for every phase; workers wait for it to change. */
export const GENERATION = 0;
/** Workers still running the current phase; the last one to finish wakes the main thread. */
export const PENDING = 1;
export const PHASE = 2;
export const ROWS = 3;
/** The first row of the data set this phase reads (through ORDER if that is not 0). */
export const FROM = 4;
/** 1 when the batch goes through the sparse first-layer kernels. */
export const SPARSE = 5;
/** Address of the data set's inputs, their kind (DATA_U8 or DATA_F32), the row order, the targets (or 0). */
export const DATA = 6;
export const DATA_KIND = 7;
export const ORDER = 8;
export const TARGET_DATA = 9;
/** This step's dropout key. */
export const KEY0 = 10;
export const KEY1 = 11;
export const THREADS = 12;
/** Set by a thread whose phase threw; its message follows as UTF-16 code units. */
export const FAILED = 13;
export const MESSAGE_LENGTH = 14;
/** f64 slots (words 16 to 21): the learning rate and Adam's bias corrections of this update. */
export const LEARNING_RATE = 8;
export const CORRECTION1 = 9;
export const CORRECTION2 = 10;
/** The data set's inputs in CSR, when it has them (see session.ts): its row ranges (or 0), its entries. */
export const DATA_RANGES = 22;
export const DATA_ENTRIES = 23;
/** THREADS + 1 boundaries of the first layer's input units, one range per thread. */
export const SPLITS = 24;
/** THREADS + 1 boundaries of a sparse first layer's columns, one range per thread (see balance.ts). */
export const COLUMN_SPLITS = SPLITS + MAX_THREADS + 2;
/** f64 slots, one per thread: milliseconds each has worked in the column phases since the main thread last read them. */
export const BUSY = (COLUMN_SPLITS + MAX_THREADS + 2) / 2;
export const MESSAGE = (BUSY + MAX_THREADS) * 2;
/** Words of message: two UTF-16 code units each. */
export const MESSAGE_CAPACITY = 120;
/** Bytes the block takes. */
export const CONTROL_BYTES = (MESSAGE + MESSAGE_CAPACITY) * 4;

export const DATA_U8 = 0;
export const DATA_F32 = 1;

export const Phase = {
  /** Gather rows, draw masks, forward, loss and input gradients, split by rows of the batch. */
  TrainRows: 1,
  /**
   * Weight gradients and updates, split by each layer's input units; a sparse first layer's by its
   * outputs, with its dout computed there too, and the layer above by the same units (see runner.ts).
   */
  Update: 2,
  /** Gather rows and run the inference pass (and the loss, if targets are given), split by rows. */
  InferRows: 3,
  /** Leave the wait loop to receive a new plan by message (see pool.ts). */
  Reload: 4,
  /** TrainRows for a sparse batch, in three parts: first gather rows and draw masks, split by rows; */
  TrainInput: 5,
  /** then the first layer's forward pass split by its outputs, and the batch's CSC split by input units; */
  FirstLayer: 6,
  /** then the rest of TrainRows, split by rows. */
  TrainRest: 7,
} as const;

/**
 * The part [from, to) of `count` rows (or units) that thread `thread` of `threads` takes: blocks of
 * 4 by default, for the kernels' tiles.
 */
export function share(count: number, threads: number, thread: number, block = 4): [number, number] {
  const chunk = Math.ceil(count / threads / block) * block;
  return [Math.min(count, thread * chunk), Math.min(count, (thread + 1) * chunk)];
}

/** Records a failure in the control block, for the main thread to rethrow. */
export function recordFailure(i32: Int32Array, base: number, message: string): void {
  const length = Math.min(message.length, MESSAGE_CAPACITY * 2);
  const u16 = new Uint16Array(i32.buffer, (base + MESSAGE) * 4, MESSAGE_CAPACITY * 2);
  for (let i = 0; i < length; i++) u16[i] = message.charCodeAt(i);
  i32[base + MESSAGE_LENGTH] = length;
  Atomics.store(i32, base + FAILED, 1);
}

/** The message of a recorded failure. */
export function failureMessage(i32: Int32Array, base: number): string {
  const u16 = new Uint16Array(i32.buffer, (base + MESSAGE) * 4, MESSAGE_CAPACITY * 2);
  return String.fromCharCode(...u16.subarray(0, i32[base + MESSAGE_LENGTH]));
}
