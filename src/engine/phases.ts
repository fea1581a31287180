// The phases of a step, and the work items each is cut into. Every item's results are the same
// whichever thread computes it and in whatever order the items run, so threads may claim them freely
// (threads/queue.ts) and the number of threads never changes a result:
// - by rows of the batch for everything that is per row: the gather, the dropout masks, every
//   layer's forward pass, the loss and the input gradients (each row's dot products do not depend
//   on other rows);
// - by blocks of input units (rows of W) for a dense layer's weight gradient and update, plus one
//   item for its bias (layers/dense.ts);
// - by blocks of output units for a sparse first layer, forward pass and update alike, plus the
//   parts of the batch's CSC (layers/dense-sparse.ts).
//
// Each item also has an owner, the thread whose run it starts in (threads/queue.ts): the same
// thread owns a sparse first layer's block of output units in both phases that touch its weights,
// so that on a quiet machine those weights stay in one core's cache.

import type { Plan } from './plan-types.js';
import { LAYER_KINDS } from './layers/index.js';
import { outputBlocks } from './layers/dense-sparse.js';

/** Phase numbers (threads/control.ts keeps 0 for its reload). */
export const Phase = {
  /** Gather rows, draw masks, forward, loss and input gradients: a dense batch, by rows. */
  TrainRows: 1,
  /** A sparse batch in three phases: first gather rows and draw masks, by rows; */
  TrainInput: 2,
  /** then the first layer's forward pass by blocks of its output units, and the batch's CSC by parts; */
  FirstLayer: 3,
  /** then the rest of TrainRows, by rows. */
  TrainRest: 4,
  /**
   * Weight gradients and updates, by blocks of each layer's input units; a sparse first layer's by
   * blocks of its output units, which also compute its output gradient (layers/dense-sparse.ts).
   */
  Update: 5,
  /** Gather rows and run the inference pass (and the loss, if targets are given), by rows. */
  InferRows: 6,
} as const;

export const PHASE_NAMES: Record<number, string> = {
  [Phase.TrainRows]: 'the forward and backward pass of a batch',
  [Phase.TrainInput]: 'the gather of a batch',
  [Phase.FirstLayer]: "the first layer's forward pass and the batch's CSC",
  [Phase.TrainRest]: 'the forward and backward pass after the first layer',
  [Phase.Update]: 'the weight gradients and the update',
  [Phase.InferRows]: 'the inference pass',
};

/**
 * Rows per item: 32 in the phases around a sparse first layer; the plan's rowsPerItem in a dense
 * batch's (plan.ts); 128 at inference, where each call of a sparse first layer packs its weights
 * once more (assembly/sparse.ts).
 */
const ROWS_PER_ITEM = 32;
const INFERENCE_ROWS_PER_ITEM = 128;

/** What an item of a phase does. */
export type Item =
  | { kind: 'rows'; first: number; count: number }
  | { kind: 'outputs'; block: number }
  | { kind: 'csc'; part: number }
  | { kind: 'update'; layer: number; item: number };

/** A phase's items, grouped by owner: thread t's run is items [runs[t], runs[t + 1]). */
export interface PhaseItems {
  items: Item[];
  runs: number[];
}

/** The items of `phase` for a batch of `rows` rows (`sparse`: through the sparse first layer), for `threads` threads. */
export function phaseItems(plan: Plan, phase: number, rows: number, sparse: boolean, cscParts: number, threads: number): PhaseItems {
  const owned: Item[][] = Array.from({ length: threads }, () => []);
  /** Shares `count` items made by `item` evenly: the first ones to thread 0, and so on. */
  const share = (count: number, item: (index: number) => Item): void => {
    for (let i = 0; i < count; i++) owned[Math.floor((i * threads) / count)].push(item(i));
  };
  if (phase === Phase.FirstLayer || (phase === Phase.Update && sparse)) share(outputBlocks(plan), (block) => ({ kind: 'outputs', block }));
  if (phase === Phase.FirstLayer) {
    for (let part = 0; part < cscParts; part++) owned[part % threads].push({ kind: 'csc', part });
  } else if (phase === Phase.Update) {
    // In a sparse step the output blocks update the first layer, and the one above if it gives the first its gradient.
    const skip = sparse ? (plan.firstLayerGradient >= 0 ? 2 : 1) : 0;
    plan.updates.forEach((op, layer) => {
      if (layer >= skip) share(LAYER_KINDS[op.kind].updateItems!(op), (item) => ({ kind: 'update', layer, item }));
    });
  } else {
    const size = phase === Phase.InferRows ? INFERENCE_ROWS_PER_ITEM : phase === Phase.TrainRows ? plan.rowsPerItem : ROWS_PER_ITEM;
    share(Math.ceil(rows / size), (i) => ({ kind: 'rows', first: i * size, count: Math.min(size, rows - i * size) }));
  }
  const runs = [0];
  for (const items of owned) runs.push(runs[runs.length - 1] + items.length);
  return { items: owned.flat(), runs };
}
