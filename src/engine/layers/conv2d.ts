// A 2-D convolution, channels last (NHWC), as im2col and the dense kernels: a row's input becomes,
// for each output position, the kernel-sized window of the image (`cols`, one row per position,
// kernelH·kernelW·channels wide), and the Keras kernel [kh, kw, inC, filters] is then the weight
// matrix of a dense layer over those rows. So the forward pass is im2col + denseForward (with the
// ReLU of an `activation: 'relu'` in its epilogue), the weight gradient denseWeightGradient over the
// window rows, and the input gradient dout · Wᵀ into `dcols`, then col2im. That product runs as
// denseForward over W transposed into the thread's scratch: on these shapes (a few hundred windows
// of 144 or 288 values, 16 or 32 filters) 1.5 to 1.9 times as fast as denseInputGradient, whose dot
// products over the filters are too short for its four lanes (0.47 ms against 0.72 ms on 16 images
// of the second convolution of TensorFlow.js's example network).
//
// The weight gradient sums over every position of every image of the batch. So that the number of
// threads never changes it, each row item (a fixed chunk of images, phases.ts) computes its own
// partial gradient into a chunk of `partials`, and the update sums the chunks in chunk order
// (denseBiasGradient: column sums over the chunks, taken in row order) before it applies the update,
// by blocks of weights, any thread taking any block.

import type { Conv2dNode } from '../../network/topology.js';
import type { ForwardOp, Op } from '../plan-types.js';
import type { LayerKind, PlanBuilder, StepContext } from './kind.js';

interface Conv2dOp extends ForwardOp {
  kind: 'conv2d';
  /** Byte addresses; bias 0 if none. */
  weight: number;
  bias: number;
  /** The batch's windows, (capacity · positions, window); its gradient in training, or 0. */
  cols: number;
  dcols: number;
  /** [height, width, channels] of the input, [height, width, filters] of the output. */
  inShape: [number, number, number];
  outShape: [number, number, number];
  kernel: [number, number];
  strides: [number, number];
  pad: [number, number];
  /** The epilogue, as a dense layer's (relu.ts fuses a ReLU here). Dropout's mask is by unit of the layer, not by position: never fused. */
  relu: boolean;
  mask: number;
  scale: number;
}

/** The input gradient (if the input is not the data), and this row chunk's part of the weight gradient. */
interface Conv2dBackwardOp extends Op {
  kind: 'conv2d';
  forward: Conv2dOp;
  dout: number;
  dinput: number;
  /** Per chunk of rows: the partial weight gradient (window × filters) and bias gradient (filters). */
  partials: number;
  biasPartials: number;
  rowsPerChunk: number;
}

interface Conv2dUpdate extends Op {
  kind: 'conv2d';
  /** Float offsets of the kernel and the bias (−1 if none). */
  weightOffset: number;
  biasOffset: number;
  weights: number;
  filters: number;
  partials: number;
  biasPartials: number;
  rowsPerChunk: number;
}

/** Weights per block of the update, about. */
const WEIGHTS_PER_BLOCK = 16384;

const positions = (shape: [number, number, number]): number => shape[0] * shape[1];
const window = (op: { kernel: [number, number]; inShape: [number, number, number] }): number => op.kernel[0] * op.kernel[1] * op.inShape[2];

function plan(node: Conv2dNode, b: PlanBuilder): void {
  const cells = positions(node.outShape);
  const width = node.kernel[0] * node.kernel[1] * node.inShape[2];
  const filters = node.outShape[2];
  const cols = b.floats(b.capacity * cells * width);
  const output = b.floats(b.capacity * node.outDim);
  const shared = {
    kind: 'conv2d', weight: b.params + node.weight * 4, bias: node.bias < 0 ? 0 : b.params + node.bias * 4, cols, output,
    inShape: node.inShape, outShape: node.outShape, kernel: node.kernel, strides: node.strides, pad: node.pad, relu: false, mask: 0, scale: 1,
  } as const;
  const training: Conv2dOp = { ...shared, input: b.act, dcols: b.training && b.gradient ? b.floats(b.capacity * cells * width) : 0 };
  const inference: Conv2dOp = { ...shared, input: b.inferAct, dcols: 0 };
  b.forward.push(training);
  b.inference.push(inference);
  const dout = b.training ? b.floats(b.capacity * node.outDim) : 0;
  // W transposed, with room for the 3 floats past a row that denseForward may read
  if (b.training && b.gradient) b.scratchBytes = Math.max(b.scratchBytes, (width * filters + 4) * 4);
  if (b.training) {
    const chunks = Math.ceil(b.capacity / b.rowsPerItem);
    const partials = b.floats(chunks * width * filters);
    const biasPartials = b.floats(chunks * filters);
    const back: Conv2dBackwardOp = { kind: 'conv2d', forward: training, dout, dinput: b.gradient, partials, biasPartials, rowsPerChunk: b.rowsPerItem };
    b.backward.unshift(back);
    const update: Conv2dUpdate = {
      kind: 'conv2d', weightOffset: node.weight, biasOffset: node.bias, weights: width * filters, filters, partials, biasPartials, rowsPerChunk: b.rowsPerItem,
    };
    b.updates.push(update);
  }
  b.act = b.inferAct = output;
  b.gradient = dout;
}

