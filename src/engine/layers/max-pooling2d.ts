// Max pooling, channels last: each output is the largest input of its window, and the forward pass
// keeps which one (`argmax`), so that backward sends each output's gradient to that input alone.

import type { MaxPoolNode } from '../../network/topology.js';
import type { ForwardOp, Op } from '../plan-types.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';

interface MaxPoolOp extends ForwardOp {
  kind: 'maxPooling2d';
  /** (capacity, outDim) i32: the index of each output's input within its image. */
  argmax: number;
  inShape: [number, number, number];
  outShape: [number, number, number];
  pool: [number, number];
  strides: [number, number];
  pad: [number, number];
}

/** dinput ← 0, then each output's gradient added at its argmax. */
interface MaxPoolBackwardOp extends Op {
  kind: 'maxPooling2d';
  forward: MaxPoolOp;
  dout: number;
  dinput: number;
}

function plan(node: MaxPoolNode, b: PlanBuilder): void {
  const output = b.floats(b.capacity * node.outDim);
  const argmax = b.take(b.capacity * node.outDim * 4);
  const shared = { kind: 'maxPooling2d', output, argmax, inShape: node.inShape, outShape: node.outShape, pool: node.pool, strides: node.strides, pad: node.pad } as const;
  const training: MaxPoolOp = { ...shared, input: b.act };
  const inference: MaxPoolOp = { ...shared, input: b.inferAct };
  b.forward.push(training);
  b.inference.push(inference);
  const dout = b.training ? b.floats(b.capacity * node.outDim) : 0;
  if (b.training && b.gradient) {
    const back: MaxPoolBackwardOp = { kind: 'maxPooling2d', forward: training, dout, dinput: b.gradient };
    b.backward.unshift(back);
  }
  b.act = b.inferAct = output;
  b.gradient = dout;
}

const size = (shape: [number, number, number]): number => shape[0] * shape[1] * shape[2];

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as MaxPoolOp;
  const [height, width, channels] = op.inShape;
  const [outHeight, outWidth] = op.outShape;
  const out = first * size(op.outShape) * 4;
  c.emit.maxPoolForward(op.output + out, op.argmax + out, op.input + first * size(op.inShape) * 4, count, height, width, channels,
    outHeight, outWidth, op.pool[0], op.pool[1], op.strides[0], op.strides[1], op.pad[0], op.pad[1]);
}

function backward(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as MaxPoolBackwardOp;
  const f = op.forward;
  const [height, width, channels] = f.inShape;
  const [outHeight, outWidth] = f.outShape;
  const out = first * size(f.outShape) * 4;
  c.emit.maxPoolBackward(op.dinput + first * size(f.inShape) * 4, op.dout + out, f.argmax + out, count, height, width, channels, outHeight, outWidth);
}

export const maxPooling2d: LayerKind<MaxPoolNode> = { plan, forward, backward };
