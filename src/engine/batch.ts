// A thread's rows of the batch, before the first layer: gathered out of the data set in linear
// memory (or distorted first, when fit augments), with their targets and their dropout masks. What
// changes from step to step (the rows' order, the data set, the key) is read from the control block
// as the program runs.

import { DataKind, Word } from './arguments.js';
import { drawAugmentRow } from './augment.js';
import type { StepContext } from './layers/kind.js';
import { drawMaskRow, maskRowBytes } from './masks.js';
import { Random } from '../random.js';

/** Writes into the program: gather (or augment) rows [first, first + count) and draw their dropout masks. */
export function trainInput(first: number, count: number, c: StepContext): void {
  if (c.plan.augment && c.word(Word.AUGMENT) && c.word(Word.DATA_KIND) !== DataKind.F32) {
    const random = new Random(0);
    c.later(() => augment(first, count, c, random));
  } else {
    c.later(() => gather(first, count, c));
  }
  if (c.plan.masks.length > 0) c.later(() => drawMasks(first, count, c));
}

/** Draws the dropout masks of rows [first, first + count) with this step's key. */
function drawMasks(first: number, count: number, c: StepContext): void {
  const { masks } = c.plan;
  const key0 = c.word(Word.KEY0);
  const key1 = c.word(Word.KEY1);
  const i32 = c.i32();
  for (let layer = 0; layer < masks.length; layer++) {
    const spec = masks[layer];
    const words = maskRowBytes(spec.dim) >> 2;
    for (let r = first; r < first + count; r++) drawMaskRow(i32, (spec.mask >> 2) + r * words, spec.dim, spec.threshold, key0, key1, r, layer);
  }
}

/**
 * Distorts rows [first, first + count) of the batch into the plan's image buffer (draws, then the
 * kernel), and gathers them from there; their targets still come from the data set, row for row.
 */
function augment(first: number, count: number, c: StepContext, random: Random): void {
  const a = c.plan.augment!;
  const key0 = c.word(Word.KEY0);
  const key1 = c.word(Word.KEY1);
  const f32 = c.f32();
  for (let r = first; r < first + count; r++) drawAugmentRow(f32, (a.params >> 2) + r * a.paramStride, a, random, key0, key1, r);
  const pixels = a.width * a.height;
  c.kernels.augmentRows(a.images + first * pixels, c.word(Word.DATA), c.word(Word.ORDER), c.word(Word.FROM) + first, count, a.width, a.height,
    a.params + first * a.paramStride * 4, a.paramStride, a.basisX, a.basisY, a.k, a.stride, a.scratch + c.thread * a.scratchBytes, a.cutoff);
  gather(first, count, c, { data: a.images, order: a.identity, from: first });
}

/** Copies rows [first, first + count) of the batch (and their targets) out of the data set, by the order. */
export function gather(first: number, count: number, c: StepContext, source?: { data: number; order: number; from: number }): void {
  const { plan, kernels: k } = c;
  const data = source?.data ?? c.word(Word.DATA);
  const order = source?.order ?? c.word(Word.ORDER);
  const from = source?.from ?? c.word(Word.FROM) + first;
  const width = plan.inputDim;
  const f32 = c.word(Word.DATA_KIND) === DataKind.F32;
  if (c.word(Word.SPARSE)) {
    const range = plan.rowRange + first * 8;
    const ranges = c.word(Word.DATA_RANGES);
    // Each row may hold up to `width` entries: rows fill disjoint parts of the arrays, whoever gathers them.
    if (ranges && !source) k.gatherSparseRows(range, plan.csrEntries, ranges, c.word(Word.DATA_ENTRIES), order, from, count, first * width);
    else if (f32) k.gatherSparseF32(range, plan.csrEntries, data, order, from, count, width, first * width);
    else k.gatherSparseU8(range, plan.csrEntries, data, order, from, count, width, plan.table, first * width);
  } else if (f32) {
    k.gatherRowsF32(plan.x + first * width * 4, data, order, from, count, width);
  } else {
    k.gatherRowsU8(plan.x + first * width * 4, data, order, from, count, width, plan.table);
  }
  const targets = c.word(Word.TARGETS);
  if (targets) k.gatherRowsF32(plan.targets + first * plan.outputDim * 4, targets, c.word(Word.ORDER), c.word(Word.FROM) + first, count, plan.outputDim);
}
