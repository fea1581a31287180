// The inference entry (mnist-wasm/infer): a model file read by it predicts the same bits as
// Sequential.predict of the main entry, on the real MNIST test set, dense and convolutional; damaged
// files are refused with a ModelFormatError, the main entry's own class; it loads its own
// forward-only kernels.

import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ModelFormatError, Sequential, adam, conv2d, dense, dropout, flatten, loadMnist, maxPooling2d, relu, sgd, softmax, toCategorical, type Dataset,
} from 'mnist-wasm';
import * as infer from 'mnist-wasm/infer';
import { crc32 } from '../dist/model/format.js';

let test: Dataset;
let train: Dataset;

beforeAll(async () => {
  ({ train, test } = await loadMnist());
});

/** Trains `model` for one epoch on the 60,000 training images. */
async function trainedOneEpoch(model: Sequential): Promise<Sequential> {
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
  await model.fit(train.images, toCategorical(train.labels, 10), { batchSize: 128, epochs: 1, seed: 1, threads: 1 });
  return model;
}

/** The same bits: compared as integers, so that NaN, -0 and +0 are told apart too. */
function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((bits, i) => bits !== b[i]);
  expect(first, first < 0 ? '' : `value ${first}: ${actual[first]} here, ${expected[first]} from Sequential.predict`).toBe(-1);
}

const asFloats = (images: Uint8Array) => Float32Array.from(images, (v) => v / 255);

