// The image layers as users describe them (conv2d, maxPooling2d, flatten): their factories and
// refusals, the shapes and parameter offsets the topology gives them, checked against TensorFlow.js
// itself (output shapes, parameter counts, where 'same' padding falls), the summary, the weights'
// shapes and first draws, and the model file. Training them is the engine's (issue 21).

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, ModelFormatError, ModelMismatchError, Sequential, conv2d, dense, dropout, flatten, init, maxPooling2d, relu, softmax,
  type Layer,
} from 'mnist-wasm';
import { decodeModel, encodeModel } from '../dist/model/format.js';
import { shapesOf } from '../dist/model/sequential-files.js';
import { resolveTopology, weightShapes, type Conv2dNode, type MaxPoolNode, type Node } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';

/** TensorFlow.js's example CNN for MNIST (tfjs-examples/mnist), on [28, 28, 1]. */
const exampleCnn = (): Layer[] => [
  conv2d({ inputShape: [28, 28, 1], kernelSize: 3, filters: 16, activation: 'relu' }), maxPooling2d({ poolSize: 2, strides: 2 }),
  conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), maxPooling2d({ poolSize: 2, strides: 2 }),
  conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), flatten(),
  dense(64, { activation: 'relu' }), dense(10, { activation: 'softmax' }),
];

const thrown = (action: () => unknown): Error => {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
};

describe('conv2d, maxPooling2d and flatten', () => {
  it('fill in the defaults of Keras and TensorFlow.js, windows as [height, width]', () => {
    expect(conv2d({ filters: 8, kernelSize: 5 })).toEqual({
      kind: 'conv2d', filters: 8, kernelSize: [5, 5], strides: [1, 1], padding: 'valid', activation: 'linear', useBias: true,
      kernelInitializer: 'glorotUniform', biasInitializer: 'zeros', inputShape: undefined, name: undefined,
    });
    expect(conv2d({ filters: 2, kernelSize: [3, 1], strides: [2, 1], padding: 'same', useBias: false, inputShape: [9, 7, 3], name: 'c' }))
      .toMatchObject({ kernelSize: [3, 1], strides: [2, 1], padding: 'same', useBias: false, inputShape: [9, 7, 3], name: 'c' });
    expect(maxPooling2d()).toEqual({ kind: 'maxPooling2d', poolSize: [2, 2], strides: [2, 2], padding: 'valid', inputShape: undefined, name: undefined });
    expect(maxPooling2d({ poolSize: [3, 2] }).strides).toEqual([3, 2]);
    expect(maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })).toMatchObject({ poolSize: [3, 3], strides: [2, 2], padding: 'same' });
    expect(flatten({ inputShape: [28, 28] })).toEqual({ kind: 'flatten', inputShape: [28, 28], name: undefined });
  });

  it('refuse bad options with the option, what was expected and what was found', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => conv2d(undefined as never), 'conv2d: expected options { filters, kernelSize, … }, got undefined'],
      [() => conv2d({ kernelSize: 3 } as never), 'conv2d: filters must be a positive integer, got undefined'],
      [() => conv2d({ filters: 1.5, kernelSize: 3 }), 'conv2d: filters must be a positive integer, got 1.5'],
      [() => conv2d({ filters: 4 } as never), 'conv2d: kernelSize must be a positive integer or [height, width] of positive integers, got undefined'],
      [() => conv2d({ filters: 4, kernelSize: [3, 0] }), 'got [3, 0]'],
      [() => conv2d({ filters: 4, kernelSize: [3, 3, 3] as never }), 'got [3, 3, 3]'],
      [() => conv2d({ filters: 4, kernelSize: 3, strides: 0 }), 'conv2d: strides must be a positive integer or [height, width] of positive integers, got 0'],
      [() => conv2d({ filters: 4, kernelSize: 3, padding: 'full' as never }), `conv2d: padding must be 'valid' or 'same', got "full"`],
      [() => conv2d({ filters: 4, kernelSize: 3, activation: 'softmax' as never }), `conv2d: activation must be 'linear' or 'relu', got "softmax"`],
      [() => conv2d({ filters: 4, kernelSize: 3, useBias: 1 as never }), 'conv2d: useBias must be true or false, got 1'],
      [() => conv2d({ filters: 4, kernelSize: 3, kernelInitializer: 'ones' as never }), 'conv2d: kernelInitializer must be one of uniform, glorotUniform, heNormal, zeros, got "ones"'],
      [() => conv2d({ filters: 4, kernelSize: 3, inputShape: [28, 28] as never }), 'conv2d: inputShape must be [height, width, channels] of positive integers, got [28, 28]'],
      [() => conv2d({ filters: 4, kernelSize: 3, name: 3 as never }), 'conv2d: name must be a string, got 3'],
      [() => maxPooling2d({ poolSize: -2 }), 'maxPooling2d: poolSize must be a positive integer or [height, width] of positive integers, got -2'],
      [() => maxPooling2d({ inputShape: [28, 28, '1'] as never }), 'maxPooling2d: inputShape must be [height, width, channels] of positive integers, got [28, 28, "1"]'],
      [() => flatten({ inputShape: [] }), 'flatten: inputShape must be a non-empty array of positive integers, got []'],
      [() => flatten(7 as never), 'flatten: options must be an object, got 7'],
    ];
    for (const [action, message] of cases) {
      const error = thrown(action);
      expect(error, message).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain(message);
    }
  });

  it('refuse an unknown option with the nearest known name', () => {
    expect(() => conv2d({ filters: 4, kernelSize: 3, kernel_size: 3 } as never)).toThrow('conv2d: unknown option "kernel_size"; did you mean "kernelSize"?');
    expect(() => conv2d({ filters: 4, kernelSize: 3, stride: 2 } as never)).toThrow('did you mean "strides"?');
    expect(() => maxPooling2d({ pool_size: 2 } as never)).toThrow('maxPooling2d: unknown option "pool_size"; did you mean "poolSize"?');
    expect(() => flatten({ inputShap: [4] } as never)).toThrow('flatten: unknown option "inputShap"; did you mean "inputShape"?');
  });
});

