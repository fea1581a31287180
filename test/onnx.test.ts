// ONNX export against a real runtime: models trained here on MNIST, exported, and run by
// onnxruntime-web (its WebAssembly backend, in Node) over all 10,000 test images must give predict's
// classes and probabilities; convolutional networks (test/cnn-models.ts) over 200, with the padding
// conventions checked in the graph. A small protobuf reader checks the fields a runtime does not show.

import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { MnistWasmError, Sequential, ShapeError, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical, type Dataset } from 'mnist-wasm';
import { encodeOnnx } from '../dist/export/onnx.js';
import { cnnModel } from './cnn-models.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const WIDTH = 784;
const CLASSES = 10;

// One thread: the machine is shared, and the results must not depend on it anyway. In Node the
// package's own entry (dist/ort.node.min.mjs) finds its .wasm beside itself, so no wasmPaths is needed.
ort.env.wasm.numThreads = 1;

let train: Dataset;
let test: Dataset;
/** The test images as the ONNX model takes them: float32, grey levels scaled by 1/255 as predict scales uint8. */
let testInputs: Float32Array;

beforeAll(async () => {
  ({ train, test } = await loadMnist());
  testInputs = Float32Array.from(test.images, (grey) => grey / 255);
});

function exportModel(model: Sequential): Uint8Array {
  return model.toOnnx();
}

async function trainedOneEpoch(model: Sequential): Promise<Sequential> {
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
  await model.fit(train.images, toCategorical(train.labels, CLASSES), { batchSize: 128, epochs: 1, seed: 1 });
  return model;
}

async function runOnnx(session: ort.InferenceSession, x: Float32Array, rows: number): Promise<ort.Tensor> {
  const results = await session.run({ input: new ort.Tensor('float32', x, [rows, WIDTH]) });
  return results[session.outputNames[0]];
}

function argmax(values: Float32Array, row: number): number {
  let best = 0;
  for (let c = 1; c < CLASSES; c++) if (values[row * CLASSES + c] > values[row * CLASSES + best]) best = c;
  return best;
}

/**
 * Runs the exported model over every test image in one batch of 10,000 and over the first image
 * alone (the batch dimension is symbolic), and checks both against predict; returns the largest
 * difference of a probability.
 */
async function expectSameAsPredict(model: Sequential): Promise<number> {
  const session = await ort.InferenceSession.create(exportModel(model));
  try {
    const expected = model.predict(test.images);
    const all = await runOnnx(session, testInputs, test.count);
    expect(all.type).toBe('float32');
    expect(all.dims).toEqual([test.count, CLASSES]);
    const actual = all.data as Float32Array;
    let maxDifference = 0;
    let classMismatches = 0;
    for (let i = 0; i < expected.length; i++) maxDifference = Math.max(maxDifference, Math.abs(actual[i] - expected[i]));
    for (let row = 0; row < test.count; row++) if (argmax(actual, row) !== argmax(expected, row)) classMismatches++;
    expect(classMismatches).toBe(0);
    expect(maxDifference).toBeLessThanOrEqual(1e-5);

    const one = await runOnnx(session, testInputs.subarray(0, WIDTH), 1);
    expect(one.dims).toEqual([1, CLASSES]);
    const oneExpected = expected.subarray(0, CLASSES);
    (one.data as Float32Array).forEach((p, c) => expect(Math.abs(p - oneExpected[c])).toBeLessThanOrEqual(1e-5));
    return maxDifference;
  } finally {
    await session.release();
  }
}

/** Protobuf fields of one message, in order: a number for a varint, the bytes for a length-delimited field. */
function readFields(bytes: Uint8Array): Array<[number, number | Uint8Array]> {
  const fields: Array<[number, number | Uint8Array]> = [];
  let offset = 0;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = bytes[offset++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    const wireType = key % 8;
    if (wireType === 0) fields.push([Math.floor(key / 8), varint()]);
    else if (wireType === 2) {
      const length = varint();
      fields.push([Math.floor(key / 8), bytes.subarray(offset, offset + length)]);
      offset += length;
    } else throw new Error(`wire type ${wireType} at byte ${offset}: the exporter writes only 0 and 2`);
  }
  return fields;
}

const text = (value: number | Uint8Array | undefined): string => new TextDecoder().decode(value as Uint8Array);
const field = (fields: Array<[number, number | Uint8Array]>, number: number) => fields.find(([n]) => n === number)?.[1];
const all = (fields: Array<[number, number | Uint8Array]>, number: number) => fields.filter(([n]) => n === number).map(([, value]) => value);

