// What the page trains, as the command line's recipes do over fewer epochs: the multi-layer
// perceptron of the `default` recipe (Glorot init, dropout, SGD with Nesterov momentum, a cosine
// decay of the learning rate to 0 at the last step), or the `cnn` recipe's convolutional network
// (TensorFlow.js's example network, Adam with a cosine decay). Kept apart so that the browser test can
// train the same model in Node and compare the bits.

import { Sequential, adam, conv2d, cosineDecay, dense, dropout, flatten, maxPooling2d, relu, sgd, softmax } from 'mnist-wasm';

export const BATCH_SIZE = 256;
export const SEED = 1;
/** Rows per step of each network. */
export const BATCH_SIZES = { mlp: BATCH_SIZE, cnn: 128 };

export function buildModel(epochs, trainingImages, network = 'mlp') {
  const decaySteps = epochs * Math.ceil(trainingImages / BATCH_SIZES[network]);
  if (network === 'cnn') {
    const model = new Sequential([
      conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }), flatten(),
      dense(64, { activation: 'relu' }), dense(10), softmax(),
    ], { seed: SEED });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: cosineDecay({ initialLearningRate: 0.004, decaySteps }) }) });
    return model;
  }
  const model = new Sequential([
    dense(800, { inputDim: 784, kernelInitializer: 'glorotUniform' }), relu(), dropout(0.5),
    dense(10, { kernelInitializer: 'glorotUniform' }), softmax(),
  ], { seed: SEED });
  model.compile({
    loss: 'categoricalCrossentropy',
    optimizer: sgd({ learningRate: cosineDecay({ initialLearningRate: 0.2, decaySteps }), momentum: 0.9, nesterov: true }),
  });
  return model;
}
