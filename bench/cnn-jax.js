// One benchmark process for jax-js (@jax-js/jax), the fastest JavaScript peer that trains this CNN
// in Node: the network of cnn-network.js written as its MNIST demo writes its ConvNet
// (lax.convGeneralDilated on NCHW images and OIHW kernels, lax.reduceWindow with np.max for pooling,
// valueAndGrad), Glorot-uniform kernels and zero biases as Keras draws them, and Adam as Keras
// computes it (epsilon 1e-7) with the cosine decay of cnn-mnist-wasm.js, the whole step under one
// jit. Its wasm backend runs on one thread here: its worker pool needs a global Worker, which Node
// lacks. An epoch would take many minutes, so it trains some warm-up steps (the first compiles the
// step), then times full batches of real MNIST and extrapolates to 60,000 images. The losses are
// reported so that a reader sees it learn. Prints one JSON object.
//
//   node bench/cnn-jax.js [--batches 5] [--warmup 3]

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { init, jit, lax, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';
import { BATCH_SIZE, LEARNING_RATE, STEPS_PER_EPOCH, batches, glorotLimit, peerResult } from './cnn-network.js';
import { seedData } from './seed-network.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '5' }, warmup: { type: 'string', default: '3' } } });
await init('wasm'); // only wasm: asking for every device probes `navigator`, which Node 20 lacks

const glorot = (key, shape, fanIn, fanOut) => {
  const limit = glorotLimit(fanIn, fanOut);
  return random.uniform(key, shape, { minval: -limit, maxval: limit });
};
const [k1, k2, k3, k4, k5] = random.split(random.key(1), 5);
let params = {
  conv1: glorot(k1, [16, 1, 3, 3], 9, 9 * 16), conv1Bias: np.zeros([16, 1, 1]),
  conv2: glorot(k2, [32, 16, 3, 3], 9 * 16, 9 * 32), conv2Bias: np.zeros([32, 1, 1]),
  conv3: glorot(k3, [32, 32, 3, 3], 9 * 32, 9 * 32), conv3Bias: np.zeros([32, 1, 1]),
  dense1: glorot(k4, [288, 64], 288, 64), dense1Bias: np.zeros([64]),
  dense2: glorot(k5, [64, 10], 64, 10), dense2Bias: np.zeros([10]),
};

// jax-js owns arguments by reference count: every use of an array consumes it, `.ref` adds a use.
const convRelu = (x, kernel, bias) => nn.relu(lax.convGeneralDilated(x, kernel, [1, 1], 'VALID').add(bias));
const maxPool = (x) => lax.reduceWindow(x, np.max, [2, 2], [2, 2]);
function meanLoss(p, x, y) {
  let h = maxPool(convRelu(x, p.conv1, p.conv1Bias)); // (batch, 16, 13, 13)
  h = maxPool(convRelu(h, p.conv2, p.conv2Bias)); // (batch, 32, 5, 5)
  h = convRelu(h, p.conv3, p.conv3Bias).reshape([-1, 288]);
  h = nn.relu(np.dot(h, p.dense1).add(p.dense1Bias));
  const logits = np.dot(h, p.dense2).add(p.dense2Bias);
  return nn.logSoftmax(logits).mul(y).sum().mul(-1 / BATCH_SIZE);
}
const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-7];
// Keras's Adam: w -= lr·sqrt(1 - beta2^t) / (1 - beta1^t) · m / (sqrt(v) + epsilon); that step size comes in as `rate`.
const trainStep = jit((p, m, v, x, y, rate) => {
  const [loss, grads] = valueAndGrad(meanLoss)(tree.ref(p), x, y);
  const [nextP, nextM, nextV] = [{}, {}, {}];
  for (const name of Object.keys(p)) {
    const g = grads[name];
    nextM[name] = m[name].mul(beta1).add(g.ref.mul(1 - beta1));
    nextV[name] = v[name].mul(beta2).add(g.ref.mul(g).mul(1 - beta2));
    nextP[name] = p[name].sub(nextM[name].ref.mul(rate.ref).div(np.sqrt(nextV[name].ref).add(epsilon)));
  }
  rate.dispose();
  return [loss, nextP, nextM, nextV];
});

const { train } = await seedData();
const batch = batches(train);
let m = tree.map((a) => np.zerosLike(a.ref), params);
let v = tree.map((a) => np.zerosLike(a.ref), params);
const [warmup, timed] = [Number(values.warmup), Number(values.batches)];
const [losses, stepSeconds] = [[], []];
for (let step = 0; step < warmup + timed; step++) {
  const started = performance.now();
  const { x, y } = batch(step);
  const t = step + 1;
  const decayed = LEARNING_RATE * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, STEPS_PER_EPOCH)) / STEPS_PER_EPOCH));
  const rate = (decayed * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  let loss;
  [loss, params, m, v] = trainStep(params, m, v, np.array(x).reshape([BATCH_SIZE, 1, 28, 28]), np.array(y).reshape([BATCH_SIZE, 10]), np.array(rate));
  losses.push(await loss.jsAsync()); // waits for the step's work
  if (step >= warmup) stepSeconds.push((performance.now() - started) / 1000);
}

const { version } = JSON.parse(await readFile(new URL('../node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8'));
console.log(peerResult(`jax-js ${version} (wasm backend)`, warmup, stepSeconds, losses));
