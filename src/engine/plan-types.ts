// What a plan holds (see plan.ts, which lays it out): plain numbers, posted as they are to every
// worker thread. Each layer kind's operations are its own module's (layers/); here they are only
// tagged with their kind.

import type { AugmentConfig } from './augment.js';

/** An operation of one layer kind, as its module (layers/) emits and runs it. */
export interface Op {
  kind: 'dense' | 'relu' | 'dropout' | 'softmax' | 'conv2d' | 'maxPooling2d' | 'flatten';
}

/** A forward operation: it reads `input` and writes `output`, (rows, width) each. */
export interface ForwardOp extends Op {
  input: number;
  output: number;
}

/** A dropout's masks: one bit per unit, drawn per row (see masks.ts). */
export interface MaskSpec {
  mask: number;
  dim: number;
  threshold: number;
}

/**
 * How each thread updates its parameters: which kernel (plain SGD, SGD with momentum, Adam, RMSprop)
 * and its fixed numbers; the learning rate and Adam's corrections come per step, in the control block.
 */
export interface UpdateRule {
  rule: 'sgd' | 'momentum' | 'adam' | 'rmsprop';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** RMSprop's decay rate, and whether it is centered. */
  rho: number;
  centered: boolean;
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
  /** The optimizer's state regions (see train/optimizers.ts, stateRegions); 0 where a region is not reserved. */
  state: [number, number, number];
  optimizer: UpdateRule | undefined;
  /** The model's control block; then the per-call data: uint8 scale table, and the batch in its forms. */
  control: number;
  table: number;
  x: number;
  targets: number;
  /** (capacity, 2) f64: each row's loss and whether it was classified right. */
  rowStats: number;
  /** CSR: (capacity, 2) i32 row ranges, then capacity · inputDim entries (see assembly/sparse.ts). */
  rowRange: number;
  csrEntries: number;
  /** CSC, in parts by ranges of input units (see layers/dense-sparse.ts). */
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
  /** Rows per item of a dense batch's training phase, which is also a convolution's chunk of rows for its partial weight gradients (layers/conv2d.ts). */
  rowsPerItem: number;
  /** Each layer kind's operations (see layers/): forward in training and in inference, in the order they run. */
  training: ForwardOp[];
  inference: ForwardOp[];
  /** In the order they run: from the loss down to the first layer. */
  backward: Op[];
  /** One per layer with parameters, first layer first. */
  updates: Op[];
  masks: MaskSpec[];
  /** The training loss's logits and their gradient; the inference pass's logits and output. */
  trainingLogits: number;
  dlogits: number;
  inferenceLogits: number;
  output: number;
  /**
   * In a sparse step, the backward op that gives the first layer its output gradient, when it can run
   * by blocks of the first layer's output units in the update phase (see layers/dense-sparse.ts); its index in `backward`, or -1.
   */
  firstLayerGradient: number;
}

export interface ModelRegions {
  params: number;
  grads: number;
  state: [number, number, number];
  /** The model's control block (see arguments.ts): one per memory, shared by every call and thread. */
  control: number;
}

