// The inference entry's forward pass: the kernel calls of Sequential.predict's inference plan
// (engine/plan.ts, engine/layers/), in its order and with its arguments, so that every output is
// the same bits. A dense layer is one `denseForward` (or, on a sparse batch of data, one
// `denseForwardSparse`), a conv2d layer `im2col` into a buffer of windows then `denseForward` over
// them (inDim = kh·kw·inChannels, outDim = filters), max pooling `maxPoolForward` (its argmax, kept
// for a backward pass there is none of here, is scratch); a ReLU rides in the epilogue of the dense
// or conv2d layer it follows, as the engine fuses it (engine/layers/relu.ts), else runs as
// `reluForward`; softmax is `softmax`; flatten and dropout, which move nothing at inference, make no
// step. Every row is independent in every kernel, so the size of a chunk of rows changes no bit.

import type { Conv2dNode, DenseNode, MaxPoolNode, Node } from '../network/topology.js';
import { alignUp } from '../wasm/arena.js';
import type { InferenceKernels } from './kernels.js';

/** A layer's shapes with its kernel and bias as byte addresses (bias 0 if none), and whether a ReLU is fused. */
type WithWeights<T extends DenseNode | Conv2dNode> = Omit<T, 'layer'> & { relu: boolean };

/** One kernel call of the forward pass (two for conv2d); `outDim` is its output's width per row. */
export type Step = WithWeights<DenseNode> | WithWeights<Conv2dNode> | MaxPoolNode | { kind: 'relu' | 'softmax'; outDim: number };

/** Where a chunk's buffers lie: each step's output, a max pool's argmax (0 for other steps), one windows buffer every conv2d reuses in turn. */
export interface Layout {
  outputs: number[];
  argmax: number[];
  windows: number;
  end: number;
}

/** A sparse batch of data, gathered (assembly/gather.ts) for the first layer's sparse kernel, and that kernel's scratch. */
export interface SparseBatch {
  rowRange: number;
  entries: number;
  panel: number;
}

/** The forward steps of `nodes`, whose parameters lie from byte `params` on. */
export function forwardSteps(nodes: readonly Node[], params: number): Step[] {
  const steps: Step[] = [];
  for (const node of nodes) {
    const last = steps[steps.length - 1];
    if (node.kind === 'dense' || node.kind === 'conv2d') {
      const { layer, ...shapes } = node;
      steps.push({ ...shapes, weight: params + node.weight * 4, bias: node.bias < 0 ? 0 : params + node.bias * 4, relu: false });
    } else if (node.kind === 'relu' && (last?.kind === 'dense' || last?.kind === 'conv2d') && !last.relu) {
      last.relu = true;
    } else if (node.kind === 'maxPooling2d') {
      steps.push(node);
    } else if (node.kind === 'relu' || node.kind === 'softmax') {
      steps.push({ kind: node.kind, outDim: node.dim });
    }
  }
  return steps;
}

const cells = (shape: readonly number[]): number => shape[0] * shape[1];
/** Floats of one image's windows: a row per output position, kh·kw·inChannels wide. */
const windowFloats = (step: WithWeights<Conv2dNode>): number => cells(step.outShape) * step.kernel[0] * step.kernel[1] * step.inShape[2];

/** Lays out the buffers of a chunk of `rows` rows from byte `from` up (from 0, for one row: a row's bytes, give or take their alignment). */
export function layOut(steps: readonly Step[], rows: number, from: number): Layout {
  let end = alignUp(from + rows * Math.max(0, ...steps.map((step) => (step.kind === 'conv2d' ? windowFloats(step) * 4 : 0))));
  const take = (bytes: number): number => {
    const at = end;
    end = alignUp(end + bytes);
    return at;
  };
  const outputs = steps.map((step) => take(rows * step.outDim * 4));
  const argmax = steps.map((step) => (step.kind === 'maxPooling2d' ? take(rows * step.outDim * 4) : 0));
  return { outputs, argmax, windows: from, end };
}

/**
 * Runs the steps on `count` rows at byte `input` (or, if `sparse`, gathered there for the first
 * layer); returns the address of the last step's output.
 */
export function runSteps(k: InferenceKernels, steps: readonly Step[], layout: Layout, input: number, count: number, sparse?: SparseBatch): number {
  steps.forEach((step, i) => {
    const output = layout.outputs[i];
    if (step.kind === 'dense' && sparse && i === 0) {
      k.denseForwardSparse(output, sparse.rowRange, sparse.entries, step.weight, step.bias, 0, 1, count, step.inDim, step.outDim, step.outDim, step.relu, sparse.panel);
    } else if (step.kind === 'dense') {
      k.denseForward(output, input, step.weight, step.bias, 0, 1, count, step.inDim, step.outDim, step.relu);
    } else if (step.kind === 'conv2d') {
      const [height, width, channels] = step.inShape;
      const [outHeight, outWidth, filters] = step.outShape;
      k.im2col(layout.windows, input, count, height, width, channels, outHeight, outWidth, ...step.kernel, ...step.strides, ...step.pad);
      const window = step.kernel[0] * step.kernel[1] * channels;
      k.denseForward(output, layout.windows, step.weight, step.bias, 0, 1, count * cells(step.outShape), window, filters, step.relu);
    } else if (step.kind === 'maxPooling2d') {
      const [height, width, channels] = step.inShape;
      const [outHeight, outWidth] = step.outShape;
      k.maxPoolForward(output, layout.argmax[i], input, count, height, width, channels, outHeight, outWidth, ...step.pool, ...step.strides, ...step.pad);
    } else if (step.kind === 'relu') {
      k.reluForward(output, input, count * step.outDim);
    } else {
      k.softmax(output, input, count, step.outDim);
    }
    input = output;
  });
  return input;
}
