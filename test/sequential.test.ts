import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, NotCompiledError, Sequential, ShapeError, TrainingDivergedError,
  adam, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical,
} from 'mnist-wasm';

const seedNetwork = () =>
  new Sequential([
    dense(800, { inputDim: 784, kernelInitializer: 'uniform' }), relu(), dropout(0.5),
    dense(10, { kernelInitializer: 'uniform' }), softmax(),
  ]);

/** The first `count` real training images with one-hot labels. */
async function realSubset(count: number) {
  const { train } = await loadMnist();
  return { x: train.images.subarray(0, count * 784), y: toCategorical(train.labels.subarray(0, count), 10) };
}

describe('Sequential', () => {
  it('prints the notebook network as Keras does: 628,000 + 8,010 = 636,010 parameters', () => {
    const lines: string[] = [];
    const text = seedNetwork().summary((line) => lines.push(line));
    expect(lines).toEqual([text]);
    expect(text).toContain(' dense (Dense)               (None, 800)               628,000');
    expect(text).toContain(' dense_1 (Dense)             (None, 10)                8,010');
    expect(text).toContain('Total params: 636,010');
    expect(seedNetwork().countParams()).toBe(636_010);
  });

  it('refuses layer stacks it cannot run, saying why', () => {
    expect(() => new Sequential([])).toThrow('at least one layer');
    expect(() => new Sequential([relu(), dense(3, { inputDim: 2 })])).toThrow('first layer must be dense');
    expect(() => new Sequential([dense(3)])).toThrow('inputDim');
    expect(() => new Sequential([dense(3, { inputDim: 2 }), softmax(), dense(2)])).toThrow('softmax must be the last layer');
    expect(() => new Sequential([dense(3, { inputDim: 2 }), dense(2, { inputDim: 4 })])).toThrow('has inputDim 4 but receives 3 values');
    expect(() => new Sequential([dense(3, { inputDim: 2, name: 'a' }), dense(2, { name: 'a' })])).toThrow('two layers are named "a"');
    expect(() => dense(0)).toThrow(InvalidArgumentError);
    expect(() => dense(3, { kernelInitializer: 'ones' as never })).toThrow('kernelInitializer must be one of');
    expect(() => dropout(1)).toThrow('rate must be in [0, 1), got 1');
    expect(() => new Sequential([dense(3, { inputDim: 2 })]).compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' }))
      .toThrow('ends in softmax');
  });

  it('refuses to fit or evaluate before compile, and bad arrays with their sizes', async () => {
    const model = new Sequential([dense(4, { inputDim: 3 }), softmax()]);
    const x = new Float32Array(6);
    const y = toCategorical([0, 1], 4);
    await expect(model.fit(x, y)).rejects.toThrow(NotCompiledError);
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd() });
    await expect(model.fit(new Float32Array(7), y)).rejects.toThrow('fit: x has 7 values, expected a positive multiple of the input width 3');
    await expect(model.fit(x, toCategorical([0, 1, 2], 4))).rejects.toThrow('expected 2 rows × 4 classes = 8');
    await expect(model.fit(Float32Array.of(1, 2, NaN, 0, 0, 0), y)).rejects.toThrow('x[2] is NaN');
    await expect(model.fit(x, y, { batchSize: 0 })).rejects.toThrow('batchSize must be a positive integer, got 0');
    await expect(model.fit([1, 2, 3] as never, y)).rejects.toThrow(ShapeError);
    expect(() => model.predict(new Float32Array(5))).toThrow('predict: x has 5 values');
  });

  it('predicts a probability distribution per row', async () => {
    const { x } = await realSubset(37);
    const model = seedNetwork();
    const p = model.predict(x);
    expect(p.length).toBe(37 * 10);
    for (let r = 0; r < 37; r++) expect(p.subarray(r * 10, r * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    // uint8 input is scaled by 1/255: the same images as floats give the same output.
    expect(model.predict(Float32Array.from(x, (v) => v / 255))).toEqual(p);
  });

  it('hands out and takes back its weights in Keras order', () => {
    const model = new Sequential([dense(3, { inputDim: 2 }), relu(), dense(2, { useBias: false }), softmax()], { seed: 9 });
    const weights = model.getWeights();
    expect(weights.map((w) => w.length)).toEqual([6, 3, 6]);
    const changed = weights.map((w) => w.map((v) => v + 1));
    model.setWeights(changed);
    expect(model.getWeights()).toEqual(changed);
    expect(() => model.setWeights(weights.slice(1))).toThrow('expected 3 arrays');
    expect(() => model.setWeights([weights[0], new Float32Array(2), weights[2]])).toThrow('layer 0 bias needs a Float32Array of 3 values');
  });

  it('is deterministic: the same seed gives bit-identical weights, another seed others', async () => {
    const { x, y } = await realSubset(1000);
    const train = async (seed: number) => {
      const model = seedNetwork();
      model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }) });
      await model.fit(x, y, { batchSize: 64, epochs: 2, seed });
      return model.getWeights();
    };
    const first = await train(11);
    expect(await train(11)).toEqual(first);
    expect(await train(12)).not.toEqual(first);
  });

  it('learns: loss falls and accuracy rises on real digits, with SGD and with Adam', async () => {
    const { x, y } = await realSubset(2000);
    for (const optimizer of [sgd({ learningRate: 0.1, momentum: 0.9 }), adam({ learningRate: 1e-3, weightDecay: 1e-4 })]) {
      const model = new Sequential([dense(64, { inputDim: 784, activation: 'relu' }), dense(10, { activation: 'softmax' })]);
      model.compile({ loss: 'categoricalCrossentropy', optimizer });
      const history = await model.fit(x, y, { batchSize: 50, epochs: 3, seed: 1 });
      const { loss, accuracy } = history.history;
      expect(loss[2]).toBeLessThan(loss[0]);
      expect(accuracy[2]).toBeGreaterThan(0.85);
      const [evalLoss, evalAccuracy] = model.evaluate(x, y);
      expect(evalAccuracy).toBeGreaterThan(0.85);
      expect(evalLoss).toBeLessThan(loss[0]);
    }
  });

  it('reports every batch and epoch to callbacks, and records the history', async () => {
    const { x, y } = await realSubset(250);
    const model = seedNetwork();
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd() });
    const events: string[] = [];
    const history = await model.fit(x, y, {
      batchSize: 100, epochs: 2, seed: 3, validationData: [x, y],
      callbacks: {
        onTrainBegin: () => void events.push('begin'),
        onEpochBegin: (epoch) => void events.push(`epoch ${epoch}`),
        onBatchEnd: (batch, logs) => void events.push(`batch ${batch} ${logs.size}`),
        onEpochEnd: async (epoch, logs) => {
          events.push(`end ${epoch} ${logs.valAccuracy !== undefined}`);
        },
        onTrainEnd: () => void events.push('done'),
      },
    });
    expect(events).toEqual([
      'begin', 'epoch 0', 'batch 0 100', 'batch 1 100', 'batch 2 50', 'end 0 true',
      'epoch 1', 'batch 0 100', 'batch 1 100', 'batch 2 50', 'end 1 true', 'done',
    ]);
    expect(history.epoch).toEqual([0, 1]);
    expect(history.history.valAccuracy).toHaveLength(2);
    expect(history.history.seconds.every((s) => s > 0)).toBe(true);
  });

  it('stops with a TrainingDivergedError naming epoch and batch, keeping finite weights', async () => {
    const { x, y } = await realSubset(512);
    const model = seedNetwork();
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 1e6 }) });
    const error = await model.fit(x, y, { batchSize: 64, epochs: 3, seed: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as TrainingDivergedError).code).toBe('DIVERGED');
    expect((error as Error).message).toMatch(/in epoch 1, batch \d+/);
    expect(model.getWeights().every((w) => w.every(Number.isFinite))).toBe(true);
  });
});
