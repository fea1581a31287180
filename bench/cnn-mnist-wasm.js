// One benchmark process for mnist-wasm's CNN: TensorFlow.js's example network (cnn-network.js)
// trained on real MNIST for some epochs on some threads, with Adam and the `cnn` recipe's cosine
// decay, then evaluated on the test set so that a run which stopped learning shows. Prints one JSON
// object.
//
//   node bench/cnn-mnist-wasm.js [--epochs 1] [--threads N]

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Sequential, adam, conv2d, cosineDecay, dense, flatten, maxPooling2d, softmax } from '../dist/index.js';
import { BATCH_SIZE, LEARNING_RATE, STEPS_PER_EPOCH } from './cnn-network.js';
import { peakRssMiB, seedData } from './seed-network.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '1' }, threads: { type: 'string' } } });
const epochs = Number(values.epochs);
const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
const data = await seedData();
const model = new Sequential([
  conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
  maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
  flatten(),
  dense(64, { activation: 'relu' }),
  dense(10),
  softmax(),
]);
const learningRate = cosineDecay({ initialLearningRate: LEARNING_RATE, decaySteps: epochs * STEPS_PER_EPOCH });
model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate }), metrics: ['accuracy'] });
const history = await model.fit(data.train.images, data.yTrain, { batchSize: BATCH_SIZE, epochs, seed: 1, threads });
const [, accuracy] = model.evaluate(data.test.images, data.yTest);

console.log(JSON.stringify({
  framework: 'mnist-wasm',
  threads,
  epochSeconds: history.history.seconds,
  loss: history.history.loss,
  testAccuracy: accuracy,
  peakRssMiB: peakRssMiB(),
}));
