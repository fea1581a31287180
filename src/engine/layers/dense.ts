// A dense layer: out = in · W + b. Forward by rows of the batch; backward, the input gradient by rows
// and the weight gradient and update by blocks of input units (rows of W): dW[i, :] sums over the
// batch for one i, and whoever computes it also owns W[i, :] and its optimizer state, so nothing
// needs reducing and any thread may take any block.
//
// Fusion, which keeps the plan short: a ReLU and a dropout right after a dense layer ride on its
// forward kernel's epilogue (relu.ts, dropout.ts), and a transposed input gradient applies the
// dropout mask and the ReLU gate of the layers below it in its own epilogue (here, in `plan`).

import type { DenseNode } from '../../network/topology.js';
import type { ForwardOp, Op } from '../plan-types.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';
import { maskRowBytes } from '../masks.js';

export interface DenseOp extends ForwardOp {
  kind: 'dense';
  /** Byte addresses; bias 0 if none. */
  weight: number;
  bias: number;
  inDim: number;
  outDim: number;
  /** The epilogue: max(0, ·), then · mask · scale where mask is not 0. */
  relu: boolean;
  mask: number;
  scale: number;
  /** Whether the input is the data: then a sparse batch takes the sparse kernels (dense-sparse.ts). */
  onData: boolean;
}

/** The input gradient dinput = dout · Wᵀ, then, when `transposed`, the epilogue of the layers below: · mask · scale, then the ReLU gate (its output > 0). */
export interface DenseInputOp extends Op {
  kind: 'dense';
  weight: number;
  inDim: number;
  outDim: number;
  dout: number;
  dinput: number;
  /** From W transposed into the thread's scratch (denseInputGradientTransposed), with mask and gate fused in if not 0. */
  transposed: boolean;
  mask: number;
  scale: number;
  gate: number;
}

/** A dense layer's weight gradient and update. */
export interface DenseUpdate extends Op {
  kind: 'dense';
  /** Float offsets (not byte addresses, as in DenseOp) into the parameter, gradient and state regions; bias -1 if none. */
  weightOffset: number;
  biasOffset: number;
  inDim: number;
  outDim: number;
  /** The layer's input activations (batch, inDim), or -1 for the data (the first layer). */
  input: number;
  dout: number;
}

/**
 * A layer with fewer outputs than this computes its input gradient from W transposed
 * (`denseInputGradientTransposed`, the transpose included): measured on 256 rows of 800 inputs, 2.2x
 * faster than `denseInputGradient` for 10 outputs, 1.2x for 16, the same for 32, 20% slower for 64.
 */
const TRANSPOSED_BELOW = 32;

/** Weights per block of a weight gradient and update, about: blocks small enough to share, big enough to be worth a claim. */
const WEIGHTS_PER_BLOCK = 65536;

function plan(node: DenseNode, b: PlanBuilder): void {
  const output = b.floats(b.capacity * node.outDim);
  const dout = b.training ? b.floats(b.capacity * node.outDim) : 0;
  const weight = b.params + node.weight * 4;
  const bias = node.bias < 0 ? 0 : b.params + node.bias * 4;
  const shared = { kind: 'dense', weight, bias, inDim: node.inDim, outDim: node.outDim, output, relu: false, mask: 0, scale: 1 } as const;
  const training: DenseOp = { ...shared, input: b.act, onData: b.act === b.x };
  const inference: DenseOp = { ...shared, input: b.inferAct, onData: b.inferAct === b.x };
  b.forward.push(training);
  b.inference.push(inference);
  if (b.training) {
    if (b.gradient) b.backward.unshift(inputGradient(node, weight, dout, b));
    const update: DenseUpdate = { kind: 'dense', weightOffset: node.weight, biasOffset: node.bias, inDim: node.inDim, outDim: node.outDim, input: b.act === b.x ? -1 : b.act, dout };
    b.updates.push(update);
  }
  b.act = b.inferAct = output;
  b.gradient = dout;
}

