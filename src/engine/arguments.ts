// The engine's part of the control block (after the pool's words, threads/control.ts): the arguments
// of the phase about to run, written by the main thread (session.ts) and read by every thread's runner.
// Two kinds of index, kept apart by name: `Word` indexes i32 words from the block's address / 4,
// `Slot` indexes f64 values from the block's address / 8. Slots lie after the words.

import { HEADER_WORDS, MAX_THREADS } from '../threads/control.js';

/** i32 words, from the block's address / 4. */
export const Word = {
  /** Rows of the batch. */
  ROWS: HEADER_WORDS,
  /** The first row of the data set this phase reads (through ORDER if that is not 0). */
  FROM: HEADER_WORDS + 1,
  /** 1 when the batch goes through the sparse first-layer kernels. */
  SPARSE: HEADER_WORDS + 2,
  /** Address of the data set's inputs, and their kind (DataKind). */
  DATA: HEADER_WORDS + 3,
  DATA_KIND: HEADER_WORDS + 4,
  /** Address of the row order (0: in order), and of the targets (0: none). */
  ORDER: HEADER_WORDS + 5,
  TARGETS: HEADER_WORDS + 6,
  /** The data set's inputs in CSR, when it has them (see data-sets.ts): its row ranges (or 0), its entries. */
  DATA_RANGES: HEADER_WORDS + 7,
  DATA_ENTRIES: HEADER_WORDS + 8,
  /** This step's dropout and augmentation key. */
  KEY0: HEADER_WORDS + 9,
  KEY1: HEADER_WORDS + 10,
  /** Threads the phase's items are shared between (phases.ts gives each item an owner). */
  THREADS: HEADER_WORDS + 11,
  /** Parts of the batch's CSC, one per thread, and their CSC_PARTS + 1 boundaries in the first layer's input units (see session.ts). */
  CSC_PARTS: HEADER_WORDS + 12,
  /** 1 when this training step distorts its rows (fit augments, and this epoch is one it augments). */
  AUGMENT: HEADER_WORDS + 13,
  CSC_SPLITS: HEADER_WORDS + 14,
} as const;

/** Words before the f64 slots, rounded up to an even number. */
const WORDS = (Word.CSC_SPLITS + MAX_THREADS + 2) & ~1;

/** f64 slots, from the block's address / 8: the learning rate and Adam's bias corrections of this update. */
export const Slot = {
  LEARNING_RATE: WORDS / 2,
  CORRECTION1: WORDS / 2 + 1,
  CORRECTION2: WORDS / 2 + 2,
} as const;

/** Bytes the whole block takes. */
export const CONTROL_BYTES = (Slot.CORRECTION2 + 1) * 8;

/** What the data set's inputs are: uint8 grey levels, or floats. */
export const DataKind = { U8: 0, F32: 1 } as const;
