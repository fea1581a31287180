// ReLU: max(0, x). Right after a dense or convolution layer it is that layer's epilogue (no buffer,
// no kernel call of its own), and its backward gate rides on the input gradient of the dense layer above, if that one
// is transposed (dense.ts); otherwise it runs here, in place on the gradient.

import type { ElementwiseNode } from '../../network/topology.js';
import type { ForwardOp, Op } from '../plan-types.js';
import type { DenseOp } from './dense.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';

interface ReluOp extends ForwardOp {
  kind: 'relu';
  dim: number;
}

/** dout ← dout · (output > 0), in place. */
interface ReluBackwardOp extends Op {
  kind: 'relu';
  dout: number;
  output: number;
  dim: number;
}

function plan(node: ElementwiseNode, b: PlanBuilder): void {
  const previous = b.forward[b.forward.length - 1] as (ForwardOp & Pick<DenseOp, 'relu' | 'mask'>) | undefined;
  if ((previous?.kind === 'dense' || previous?.kind === 'conv2d') && previous.output === b.act && !previous.relu && previous.mask === 0) {
    previous.relu = true;
    (b.inference[b.inference.length - 1] as DenseOp).relu = true;
  } else {
    const output = b.floats(b.capacity * node.dim);
    const training: ReluOp = { kind: 'relu', input: b.act, output, dim: node.dim };
    const inference: ReluOp = { kind: 'relu', input: b.inferAct, output, dim: node.dim };
    b.forward.push(training);
    b.inference.push(inference);
    b.act = b.inferAct = output;
  }
  const back: ReluBackwardOp = { kind: 'relu', dout: b.gradient, output: b.act, dim: node.dim };
  if (b.training && b.gradient) b.backward.unshift(back);
}

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as ReluOp;
  const at = first * op.dim * 4;
  c.emit.reluForward(op.output + at, op.input + at, count * op.dim);
}

function backward(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as ReluBackwardOp;
  const at = first * op.dim * 4;
  c.emit.reluBackward(op.dout + at, op.dout + at, op.output + at, count * op.dim);
}

export const relu: LayerKind<ElementwiseNode> = { plan, forward, backward };