/** The graph's initializers (TensorProto: dims 1, data_type 2, name 8, raw_data 9, little-endian float32), by name. */
function initializersOf(onnx: Uint8Array) {
  const graph = readFields(field(readFields(onnx), 7) as Uint8Array);
  return all(graph, 5).map((tensor) => {
    const tensorFields = readFields(tensor as Uint8Array);
    const raw = field(tensorFields, 9) as Uint8Array;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return {
      name: text(field(tensorFields, 8)),
      dims: all(tensorFields, 1),
      dataType: field(tensorFields, 2),
      values: Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true)),
    };
  });
}

/** The raw_data bytes of the initializer named `name`. */
function rawOf(onnx: Uint8Array, name: string): Uint8Array {
  const graph = readFields(field(readFields(onnx), 7) as Uint8Array);
  const tensor = all(graph, 5).map((entry) => readFields(entry as Uint8Array)).find((fields) => text(field(fields, 8)) === name);
  return field(tensor!, 9) as Uint8Array;
}

/** The attributes of the node named `name` (AttributeProto: name 1, i 3, ints 8, type 20 with INTS = 7). */
function attributesOf(onnx: Uint8Array, name: string): Record<string, number | number[]> {
  const graph = readFields(field(readFields(onnx), 7) as Uint8Array);
  const node = all(graph, 1).map((entry) => readFields(entry as Uint8Array)).find((fields) => text(field(fields, 3)) === name);
  expect(node, `a node named ${name}`).toBeDefined();
  return Object.fromEntries(all(node!, 5).map((entry) => {
    const fields = readFields(entry as Uint8Array);
    return [text(field(fields, 1)), field(fields, 20) === 7 ? all(fields, 8) as number[] : field(fields, 3) as number];
  }));
}

/**
 * Runs the exported model over the first `rows` test images and checks it against predict: the same
 * output shape, within 2e-5, and for a classifier the same class for every image; returns the largest
 * difference.
 */
async function expectCnnSameAsPredict(model: Sequential, rows = 200): Promise<number> {
  const session = await ort.InferenceSession.create(exportModel(model));
  try {
    const expected = model.predict(test.images.subarray(0, rows * WIDTH));
    const result = await runOnnx(session, testInputs.subarray(0, rows * WIDTH), rows);
    expect(result.dims).toEqual([rows, expected.length / rows]);
    const actual = result.data as Float32Array;
    let maxDifference = 0;
    for (let i = 0; i < expected.length; i++) maxDifference = Math.max(maxDifference, Math.abs(actual[i] - expected[i]));
    expect(maxDifference).toBeLessThanOrEqual(2e-5);
    if (expected.length === rows * CLASSES) for (let row = 0; row < rows; row++) expect(argmax(actual, row), `image ${row}`).toBe(argmax(expected, row));
    return maxDifference;
  } finally {
    await session.release();
  }
}

/** The graph's nodes as "OpType(input, …) -> output", read back from the bytes (GraphProto.node 1; NodeProto input 1, output 2, op_type 4). */
function nodesOf(onnx: Uint8Array): string[] {
  const graph = readFields(field(readFields(onnx), 7) as Uint8Array);
  return all(graph, 1).map((node) => {
    const fields = readFields(node as Uint8Array);
    return `${text(field(fields, 4))}(${all(fields, 1).map(text).join(', ')}) -> ${all(fields, 2).map(text).join(', ')}`;
  });
}

