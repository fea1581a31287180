// A dense layer on sparse input: the first layer, when most of the batch's inputs are 0 (MNIST's
// pixels: 81%), runs kernels that skip them (assembly/sparse.ts). The batch arrives compressed by
// rows (CSR, for the forward pass) and, built here, by columns (CSC, for the weight gradient).
//
// In a training step this layer is the bulk of the work, and it is split by its output units
// (columns of W1, in blocks of whole 16-column strips of the kernels) rather than by rows: forward pass and update
// alike, so a thread's claims read and write only their own columns of W1 and of its optimizer
// state, which stay in its core's cache when it claims the same blocks step after step (see
// threads/queue.ts). Split by rows, every thread read all of W1 each step, half of it just written
// by the other.
//
// The update of a block of output units also computes that block of the first layer's output
// gradient, if the layer above's input gradient is a transposed one (`firstLayerGradient`): from the rows of the layer
// above's W that the same item then updates. So an item reads only what it writes itself, and the
// gradient's columns stay in the cache of the core that uses them.

import type { Op, Plan } from '../plan-types.js';
import { maskRowBytes } from '../masks.js';
import { transposedInputGradient, updateBias, updateUnits, type DenseInputOp, type DenseOp, type DenseUpdate } from './dense.js';
import type { StepContext } from './kind.js';

/** A nonzero of a sparse batch: its value and its index (see assembly/sparse.ts). */
export const SPARSE_ENTRY_BYTES = 8;

/** Output units per block: one of the kernels' 16-column strips. */
const OUTPUTS_PER_BLOCK = 16;

/** The index in plan.backward of the op that gives the first layer its output gradient, if it can run by output blocks (see above); else -1. */
export function firstLayerGradient(plan: Plan): number {
  const last = plan.backward.length - 1;
  const op = plan.backward[last] as DenseInputOp | undefined;
  const first = plan.updates[0] as DenseUpdate | undefined;
  return op?.kind === 'dense' && op.transposed && first !== undefined && first.input < 0 && op.dinput === first.dout ? last : -1;
}

/** The first layer's forward pass over rows [first, first + count), all its columns (inference). */
export function forwardRows(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as DenseOp;
  const { rowRange, csrEntries } = c.plan;
  const mask = op.mask ? op.mask + first * maskRowBytes(op.outDim) : 0;
  c.emit.denseForwardSparse(op.output + first * op.outDim * 4, rowRange + first * 8, csrEntries, op.weight, op.bias, mask, op.scale,
    count, op.inDim, op.outDim, op.outDim, op.relu, c.scratch);
}

/** Blocks of the first layer's output units. */
export function outputBlocks(plan: Plan): number {
  return Math.ceil((plan.training[0] as DenseOp).outDim / OUTPUTS_PER_BLOCK);
}

function blockOutputs(op: { outDim: number }, block: number): [number, number] {
  return [block * OUTPUTS_PER_BLOCK, Math.min(op.outDim, (block + 1) * OUTPUTS_PER_BLOCK)];
}

/** The first layer's forward pass over every row of the batch, for its block of output units `block`. */
export function forwardOutputs(block: number, c: StepContext): void {
  const op = c.plan.training[0] as DenseOp;
  const [from, to] = blockOutputs(op, block);
  c.emit.denseForwardSparse(op.output + from * 4, c.plan.rowRange, c.plan.csrEntries, op.weight + from * 4, op.bias && op.bias + from * 4,
    op.mask && op.mask + from / 8, op.scale, c.rows, op.inDim, to - from, op.outDim, op.relu, c.scratch);
}

/**
 * Part `part` of the batch's CSC: its input units [unit, end), where their column starts and their
 * entries lie. Each input unit may hold up to `capacity` entries, so the parts fill disjoint regions.
 */
function cscPart(part: number, c: StepContext): [number, number, number, number] {
  const { plan } = c;
  const [unit, end] = c.cscUnits(part);
  return [unit, end, plan.cscStart + (unit + part) * 4, plan.cscEntries + unit * plan.capacity * SPARSE_ENTRY_BYTES];
}

/** Builds part `part` of the batch's CSC from its CSR, for the update. */
export function transposePart(part: number, c: StepContext): void {
  const [unit, end, start, entries] = cscPart(part, c);
  if (end > unit) c.emit.transposeSparse(start, entries, c.plan.rowRange, c.plan.csrEntries, c.rows, unit, end);
}

/**
 * Block `block` of a sparse first layer's output units in the update: its output gradient for these
 * units (if it runs by blocks), the layer above's rows of W for these units (and, in block 0, its bias), then the first layer's
 * weights and bias for these columns, over every input unit, from each CSC part in turn.
 */
export function updateOutputs(block: number, c: StepContext): void {
  const { plan } = c;
  const first = plan.updates[0] as DenseUpdate;
  const [from, to] = blockOutputs(first, block);
  if (plan.firstLayerGradient >= 0) {
    const gradient = plan.backward[plan.firstLayerGradient] as DenseInputOp;
    const above = plan.updates[1] as DenseUpdate;
    transposedInputGradient(gradient, c, 0, c.rows, from, to);
    updateUnits(above, from, to, c);
    // its bias, a sum over every row of its own gradient, with the first block
    if (block === 0) updateBias(above, 0, above.outDim, c);
  }
  updateFirstLayer(first, from, to, c);
  updateBias(first, from, to, c);
}

function updateFirstLayer(layer: DenseUpdate, from: number, to: number, c: StepContext): void {
  const { plan } = c;
  const rule = plan.optimizer!;
  const { outDim } = layer;
  const dout = layer.dout + from * 4;
  // Adam and RMSprop have no fused sparse kernel: their gradient is stored, then updated as a dense layer's.
  const stored = rule.rule === 'adam' || rule.rule === 'rmsprop';
  for (let part = 0; part < c.cscParts; part++) {
    const [unit, end, start, entries] = cscPart(part, c);
    if (end === unit) continue;
    const offset = (layer.weightOffset + unit * outDim + from) * 4;
    if (stored) {
      c.emit.denseWeightGradientSparse(plan.grads + offset, start, entries, dout, c.rows, end - unit, to - from, outDim, c.scratch);
      continue;
    }
    const weight = plan.params + offset;
    const velocity = rule.rule === 'momentum' ? plan.state[0] + offset : 0;
    const { rows, scratch, kernels } = c;
    const { momentum, weightDecay, nesterov } = rule;
    c.later(() => kernels.denseWeightUpdateSparse(weight, velocity, start, entries, dout, rows, end - unit, to - from, outDim,
      c.learningRate(), momentum, weightDecay, nesterov, scratch));
  }
  if (stored) for (let unit = 0; unit < layer.inDim; unit++) c.optimize(layer.weightOffset + unit * outDim + from, to - from);
}
