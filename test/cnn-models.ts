// Convolutional networks that the export tests (onnx.test.ts, tfjs.test.ts) send through other
// runtimes: the same layer lists in both, trained here a little on real MNIST so that their weights
// are a trained network's, not an initializer's.

import { Sequential, adam, conv2d, dense, flatten, maxPooling2d, toCategorical, type Dataset } from 'mnist-wasm';

/** Training images per network: enough for weights that are not an initializer's, few enough to be quick. */
const TRAIN_IMAGES = 1000;

/**
 * The networks, by what they test. `example`: TensorFlow.js's MNIST example shape, conv 'same' → pool →
 * conv stride 2 'valid' → flatten → dense → dense softmax. `windows`: the padding conventions, 'same'
 * with stride 2 and a 4×3 kernel over an odd 25×25 image (one row above, two below; one column each
 * side), pooling 'same' over 13×13 (the odd row and column after), a conv without bias. `imagesOut`:
 * pooling first, and a model that ends on images (no flatten), whose output is channels-last rows.
 */
export const CNNS = {
  example: () => [
    conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }),
    flatten(),
    dense(32, { activation: 'relu' }),
    dense(10, { activation: 'softmax' }),
  ],
  windows: () => [
    conv2d({ filters: 6, kernelSize: 4, activation: 'relu', inputShape: [28, 28, 1], name: 'valid_4x4' }),
    conv2d({ filters: 8, kernelSize: [4, 3], strides: 2, padding: 'same', activation: 'relu', useBias: false, name: 'same_stride_2' }),
    maxPooling2d({ poolSize: 2, padding: 'same', name: 'pool_same' }),
    flatten(),
    dense(10, { activation: 'softmax' }),
  ],
  imagesOut: () => [
    maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [28, 28, 1] }),
    conv2d({ filters: 3, kernelSize: 2, useBias: false }),
  ],
};

/** A model of `CNNS[which]`, trained one epoch on the first 1,000 training images when it ends in softmax (else untrained). */
export async function cnnModel(which: keyof typeof CNNS, train: Dataset): Promise<Sequential> {
  const model = new Sequential(CNNS[which](), { seed: 7, name: which });
  if (which === 'imagesOut') return model;
  model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.003 }) });
  const images = train.images.subarray(0, TRAIN_IMAGES * 784);
  await model.fit(images, toCategorical(train.labels.subarray(0, TRAIN_IMAGES), 10), { batchSize: 32, epochs: 1, seed: 1 });
  return model;
}