describe('ONNX export', () => {
  it('784-128-10 with relu, dropout and softmax layers, trained one epoch: onnxruntime gives predict\'s classes and probabilities on all 10,000 test images', async () => {
    const model = await trainedOneEpoch(new Sequential([dense(128, { inputDim: WIDTH }), relu(), dropout(0.2), dense(CLASSES), softmax()], { seed: 1 }));
    const [, accuracy] = model.evaluate(test.images, toCategorical(test.labels, CLASSES));
    expect(accuracy).toBeGreaterThan(0.9);
    const maxDifference = await expectSameAsPredict(model);
    console.log(`784-128-10 (accuracy ${(accuracy * 100).toFixed(2)}%): onnxruntime vs predict, max |difference| ${maxDifference.toExponential(2)}`);
  });

  it('fused activations and a dense layer without bias: Gemm without its C input, then Relu or Softmax', async () => {
    const model = await trainedOneEpoch(new Sequential([
      dense(64, { inputDim: WIDTH, activation: 'relu', useBias: false }), dropout(0.2),
      dense(32, { activation: 'relu' }), dense(CLASSES, { activation: 'softmax', name: 'classes' }),
    ], { seed: 1 }));
    expect(nodesOf(exportModel(model))).toEqual([
      'Gemm(input, dense/kernel) -> dense/Gemm',
      'Relu(dense/Gemm) -> dense/Relu',
      'Gemm(dense/Relu, dense_1/kernel, dense_1/bias) -> dense_1/Gemm',
      'Relu(dense_1/Gemm) -> dense_1/Relu',
      'Gemm(dense_1/Relu, classes/kernel, classes/bias) -> classes/Gemm',
      'Softmax(classes/Gemm) -> probabilities',
    ]);
    const maxDifference = await expectSameAsPredict(model);
    console.log(`784-64(no bias)-32-10, fused activations: onnxruntime vs predict, max |difference| ${maxDifference.toExponential(2)}`);
  });

  it('names the input "input" and the output "probabilities", both (N, width) float32 with N symbolic, as onnxruntime reports them', async () => {
    const model = new Sequential([dense(16, { inputDim: WIDTH }), relu(), dense(CLASSES), softmax()], { seed: 3 });
    const session = await ort.InferenceSession.create(exportModel(model));
    try {
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['probabilities']);
      expect(session.inputMetadata).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['N', WIDTH] }]);
      expect(session.outputMetadata).toEqual([{ name: 'probabilities', isTensor: true, type: 'float32', shape: ['N', CLASSES] }]);
    } finally {
      await session.release();
    }
  });

  it('names the output "output" when the model does not end in softmax, and still matches predict', async () => {
    const model = new Sequential([dense(8, { inputDim: WIDTH, activation: 'relu' }), dropout(0.5), dense(3)], { seed: 4 });
    const session = await ort.InferenceSession.create(exportModel(model));
    try {
      expect(session.outputNames).toEqual(['output']);
      const rows = 50;
      const actual = (await runOnnx(session, testInputs.subarray(0, rows * WIDTH), rows)).data as Float32Array;
      const expected = model.predict(test.images.subarray(0, rows * WIDTH));
      expected.forEach((value, i) => expect(Math.abs(actual[i] - value)).toBeLessThanOrEqual(1e-5));
    } finally {
      await session.release();
    }
  });

  it('writes IR version 8, opset 17, the producer, the graph name, the layers in doc_string and the weights as initializers', () => {
    const model = new Sequential([dense(16, { inputDim: WIDTH }), relu(), dropout(0.5), dense(CLASSES, { useBias: false }), softmax()], { name: 'digits', seed: 5 });
    const onnx = exportModel(model);
    const fields = readFields(onnx);
    expect(field(fields, 1)).toBe(8);
    const opsets = all(fields, 8).map((opset) => readFields(opset as Uint8Array));
    expect(opsets).toEqual([[[2, 17]]]);
    expect(text(field(fields, 2))).toBe('mnist-wasm');
    expect(text(field(fields, 3))).toBe(PACKAGE.version);
    expect(text(field(fields, 6))).toBe('mnist-wasm Sequential "digits": dense (Dense 16), re_lu (ReLU), dropout (Dropout, left out), dense_1 (Dense 10, no bias), softmax (Softmax)');

    const graph = readFields(field(fields, 7) as Uint8Array);
    expect(text(field(graph, 2))).toBe('digits');
    const [kernel, bias, kernel1] = model.getWeights();
    expect(initializersOf(onnx)).toEqual([
      { name: 'dense/kernel', dims: [WIDTH, 16], dataType: 1, values: kernel },
      { name: 'dense/bias', dims: [16], dataType: 1, values: bias },
      { name: 'dense_1/kernel', dims: [16, CLASSES], dataType: 1, values: kernel1 },
    ]);
  });

  it('refuses weights that do not fit the layers, naming the array and the shape it needs', () => {
    const layers = [dense(4, { inputDim: 3 }), softmax()];
    const right = [new Float32Array(12), new Float32Array(4)];
    expect(() => encodeOnnx(layers, [right[0]], 'm')).toThrow(/expected 2 weight arrays/);
    expect(() => encodeOnnx(layers, [right[0], new Float32Array(5)], 'm')).toThrow(/weights\[1\] must be a Float32Array of 4 values \[4\], got Float32Array of length 5/);
    try {
      encodeOnnx(layers, [new Float64Array(12) as unknown as Float32Array, right[1]], 'm');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeError);
      expect((error as MnistWasmError).code).toBe('SHAPE_MISMATCH');
    }
  });
});

