// Checkpoints and resuming: a fit stopped by its AbortSignal saves where it stands, and a fit resumed
// from that checkpoint ends with the same bits as one that was never stopped. Mismatched resumes are
// refused with a message that says what differs. (The command's Ctrl-C is tested in cli.test.ts.)

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ModelMismatchError, Sequential, TrainingInterruptedError, adam, cosineDecay, dense, dropout, loadMnist, relu, rmsprop, sgd, softmax, toCategorical,
  type FitOptions, type OptimizerConfig,
} from 'mnist-wasm';

const ROWS = 3000;
let folder = '';
let x: Uint8Array;
let y: Float32Array;
let validation: [Uint8Array, Float32Array];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-checkpoint-'));
  const { train, test } = await loadMnist();
  x = train.images.subarray(0, ROWS * 784);
  y = toCategorical(train.labels.subarray(0, ROWS), 10);
  validation = [test.images.subarray(0, 500 * 784), toCategorical(test.labels.subarray(0, 500), 10)];
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function network(optimizer: OptimizerConfig, hidden = 48): Sequential {
  const model = new Sequential([dense(hidden, { inputDim: 784 }), relu(), dropout(0.3), dense(10), softmax()]);
  model.compile({ loss: 'categoricalCrossentropy', optimizer });
  return model;
}

const optimizers: Array<[string, () => OptimizerConfig]> = [
  ['SGD with Nesterov momentum and a cosine schedule', () => sgd({ learningRate: cosineDecay({ initialLearningRate: 0.1, decaySteps: 90 }), momentum: 0.9, nesterov: true })],
  ['Adam', () => adam({ learningRate: 0.002 })],
  ['RMSprop, centered, with momentum', () => rmsprop({ learningRate: 0.0005, momentum: 0.5, centered: true })],
];

/** Fits until `stopAt` (epoch, batch), expecting the interruption; returns the error. */
async function interruptedFit(model: Sequential, options: FitOptions, stopAt: [number, number]): Promise<TrainingInterruptedError> {
  const controller = new AbortController();
  let epoch = 0;
  const error = await model
    .fit(x, y, {
      ...options, signal: controller.signal,
      callbacks: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (batch) => void (epoch === stopAt[0] && batch === stopAt[1] - 1 && controller.abort()) },
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TrainingInterruptedError);
  return error as TrainingInterruptedError;
}