function im2col(op: Conv2dOp, first: number, count: number, c: StepContext): void {
  const [height, width, channels] = op.inShape;
  const [outHeight, outWidth] = op.outShape;
  const rowWindows = positions(op.outShape) * window(op);
  c.emit.im2col(op.cols + first * rowWindows * 4, op.input + first * height * width * channels * 4, count, height, width, channels,
    outHeight, outWidth, op.kernel[0], op.kernel[1], op.strides[0], op.strides[1], op.pad[0], op.pad[1]);
}

function forward(operation: ForwardOp, first: number, count: number, c: StepContext): void {
  const op = operation as Conv2dOp;
  im2col(op, first, count, c);
  const cells = positions(op.outShape);
  const filters = op.outShape[2];
  const k = window(op);
  c.emit.denseForward(op.output + first * cells * filters * 4, op.cols + first * cells * k * 4, op.weight, op.bias, 0, 1, count * cells, k, filters, op.relu);
}

function backward(operation: Op, first: number, count: number, c: StepContext): void {
  const op = operation as Conv2dBackwardOp;
  const f = op.forward;
  const cells = positions(f.outShape);
  const filters = f.outShape[2];
  const k = window(f);
  const dout = op.dout + first * cells * filters * 4;
  const cols = f.cols + first * cells * k * 4;
  const chunk = Math.floor(first / op.rowsPerChunk);
  c.emit.denseWeightGradient(op.partials + chunk * k * filters * 4, dout, cols, count * cells, k, filters, k);
  if (f.bias) c.emit.denseBiasGradient(op.biasPartials + chunk * filters * 4, dout, count * cells, filters, filters);
  if (!op.dinput) return;
  const [height, width, channels] = f.inShape;
  const [outHeight, outWidth] = f.outShape;
  c.emit.transpose(c.scratch, f.weight, k, filters, k);
  c.emit.denseForward(f.dcols + first * cells * k * 4, dout, c.scratch, 0, 0, 1, count * cells, filters, k, false);
  c.emit.col2im(op.dinput + first * height * width * channels * 4, f.dcols + first * cells * k * 4, count, height, width, channels,
    outHeight, outWidth, f.kernel[0], f.kernel[1], f.strides[0], f.strides[1], f.pad[0], f.pad[1]);
}

function blockSize(op: Conv2dUpdate): number {
  return Math.min(Math.ceil(op.weights / 4) * 4, WEIGHTS_PER_BLOCK);
}

function updateItems(operation: Op): number {
  const op = operation as Conv2dUpdate;
  return Math.ceil(op.weights / blockSize(op)) + (op.biasOffset < 0 ? 0 : 1);
}

/** Item `item`: a block of the kernel's weights, or, last, the bias: the chunks' partial gradients summed in chunk order, then the update. */
function update(operation: Op, item: number, c: StepContext): void {
  const op = operation as Conv2dUpdate;
  const size = blockSize(op);
  const blocks = Math.ceil(op.weights / size);
  const chunks = Math.ceil(c.rows / op.rowsPerChunk);
  if (item === blocks) {
    c.emit.denseBiasGradient(c.plan.grads + op.biasOffset * 4, op.biasPartials, chunks, op.filters, op.filters);
    c.optimize(op.biasOffset, op.filters);
    return;
  }
  const from = item * size;
  const count = Math.min(op.weights, from + size) - from;
  c.emit.denseBiasGradient(c.plan.grads + (op.weightOffset + from) * 4, op.partials + from * 4, chunks, count, op.weights);
  c.optimize(op.weightOffset + from, count);
}

export const conv2d: LayerKind<Conv2dNode> = { plan, forward, backward, updateItems, update };
