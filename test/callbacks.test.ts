// Callbacks and validationSplit: early stopping (and restoring the best weights), lowering the rate on
// a plateau, CSV and JSON logs, and the held-out fraction taken from the end as Keras takes it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, SaveFailedError, Sequential, csvLogger, dense, earlyStopping, jsonLogger, loadMnist, reduceLROnPlateau, relu, sgd, softmax, toCategorical,
  type Callbacks, type EpochLogs,
} from 'mnist-wasm';

let x: Uint8Array;
let y: Float32Array;
beforeAll(async () => {
  const { train } = await loadMnist();
  x = train.images.subarray(0, 2000 * 784);
  y = toCategorical(train.labels.subarray(0, 2000), 10);
});

function network(learningRate = 0.05): Sequential {
  const model = new Sequential([dense(32, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate, momentum: 0.9 }) });
  return model;
}

/** Records every epoch's logs and the weights after it. */
function recorder(model: Sequential): Callbacks & { logs: EpochLogs[]; weights: Float32Array[][] } {
  const state = { logs: [] as EpochLogs[], weights: [] as Float32Array[][] };
  return { ...state, onEpochEnd: (_, logs) => { state.logs.push(logs); state.weights.push(model.getWeights()); }, get logs() { return state.logs; }, get weights() { return state.weights; } };
}

describe('validationSplit', () => {
  it('holds out the last rows, as validationData of those rows would', async () => {
    const split = network();
    const history = await split.fit(x, y, { batchSize: 100, epochs: 2, seed: 1, validationSplit: 0.25 });
    const explicit = network();
    const expected = await explicit.fit(x.subarray(0, 1500 * 784), y.subarray(0, 15000), {
      batchSize: 100, epochs: 2, seed: 1, validationData: [x.subarray(1500 * 784), y.subarray(15000)],
    });
    expect(split.getWeights()).toEqual(explicit.getWeights());
    expect(history.history.valLoss).toEqual(expected.history.valLoss);
    await expect(network().fit(x, y, { validationSplit: 1 })).rejects.toThrow('fit: validationSplit must be in (0, 1), got 1');
    await expect(network().fit(x.subarray(0, 784 * 3), y.subarray(0, 30), { validationSplit: 0.1 })).rejects.toThrow('leaves no validation rows');
  });
});

