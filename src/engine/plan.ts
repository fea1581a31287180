// The memory layout of one fit, evaluate or predict call, and the kernel calls that run a model over
// it, as plain numbers: a Plan is posted as it is to every worker thread, and every thread runs its
// share of it (see runner.ts). Nothing here touches memory.
//
// Aliasing keeps the plan short: a ReLU right after a dense layer, and a dropout right after that, are
// fused into the dense kernel's epilogue and share its output; dropout at inference is the identity;
// element-wise gradients are computed in place.

import type { Topology } from '../network/topology.js';
import { alignUp } from '../wasm/arena.js';
import { MAX_THREADS } from './control.js';
import { augmentScratchBytes, paramStride, type AugmentConfig } from './augment.js';
import { maskRowBytes } from './masks.js';

export type ForwardOp =
  | {
      kind: 'dense'; weight: number; bias: number; inDim: number; outDim: number; input: number; output: number;
      relu: boolean; mask: number; scale: number; sparseInput: boolean;
    }
  | { kind: 'relu'; input: number; output: number; dim: number }
  | { kind: 'dropout'; input: number; output: number; mask: number; dim: number; scale: number }
  | { kind: 'softmax'; input: number; output: number; dim: number };

export interface DenseInputOp {
  kind: 'denseInput';
  weight: number;
  inDim: number;
  outDim: number;
  dout: number;
  dinput: number;
  /** From W transposed, with the dropout (mask, scale) and then the ReLU (gate: its output) below fused in, if not 0. */
  transposed: boolean;
  mask: number;
  scale: number;
  gate: number;
}

export type BackwardOp =
  | DenseInputOp
  | { kind: 'relu'; dout: number; output: number; dim: number }
  | { kind: 'dropout'; dout: number; mask: number; dim: number; scale: number };

/** A dense layer's gradient and update, split between threads by its input units (rows of W). */
export interface LayerUpdate {
  /** Float offsets into the parameter (and gradient, and state) regions; bias -1 if none. */
  weight: number;
  bias: number;
  inDim: number;
  outDim: number;
  /** The layer's input activations (batch, inDim), or -1 for the data (the first layer). */
  input: number;
  dout: number;
}

/** A dropout's masks: one bit per unit, drawn per row (see masks.ts). */
export interface MaskSpec {
  mask: number;
  dim: number;
  threshold: number;
}

/**
 * How each thread updates its parameters: which kernel (plain SGD, SGD with momentum, Adam) and its
 * fixed numbers; the learning rate and Adam's corrections come per step, in the control block.
 */
