// Convolutional networks through the engine: gradients against finite differences, the same bits on
// any number of threads (real MNIST), learning, and a model file's round trip.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ModelFormatError, Sequential, TrainingInterruptedError, adam, conv2d, dense, flatten, init, loadMnist, maxPooling2d, relu, sgd, softmax, toCategorical,
} from 'mnist-wasm';
import { resolveTopology } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';
import { gradientErrors } from './support.js';

describe('a convolutional network', () => {
  it('has the gradients of central finite differences, for every parameter', async () => {
    await init();
    const topology = resolveTopology([
      conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [7, 5, 2] }),
      maxPooling2d({ poolSize: 2, padding: 'same' }),
      conv2d({ filters: 4, kernelSize: [2, 3], strides: [1, 2], useBias: false }),
      relu(),
      flatten(),
      dense(5, { activation: 'relu' }),
      dense(3),
      softmax(),
    ]);
    const rows = 5;
    const { used, analytic, errors } = gradientErrors(topology, rows, 3, (random) => {
      const x = Float32Array.from({ length: rows * 70 }, () => 2 * random.nextFloat() - 1);
      const y = new Float32Array(rows * 3);
      for (let r = 0; r < rows; r++) y[r * 3 + random.nextBelow(3)] = 1;
      return { x, y };
    });
    // A step of h may move a ReLU's kink or a window's maximum; a handful of parameters may show it, no more.
    const bad = errors.filter((error) => error >= 1).length;
    expect(bad).toBeLessThanOrEqual(Math.ceil(used.length / 100));
    expect(errors.sort((a, b) => a - b)[Math.floor(errors.length * 0.9)]).toBeLessThan(0.2);
    expect(used.some((i) => Math.abs(analytic[i]) > 1e-2)).toBe(true);
  });

  const cnn = () => new Sequential([
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense(32, { activation: 'relu' }),
    dense(10),
    softmax(),
  ], { seed: 5 });

  it('trains to the same bits on 1, 2 and 3 threads (real MNIST)', async () => {
    await init();
    const { train } = await loadMnist();
    const rows = 600;
    const x = train.images.subarray(0, rows * 784);
    const y = toCategorical(train.labels.subarray(0, rows), 10);
    const weights = async (threads: number) => {
      const model = cnn();
      model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
      await model.fit(x, y, { epochs: 1, batchSize: 100, threads, seed: 9 });
      return new Uint8Array(model.toBytes());
    };
    const one = await weights(1);
    expect(await weights(2)).toEqual(one);
    expect(await weights(3)).toEqual(one);
  }, 120_000);

  it('learns MNIST, and keeps its predictions through a model file', async () => {
    await init();
    const { train, test } = await loadMnist();
    const rows = 6000;
    const model = cnn();
    model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.003 }), metrics: ['accuracy'] });
    await model.fit(train.images.subarray(0, rows * 784), toCategorical(train.labels.subarray(0, rows), 10), { epochs: 2, batchSize: 50, seed: 1 });
    const xTest = test.images.subarray(0, 1000 * 784);
    const [, accuracy] = model.evaluate(xTest, toCategorical(test.labels.subarray(0, 1000), 10));
    expect(accuracy).toBeGreaterThan(0.93);
    const copy = Sequential.fromBytes(model.toBytes());
    expect(copy.predict(xTest)).toEqual(model.predict(xTest));
  }, 120_000);

  it('resumes an interrupted fit to the same bits, and trains on augmented digits to the same bits on 1 and 2 threads', async () => {
    await init();
    const { train } = await loadMnist();
    const rows = 400;
    const x = train.images.subarray(0, rows * 784);
    const y = toCategorical(train.labels.subarray(0, rows), 10);
    const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-cnn-'));
    const compiled = () => {
      const model = cnn();
      model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.002 }) });
      return model;
    };
    const options = { epochs: 2, batchSize: 50, seed: 4, augment: { translate: 1, rotate: 8 } };
    try {
      const whole = compiled();
      await whole.fit(x, y, { ...options, threads: 2 });
      const path = join(folder, 'cnn.ckpt');
      const controller = new AbortController();
      let epoch = 0;
      const stopped = compiled();
      const error = await stopped.fit(x, y, {
        ...options, threads: 1, checkpoint: { path }, signal: controller.signal,
        callbacks: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (batch) => void (epoch === 1 && batch === 2 && controller.abort()) },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingInterruptedError);
      const resumed = compiled();
      await resumed.fit(x, y, { ...options, threads: 2, resume: path });
      expect(resumed.toBytes({ includeOptimizer: true })).toEqual(whole.toBytes({ includeOptimizer: true }));
      const oneThread = compiled();
      await oneThread.fit(x, y, { ...options, threads: 1 });
      expect(oneThread.toBytes()).toEqual(whole.toBytes());
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses damaged model files of a CNN cleanly', async () => {
    const bytes = cnn().toBytes();
    const random = new Random(12);
    for (let i = 0; i < 300; i++) {
      const copy = bytes.slice();
      const at = 12 + random.nextBelow(Math.min(copy.length - 12, 2000));
      copy[at] ^= 1 + random.nextBelow(255);
      let error: unknown;
      try {
        Sequential.fromBytes(copy);
      } catch (e) {
        error = e;
      }
      // A flipped byte in the header or the weights breaks the checksum or the header's checks: never a crash.
      expect(error).toBeInstanceOf(ModelFormatError);
    }
  });
});