/** The input gradient into the gradient buffer below, taking the element-wise backward ops that follow it into its epilogue when transposed. */
function inputGradient(node: DenseNode, weight: number, dout: number, b: PlanBuilder): DenseInputOp {
  const op: DenseInputOp = {
    kind: 'dense', weight, inDim: node.inDim, outDim: node.outDim, dout, dinput: b.gradient,
    transposed: node.outDim < TRANSPOSED_BELOW, mask: 0, scale: 1, gate: 0,
  };
  if (!op.transposed) return op;
  b.scratchBytes = Math.max(b.scratchBytes, op.inDim * op.outDim * 4);
  // The ops below run right after this one, on the same buffer: first a dropout's, then a ReLU's.
  const next = b.backward[0] as (Op & { dout?: number; mask?: number; scale?: number; output?: number }) | undefined;
  if (next?.kind === 'dropout' && next.dout === op.dinput) {
    op.mask = next.mask!;
    op.scale = next.scale!;
    b.backward.shift();
  }
  const after = b.backward[0] as (Op & { dout?: number; output?: number }) | undefined;
  if (after?.kind === 'relu' && after.dout === op.dinput) {
    op.gate = after.output!;
    b.backward.shift();
  }
  return op;
}

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as DenseOp;
  const mask = op.mask ? op.mask + first * maskRowBytes(op.outDim) : 0;
  c.emit.denseForward(op.output + first * op.outDim * 4, op.input + first * op.inDim * 4, op.weight, op.bias, mask, op.scale, count, op.inDim, op.outDim, op.relu);
}

function backward(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as DenseInputOp;
  if (op.transposed) transposedInputGradient(op, c, first, count, 0, op.inDim);
  else c.emit.denseInputGradient(op.dinput + first * op.inDim * 4, op.dout + first * op.outDim * 4, op.weight, count, op.inDim, op.outDim);
}

/**
 * A transposed input gradient for rows [first, first + count) and columns [from, to) of its dinput
 * (from a multiple of 8), from those rows of W alone: by rows here, by blocks of the first layer's
 * output units in a sparse step's update (dense-sparse.ts).
 */
export function transposedInputGradient(op: DenseInputOp, c: StepContext, first: number, count: number, from: number, to: number): void {
  if (to === from || count === 0) return;
  const weightT = c.scratch;
  const row = first * op.inDim * 4 + from * 4;
  c.emit.transpose(weightT + from * 4, op.weight + from * op.outDim * 4, to - from, op.outDim, op.inDim);
  c.emit.denseInputGradientTransposed(op.dinput + row, op.dout + first * op.outDim * 4, weightT + from * 4, count, to - from, op.outDim, op.inDim,
    op.mask && op.mask + first * maskRowBytes(op.inDim) + from / 8, op.scale, op.gate && op.gate + row);
}

/** Input units per block of the weight gradient: a multiple of 4, for the kernels' tiles. */
function blockUnits(op: DenseUpdate): number {
  const blocks = Math.min(Math.max(1, Math.round((op.inDim * op.outDim) / WEIGHTS_PER_BLOCK)), Math.ceil(op.inDim / 4));
  return Math.ceil(op.inDim / blocks / 4) * 4;
}

function updateItems(operation: Op): number {
  const op = operation as DenseUpdate;
  return Math.ceil(op.inDim / blockUnits(op)) + (op.biasOffset < 0 ? 0 : 1);
}

/** Item `item`: a block of input units' weight gradient and update, or, last, the bias's. */
function update(operation: Op, item: number, c: StepContext): void {
  const op = operation as DenseUpdate;
  const size = blockUnits(op);
  const blocks = Math.ceil(op.inDim / size);
  if (item === blocks) {
    updateBias(op, 0, op.outDim, c);
    return;
  }
  updateUnits(op, item * size, Math.min(op.inDim, (item + 1) * size), c);
}

/** The weight gradient and update of input units [from, to). */
export function updateUnits(op: DenseUpdate, from: number, to: number, c: StepContext): void {
  if (to <= from) return;
  const { plan } = c;
  const offset = op.weightOffset + from * op.outDim;
  const input = op.input < 0 ? plan.x : op.input;
  c.emit.denseWeightGradient(plan.grads + offset * 4, op.dout, input + from * 4, c.rows, to - from, op.outDim, op.inDim);
  c.optimize(offset, (to - from) * op.outDim);
}

/** The bias gradient and update of output units [from, to). */
export function updateBias(op: DenseUpdate, from: number, to: number, c: StepContext): void {
  if (op.biasOffset < 0 || to <= from) return;
  c.emit.denseBiasGradient(c.plan.grads + (op.biasOffset + from) * 4, op.dout + from * 4, c.rows, to - from, op.outDim);
  c.optimize(op.biasOffset + from, to - from);
}

export const dense: LayerKind<DenseNode> = { plan, forward, backward, updateItems, update };