describe('callbacks', () => {
  it('earlyStopping stops after `patience` epochs without improvement and can restore the best weights', async () => {
    // A learning rate high enough that validation loss soon stops falling.
    const model = network(0.8);
    const record = recorder(model);
    const stopper = earlyStopping({ monitor: 'valLoss', patience: 1, restoreBestWeights: true });
    const history = await model.fit(x, y, { batchSize: 50, epochs: 30, seed: 1, validationSplit: 0.2, callbacks: [record, stopper] });
    const losses = history.history.valLoss;
    const best = losses.indexOf(Math.min(...losses));
    expect(stopper.bestEpoch).toBe(best);
    // Keras and TensorFlow.js: with patience 1, the first epoch without improvement is the last.
    expect(stopper.stoppedEpoch).toBe(best + 1);
    expect(history.epoch.length).toBe(best + 2);
    expect(model.getWeights()).toEqual(record.weights[best]);
    await expect(network().fit(x, y, { epochs: 1, callbacks: [earlyStopping()] })).rejects.toThrow("earlyStopping: monitor 'valLoss' needs validation data");
  });

  it('reduceLROnPlateau lowers the rate by its factor when the figure stalls, and keeps it lowered', async () => {
    const model = network(0.8);
    const reducer = reduceLROnPlateau({ monitor: 'valLoss', factor: 0.5, patience: 1 });
    const history = await model.fit(x, y, { batchSize: 50, epochs: 8, seed: 1, validationSplit: 0.2, callbacks: [reducer, recorder(model)] });
    expect(reducer.reductions.length).toBeGreaterThan(0);
    const rates: number[] = [];
    await network(0.8).fit(x, y, {
      batchSize: 50, epochs: 8, seed: 1, validationSplit: 0.2,
      callbacks: [reduceLROnPlateau({ monitor: 'valLoss', factor: 0.5, patience: 1 }), { onEpochEnd: (_, logs) => void rates.push(logs.learningRate) }],
    });
    let expected = 0.8;
    rates.forEach((rate, epoch) => {
      expect(rate).toBeCloseTo(expected, 12);
      if (reducer.reductions.includes(epoch)) expected *= 0.5;
    });
    expect(history.history.loss.length).toBe(8);
  });

  it('csvLogger and jsonLogger write a line per epoch', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-logs-'));
    try {
      const lines: string[] = [];
      const path = join(folder, 'log.csv');
      const history = await network().fit(x, y, { batchSize: 100, epochs: 3, seed: 1, validationSplit: 0.1, callbacks: [csvLogger({ path }), jsonLogger({ write: (line) => void lines.push(line) })] });
      const csv = (await readFile(path, 'utf8')).trimEnd().split('\n');
      expect(csv[0]).toBe('epoch,loss,accuracy,valLoss,valAccuracy,learningRate,seconds');
      expect(csv).toHaveLength(4);
      expect(csv[3].split(',').slice(0, 5).map(Number)).toEqual([3, history.history.loss[2], history.history.accuracy[2], history.history.valLoss[2], history.history.valAccuracy[2]]);
      expect(lines.map((line) => JSON.parse(line).epoch)).toEqual([1, 2, 3]);
      expect(JSON.parse(lines[2]).valAccuracy).toBe(history.history.valAccuracy[2]);
      expect(() => csvLogger({})).toThrow('csvLogger: give a path or a write function');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a log file that cannot be written is found before the first batch, and a failed write is a SaveFailedError', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-logs-'));
    try {
      for (const make of [csvLogger, jsonLogger]) {
        const model = network();
        const before = model.getWeights();
        let batches = 0;
        const path = join(folder, 'absent', 'log.txt');
        const error = await model.fit(x, y, { batchSize: 100, epochs: 1, seed: 1, callbacks: [make({ path }), { onBatchEnd: () => void batches++ }] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SaveFailedError);
        expect((error as Error).message).toBe(`${make.name}: cannot save to ${path}: the folder ${join(folder, 'absent')} does not exist`);
        expect(batches).toBe(0);
        expect(model.getWeights()).toEqual(before);
      }
      // The folder goes away during the fit: the next line cannot be written.
      const gone = await mkdtemp(join(folder, 'gone-'));
      const path = join(gone, 'log.jsonl');
      const vanish = { onEpochEnd: () => rm(gone, { recursive: true }) };
      const error = await network().fit(x, y, { batchSize: 100, epochs: 2, seed: 1, callbacks: [vanish, jsonLogger({ path })] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SaveFailedError);
      expect((error as Error).message).toMatch(new RegExp(`^jsonLogger: could not write ${path} \\(ENOENT: `));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it.each([
    [() => earlyStopping({ patients: 3 } as never), 'earlyStopping: unknown option "patients"; did you mean "patience"?'],
    [() => earlyStopping({ restoreBestWeight: true } as never), 'earlyStopping: unknown option "restoreBestWeight"; did you mean "restoreBestWeights"?'],
    [() => reduceLROnPlateau({ factr: 0.5 } as never), 'reduceLROnPlateau: unknown option "factr"; did you mean "factor"?'],
    [() => reduceLROnPlateau({ minLR: 0.001 } as never), 'reduceLROnPlateau: unknown option "minLR"; known: monitor, factor, patience, minDelta, cooldown, minLearningRate'],
    [() => csvLogger({ pth: 'log.csv' } as never), 'csvLogger: unknown option "pth"; did you mean "path"?'],
    [() => jsonLogger({ write: () => undefined, wirte: true } as never), 'jsonLogger: unknown option "wirte"; did you mean "write"?'],
    [() => csvLogger(undefined as never), 'csvLogger: give a path or a write function'],
  ])('refuses a misspelt option by name (%#)', (make, message) => {
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(message);
  });
});