/** Rewrites the checksum after a deliberate change, so that the reader's later checks are reached. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

/** A copy of `bytes` whose JSON header `edit` has changed, resealed. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  edit(header);
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 4) * 4).fill(0x20);
  padded.set(json);
  json = padded;
  const out = new Uint8Array(12 + json.length + bytes.length - 12 - length);
  out.set(bytes.subarray(0, 12));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(bytes.subarray(12 + length), 12 + json.length);
  return resealed(out);
}

describe('mnist-wasm/infer predicts the bits Sequential.predict does', () => {
  it('784-800-10 with dropout, one epoch: all 10,000 test images as uint8 and as float32, from bytes, an ArrayBuffer, a Response and a file', async () => {
    const model = await trainedOneEpoch(new Sequential([
      dense(800, { inputDim: 784, kernelInitializer: 'uniform' }), relu(), dropout(0.5), dense(10, { kernelInitializer: 'uniform' }), softmax(),
    ], { seed: 1 }));
    const floats = asFloats(test.images);
    const expected = model.predict(test.images);
    const bytes = model.toBytes();
    const path = join(tmpdir(), `mnist-wasm-infer-${process.pid}.mnwm`);
    await model.save(path);
    try {
      const loaded = await infer.loadModel(bytes);
      expect(loaded).toMatchObject({ name: 'sequential', inputDim: 784, outputDim: 10 });
      expect(loaded.layers).toEqual(model.layers);
      expectSameBits(infer.predict(loaded, test.images), expected);
      expectSameBits(infer.predict(loaded, floats), model.predict(floats));
      for (const source of [bytes.slice().buffer, new Response(bytes.slice()), path]) {
        expectSameBits(infer.predict(await infer.loadModel(source), test.images.subarray(0, 1000 * 784)), expected.subarray(0, 1000 * 10));
      }
      // One row, an odd count and a batch of its own: rows do not depend on each other.
      expectSameBits(infer.predict(loaded, test.images.subarray(784 * 7, 784 * 8)), expected.subarray(70, 80));
      expectSameBits(infer.predict(loaded, test.images.subarray(0, 503 * 784)), expected.subarray(0, 5030));
      const accuracy = test.labels.filter((label, i) => {
        const row = expected.subarray(i * 10, i * 10 + 10);
        return row.indexOf(Math.max(...row)) === label;
      }).length / test.labels.length;
      expect(accuracy).toBeGreaterThan(0.9);
    } finally {
      await rm(path, { force: true });
    }
  });

  it('dense(…, { activation: "relu", useBias: false }) and dense(…, { activation: "softmax" }), one epoch', async () => {
    const model = await trainedOneEpoch(new Sequential([
      dense(128, { inputDim: 784, activation: 'relu', useBias: false }), dense(64, { activation: 'relu' }), dense(10, { useBias: false, activation: 'softmax' }),
    ], { seed: 2 }));
    const loaded = await infer.loadModel(model.toBytes());
    expectSameBits(infer.predict(loaded, test.images), model.predict(test.images));
    const floats = asFloats(test.images.subarray(0, 2000 * 784));
    expectSameBits(infer.predict(loaded, floats), model.predict(floats));
  });

  it('dense inputs (most values nonzero) take the dense kernel, sparse ones the sparse kernel, each as predict does', async () => {
    const model = await trainedOneEpoch(new Sequential([dense(64, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 5 }));
    const loaded = await infer.loadModel(model.toBytes());
    // Inverted digits: about 81% of their values are nonzero, so predict's rule sends them dense.
    const inverted = test.images.subarray(0, 1500 * 784).map((v) => 255 - v);
    expectSameBits(infer.predict(loaded, inverted), model.predict(inverted));
    expectSameBits(infer.predict(loaded, asFloats(inverted)), model.predict(asFloats(inverted)));
    const digits = test.images.subarray(0, 1500 * 784);
    expectSameBits(infer.predict(loaded, digits), model.predict(digits));
  });

  it('a ReLU after a dropout (fused into the dense layer, as predict fuses it), and a model without a softmax (raw outputs)', async () => {
    const x = test.images.subarray(0, 1000 * 784);
    for (const layers of [
      [dense(48, { inputDim: 784 }), dropout(0.3), relu(), dense(10), softmax()],
      [dense(48, { inputDim: 784, useBias: false }), relu(), relu(), dense(10)],
    ]) {
      const model = new Sequential(layers, { seed: 3 });
      expectSameBits(infer.predict(await infer.loadModel(model.toBytes()), x), model.predict(x));
    }
  });

  it('reads files with the optional sections (optimizer state, a checkpoint) and skips them', async () => {
    const model = new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 4 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
    const saves: Uint8Array[] = [];
    const x = train.images.subarray(0, 600 * 784);
    await model.fit(x, toCategorical(train.labels.subarray(0, 600), 10), { batchSize: 60, seed: 1, threads: 1, checkpoint: { every: 4, save: (b) => void saves.push(b) } });
    const image = test.images.subarray(0, 784 * 20);
    expectSameBits(infer.predict(await infer.loadModel(model.toBytes({ includeOptimizer: true })), image), model.predict(image));
    expect(saves.length).toBeGreaterThan(0);
    const fromCheckpoint = Sequential.fromBytes(saves[0]);
    await infer.init();
    expectSameBits(infer.predict(await infer.loadModel(saves[0]), image), fromCheckpoint.predict(image));
  });
});

describe('mnist-wasm/infer runs convolutional networks, with the bits of Sequential.predict', () => {
  /** The same package as CommonJS, as Node's require finds it: a module of its own, with its own kernels. */
  const inferCjs = createRequire(import.meta.url)('../dist/cjs/infer.cjs') as typeof infer;

  it('conv 3x3x8 same, max pool 2, conv 3x3x16 stride 2, dense 32, dense 10, fit on 1,000 images: 500 test images through the ES module and the CommonJS entry', async () => {
    const model = new Sequential([
      conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }),
      flatten(),
      dense(32, { activation: 'relu' }),
      dense(10, { activation: 'softmax' }),
    ], { seed: 7 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.004 }) });
    const before = model.predict(test.images.subarray(0, 784));
    await model.fit(train.images.subarray(0, 1000 * 784), toCategorical(train.labels.subarray(0, 1000), 10), { batchSize: 64, epochs: 1, seed: 1, threads: 1 });
    expect(model.predict(test.images.subarray(0, 784))).not.toEqual(before);
    const x = test.images.subarray(0, 500 * 784);
    const expected = model.predict(x);
    const bytes = model.toBytes();
    for (const entry of [infer, inferCjs]) {
      const loaded = await entry.loadModel(bytes);
      expect(loaded).toMatchObject({ inputDim: 784, outputDim: 10 });
      expect(entry.predict(loaded, x)).toEqual(expected);
      expectSameBits(entry.predict(loaded, x), expected);
      expectSameBits(entry.predict(loaded, asFloats(x)), model.predict(asFloats(x)));
      expectSameBits(entry.predict(loaded, x.subarray(784 * 3, 784 * 4)), expected.subarray(30, 40));
    }
  });

  it("odd sizes: an even kernel's 'same' padding (more after than before), strides 3 and 2, a 3x3 stride 2 'same' pool, no bias; a flatten first (no sparse path)", async () => {
    const x = test.images.subarray(0, 137 * 784);
    for (const layers of [
      [
        conv2d({ inputShape: [28, 28, 1], filters: 5, kernelSize: [4, 3], strides: [3, 2], padding: 'same' }),
        maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        relu(),
        conv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu', useBias: false }),
        flatten(),
        dropout(0.2),
        dense(10),
        softmax(),
      ],
      [flatten({ inputShape: [28, 28] }), dense(32, { activation: 'relu' }), dense(10, { activation: 'softmax' })],
    ]) {
      const model = new Sequential(layers, { seed: 8 });
      const loaded = await infer.loadModel(model.toBytes());
      expectSameBits(infer.predict(loaded, x), model.predict(x));
      expectSameBits(infer.predict(loaded, asFloats(x)), model.predict(asFloats(x)));
    }
  });

  it('wide convolutions: rows go through in chunks that keep their windows within bounds, the bits unchanged', async () => {
    // 0.9 MB of windows a row for the second convolution: chunks of 28 rows, the last one short.
    const model = new Sequential([
      conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      conv2d({ filters: 32, kernelSize: 3, padding: 'same' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense(10),
    ], { seed: 9 });
    const x = test.images.subarray(0, 70 * 784);
    expectSameBits(infer.predict(await infer.loadModel(model.toBytes()), x), model.predict(x));
  });
});