describe('checkpoints and resuming', () => {
  it.each(optimizers)('an interrupted and resumed fit equals an uninterrupted one bit for bit (%s)', async (_, optimizer) => {
    const options: FitOptions = { batchSize: 100, epochs: 3, seed: 7, validationData: validation };
    const whole = network(optimizer());
    const expected = await whole.fit(x, y, { ...options, threads: 2 });

    const path = join(folder, `stopped-${optimizer().kind}.mnwm`);
    const stopped = network(optimizer());
    const error = await interruptedFit(stopped, { ...options, threads: 1, checkpoint: { path } }, [1, 13]);
    expect([error.epoch, error.batch, error.checkpoint, error.code]).toEqual([1, 13, path, 'INTERRUPTED']);
    expect(error.message).toMatch(/interrupted before epoch 2, batch 14; checkpoint saved to/);

    // A new model (another process, say) goes on from the file, on another number of threads.
    const resumed = network(optimizer());
    const history = await resumed.fit(x, y, { ...options, threads: 2, resume: path });
    expect(resumed.getWeights()).toEqual(whole.getWeights());
    expect(resumed.toBytes({ includeOptimizer: true })).toEqual(whole.toBytes({ includeOptimizer: true }));
    const { seconds: _s1, ...got } = history.history;
    const { seconds: _s2, ...want } = expected.history;
    expect(got).toEqual(want);
    expect(history.epoch).toEqual([0, 1, 2]);
  });

  it('resumes from a checkpoint taken every n batches, and from the end of a fit to train on', async () => {
    const options: FitOptions = { batchSize: 100, epochs: 2, seed: 3 };
    const whole = network(sgd({ learningRate: 0.05, momentum: 0.9 }));
    await whole.fit(x, y, { ...options, epochs: 3 });

    // Saved every 7 batches: the last save before the stop is at epoch 1, batch 21.
    const path = join(folder, 'every.mnwm');
    const saves: Uint8Array[] = [];
    const stopped = network(sgd({ learningRate: 0.05, momentum: 0.9 }));
    await interruptedFit(stopped, { ...options, checkpoint: { every: 7, save: (bytes) => void saves.push(bytes) } }, [1, 25]);
    expect(saves.length).toBe(4 + 3 + 1);
    const fromBatch = network(sgd({ learningRate: 0.05, momentum: 0.9 }));
    await fromBatch.fit(x, y, { ...options, epochs: 3, resume: saves[saves.length - 2] });
    expect(fromBatch.getWeights()).toEqual(whole.getWeights());

    // A finished fit's last checkpoint goes on to a third epoch, as if it had been asked for three.
    const two = network(sgd({ learningRate: 0.05, momentum: 0.9 }));
    await two.fit(x, y, { ...options, checkpoint: { path } });
    const three = network(sgd({ learningRate: 0.05, momentum: 0.9 }));
    await three.fit(x, y, { ...options, epochs: 3, resume: path });
    expect(three.getWeights()).toEqual(whole.getWeights());
    await expect(network(sgd({ learningRate: 0.05, momentum: 0.9 })).fit(x, y, { ...options, resume: path })).rejects.toThrow(/done 2 epochs already/);
  });

  it('refuses a checkpoint that does not fit the model, the optimizer or the fit, saying what differs', async () => {
    const path = join(folder, 'reference.mnwm');
    const options: FitOptions = { batchSize: 100, epochs: 2, seed: 3 };
    await interruptedFit(network(sgd({ learningRate: 0.05, momentum: 0.9 })), { ...options, checkpoint: { path } }, [0, 5]);
    const plain = join(folder, 'plain.mnwm');
    await network(sgd()).save(plain);
    const cases: Array<[Sequential, FitOptions, RegExp]> = [
      [network(sgd({ momentum: 0.9 }), 64), options, /made for another network: layer 0: the file has dense\(48, inputDim 784\), the model has dense\(64, inputDim 784\)/],
      [network(adam()), options, /trained with sgd, but the model is compiled with adam/],
      [network(sgd()), options, /keeps 1 state tensors per weight, the compiled one 0/],
      [network(sgd({ momentum: 0.9 })), { ...options, batchSize: 50 }, /made with batchSize 100, this fit has 50/],
      [network(sgd({ momentum: 0.9 })), { ...options, seed: 4 }, /made with seed 3, this fit has 4/],
    ];
    for (const [model, fitOptions, message] of cases) {
      const error = await model.fit(x, y, { ...fitOptions, resume: path }).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ModelMismatchError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(network(sgd({ momentum: 0.9 })).fit(x.subarray(0, 2000 * 784), y.subarray(0, 20000), { ...options, resume: path }))
      .rejects.toThrow(/made on 3000 training rows, this fit has 2000/);
    await expect(network(sgd()).fit(x, y, { ...options, resume: plain })).rejects.toThrow(/not a checkpoint/);
    await expect(network(sgd()).fit(x, y, { ...options, resume: join(folder, 'missing.mnwm') })).rejects.toThrow(/missing\.mnwm: ENOENT/);
  });

  it('refuses a resume with other data, labels, optimizer settings, schedule, shuffling or augmentation, naming what differs', async () => {
    const schedule = (initialLearningRate: number) => cosineDecay({ initialLearningRate, decaySteps: 60 });
    const momentum = (m: number, rate: number | ((step: number) => number) = schedule(0.05)) => network(sgd({ learningRate: rate, momentum: m }));
    const elastic = { alpha: 30, sigma: 4.5 };
    const options: FitOptions = { batchSize: 100, epochs: 2, seed: 3, augment: { translate: 1, elastic } };
    const path = join(folder, 'fingerprinted.mnwm');
    await interruptedFit(momentum(0.9), { ...options, checkpoint: { path } }, [0, 5]);

    // The same size of data, other pixels or other labels; the same fit otherwise.
    const otherX = new Uint8Array(x);
    otherX[12345] ^= 1;
    const otherY = y.slice();
    otherY.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 10 * 17);
    otherY[10 * 17 + ((y.subarray(170, 180).indexOf(1) + 1) % 10)] = 1;
    const cases: Array<[Sequential, Uint8Array, Float32Array, FitOptions, RegExp]> = [
      [momentum(0.9), otherX, y, options, /made with other training data;/],
      [momentum(0.9), x, otherY, options, /made with other training labels;/],
      [momentum(0.8), x, y, options, /made with other optimizer settings \(the checkpoint: .*"momentum":0\.9.*this fit: .*"momentum":0\.8/],
      [momentum(0.9, schedule(0.06)), x, y, options, /made with other learning-rate schedule;/],
      [momentum(0.9), x, y, { ...options, shuffle: false }, /made with other shuffle \(the checkpoint: true; this fit: false\)/],
      [momentum(0.9), x, y, { ...options, augment: { translate: 2, elastic } }, /made with other augmentation \(the checkpoint: \{.*"translate":1.*this fit: \{.*"translate":2/],
      [momentum(0.9), x, y, { ...options, augment: { translate: 1, elastic: { alpha: 30, sigma: 4 } } }, /made with other augmentation \(the checkpoint: .*"elastic":"[0-9a-f]{32}"/],
      [momentum(0.9), x, y, { ...options, augment: undefined }, /made with other augmentation \(the checkpoint: \{.*\}; this fit: none\)/],
    ];
    for (const [model, xs, ys, fitOptions, message] of cases) {
      const error = await model.fit(xs, ys, { ...fitOptions, resume: path }).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ModelMismatchError);
      expect((error as Error).message).toMatch(message);
    }
    // And the very same fit goes on.
    await expect(momentum(0.9).fit(x, y, { ...options, resume: path })).resolves.toBeDefined();
  });

  it('an aborted fit without a checkpoint says so, and leaves the model with the weights of its last step', async () => {
    const model = network(sgd({ learningRate: 0.05 }));
    const error = await interruptedFit(model, { batchSize: 100, epochs: 2, seed: 1 }, [0, 4]);
    expect(error.message).toMatch(/no checkpoint was asked for/);
    expect(model.getWeights().every((w) => w.every(Number.isFinite))).toBe(true);
    expect(existsSync(join(folder, 'none.mnwm'))).toBe(false);
    await expect(model.fit(x, y, { checkpoint: { every: 0, path: 'x' } })).rejects.toThrow(/checkpoint.every must be 'epoch' or a positive number/);
    await expect(model.fit(x, y, { checkpoint: {} })).rejects.toThrow(/checkpoint must be \{ path \} or \{ save \}/);
    // A checkpoint that could not be written fails before the first batch, not an epoch later.
    const before = model.getWeights();
    await expect(model.fit(x, y, { checkpoint: { path: join(folder, 'no-such-folder', 'run.ckpt') } }))
      .rejects.toThrow(/fit: checkpoint.path: cannot save to .*the folder .*no-such-folder does not exist/);
    expect(model.getWeights()).toEqual(before);
    expect((await readFile(join(folder, 'reference.mnwm'))).length).toBeGreaterThan(0);
  });
});
