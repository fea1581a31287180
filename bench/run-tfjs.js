// One benchmark process for TensorFlow.js with its WebAssembly backend, on the same network, data and
// recipe as run-mnist-wasm.js. Prints one JSON object.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_SIZE, HIDDEN, LEARNING_RATE, peakRssMiB, scaled, seedData } from './seed-network.js';

const epochs = Number(process.argv[2] ?? 2);
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
setWasmPaths(`${wasmDir}/`);
await tf.setBackend('wasm');
await tf.ready();

const data = await seedData();
const uniform = () => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 1 });
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: HIDDEN, inputShape: [784], kernelInitializer: uniform(), activation: 'relu' }),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 10, kernelInitializer: uniform(), activation: 'softmax' }),
  ],
});
model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.sgd(LEARNING_RATE), metrics: ['accuracy'] });
const x = tf.tensor2d(scaled(data.train.images), [data.train.count, 784]);
const y = tf.tensor2d(data.yTrain, [data.train.count, 10]);
const epochSeconds = [];
let started = 0;
await model.fit(x, y, {
  batchSize: BATCH_SIZE,
  epochs,
  shuffle: true,
  verbose: 0,
  callbacks: {
    onEpochBegin: async () => { started = performance.now(); },
    onEpochEnd: async () => { epochSeconds.push((performance.now() - started) / 1000); },
  },
});
const [, accuracy] = model.evaluate(tf.tensor2d(scaled(data.test.images), [data.test.count, 784]), tf.tensor2d(data.yTest, [data.test.count, 10]));

console.log(JSON.stringify({
  framework: `TensorFlow.js ${tf.version.tfjs} (wasm backend)`,
  threads: tf.backend().getThreadsCount?.() ?? 1,
  epochSeconds,
  testAccuracy: (await accuracy.data())[0],
  peakRssMiB: peakRssMiB(),
}));