describe('mnist-wasm/infer refuses what it cannot use', () => {
  let bytes: Uint8Array;
  beforeAll(() => {
    bytes = new Sequential([dense(8, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 5 }).toBytes();
  });

  it('damaged files, with a ModelFormatError (the main entry\'s class) that says what is wrong', async () => {
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] ^= 0x10;
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2, 3], /model bytes: expected a Uint8Array, got an array of length 3/],
      [bytes.subarray(0, 10), /too short/],
      [Uint8Array.from([80, 75, 3, 4, ...bytes.subarray(4)]), /magic is "PK\\u0003\\u0004", expected "MNWM"/],
      [flipped, /checksum 0x[0-9a-f]{8} does not match the stored 0x[0-9a-f]{8}/],
      [bytes.subarray(0, bytes.length - 8), /checksum/],
      [withHeader(bytes, (h) => void ((h.layers as Array<Record<string, unknown>>)[0].units = 9)), /weight shapes .* do not match the layers/],
      [withHeader(bytes, (h) => void ((h.layers as Array<Record<string, unknown>>)[1].kind = 'conv')), /layer 1 has unknown kind "conv"/],
      [withHeader(bytes, (h) => void (h.optimizer = { kind: 'sgd', slots: 7 })), /the optimizer section has 7 state tensors per weight/],
      [withHeader(bytes, (h) => void (h.training = { rows: 3 })), /bytes, expected .* and sections/],
    ];
    for (const [input, message] of cases) {
      const error = await infer.loadModel(input as Uint8Array).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ModelFormatError);
      expect(error).toBeInstanceOf(infer.ModelFormatError);
      expect((error as ModelFormatError).code).toBe('MODEL_FORMAT');
      expect((error as Error).message).toMatch(message);
    }
    let state = 777;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 300; i++) {
      const damaged = bytes.slice();
      damaged[next() % damaged.length] ^= 1 + (next() % 255);
      await expect(infer.loadModel(damaged)).rejects.toThrow(ModelFormatError);
    }
  });

  it('accepts what Sequential.fromBytes accepts among hostile, well-sealed headers', async () => {
    const values = [0, -1, 1.5, 2 ** 31, 2 ** 53, null, 'x', [], {}];
    const paths = ['layers.0.units', 'layers.0.inputDim', 'layers.2.units', 'layers.1.kind', 'layers.0.useBias', 'layers.0.activation', 'weights.0.0', 'weights', 'name', 'layers'];
    for (const path of paths) {
      for (const value of values) {
        const hostile = withHeader(bytes, (header) => {
          const keys = path.split('.');
          let at = header;
          for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
          at[keys[keys.length - 1]] = value;
        });
        const main = (() => { try { return Sequential.fromBytes(hostile); } catch (error) { return error; } })();
        const here = await infer.loadModel(hostile).catch((error: unknown) => error);
        if (main instanceof Error) {
          expect(here, `${path} = ${JSON.stringify(value)}`).toBeInstanceOf(ModelFormatError);
          expect((here as Error).message).toBe(main.message);
        } else {
          expect(here, `${path} = ${JSON.stringify(value)}`).not.toBeInstanceOf(Error);
        }
      }
    }
  });

  it('inputs of the wrong kind or width, what is not a loaded model, and files that are not there', async () => {
    const model = await infer.loadModel(bytes);
    expect(() => infer.predict(model, new Float64Array(784) as never)).toThrow(infer.ShapeError);
    expect(() => infer.predict(model, new Uint8Array(785))).toThrow(/785 values, expected a positive multiple of the input width 784/);
    expect(() => infer.predict(model, new Uint8Array(0))).toThrow(infer.ShapeError);
    expect(() => infer.predict(model, new Float32Array(784).fill(NaN))).toThrow(/x\[0\] is NaN/);
    expect(() => infer.predict({ ...model }, new Uint8Array(784))).toThrow(infer.InvalidArgumentError);
    await expect(infer.loadModel('/no/such/model.mnwm')).rejects.toThrow(infer.DataNotFoundError);
    await expect(infer.loadModel(new Response('missing', { status: 404 }))).rejects.toThrow(/HTTP 404/);
  });
});

