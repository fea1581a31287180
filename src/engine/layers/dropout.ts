// Dropout: in training, each unit kept with probability 1 - rate and scaled by 1 / (1 - rate), by a
// mask drawn per row (masks.ts); at inference, nothing at all. Right after a dense layer (and its
// ReLU) the mask is applied in that layer's epilogue; backward, it rides on the input gradient of the
// dense layer above if that one is transposed (dense.ts), or runs here, in place.

import type { ElementwiseNode } from '../../network/topology.js';
import type { ForwardOp, Op } from '../plan-types.js';
import { maskRowBytes } from '../masks.js';
import type { DenseOp } from './dense.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';

interface DropoutOp extends ForwardOp {
  kind: 'dropout';
  mask: number;
  dim: number;
  scale: number;
}

/** dout ← dout · mask · scale, in place. */
interface DropoutBackwardOp extends Op {
  kind: 'dropout';
  dout: number;
  mask: number;
  dim: number;
  scale: number;
}

function plan(node: ElementwiseNode, b: PlanBuilder): void {
  if (!b.training) return;
  const mask = b.take(b.capacity * maskRowBytes(node.dim));
  b.masks.push({ mask, dim: node.dim, threshold: Math.round(node.rate * 65536) });
  const scale = Math.fround(1 / (1 - node.rate));
  const previous = b.forward[b.forward.length - 1] as DenseOp | undefined;
  if (previous?.kind === 'dense' && previous.mask === 0 && previous.output === b.act) {
    previous.mask = mask;
    previous.scale = scale;
  } else {
    const output = b.floats(b.capacity * node.dim);
    const op: DropoutOp = { kind: 'dropout', input: b.act, output, mask, dim: node.dim, scale };
    b.forward.push(op);
    b.act = output;
  }
  const back: DropoutBackwardOp = { kind: 'dropout', dout: b.gradient, mask, dim: node.dim, scale };
  if (b.gradient) b.backward.unshift(back);
}

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as DropoutOp;
  const at = first * op.dim * 4;
  c.emit.dropoutApply(op.output + at, op.input + at, op.mask + first * maskRowBytes(op.dim), count, op.dim, op.scale);
}

function backward(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as DropoutBackwardOp;
  const at = first * op.dim * 4;
  c.emit.dropoutApply(op.dout + at, op.dout + at, op.mask + first * maskRowBytes(op.dim), count, op.dim, op.scale);
}

export const dropout: LayerKind<ElementwiseNode> = { plan, forward, backward };
