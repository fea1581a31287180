// What the page trains: the command line's default recipe over fewer epochs (Glorot init, dropout,
// SGD with Nesterov momentum, a cosine decay of the learning rate to 0 at the last step). Kept apart
// so that the browser test can train the same model in Node and compare the bits.

import { Sequential, cosineDecay, dense, dropout, relu, sgd, softmax } from 'mnist-wasm';

export const BATCH_SIZE = 256;
export const SEED = 1;

export function buildModel(epochs, trainingImages) {
  const model = new Sequential([
    dense(800, { inputDim: 784, kernelInitializer: 'glorotUniform' }), relu(), dropout(0.5),
    dense(10, { kernelInitializer: 'glorotUniform' }), softmax(),
  ], { seed: SEED });
  const decaySteps = epochs * Math.ceil(trainingImages / BATCH_SIZE);
  model.compile({
    loss: 'categoricalCrossentropy',
    optimizer: sgd({ learningRate: cosineDecay({ initialLearningRate: 0.2, decaySteps }), momentum: 0.9, nesterov: true }),
  });
  return model;
}
