// The Web Worker that trains: it keeps the page responsive while the network learns, and posts its
// progress to the page after every batch. In a cross-origin isolated page it trains on every core
// (mnist-wasm starts its own worker threads from here); otherwise on this one thread.

import { MNIST_FILE_NAMES, kernelBuild, loadMnist, toCategorical } from 'mnist-wasm';
import { BATCH_SIZES, SEED, buildModel } from './recipe.js';

const CLASSES = 10;
let model;

self.onmessage = async ({ data: message }) => {
  try {
    if (message.type === 'train') await train(message.epochs, message.network ?? 'mlp');
    else if (message.type === 'predict') post({ type: 'prediction', probabilities: Array.from(model.predict(message.pixels)) });
  } catch (error) {
    post({ type: 'error', message: `${error.name}: ${error.message}` });
  }
};

function post(message) {
  self.postMessage(message);
}

async function train(epochs, network) {
  post({ type: 'status', text: 'Downloading MNIST (55 MB)…' });
  const files = Object.fromEntries(
    Object.entries(MNIST_FILE_NAMES).map(([part, name]) => [part, new URL(`/mnist/${name}`, self.location.href)]),
  );
  const { train, test } = await loadMnist({ files });
  const testTargets = toCategorical(test.labels, CLASSES);

  const batchSize = BATCH_SIZES[network];
  const stepsPerEpoch = Math.ceil(train.count / batchSize);
  model = buildModel(epochs, train.count, network);
  const threads = self.crossOriginIsolated ? navigator.hardwareConcurrency : 1;
  post({ type: 'start', epochs, stepsPerEpoch, threads, build: kernelBuild() });

  const started = performance.now();
  let epoch = 0;
  await model.fit(train.images, toCategorical(train.labels, CLASSES), {
    batchSize, epochs, seed: SEED, threads, validationData: [test.images, testTargets],
    callbacks: {
      onEpochBegin: (index) => { epoch = index; },
      onBatchEnd: (batch, logs) => post({ type: 'batch', epoch, batch, loss: logs.loss, accuracy: logs.accuracy }),
      onEpochEnd: (index, logs) => post({ type: 'epoch', epoch: index, logs }),
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const [loss, accuracy] = model.evaluate(test.images, testTargets);
  post({ type: 'done', loss, accuracy, seconds, confusion: confusionMatrix(model.predict(test.images), test.labels) });
}

/** counts[true][predicted] over the test set. */
function confusionMatrix(probabilities, labels) {
  const counts = Array.from({ length: CLASSES }, () => new Array(CLASSES).fill(0));
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (probabilities[i * CLASSES + c] > probabilities[i * CLASSES + best]) best = c;
    counts[labels[i]][best]++;
  }
  return counts;
}