describe('ONNX export of convolutional networks', () => {
  it('conv → pool → conv stride 2 → flatten → dense, trained on MNIST: reshaped and transposed to NCHW, Conv and MaxPool, back to NHWC before Flatten; onnxruntime gives predict\'s classes and probabilities', async () => {
    const model = await cnnModel('example', train);
    const onnx = exportModel(model);
    expect(nodesOf(onnx)).toEqual([
      'Reshape(input, input/shape) -> input/Reshape',
      'Transpose(input/Reshape) -> input/Transpose',
      'Conv(input/Transpose, conv2d/kernel, conv2d/bias) -> conv2d/Conv',
      'Relu(conv2d/Conv) -> conv2d/Relu',
      'MaxPool(conv2d/Relu) -> max_pooling2d/MaxPool',
      'Conv(max_pooling2d/MaxPool, conv2d_1/kernel, conv2d_1/bias) -> conv2d_1/Conv',
      'Relu(conv2d_1/Conv) -> conv2d_1/Relu',
      'Transpose(conv2d_1/Relu) -> flatten/Transpose',
      'Flatten(flatten/Transpose) -> flatten/Flatten',
      'Gemm(flatten/Flatten, dense/kernel, dense/bias) -> dense/Gemm',
      'Relu(dense/Gemm) -> dense/Relu',
      'Gemm(dense/Relu, dense_1/kernel, dense_1/bias) -> dense_1/Gemm',
      'Softmax(dense_1/Gemm) -> probabilities',
    ]);
    expect(attributesOf(onnx, 'input/Transpose')).toEqual({ perm: [0, 3, 1, 2] });
    expect(attributesOf(onnx, 'flatten/Transpose')).toEqual({ perm: [0, 2, 3, 1] });
    expect(attributesOf(onnx, 'conv2d_1/Conv')).toEqual({ kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] });
    expect(attributesOf(onnx, 'max_pooling2d/MaxPool')).toEqual({ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });

    // Kernels go from Keras's [kh, kw, inChannels, filters] to ONNX's [filters, inChannels, kh, kw]; the shape is INT64 [-1, 28, 28, 1].
    const initializers = initializersOf(onnx);
    expect(initializers.map(({ name, dims, dataType }) => [name, dims, dataType])).toEqual([
      ['input/shape', [4], 7], ['conv2d/kernel', [8, 1, 3, 3], 1], ['conv2d/bias', [8], 1], ['conv2d_1/kernel', [16, 8, 3, 3], 1], ['conv2d_1/bias', [16], 1],
      ['dense/kernel', [6 * 6 * 16, 32], 1], ['dense/bias', [32], 1], ['dense_1/kernel', [32, CLASSES], 1], ['dense_1/bias', [CLASSES], 1],
    ]);
    const shape = rawOf(onnx, 'input/shape');
    expect(Array.from({ length: 4 }, (_, i) => new DataView(shape.buffer, shape.byteOffset).getBigInt64(i * 8, true))).toEqual([-1n, 28n, 28n, 1n]);
    const kernel = model.getWeights()[2];
    const transposed = initializers[3].values;
    for (const [y, x, c, f] of [[0, 0, 0, 0], [2, 1, 5, 9], [1, 2, 7, 15]]) expect(transposed[((f * 8 + c) * 3 + y) * 3 + x]).toBe(kernel[((y * 3 + x) * 8 + c) * 16 + f]);

    const maxDifference = await expectCnnSameAsPredict(model);
    console.log(`CNN conv-pool-conv-dense: onnxruntime vs predict on 200 test images, max |difference| ${maxDifference.toExponential(2)}`);
  });

  it("places TensorFlow's 'same' padding as explicit pads: stride 2 over an odd 25×25 image puts the extra row after, and so does pooling over 13×13", async () => {
    const model = await cnnModel('windows', train);
    const onnx = exportModel(model);
    expect(attributesOf(onnx, 'valid_4x4/Conv')).toEqual({ kernel_shape: [4, 4], strides: [1, 1], pads: [0, 0, 0, 0] });
    // Rows: 13 outputs need (13 − 1)·2 + 4 − 25 = 3 padding rows, 1 above and 2 below; columns (13 − 1)·2 + 3 − 25 = 2, one each side.
    expect(attributesOf(onnx, 'same_stride_2/Conv')).toEqual({ kernel_shape: [4, 3], strides: [2, 2], pads: [1, 1, 2, 1] });
    expect(nodesOf(onnx)[4]).toBe('Conv(valid_4x4/Relu, same_stride_2/kernel) -> same_stride_2/Conv');
    expect(attributesOf(onnx, 'pool_same/MaxPool')).toEqual({ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] });
    const maxDifference = await expectCnnSameAsPredict(model);
    console.log(`CNN with 'same' padding, stride 2, odd sizes: onnxruntime vs predict, max |difference| ${maxDifference.toExponential(2)}`);
  });

  it('a model that starts with pooling and ends on images gives its images as predict does: flat rows, channels last', async () => {
    const model = await cnnModel('imagesOut', train);
    const onnx = exportModel(model);
    expect(nodesOf(onnx).slice(-3)).toEqual(['Conv(max_pooling2d/MaxPool, conv2d/kernel) -> conv2d/Conv', 'Transpose(conv2d/Conv) -> conv2d/Transpose', 'Flatten(conv2d/Transpose) -> output']);
    await expectCnnSameAsPredict(model, 50);
  });
});