export interface UpdateRule {
  rule: 'sgd' | 'momentum' | 'adam';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Where augmentation works (see augment.ts), and its ranges, which each thread's draws need. */
export interface AugmentPlan extends Omit<AugmentConfig, 'basisX' | 'basisY'> {
  paramStride: number;
  /** The augmented batch, uint8 (capacity, inputDim), gathered from by `identity`. */
  images: number;
  identity: number;
  /** Each row's draws, (capacity, paramStride) f32. */
  params: number;
  /** Addresses of the basis, copied in from the config. */
  basisX: number;
  basisY: number;
  /** One row's working space per thread. */
  scratch: number;
  scratchBytes: number;
}

export interface Plan {
  capacity: number;
  inputDim: number;
  outputDim: number;
  /** Byte addresses of the model's regions; grads and state are 0 for inference. */
  params: number;
  grads: number;
  state: [number, number];
  optimizer: UpdateRule | undefined;
  /** The model's control block; then the per-call data: uint8 scale table, and the batch in its forms. */
  control: number;
  table: number;
  x: number;
  targets: number;
  dlogits: number;
  /** (capacity, 2) f64: each row's loss and whether it was classified right. */
  rowStats: number;
  /** CSR: (capacity, 2) i32 row ranges, then capacity · inputDim entries (see assembly/sparse.ts). */
  rowRange: number;
  csrEntries: number;
  /** CSC, one part per thread's range of input units (see runner.ts). */
  cscStart: number;
  cscEntries: number;
  /**
   * Each thread's working space, scratchBytes apiece: the sparse kernels' packed strips (see
   * assembly/sparse.ts), and the transposed weights of a `transposed` input gradient.
   */
  scratch: number;
  scratchBytes: number;
  /** Set when fit augments its training images. */
  augment: AugmentPlan | undefined;
  training: ForwardOp[];
  inference: ForwardOp[];
  backward: BackwardOp[];
  updates: LayerUpdate[];
  masks: MaskSpec[];
  /** The logits the training loss reads; the inference pass's logits and output. */
  trainingLogits: number;
  inferenceLogits: number;
  output: number;
}

export interface ModelRegions {
  params: number;
  grads: number;
  state: [number, number];
  /** The model's control block (see control.ts): one per memory, shared by every call and thread. */
  control: number;
}

/**
 * Lays out a plan for batches of up to `capacity` rows from address `base`; returns it and the bytes
 * it takes. `optimizer` is undefined for an inference-only plan.
 */
export function buildPlan(
  topology: Topology, regions: ModelRegions, optimizer: UpdateRule | undefined, capacity: number, base: number,
  augmentConfig?: AugmentConfig,
): { plan: Plan; bytes: number } {
  let cursor = base;
  const take = (bytes: number): number => {
    const at = cursor;
    cursor = alignUp(cursor + bytes);
    return at;
  };
  const floats = (count: number): number => take(count * 4);
  const { inputDim, outputDim, nodes } = topology;
  const training = optimizer !== undefined;
  const nonzeros = capacity * inputDim;
  const control = regions.control;
  const table = floats(256);
  const x = floats(capacity * inputDim);
  const targets = floats(capacity * outputDim);
  const dlogits = floats(capacity * outputDim);
  const rowStats = take(capacity * 16);
  const rowRange = take(capacity * 8);
  const csrEntries = take(nonzeros * SPARSE_ENTRY_BYTES);
  const cscStart = training ? floats(inputDim + MAX_THREADS + 1) : 0;
  const cscEntries = training ? take(nonzeros * SPARSE_ENTRY_BYTES) : 0;
  let augment: AugmentPlan | undefined;
  if (augmentConfig) {
    const { height, width, translate, rotate, scale, shear, cutoff, k, stride } = augmentConfig;
    const scratchBytes = alignUp(augmentScratchBytes(augmentConfig));
    augment = {
      height, width, translate, rotate, scale, shear, cutoff, k, stride, paramStride: paramStride(k),
      images: take(capacity * inputDim), identity: floats(capacity), params: floats(capacity * paramStride(k)),
      basisX: floats(k * stride), basisY: floats(height * k), scratch: take(MAX_THREADS * scratchBytes), scratchBytes,
    };
  }

  const forward: ForwardOp[] = [];
  const inference: ForwardOp[] = [];
  const masks: MaskSpec[] = [];
  // Per node, in training mode: what it reads and what it writes.
  const inputs: number[] = [];
  const outputs: number[] = [];
  const maskOf: number[] = [];
  let trainCursor = x;
  let inferCursor = x;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    inputs[i] = trainCursor;
    if (node.kind === 'dense') {
      const output = floats(capacity * node.outDim);
      const relu = nodes[i + 1]?.kind === 'relu';
      const dense = {
        kind: 'dense', weight: regions.params + node.weight * 4, bias: node.bias < 0 ? 0 : regions.params + node.bias * 4,
        inDim: node.inDim, outDim: node.outDim, relu, mask: 0, scale: 1, sparseInput: i === 0,
      } as const;
      forward.push({ ...dense, input: trainCursor, output });
      inference.push({ ...dense, input: inferCursor, output });
      trainCursor = inferCursor = output;
    } else if (node.kind === 'relu' && nodes[i - 1]?.kind !== 'dense') {
      const output = floats(capacity * node.dim);
      forward.push({ kind: 'relu', input: trainCursor, output, dim: node.dim });
      inference.push({ kind: 'relu', input: inferCursor, output, dim: node.dim });
      trainCursor = inferCursor = output;
    } else if (node.kind === 'dropout' && training) {
      const mask = take(capacity * maskRowBytes(node.dim));
      maskOf[i] = mask;
      masks.push({ mask, dim: node.dim, threshold: Math.round(node.rate * 65536) });
      const scale = dropoutScale(node.rate);
      const previous = forward[forward.length - 1];
      // Fused into the dense layer (and its ReLU) just before, when there is one.
      if (previous?.kind === 'dense' && previous.mask === 0 && previous.output === trainCursor) {
        previous.mask = mask;
        previous.scale = scale;
      } else {
        const output = floats(capacity * node.dim);
        forward.push({ kind: 'dropout', input: trainCursor, output, mask, dim: node.dim, scale });
        trainCursor = output;
      }
    } else if (node.kind === 'softmax') {
      const output = floats(capacity * node.dim);
      inference.push({ kind: 'softmax', input: inferCursor, output, dim: node.dim });
      inferCursor = output;
    }
    outputs[i] = trainCursor;
  }
  const last = nodes.length - 1;
  // Without a final softmax the loss reads the last output directly.
  const trainingLogits = nodes[last].kind === 'softmax' ? inputs[last] : trainCursor;
  const finalOp = inference[inference.length - 1];
  const inferenceLogits = finalOp.kind === 'softmax' ? finalOp.input : finalOp.output;

