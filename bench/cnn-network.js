// TensorFlow.js's example MNIST network, shared by the CNN benchmark's processes: conv 3×3 16, max
// pool 2, conv 3×3 32, max pool 2, conv 3×3 32, flatten, dense 64, dense 10, all ReLU but the last,
// softmax; Adam at 0.003. Batch 320: the TF.js example's, and the one issue 21's speed targets are
// stated at (the CLI's `cnn` recipe trains at 128).

import { median, peakRssMiB } from './seed-network.js';

export const BATCH_SIZE = 320;
export const LEARNING_RATE = 0.003;
export const EPOCH_IMAGES = 60000;
/** Optimizer steps in an epoch, the last one on a short batch of 160. */
export const STEPS_PER_EPOCH = Math.ceil(EPOCH_IMAGES / BATCH_SIZE);

/** The convolutions' output sides and filters, and their windows' sizes and depths. */
const CONV_LAYERS = [
  { side: 26, filters: 16, kernel: 3, inChannels: 1 }, // 28 → 26, pooled to 13
  { side: 11, filters: 32, kernel: 3, inChannels: 16 }, // 13 → 11, pooled to 5
  { side: 3, filters: 32, kernel: 3, inChannels: 32 }, // 5 → 3, flattened to 288
];
const DENSE_LAYERS = [{ inDim: 3 * 3 * 32, outDim: 64 }, { inDim: 64, outDim: 10 }];

/** Multiply-adds of one image's forward pass (pooling, ReLU and softmax, which multiply nothing, left out): 756,928. */
export const FORWARD_MULTIPLY_ADDS = (
  CONV_LAYERS.reduce((sum, l) => sum + l.side * l.side * l.filters * l.kernel * l.kernel * l.inChannels, 0) +
  DENSE_LAYERS.reduce((sum, l) => sum + l.inDim * l.outDim, 0)
);

/**
 * FLOPs of one training epoch, counting a training step as 3 forward passes (forward, input gradient,
 * weight gradient; the first layer needs no input gradient, which this does not subtract) and a
 * multiply-add as 2.
 */
export const TRAINING_FLOPS_PER_EPOCH = EPOCH_IMAGES * 3 * 2 * FORWARD_MULTIPLY_ADDS;

/** Glorot-uniform limit, Keras's default for both layer kinds; fans of a conv kernel count its window. */
export function glorotLimit(fanIn, fanOut) {
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * A reference framework's batches: a fixed shuffle of the training set, each batch's pixels as floats
 * in [0, 1] and its labels one-hot, made afresh for every step as an input pipeline would.
 */
export function batches(train) {
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  let state = 1;
  for (let i = order.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // Numerical Recipes' LCG
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return (step) => {
    const x = new Float32Array(BATCH_SIZE * 784);
    const y = new Float32Array(BATCH_SIZE * 10);
    for (let row = 0; row < BATCH_SIZE; row++) {
      const image = order[(step * BATCH_SIZE + row) % order.length];
      for (let p = 0; p < 784; p++) x[row * 784 + p] = train.images[image * 784 + p] / 255;
      y[row * 10 + train.labels[image]] = 1;
    }
    return { x, y };
  };
}

/**
 * Seconds per epoch from timed steps on full batches: their median × 187.5, the epoch's images in
 * full batches. The median leaves a slow spell of the machine out, which a measured epoch would
 * include, so this errs in the reference's favour.
 */
function extrapolatedEpochSeconds(stepSeconds) {
  return median(stepSeconds) * (EPOCH_IMAGES / BATCH_SIZE);
}

/** The line a reference's script prints: its timed steps, the epoch they extrapolate to, its losses. */
export function peerResult(framework, warmupSteps, stepSeconds, losses) {
  return JSON.stringify({
    framework, threads: 1, warmupSteps, stepSeconds, epochSeconds: extrapolatedEpochSeconds(stepSeconds), losses, peakRssMiB: peakRssMiB(),
  });
}
