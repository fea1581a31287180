// One benchmark process for mnist-wasm: the seed network trained for some epochs on some threads,
// with layer 1 sparse (the default on MNIST) or forced dense; predict's throughput on the test set;
// with --kernels, the dense kernels timed alone on the 784×800 shapes. Prints one JSON object.
//
//   node bench/run-mnist-wasm.js [--epochs 2] [--threads N] [--dense] [--kernels]

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Sequential, dense, dropout, relu, sgd, softmax } from '../dist/index.js';
import { BATCH_SIZE, HIDDEN, LEARNING_RATE, median, peakRssMiB, seedData, usefulFlopsPerEpoch } from './seed-network.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    threads: { type: 'string' },
    dense: { type: 'boolean', default: false },
    kernels: { type: 'boolean', default: false },
  },
});
const data = await seedData();
const model = new Sequential([
  dense(HIDDEN, { inputDim: 784, kernelInitializer: 'uniform' }), relu(), dropout(0.5),
  dense(10, { kernelInitializer: 'uniform' }), softmax(),
]);
model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: LEARNING_RATE }), metrics: ['accuracy'] });
const threads = values.threads === undefined ? undefined : Number(values.threads);
const history = await model.fit(data.train.images, data.yTrain, {
  batchSize: BATCH_SIZE, epochs: Number(values.epochs), seed: 1, threads, sparseInput: values.dense ? false : undefined,
});
const [, accuracy] = model.evaluate(data.test.images, data.yTest);
// predict over the 10,000 test images, on the same threads
await model.startThreads(threads);
const predictSeconds = [];
for (let run = 0; run < 7; run++) {
  const started = performance.now();
  model.predict(data.test.images);
  predictSeconds.push((performance.now() - started) / 1000);
}

model.stopThreads();

console.log(JSON.stringify({
  framework: 'mnist-wasm',
  threads: threads ?? (await import('node:os')).availableParallelism(),
  layer1: values.dense ? 'dense' : 'sparse',
  epochSeconds: history.history.seconds,
  usefulFlopsPerEpoch: usefulFlopsPerEpoch(data.train.images),
  testAccuracy: accuracy,
  predictImagesPerSecond: data.test.count / median(predictSeconds.slice(2)),
  kernels: values.kernels ? await kernelThroughput() : undefined,
  peakRssMiB: peakRssMiB(),
}));

/** GFLOP/s of the dense forward and weight-gradient kernels on the seed network's layer 1. */
async function kernelThroughput() {
  const bytes = await readFile(new URL('../build/kernels.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() { throw new Error('abort'); } } });
  const k = instance.exports;
  const [batch, inDim, outDim] = [BATCH_SIZE, 784, HIDDEN];
  let top = (k.heapBase() + 63) & ~63;
  const take = (floats) => { const at = top; top = (top + floats * 4 + 63) & ~63; return at; };
  const inp = take(batch * inDim), weight = take(inDim * outDim), bias = take(outDim), out = take(batch * outDim);
  const dweight = take(inDim * outDim);
  k.memory.grow(Math.ceil((top - k.memory.buffer.byteLength) / 65536));
  const f32 = new Float32Array(k.memory.buffer);
  for (let i = 0; i < f32.length; i++) f32[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const flops = 2 * batch * inDim * outDim;
  const time = (fn) => {
    const samples = [];
    for (let r = 0; r < 15; r++) {
      const t = performance.now();
      fn();
      samples.push(performance.now() - t);
    }
    return median(samples.slice(3));
  };
  const forwardMs = time(() => k.denseForward(out, inp, weight, bias, 0, 1, batch, inDim, outDim, true));
  const backwardMs = time(() => k.denseWeightGradient(dweight, out, inp, batch, inDim, outDim, inDim));
  return {
    shape: `${batch}x${inDim} · ${inDim}x${outDim}`,
    forwardMs, forwardGflops: flops / forwardMs / 1e6,
    weightGradientMs: backwardMs, weightGradientGflops: flops / backwardMs / 1e6,
  };
}
