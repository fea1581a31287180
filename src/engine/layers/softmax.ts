// Softmax and the categorical cross-entropy loss. In training the loss kernel takes the logits and
// computes softmax, loss and their gradient at once, so a softmax layer adds nothing to the training
// pass; at inference it turns the logits into probabilities.

import type { ElementwiseNode } from '../../network/topology.js';
import type { ForwardOp } from '../plan-types.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';

interface SoftmaxOp extends ForwardOp {
  kind: 'softmax';
  dim: number;
}

function plan(node: ElementwiseNode, b: PlanBuilder): void {
  const output = b.floats(b.capacity * node.dim);
  const op: SoftmaxOp = { kind: 'softmax', input: b.inferAct, output, dim: node.dim };
  b.inference.push(op);
  b.inferAct = output;
}

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as SoftmaxOp;
  const at = first * op.dim * 4;
  c.emit.softmax(op.output + at, op.input + at, count, op.dim);
}

/**
 * The loss of rows [first, first + count) from `logits`: each row's loss and correctness into the
 * plan's rowStats, and the gradient (scaled by `scale`, 1 / rows of the batch) into dlogits.
 */
export function crossEntropy(logits: number, scale: number, first: number, count: number, c: StepContext): void {
  const { plan } = c;
  const at = first * plan.outputDim * 4;
  c.emit.softmaxCrossEntropy(plan.dlogits + at, plan.rowStats + first * 16, logits + at, plan.targets + at, count, plan.outputDim, scale);
}

export const softmax: LayerKind<ElementwiseNode> = { plan, forward };