describe('mnist-wasm/infer loads its own kernels', () => {
  it('build/kernels-infer.wasm: only the forward kernels (dense and sparse first layer, im2col, max pooling), no imports, taken as bytes, a Module, a Response or a URL', async () => {
    const url = new URL('../build/kernels-infer.wasm', import.meta.url);
    const file = await readFile(url);
    const module = new WebAssembly.Module(file);
    expect(WebAssembly.Module.exports(module).map((entry) => entry.name).sort()).toEqual([
      'denseForward', 'denseForwardSparse', 'gatherSparseF32', 'gatherSparseU8', 'heapBase', 'im2col', 'maxPoolForward', 'memory', 'reluForward', 'softmax',
    ]);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    const bytes = new Sequential([dense(8, { inputDim: 784 }), dense(10), softmax()], { seed: 6 }).toBytes();
    const image = test.images.subarray(0, 784);
    const reference = infer.predict(await infer.loadModel(bytes), image);
    for (const source of [file, module, new Response(file), url, url.href]) {
      await infer.init(source);
      expectSameBits(infer.predict(await infer.loadModel(bytes), image), reference);
    }
    await expect(infer.init(new Uint8Array([0, 97, 115, 109]))).rejects.toThrow(infer.KernelsUnavailableError);
    await expect(infer.init(new URL('./no-such.wasm', url))).rejects.toThrow(/could not load the WebAssembly kernels/);
  });
});
