// The notebook's network and data, shared by both benchmark runners: MNIST flattened to 784 floats in
// [0, 1], one-hot labels, 784-800-10 with ReLU and dropout 0.5, plain SGD at 0.01, batch 256.

import { loadMnist, toCategorical } from '../dist/index.js';

export const BATCH_SIZE = 256;
export const LEARNING_RATE = 0.01;
export const HIDDEN = 800;

/** Multiply-adds ×2 of one training step per sample: layer 1 forward and dW1, layer 2 forward, dW2 and dX2. */
export const FLOPS_PER_SAMPLE = 2 * (2 * 784 * HIDDEN + 3 * HIDDEN * 10);

/**
 * FLOPs an epoch needs when layer 1 skips zero pixels: its forward and dW multiply-add only the
 * nonzeros; layer 2's forward, dW and input gradient are dense.
 */
export function usefulFlopsPerEpoch(images) {
  let nonzeros = 0;
  for (let i = 0; i < images.length; i++) if (images[i] !== 0) nonzeros++;
  const samples = images.length / 784;
  return 2 * (2 * nonzeros * HIDDEN + 3 * HIDDEN * 10 * samples);
}

export async function seedData() {
  const { train, test } = await loadMnist();
  return { train, test, yTrain: toCategorical(train.labels, 10), yTest: toCategorical(test.labels, 10) };
}

/** Grey levels as floats in [0, 1], for a framework that takes no uint8. */
export function scaled(images) {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] / 255;
  return out;
}

export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