describe('the topology of image layers', () => {
  it("gives TensorFlow.js's example CNN its shapes, parameter counts and 64-byte aligned offsets", () => {
    const topology = resolveTopology(exampleCnn());
    expect(topology.inputDim).toBe(784);
    expect(topology.inputShape).toEqual([28, 28, 1]);
    expect(topology.outputDim).toBe(10);
    expect(topology.layers.map((layer: { shape: number[] }) => layer.shape)).toEqual([
      [26, 26, 16], [13, 13, 16], [11, 11, 32], [5, 5, 32], [3, 3, 32], [288], [64], [10],
    ]);
    expect(topology.layers.map((layer: { params: number }) => layer.params)).toEqual([160, 0, 4640, 0, 9248, 0, 18496, 650]);
    expect(topology.paramCount).toBe(33_194);
    expect(topology.nodes.map((node: { kind: string }) => node.kind)).toEqual([
      'conv2d', 'relu', 'maxPooling2d', 'conv2d', 'relu', 'maxPooling2d', 'conv2d', 'relu', 'flatten', 'dense', 'relu', 'dense', 'softmax',
    ]);
    const [conv1, relu1, pool1, conv2] = topology.nodes;
    expect(conv1).toMatchObject({ inShape: [28, 28, 1], outShape: [26, 26, 16], kernel: [3, 3], strides: [1, 1], pad: [0, 0], inDim: 784, outDim: 10_816 });
    expect(relu1).toEqual({ kind: 'relu', dim: 10_816, rate: 0 });
    expect(pool1).toEqual({ kind: 'maxPooling2d', inShape: [26, 26, 16], outShape: [13, 13, 16], pool: [2, 2], strides: [2, 2], pad: [0, 0], inDim: 10_816, outDim: 2704 });
    expect(topology.nodes[8]).toEqual({ kind: 'flatten', dim: 288 });
    // Each tensor where the one before ends, rounded up to 16 floats: 144 → 144, 16 → 160, 4608 → 4768, …
    const offsets = topology.nodes.flatMap((node: Node) => (node.kind === 'conv2d' || node.kind === 'dense' ? [[node.weight, node.bias]] : []));
    expect(offsets).toEqual([[0, 144], [160, 4768], [4800, 14016], [14048, 32480], [32544, 33184]]);
    expect(topology.paramFloats).toBe(33_200);
    expect(conv2).toMatchObject({ inShape: [13, 13, 16], outShape: [11, 11, 32], weight: 160, bias: 4768 });
    expect(weightShapes(topology)).toEqual([[3, 3, 1, 16], [16], [3, 3, 16, 32], [32], [3, 3, 32, 32], [32], [288, 64], [64], [64, 10], [10]]);
  });

  it('agrees with TensorFlow.js on output shapes and parameter counts, strides 2 and 3 and odd sizes included', () => {
    const stacks: Array<[Layer[], tf.layers.Layer[]]> = [
      [exampleCnn(), [
        tf.layers.conv2d({ inputShape: [28, 28, 1], kernelSize: 3, filters: 16, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), tf.layers.flatten(),
        tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' }),
      ]],
      [[
        conv2d({ inputShape: [7, 9, 3], filters: 5, kernelSize: [3, 4], strides: [2, 3], padding: 'same' }),
        maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), conv2d({ filters: 2, kernelSize: 2, strides: 3, padding: 'same', useBias: false }),
        maxPooling2d({ poolSize: [1, 2], strides: [3, 1], padding: 'same' }), flatten(), dense(3),
      ], [
        tf.layers.conv2d({ inputShape: [7, 9, 3], filters: 5, kernelSize: [3, 4], strides: [2, 3], padding: 'same' }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        tf.layers.conv2d({ filters: 2, kernelSize: 2, strides: 3, padding: 'same', useBias: false }),
        tf.layers.maxPooling2d({ poolSize: [1, 2], strides: [3, 1], padding: 'same' }), tf.layers.flatten(), tf.layers.dense({ units: 3 }),
      ]],
      [[conv2d({ inputShape: [11, 6, 2], filters: 3, kernelSize: [4, 1], strides: [3, 2] }), maxPooling2d({ poolSize: [2, 3], strides: [1, 3] })], [
        tf.layers.conv2d({ inputShape: [11, 6, 2], filters: 3, kernelSize: [4, 1], strides: [3, 2] }), tf.layers.maxPooling2d({ poolSize: [2, 3], strides: [1, 3] }),
      ]],
    ];
    for (const [layers, tfLayers] of stacks) {
      const reference = tf.sequential({ layers: tfLayers });
      const topology = resolveTopology(layers);
      expect(topology.layers.map((layer: { shape: number[] }) => [null, ...layer.shape])).toEqual(reference.layers.map((layer) => layer.outputShape));
      expect(topology.layers.map((layer: { params: number }) => layer.params)).toEqual(reference.layers.map((layer) => layer.countParams()));
      expect(weightShapes(topology)).toEqual(reference.getWeights().map((tensor) => tensor.shape));
      reference.dispose();
    }
  });

  it("places 'same' padding where TensorFlow does: read back from a convolution and a max pool of a ramp", () => {
    for (const size of [1, 2, 5, 6, 7, 10]) {
      for (const window of [1, 2, 3, 4]) {
        for (const stride of [1, 2, 3]) {
          const image: [number, number, number] = [size, size, 1];
          const convolution = resolveTopology([conv2d({ inputShape: image, filters: 1, kernelSize: window, strides: stride, padding: 'same' })]).nodes[0] as Conv2dNode;
          const pooling = resolveTopology([maxPooling2d({ inputShape: image, poolSize: window, strides: stride, padding: 'same' })]).nodes[0] as MaxPoolNode;
          const out = Math.ceil(size / stride);
          expect([convolution.outShape, pooling.outShape]).toEqual([[out, out, 1], [out, out, 1]]);
          // Pixel (r, c) holds 1 + r·size + c; a kernel with a 1 at its top-left corner picks the pixel
          // its window starts on, and a max pool of the negated ramp the first pixel inside its window.
          const ramp = tf.tensor4d(Array.from({ length: size * size }, (_, i) => i + 1), [1, size, size, 1]);
          const corner = tf.tensor4d(Array.from({ length: window * window }, (_, i) => (i === 0 ? 1 : 0)), [window, window, 1, 1]);
          const picked = tf.conv2d(ramp, corner, stride, 'same').dataSync();
          const firstInside = tf.maxPool(tf.neg(ramp), window, stride, 'same').dataSync();
          const at = (pad: [number, number], o: number) => [o * stride - pad[0], o * stride - pad[1]];
          for (let o = 0; o < out; o++) {
            const where = `size ${size}, window ${window}, stride ${stride}, output (${o}, ${o})`;
            const [row, column] = at(convolution.pad, o);
            expect(picked[o * out + o], where).toBe(row >= 0 && column >= 0 ? 1 + row * size + column : 0);
            const [top, left] = at(pooling.pad, o);
            expect(firstInside[o * out + o], where).toBe(-(1 + Math.max(top, 0) * size + Math.max(left, 0)));
          }
          tf.dispose([ramp, corner]);
        }
      }
    }
  });

  it('refuses stacks whose shapes do not fit, saying what to change', () => {
    const image = { inputShape: [28, 28, 1] as [number, number, number] };
    const cases: Array<[Layer[], string]> = [
      [[conv2d({ filters: 4, kernelSize: 3 })], 'the first layer must be dense(units, { inputDim }), or conv2d, maxPooling2d or flatten with { inputShape }'],
      [[conv2d({ filters: 4, kernelSize: 3, ...image }), dense(10)], 'layer 1 (dense) receives rows of shape (26, 26, 4), but dense takes flat rows: add flatten() before it'],
      [[conv2d({ filters: 4, kernelSize: 3, ...image }), softmax()], 'layer 1 (softmax) receives rows of shape (26, 26, 4), but softmax takes flat rows'],
      [[dense(16, { inputDim: 784 }), conv2d({ filters: 4, kernelSize: 3 })], 'layer 1 (conv2d) receives rows of shape (16), but conv2d takes images of [height, width, channels]'],
      [[flatten({ inputShape: [28, 28] }), maxPooling2d()], 'layer 1 (max_pooling2d) receives rows of shape (784), but maxPooling2d takes images'],
      [[conv2d({ filters: 4, kernelSize: [3, 30], ...image })], "layer 0 (conv2d) has a 3×30 kernel over a 28×28 image with padding 'valid', which leaves no output"],
      [[maxPooling2d({ poolSize: 4, inputShape: [3, 8, 2] })], "has a 4×4 pool window over a 3×8 image with padding 'valid'"],
      [[conv2d({ filters: 4, kernelSize: 3, ...image }), conv2d({ filters: 4, kernelSize: 3, inputShape: [28, 28, 1] })], 'layer 1 (conv2d_1) has inputShape [28, 28, 1] but receives rows of shape (26, 26, 4)'],
      [[conv2d({ filters: 4, kernelSize: 3, ...image }), flatten({ inputShape: [2704] })], 'layer 1 (flatten) has inputShape [2704] but receives rows of shape (26, 26, 4)'],
      [[conv2d({ filters: 4, kernelSize: 3, ...image, name: 'c' }), conv2d({ filters: 4, kernelSize: 3, name: 'c' })], 'two layers are named "c"'],
    ];
    for (const [layers, message] of cases) {
      const error = thrown(() => new Sequential(layers));
      expect(error, message).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain(message);
    }
    // A kernel larger than the image is fine with 'same', as in TensorFlow.
    expect(new Sequential([conv2d({ filters: 1, kernelSize: 5, padding: 'same', inputShape: [3, 3, 1] })]).outputDim).toBe(9);
  });

  it('takes Keras\'s classic flatten first layer, a flatten of flat rows, and leaves dense-only layouts as they were', () => {
    const classic = resolveTopology([flatten({ inputShape: [28, 28] }), dense(128, { activation: 'relu' }), dense(10, { activation: 'softmax' })]);
    expect(classic.inputDim).toBe(784);
    expect(classic.nodes[0]).toEqual({ kind: 'flatten', dim: 784 });
    expect(resolveTopology([dense(8, { inputDim: 4 }), flatten(), dense(2)]).layers[1].shape).toEqual([8]);
    // The notebook network's layout, which saved models and the same-bits fingerprints depend on.
    const notebook = resolveTopology([dense(800, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()]);
    expect(notebook.nodes.flatMap((node: Node) => (node.kind === 'dense' ? [[node.weight, node.bias]] : [])))
      .toEqual([[0, 627_200], [628_000, 636_000]]);
    expect([notebook.paramFloats, notebook.paramCount, notebook.inputShape]).toEqual([636_016, 636_010, [784]]);
  });
});

describe('a CNN as a Sequential, before the engine trains it', () => {
  it('prints its summary as Keras does, long type names wrapped', () => {
    expect(new Sequential(exampleCnn()).summary(() => undefined)).toBe([
      'Model: "sequential"',
      '_________________________________________________________________',
      ' Layer (type)                Output Shape              Param #',
      '=================================================================',
      ' conv2d (Conv2D)             (None, 26, 26, 16)        160', '',
      ' max_pooling2d (MaxPooling2  (None, 13, 13, 16)        0', ' D)', '',
      ' conv2d_1 (Conv2D)           (None, 11, 11, 32)        4,640', '',
      ' max_pooling2d_1 (MaxPoolin  (None, 5, 5, 32)          0', ' g2D)', '',
      ' conv2d_2 (Conv2D)           (None, 3, 3, 32)          9,248', '',
      ' flatten (Flatten)           (None, 288)               0', '',
      ' dense (Dense)               (None, 64)                18,496', '',
      ' dense_1 (Dense)             (None, 10)                650',
      '=================================================================',
      'Total params: 33,194',
      'Trainable params: 33,194',
      'Non-trainable params: 0',
      '_________________________________________________________________',
    ].join('\n'));
    expect(new Sequential(exampleCnn()).countParams()).toBe(33_194);
  });

  it('draws its first weights with Keras fans, in getWeights order, dense draws unchanged', async () => {
    await init();
    const layers = [
      conv2d({ inputShape: [5, 4, 2], filters: 3, kernelSize: [2, 3], biasInitializer: 'uniform' }),
      conv2d({ filters: 4, kernelSize: 2, kernelInitializer: 'heNormal', useBias: false }), flatten(), dense(5, { kernelInitializer: 'uniform' }),
    ];
    const weights = new Sequential(layers, { seed: 42 }).getWeights();
    // [5, 4, 2] → conv 2×3 → [4, 2, 3] → conv 2×2 → [3, 1, 4] → 12 values → 5
    expect(weights.map((tensor) => tensor.length)).toEqual([2 * 3 * 2 * 3, 3, 2 * 2 * 3 * 4, 12 * 5, 5]);
    const random = new Random(42);
    const draw = (count: number, value: () => number) => Float32Array.from({ length: count }, value);
    const limit = Math.sqrt(6 / (2 * 3 * 2 + 2 * 3 * 3)); // fanIn kh·kw·inChannels, fanOut kh·kw·filters
    const stddev = Math.sqrt(2 / (2 * 2 * 3)) / 0.8796256610342398;
    const truncatedNormal = () => {
      let z = random.nextNormal();
      while (z < -2 || z > 2) z = random.nextNormal();
      return stddev * z;
    };
    expect(weights).toEqual([
      draw(36, () => limit * (2 * random.nextFloat() - 1)),
      draw(3, () => 0.1 * random.nextFloat() - 0.05),
      draw(48, truncatedNormal),
      draw(60, () => 0.1 * random.nextFloat() - 0.05),
      new Float32Array(5),
    ]);
  });

  it('round-trips its layers and weights through the model file, and loadWeights tells one CNN from another', async () => {
    await init();
    const model = new Sequential(exampleCnn(), { name: 'cnn', seed: 3 });
    const bytes = model.toBytes();
    const copy = Sequential.fromBytes(bytes);
    expect(copy.layers).toEqual(JSON.parse(JSON.stringify(model.layers)));
    expect(copy.getWeights()).toEqual(model.getWeights());
    expect(copy.summary(() => undefined)).toBe(model.summary(() => undefined));
    expect(copy.toBytes()).toEqual(bytes);
    const strided = exampleCnn();
    strided[1] = maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' });
    await expect(new Sequential(strided).loadWeights(bytes)).rejects.toThrow(ModelMismatchError);
    await expect(new Sequential(strided).loadWeights(bytes)).rejects.toThrow(
      'layer 1: the file has maxPooling2d(poolSize 2×2, strides 2×2, padding valid), the model has maxPooling2d(poolSize 2×2, strides 2×2, padding same)',
    );
  });

  it('refuses malformed image layers in a model file with a ModelFormatError', async () => {
    await init();
    const model = new Sequential(exampleCnn(), { seed: 3 });
    const { header, weights } = decodeModel(model.toBytes(), shapesOf);
    const damaged = (index: number, change: Record<string, unknown>) => {
      const layers = header.layers.map((layer: Layer, i: number) => (i === index ? { ...layer, ...change } : layer));
      return encodeModel({ ...header, layers }, weights);
    };
    const cases: Array<[Uint8Array, string]> = [
      [damaged(0, { kernelSize: '3' }), 'layer 0: conv2d: kernelSize must be a positive integer or [height, width] of positive integers, got "3"'],
      [damaged(0, { kernelSize: [3] }), 'kernelSize must be a positive integer or [height, width] of positive integers, got [3]'],
      [damaged(0, { strides: [1, -1] }), 'strides must be'],
      [damaged(0, { strides: undefined }), 'layer 0 (conv2d) has no strides'],
      [damaged(2, { filters: null }), 'layer 2 (conv2d) has no filters'],
      [damaged(0, { padding: 'causal' }), `padding must be 'valid' or 'same', got "causal"`],
      [damaged(0, { activation: 'tanh' }), `activation must be 'linear' or 'relu', got "tanh"`],
      [damaged(0, { inputShape: [28, 28] }), 'inputShape must be [height, width, channels] of positive integers, got [28, 28]'],
      [damaged(0, { inputShape: [28, 28, 3] }), 'weight shapes [[3,3,1,16],'],
      [damaged(0, { inputShape: null }), 'the layers do not make a model: Sequential: the first layer must be dense'],
      [damaged(1, { poolSize: { 0: 2, 1: 2 } }), 'layer 1: maxPooling2d: poolSize must be a positive integer or [height, width]'],
      [damaged(1, { poolSize: [30, 30] }), 'the layers do not make a model'],
      [damaged(5, { inputShape: 'all' }), 'layer 5: flatten: inputShape must be a non-empty array'],
      [damaged(5, { kind: 'reshape' }), 'layer 5 has unknown kind "reshape"'],
      [damaged(5, { kind: 'constructor' }), 'layer 5 has unknown kind "constructor"'],
    ];
    for (const [bytes, message] of cases) {
      const error = thrown(() => Sequential.fromBytes(bytes));
      expect(error, message).toBeInstanceOf(ModelFormatError);
      expect(error.message).toContain(message);
    }
  });

  it('goes to ONNX and TensorFlow.js (whose runtimes run it in test/onnx.test.ts and test/tfjs.test.ts); a flatten that comes first moves nothing', async () => {
    await init();
    const model = new Sequential(exampleCnn());
    expect(model.toTfjs().modelJson.weightsManifest[0].weights.map((spec) => spec.shape)).toEqual(weightShapes(resolveTopology(exampleCnn())));
    const flat = new Sequential([flatten({ inputShape: [28, 28] }), dense(10), softmax()]);
    expect((flat.toTfjs().modelJson.modelTopology.config.layers as unknown[])[0]).toEqual({
      class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', batch_input_shape: [null, 28, 28], data_format: 'channels_last' },
    });
    // The ONNX input is flat rows already: no Reshape, Transpose or Flatten before the Gemm.
    const graphText = new TextDecoder('latin1').decode(flat.toOnnx());
    expect(graphText).toContain('dense/Gemm');
    for (const node of ['input/Reshape', 'input/Transpose', 'flatten/Transpose', 'flatten/Flatten']) expect(graphText).not.toContain(node);
  });
});
