// One benchmark process for TensorFlow.js's own example network (cnn-network.js) in TensorFlow.js,
// on its plain-JavaScript cpu backend: the wasm backend cannot train it (no Conv2DBackpropFilter
// kernel), and tfjs-node is native code, not JavaScript. Adam at a constant 0.003 (tf.train.adam
// takes no schedule; a few steps of decay change nothing in the time). Like cnn-jax.js it times some
// full batches after a warm-up and extrapolates to 60,000 images. Prints one JSON object.
//
//   node bench/cnn-tfjs.js [--batches 5] [--warmup 1]

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BATCH_SIZE, LEARNING_RATE, batches, peerResult } from './cnn-network.js';
import { seedData } from './seed-network.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' } } });
await tf.setBackend('cpu');

const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.adam(LEARNING_RATE) });

const { train } = await seedData();
const batch = batches(train);
const [warmup, timed] = [Number(values.warmup), Number(values.batches)];
const [losses, stepSeconds] = [[], []];
for (let step = 0; step < warmup + timed; step++) {
  const started = performance.now();
  const { x, y } = batch(step);
  const [xs, ys] = [tf.tensor4d(x, [BATCH_SIZE, 28, 28, 1]), tf.tensor2d(y, [BATCH_SIZE, 10])];
  losses.push(await model.trainOnBatch(xs, ys)); // reads the loss back, so the step has finished
  tf.dispose([xs, ys]);
  if (step >= warmup) stepSeconds.push((performance.now() - started) / 1000);
}

console.log(peerResult(`TensorFlow.js ${tf.version.tfjs} (cpu backend)`, warmup, stepSeconds, losses));