  // Gradients flow backwards from dlogits; a dense layer hands its input gradient to the layer
  // before it, except the first, whose input is the data.
  const backward: BackwardOp[] = [];
  const updates: LayerUpdate[] = [];
  if (training) {
    let gradient = dlogits;
    // The dropout and then the ReLU just below a transposed input gradient join its epilogue.
    let fuseInto: DenseInputOp | undefined;
    for (let i = last; i >= 0; i--) {
      const node = nodes[i];
      if (node.kind === 'dense') {
        const dinput = i === 0 ? 0 : floats(capacity * node.inDim);
        updates.push({ weight: node.weight, bias: node.bias, inDim: node.inDim, outDim: node.outDim, input: i === 0 ? -1 : inputs[i], dout: gradient });
        fuseInto = undefined;
        if (dinput) {
          const op: DenseInputOp = {
            kind: 'denseInput', weight: regions.params + node.weight * 4, inDim: node.inDim, outDim: node.outDim, dout: gradient, dinput,
            transposed: node.outDim < TRANSPOSED_BELOW, mask: 0, scale: 1, gate: 0,
          };
          backward.push(op);
          if (op.transposed) fuseInto = op;
        }
        gradient = dinput;
      } else if (node.kind === 'relu') {
        if (fuseInto) fuseInto.gate = outputs[i];
        else backward.push({ kind: 'relu', dout: gradient, output: outputs[i], dim: node.dim });
        fuseInto = undefined;
      } else if (node.kind === 'dropout') {
        if (fuseInto && fuseInto.mask === 0) {
          fuseInto.mask = maskOf[i];
          fuseInto.scale = dropoutScale(node.rate);
        } else {
          backward.push({ kind: 'dropout', dout: gradient, mask: maskOf[i], dim: node.dim, scale: dropoutScale(node.rate) });
          fuseInto = undefined;
        }
      }
    }
  }


  // A 64-byte line per row of W1 (forward) or of the batch (weight gradient), or a transposed W.
  let scratchBytes = 64 * Math.max(inputDim, training ? capacity : 0);
  for (const op of backward) if (op.kind === 'denseInput' && op.transposed) scratchBytes = Math.max(scratchBytes, op.inDim * op.outDim * 4);
  scratchBytes = alignUp(scratchBytes);
  const scratch = take(MAX_THREADS * scratchBytes);

  const plan: Plan = {
    capacity, inputDim, outputDim, params: regions.params, grads: training ? regions.grads : 0,
    state: training ? regions.state : [0, 0], optimizer,
    control, table, x, targets, dlogits, rowStats, rowRange, csrEntries, cscStart, cscEntries, scratch, scratchBytes, augment,
    training: forward, inference, backward, updates, masks, trainingLogits, inferenceLogits, output: finalOp.output,
  };
  return { plan, bytes: cursor - base };
}

/** A nonzero of a sparse batch: its value and its index (see assembly/sparse.ts). */
export const SPARSE_ENTRY_BYTES = 8;

/**
 * A layer with fewer outputs than this computes its input gradient from W transposed
 * (`denseInputGradientTransposed`, the transpose included): measured on 256 rows of 800 inputs, 2.2x
 * faster than `denseInputGradient` for 10 outputs, 1.2x for 16, the same for 32, 20% slower for 64.
 */
const TRANSPOSED_BELOW = 32;

function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}
