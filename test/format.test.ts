// The model byte format: a round trip keeps every bit and the layers; every kind of damage is refused
// with a ModelFormatError that says what is wrong.

import { describe, expect, it } from 'vitest';
import { ModelFormatError, Sequential, dense, dropout, init, loadMnist, relu, sgd, softmax, toCategorical } from 'mnist-wasm';
import { crc32, encodeModel } from '../dist/model/format.js';

async function trainedModel() {
  const { train } = await loadMnist();
  const model = new Sequential([dense(32, { inputDim: 784, name: 'hidden' }), relu(), dropout(0.25), dense(10, { useBias: false }), softmax()], { name: 'tiny', seed: 5 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1 }) });
  await model.fit(train.images.subarray(0, 500 * 784), toCategorical(train.labels.subarray(0, 500), 10), { batchSize: 50, seed: 1 });
  return model;
}

/** Rewrites the checksum after a deliberate change, so that the reader's later checks are reached. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

describe('toBytes / fromBytes', () => {
  it('round-trips the layers, the name and every weight bit', async () => {
    const model = await trainedModel();
    const bytes = model.toBytes();
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('MNWM');
    const copy = Sequential.fromBytes(bytes);
    await init();
    expect(copy.name).toBe('tiny');
    expect(copy.summary(() => undefined)).toBe(model.summary(() => undefined));
    expect(copy.getWeights()).toEqual(model.getWeights());
    const { test } = await loadMnist();
    const x = test.images.subarray(0, 100 * 784);
    expect(copy.predict(x)).toEqual(model.predict(x));
    expect(copy.toBytes()).toEqual(bytes);
  });

  it('refuses what is not a model, naming the problem', async () => {
    const bytes = (await trainedModel()).toBytes();
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const version3 = bytes.slice();
    view(version3).setUint32(4, 3, true);
    const hugeHeader = bytes.slice();
    view(hugeHeader).setUint32(8, 0xfffffff0, true);
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] ^= 0x10;
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2, 3], /expected a Uint8Array/],
      [bytes.subarray(0, 10), /too short/],
      [Uint8Array.from([80, 75, 3, 4, ...bytes.subarray(4)]), /magic is "PK\\u0003\\u0004", expected "MNWM"/],
      [version3, /format version 3, this mnist-wasm reads versions 1 to 2/],
      [hugeHeader, /header length 4294967280 does not fit/],
      [flipped, /checksum 0x[0-9a-f]{8} does not match the stored 0x[0-9a-f]{8}/],
      [bytes.subarray(0, bytes.length - 8), /checksum/],
    ];
    for (const [input, message] of cases) {
      const error = (() => { try { Sequential.fromBytes(input as Uint8Array); } catch (e) { return e; } })();
      expect(error, String(message)).toBeInstanceOf(ModelFormatError);
      expect((error as ModelFormatError).code).toBe('MODEL_FORMAT');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('refuses a well-sealed file whose layers or shapes do not add up', () => {
    const weights = [new Float32Array(4 * 3), new Float32Array(3)];
    const layers = [dense(3, { inputDim: 4 }), softmax()];
    const cases: Array<[Uint8Array, RegExp]> = [
      [encodeModel({ name: 'm', layers, weights: [[4, 2], [3]] }, weights), /weight shapes \[\[4,2\],\[3\]\] do not match the layers, which need \[\[4,3\],\[3\]\]/],
      [encodeModel({ name: 'm', layers: [layers[0], { kind: 'dropout', rate: 1.5 } as never], weights: [[4, 3], [3]] }, weights), /layer 1: dropout: rate must be in \[0, 1\)/],
      [encodeModel({ name: 'm', layers: [layers[0], { kind: 'conv' } as never], weights: [[4, 3], [3]] }, weights), /layer 1 has unknown kind "conv"/],
      [encodeModel({ name: 'm', layers: [dense(3)], weights: [[4, 3], [3]] }, weights), /do not make a model: .*inputDim/],
      [resealed(encodeModel({ name: 'm', layers, weights: [[4, 3], [3]] }, [weights[0]])), /bytes, expected/],
    ];
    for (const [bytes, message] of cases) expect(() => Sequential.fromBytes(bytes)).toThrow(message);
  });

  it('still reads version 1, written before the optional sections existed', async () => {
    const model = await trainedModel();
    const version1 = model.toBytes();
    new DataView(version1.buffer).setUint32(4, 1, true);
    expect(Sequential.fromBytes(resealed(version1)).getWeights()).toEqual(model.getWeights());
  });

  it('keeps the optimizer state when asked, and checks the optional sections', async () => {
    // Saved with its momentum, a model goes on training as the original does; without it, it does not.
    const { train } = await loadMnist();
    const x = train.images.subarray(0, 600 * 784);
    const y = toCategorical(train.labels.subarray(0, 600), 10);
    const momentum = () => sgd({ learningRate: 0.05, momentum: 0.9 });
    const model = new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 2 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: momentum() });
    await model.fit(x, y, { batchSize: 60, seed: 1 });
    const withState = Sequential.fromBytes(model.toBytes({ includeOptimizer: true }));
    const without = Sequential.fromBytes(model.toBytes());
    for (const copy of [withState, without]) copy.compile({ loss: 'categoricalCrossentropy', optimizer: momentum() });
    for (const m of [model, withState, without]) await m.fit(x, y, { batchSize: 60, seed: 9 });
    expect(withState.getWeights()).toEqual(model.getWeights());
    expect(without.getWeights()).not.toEqual(model.getWeights());
    expect(withState.toBytes({ includeOptimizer: true })).toEqual(model.toBytes({ includeOptimizer: true }));

    const weights = [new Float32Array(4 * 3), new Float32Array(3)];
    const layers = [dense(3, { inputDim: 4 }), softmax()];
    const header = { name: 'm', layers, weights: [[4, 3], [3]] };
    const optimizer = { header: { kind: 'sgd' as const, config: { momentum: 0.9 }, iterations: 3, slots: 1 }, slots: [weights] };
    const training = {
      header: { seed: 1, epochs: 2, batchSize: 2, rows: 4, epoch: 1, batch: 1, random: [1, 2, 3, 4], lossSum: 0.5, correct: 1, history: { loss: [1], accuracy: [0.5], valLoss: [], valAccuracy: [], seconds: [1] } },
      order: Uint32Array.from([2, 0, 3, 1]),
    };
    expect(() => Sequential.fromBytes(encodeModel(header, weights, { optimizer, training }))).not.toThrow();
    const cases: Array<[Uint8Array, RegExp]> = [
      [encodeModel(header, weights, { optimizer: { ...optimizer, header: { ...optimizer.header, slots: 2 } } }), /has 2 state tensors per weight, sgd needs 1/],
      [encodeModel(header, weights, { optimizer: { ...optimizer, header: { ...optimizer.header, kind: 'adagrad' as never } } }), /no known kind/],
      [encodeModel(header, weights, { optimizer: { ...optimizer, header: { ...optimizer.header, iterations: -1 } } }), /iterations -1 is not a count/],
      [encodeModel(header, weights, { training: { ...training, order: Uint32Array.from([2, 0, 2, 1]) } }), /not a permutation of 4 rows \(entry 2 is 2\)/],
      [encodeModel(header, weights, { training: { ...training, header: { ...training.header, epoch: 3 } } }), /impossible/],
      [encodeModel(header, weights, { training: { ...training, header: { ...training.header, random: [1, 2] } } }), /no generator state/],
    ];
    for (const [damaged, message] of cases) expect(() => Sequential.fromBytes(damaged)).toThrow(message);
  });

  it('catches every single flipped byte (1,000 random flips, each a ModelFormatError)', async () => {
    const bytes = (await trainedModel()).toBytes();
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      const damaged = bytes.slice();
      damaged[next() % damaged.length] ^= 1 + (next() % 255);
      expect(() => Sequential.fromBytes(damaged)).toThrow(ModelFormatError);
    }
    console.log(`1,000 flipped model files refused in ${(performance.now() - started).toFixed(0)} ms`);
  });
});
