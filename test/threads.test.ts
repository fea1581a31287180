// Training on worker threads, and on the sparse path, must give exactly what one thread on the dense
// path gives: every split keeps each float's order of summation. Checked on real MNIST digits, for
// the fused SGD-momentum update and for Adam's separate one; and a Node process that trained with
// threads must exit by itself.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Sequential, adam, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical, type OptimizerConfig } from 'mnist-wasm';

const ROWS = 3000;

async function train(optimizer: OptimizerConfig, threads: number, sparseInput: boolean) {
  const { train, test } = await loadMnist();
  const x = train.images.subarray(0, ROWS * 784);
  const y = toCategorical(train.labels.subarray(0, ROWS), 10);
  const model = new Sequential([dense(800, { inputDim: 784, kernelInitializer: 'glorotUniform' }), relu(), dropout(0.5), dense(10), softmax()], { seed: 3 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer });
  const xTest = test.images.subarray(0, 500 * 784);
  const history = await model.fit(x, y, {
    batchSize: 250, epochs: 2, seed: 9, threads, sparseInput, validationData: [xTest, toCategorical(test.labels.subarray(0, 500), 10)],
  });
  return { weights: model.getWeights(), history: history.history, predictions: model.predict(xTest) };
}

describe.each([
  ['sgd with Nesterov momentum', () => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['adam', () => adam({ learningRate: 1e-3 })],
])('training with %s on real MNIST', (_, optimizer) => {
  it('gives bit-identical weights, losses and predictions on 1, 2 or 3 threads, sparse or dense', async () => {
    const reference = await train(optimizer(), 1, false);
    expect(reference.history.valAccuracy[1]).toBeGreaterThan(0.8);
    // 3 threads split the 800 hidden units unevenly (272, 272, 256) and the input units in three.
    for (const [threads, sparse] of [[1, true], [2, true], [3, true], [2, false]] as const) {
      const run = await train(optimizer(), threads, sparse);
      expect(run.weights).toEqual(reference.weights);
      expect(run.history.loss).toEqual(reference.history.loss);
      expect(run.history.valLoss).toEqual(reference.history.valLoss);
      expect(run.predictions).toEqual(reference.predictions);
    }
  });
});

describe('a Node process that trained on threads', () => {
  it('exits by itself when training ends', () => {
    const script = `
      import { Sequential, dense, relu, softmax, sgd, loadMnist, toCategorical } from 'mnist-wasm';
      const { train } = await loadMnist();
      const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
      model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1 }) });
      const history = await model.fit(train.images.subarray(0, 2000 * 784), toCategorical(train.labels.subarray(0, 2000), 10), { batchSize: 100, threads: 2, seed: 1 });
      console.log('trained', history.history.loss.length);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('trained 1');
    expect(child.status).toBe(0);
  });
});

describe('a model that keeps its threads open', () => {
  it('evaluates, predicts and trains on them with the same bits as on one thread, and hands each call its own plan', async () => {
    const { train, test } = await loadMnist();
    const build = () => {
      const model = new Sequential([dense(100, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 4 });
      model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
      return model;
    };
    const x = train.images.subarray(0, 1000 * 784);
    const y = toCategorical(train.labels.subarray(0, 1000), 10);
    const xTest = test.images.subarray(0, 700 * 784);
    const yTest = toCategorical(test.labels.subarray(0, 700), 10);
    const run = async (model: InstanceType<typeof Sequential>) => {
      // a predict inside a callback needs a plan of its own in the middle of the fit's
      const inside: Float32Array[] = [];
      await model.fit(x, y, { batchSize: 100, epochs: 2, seed: 2, callbacks: { onEpochEnd: () => void inside.push(model.predict(xTest.subarray(0, 3 * 784))) } });
      return { inside, evaluation: model.evaluate(xTest, yTest), predictions: model.predict(xTest, { batchSize: 64 }), weights: model.getWeights() };
    };
    const single = build();
    const expected = await run(single);
    const threaded = build();
    expect(await threaded.startThreads(2)).toBe(2);
    const actual = await run(threaded);
    threaded.stopThreads();
    expect(actual).toEqual(expected);
    expect(threaded.predict(xTest)).toEqual(expected.predictions);
  });
});
