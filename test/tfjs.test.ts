// TensorFlow.js's Layers format, both ways, judged by TensorFlow.js itself (its cpu backend) on real
// MNIST: a model trained here predicts the same in TensorFlow.js; models built and trained by
// TensorFlow.js, as it saves them and as the Keras 2 converter lays them out, predict the same here
// and train on; convolutional networks both ways (test/cnn-models.ts out, a TensorFlow.js-built one
// in, within 2e-5 on 200 test images); and what cannot be read exactly is refused, naming the layer or
// the file.
//
// The public API (`model.toTfjs()`, `Sequential.fromTfjs`, `loadModel` of a folder or a model.json)
// is used where a user would; the module's own functions (dist/export/tfjs-read.js and tfjs-write.js) where a test needs to
// see what was decoded or to feed in damaged files.

import { mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, Sequential, adam, dense, dropout, init, loadMnist, loadModel, relu, sgd, softmax, toCategorical, type Dataset } from 'mnist-wasm';
import { decodeTfjs, isTfjsPath, readTfjsModel } from '../dist/export/tfjs-read.js';
import { TFJS_WEIGHTS_FILE, encodeTfjs, writeTfjsModel } from '../dist/export/tfjs-write.js';
import { cnnModel } from './cnn-models.js';

const TRAIN = 3000;
const TEST = 2000;
const TOLERANCE = 1e-5;

let xTrain: Float32Array;
let yTrain: Float32Array;
let xMore: Float32Array;
let yMore: Float32Array;
let xTest: Float32Array;
let yTest: Float32Array;
let scratch: string;
let mnistTrain: Dataset;

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
  const { train, test } = await loadMnist();
  mnistTrain = train;
  // Both libraries get the same float32 pixels, so any difference is the model's.
  const floats = (images: Uint8Array) => Float32Array.from(images, (value) => value / 255);
  xTrain = floats(train.images.subarray(0, TRAIN * 784));
  yTrain = toCategorical(train.labels.subarray(0, TRAIN), 10);
  xMore = floats(train.images.subarray(TRAIN * 784, 3 * TRAIN * 784));
  yMore = toCategorical(train.labels.subarray(TRAIN, 3 * TRAIN), 10);
  xTest = floats(test.images.subarray(0, TEST * 784));
  yTest = toCategorical(test.labels.subarray(0, TEST), 10);
  scratch = await mkdtemp(join(tmpdir(), 'mnist-wasm-tfjs-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

type Decoded = Awaited<ReturnType<typeof decodeTfjs>>;
type Manifest = Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function accuracy(probabilities: Float32Array, oneHot: Float32Array): number {
  let right = 0;
  for (let row = 0; row < probabilities.length / 10; row++) {
    const scores = probabilities.subarray(row * 10, row * 10 + 10);
    if (oneHot[row * 10 + scores.indexOf(Math.max(...scores))] === 1) right++;
  }
  return right / (probabilities.length / 10);
}

function tfPredict(model: tf.LayersModel, x: Float32Array, rowShape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, [x.length / 784, ...rowShape])) as tf.Tensor).dataSync() as Float32Array);
}

async function tfFit(model: tf.Sequential, rowShape: number[], optimizer: tf.Optimizer | string, rows = TRAIN, epochs = 2): Promise<void> {
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor(xTrain.subarray(0, rows * 784), [rows, ...rowShape]);
  const ys = tf.tensor(yTrain.subarray(0, rows * 10), [rows, 10]);
  await model.fit(xs, ys, { epochs, batchSize: 64, shuffle: true, verbose: 0 });
  tf.dispose([xs, ys]);
}

/** What TensorFlow.js's `model.save` hands an IO handler. */
async function saveWithTfjs(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/** The artifacts as the model.json and weights file TensorFlow.js's own file handlers write from them. */
function asFiles(artifacts: tf.io.ModelArtifacts, path = 'weights.bin') {
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [path], weights: artifacts.weightSpecs! }] as Manifest,
  };
  return { modelJson, files: new Map([[path, new Uint8Array(artifacts.weightData as ArrayBuffer)]]) };
}

const reader = (files: Map<string, Uint8Array>) => (path: string) => {
  const bytes = files.get(path);
  if (!bytes) throw new Error(`no file ${path}`);
  return bytes;
};

/** A model of this library from decoded layers and weights (what Sequential.fromTfjs will do). */
function build(decoded: Decoded): Sequential {
  const model = new Sequential(decoded.layers, { name: decoded.name });
  model.setWeights(decoded.weights);
  return model;
}

/** Loads a model.json object and its weights file from memory into TensorFlow.js. */
function tfFromMemory(modelJson: { modelTopology: unknown; weightsManifest: Manifest }, bytes: Uint8Array): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: bytes.slice().buffer,
  }));
}

/** The error a promise is rejected with, which must be a ModelFormatError. */
async function refusal(promise: Promise<unknown>): Promise<ModelFormatError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(ModelFormatError);
  expect((error as ModelFormatError).code).toBe('MODEL_FORMAT');
  return error as ModelFormatError;
}

/**
 * A TensorFlow.js-saved Sequential rewritten as `tensorflowjs_converter --input_format keras` writes a
 * Keras 2 model: the topology wrapped as { keras_version, backend, model_config, training_config },
 * layers named and configured as Keras 2 names and configures them (an InputLayer first, or with
 * `bareList` the Keras 2.0 layout: the config a bare list of layers, the input shape on the first),
 * weights named `dense/kernel`, and with `splitByLayer` one manifest group per layer, each cut into
 * shards of `shardBytes` (the converter cuts at a byte count, through the middle of a weight).
 * Generated here from a real model trained by TensorFlow.js, not typed by hand.
 */
function asKerasConverterOutput(artifacts: tf.io.ModelArtifacts, options: { bareList?: boolean; splitByLayer?: boolean; shardBytes?: number } = {}) {
  type KerasLayer = { class_name: string; config: Record<string, unknown> };
  const tfjsLayers = (artifacts.modelTopology as { config: { layers: KerasLayer[] } }).config.layers;
  const counts = new Map<string, number>();
  const renamed = new Map<string, string>();
  const defaults: Record<string, string> = {
    Dense: 'dense', Dropout: 'dropout', Activation: 'activation', Flatten: 'flatten', Softmax: 'softmax', ReLU: 're_lu', Conv2D: 'conv2d', MaxPooling2D: 'max_pooling2d',
  };
  const layers: KerasLayer[] = tfjsLayers.map(({ class_name, config }) => {
    const base = defaults[class_name];
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    const name = seen === 0 ? base : `${base}_${seen}`;
    renamed.set(config.name as string, name);
    const { name: _name, trainable: _trainable, batch_input_shape, dtype: _dtype, ...rest } = config;
    const kerasConfig: Record<string, unknown> = { name, trainable: true, dtype: 'float32', ...(options.bareList && batch_input_shape ? { batch_input_shape } : {}), ...rest };
    if (class_name === 'Conv2D') kerasConfig.groups = 1;
    if (class_name === 'Dense' || class_name === 'Conv2D') {
      Object.assign(kerasConfig, { kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} } });
    }
    if (class_name === 'Softmax') kerasConfig.axis = -1;
    if (class_name === 'Flatten') kerasConfig.data_format = 'channels_last';
    return { class_name, config: kerasConfig };
  });
  const inputShape = tfjsLayers[0].config.batch_input_shape;
  const modelConfig = options.bareList
    ? { class_name: 'Sequential', config: layers }
    : {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [{ class_name: 'InputLayer', config: { batch_input_shape: inputShape, dtype: 'float32', sparse: false, ragged: false, name: `${layers[0].config.name}_input` } }, ...layers],
        },
      };
  const specs = artifacts.weightSpecs!.map((spec) => {
    const [layer, weight] = spec.name.split('/');
    return { ...spec, name: `${renamed.get(layer)}/${weight}` };
  });
  const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const groups: Array<{ specs: typeof specs; bytes: Uint8Array }> = [];
  let at = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((product, n) => product * n, 4);
    const sameLayer = groups.length > 0 && groups[groups.length - 1].specs[0].name.split('/')[0] === spec.name.split('/')[0];
    if (groups.length === 0 || (options.splitByLayer && !sameLayer)) groups.push({ specs: [], bytes: new Uint8Array(0) });
    const group = groups[groups.length - 1];
    group.specs.push(spec);
    group.bytes = new Uint8Array([...group.bytes, ...bytes.subarray(at, at + size)]);
    at += size;
  }
  const files = new Map<string, Uint8Array>();
  const weightsManifest: Manifest = groups.map((group, g) => {
    const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
    const count = Math.ceil(group.bytes.length / shardBytes);
    const paths = Array.from({ length: count }, (_, s) => `group${g + 1}-shard${s + 1}of${count}.bin`);
    paths.forEach((path, s) => files.set(path, group.bytes.slice(s * shardBytes, (s + 1) * shardBytes)));
    return { paths, weights: group.specs };
  });
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: modelConfig,
      training_config: { loss: 'categorical_crossentropy', metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy', dtype: 'float32', fn: 'categorical_accuracy' } }]], weighted_metrics: null, loss_weights: null, optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 0.001 } } },
    },
    weightsManifest,
  };
  return { modelJson, files };
}

async function writeFiles(dir: string, modelJson: unknown, files: Map<string, Uint8Array>): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  for (const [path, bytes] of files) await writeFile(join(dir, path), bytes);
}

/** Models TensorFlow.js built and trained, shared by the tests that read them. */
const trainedByTfjs = new Map<string, Promise<{ model: tf.Sequential; artifacts: tf.io.ModelArtifacts; rowShape: number[] }>>();
function tfjsModel(variant: 'dense' | 'flatten' | 'cnn') {
  if (!trainedByTfjs.has(variant)) {
    trainedByTfjs.set(variant, (async () => {
      if (variant === 'cnn') {
        // 'same' with stride 2 and a 4×3 kernel over an odd 25×25 image, pooling 'same' over 13×13, a conv without bias.
        const model = tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 4, activation: 'relu' }),
            tf.layers.conv2d({ filters: 8, kernelSize: [4, 3], strides: 2, padding: 'same', activation: 'relu' }),
            tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
            tf.layers.conv2d({ filters: 8, kernelSize: 3, useBias: false }),
            tf.layers.activation({ activation: 'relu' }),
            tf.layers.flatten(),
            tf.layers.dropout({ rate: 0.2 }),
            tf.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        });
        // 500 images, one epoch: TensorFlow.js's cpu backend takes about 15 s for it.
        await tfFit(model, [28, 28, 1], tf.train.adam(0.005), 500, 1);
        return { model, artifacts: await saveWithTfjs(model), rowShape: [28, 28, 1] };
      }
      if (variant === 'dense') {
        const model = tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu' }),
            tf.layers.dropout({ rate: 0.2 }),
            tf.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        });
        await tfFit(model, [784], 'adam');
        return { model, artifacts: await saveWithTfjs(model), rowShape: [784] };
      }
      const model = tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28] }),
          tf.layers.dense({ units: 48 }),
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.dropout({ rate: 0.25 }),
          tf.layers.dense({ units: 10 }),
          tf.layers.softmax(),
        ],
      });
      await tfFit(model, [28, 28], tf.train.sgd(0.2));
      return { model, artifacts: await saveWithTfjs(model), rowShape: [28, 28] };
    })());
  }
  return trainedByTfjs.get(variant)!;
}

describe('TensorFlow.js out', () => {
  it('a model trained here on MNIST predicts the same in TensorFlow.js (tf.io.fromMemory)', async () => {
    const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
    await model.fit(xTrain, yTrain, { batchSize: 32, epochs: 1, seed: 1 });

    const { modelJson, weights } = model.toTfjs();
    expect(encodeTfjs(model.layers, model.getWeights(), model.name)).toEqual({ modelJson, weights });
    expect(modelJson.weightsManifest[0].paths).toEqual([TFJS_WEIGHTS_FILE]);
    expect(modelJson.weightsManifest[0].weights.map((spec) => spec.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    const loaded = await tfFromMemory(modelJson, weights);
    expect(loaded.layers.map((layer) => layer.getClassName())).toEqual(['Dense', 'Activation', 'Dropout', 'Dense', 'Activation']);

    const ours = model.predict(xTest);
    const theirs = tfPredict(loaded, xTest, [784]);
    const difference = maxDifference(ours, theirs);
    console.log(`out, from memory: max |difference| ${difference.toExponential(2)} over ${TEST} test images; accuracy ${accuracy(ours, yTest)}`);
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
    expect(accuracy(ours, yTest)).toBeGreaterThan(0.8);
  });

  it('round-trips through files: TensorFlow.js loads the folder, and reading it back gives the weights bit for bit', async () => {
    // No bias, a fused softmax and every initializer name, besides the usual stack.
    const stacks = [
      new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 2, name: 'mlp' }),
      new Sequential([
        dense(32, { inputDim: 784, kernelInitializer: 'uniform', useBias: false, name: 'hidden' }), relu(),
        dense(10, { kernelInitializer: 'heNormal', biasInitializer: 'uniform', activation: 'softmax' }),
      ], { seed: 3 }),
    ];
    for (const [i, model] of stacks.entries()) {
      const dir = join(scratch, `out-${i}`, 'nested');
      await writeTfjsModel(dir, model.layers, model.getWeights(), model.name);
      const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(modelJson.format).toBe('layers-model');

      // TensorFlow.js in Node without tfjs-node has no file handler; this one reads the two files.
      const handler: tf.io.IOHandler = {
        load: async () => {
          const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
          const bytes = await readFile(join(dir, json.weightsManifest[0].paths[0]));
          return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData: new Uint8Array(bytes).buffer };
        },
      };
      const loaded = await tf.loadLayersModel(handler);
      const difference = maxDifference(model.predict(xTest), tfPredict(loaded, xTest, [784]));
      console.log(`out, through files (${model.name}): max |difference| ${difference.toExponential(2)} over ${TEST} test images`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);

      for (const path of [dir, join(dir, 'model.json')]) {
        expect(await isTfjsPath(path)).toBe(true);
        const back = await readTfjsModel(path);
        expect(back.name).toBe(model.name);
        expect(back.weights.map((tensor) => new Uint8Array(tensor.buffer))).toEqual(model.getWeights().map((tensor) => new Uint8Array(tensor.buffer)));
        // Names come back as the file has them (the defaults summary() shows); everything else as made.
        expect(back.layers).toEqual(model.layers.map((layer, at) => ({ ...layer, name: model.layers[at].name ?? back.layers[at].name })));
      }
    }
    expect(await isTfjsPath(join(scratch, 'model.mnwm'))).toBe(false);
  });
});

describe('TensorFlow.js in', () => {
  for (const variant of ['dense', 'flatten'] as const) {
    it(`a ${variant === 'dense' ? 'dense(relu) → dropout → dense(softmax)' : 'flatten → dense → activation → dropout → dense → softmax'} model trained by TensorFlow.js predicts the same here, and trains on`, async () => {
      const { model: tfModel, artifacts, rowShape } = await tfjsModel(variant);
      const { modelJson, files } = asFiles(artifacts);
      const decoded = await decodeTfjs(modelJson, reader(files), 'tfjs-saved');
      expect(decoded.layers.map((layer) => layer.kind)).toEqual(variant === 'dense' ? ['dense', 'dropout', 'dense'] : ['dense', 'relu', 'dropout', 'dense', 'softmax']);
      expect(decoded.layers[0]).toMatchObject({ kind: 'dense', inputDim: 784, units: variant === 'dense' ? 32 : 48, name: tfModel.layers[variant === 'dense' ? 0 : 1].name });

      // As a user has it: the artifacts TensorFlow.js handed its save handler, all weights in one buffer.
      const model = await Sequential.fromTfjs(modelJson, artifacts.weightData as ArrayBuffer);
      expect(model.getWeights()).toEqual(build(decoded).getWeights());
      const theirs = tfPredict(tfModel, xTest, rowShape);
      const ours = model.predict(xTest);
      const difference = maxDifference(ours, theirs);
      console.log(`in (${variant}): max |difference| ${difference.toExponential(2)} over ${TEST} test images; TensorFlow.js accuracy ${accuracy(theirs, yTest)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);

      model.compile({ loss: 'categoricalCrossentropy', optimizer: variant === 'dense' ? adam({ learningRate: 0.001 }) : sgd({ learningRate: 0.1 }) });
      const [lossBefore] = model.evaluate(xTest, yTest);
      await model.fit(xMore, yMore, { batchSize: 64, epochs: 1, seed: 1 });
      const [lossAfter, accuracyAfter] = model.evaluate(xTest, yTest);
      console.log(`in (${variant}): test loss ${lossBefore.toFixed(4)} → ${lossAfter.toFixed(4)} after one epoch here (accuracy ${accuracyAfter.toFixed(4)})`);
      expect(lossAfter).toBeLessThan(lossBefore);
    });
  }

  it('reads the Keras 2 converter layout (model_config, InputLayer, snake_case, several groups and shards) and predicts the same', async () => {
    for (const [variant, options] of [
      ['flatten', {}],
      ['flatten', { splitByLayer: true, shardBytes: 40_000 }],
      ['dense', { bareList: true, shardBytes: 50_001 }],
    ] as const) {
      const { model: tfModel, artifacts, rowShape } = await tfjsModel(variant);
      const { modelJson, files } = asKerasConverterOutput(artifacts, options);
      const dir = join(scratch, `keras-${variant}-${JSON.stringify(options).replace(/\W/g, '')}`);
      await writeFiles(dir, modelJson, files);
      const decoded = await readTfjsModel(dir);
      expect(decoded.layers[0]).toMatchObject({ kind: 'dense', name: 'dense', inputDim: 784, kernelInitializer: 'glorotUniform' });
      expect(decoded.name).toBe('sequential');
      const loaded = await loadModel(variant === 'dense' ? dir : join(dir, 'model.json'));
      expect(loaded.getWeights()).toEqual(decoded.weights);
      const difference = maxDifference(loaded.predict(xTest), tfPredict(tfModel, xTest, rowShape));
      console.log(`in, Keras 2 converter layout (${variant} ${JSON.stringify(options)}, ${files.size} weights files): max |difference| ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("reads TensorFlow.js's camelCase config (model.getConfig()) as well as the snake_case one it saves", async () => {
    const { model: tfModel, artifacts, rowShape } = await tfjsModel('flatten');
    const { modelJson, files } = asFiles(artifacts);
    const camel = { ...modelJson, modelTopology: { className: 'Sequential', config: tfModel.getConfig() } };
    expect(JSON.stringify(camel.modelTopology)).toContain('"batchInputShape":[null,28,28]');
    const decoded = await decodeTfjs(camel, reader(files), 'camel.json');
    expect(decoded.layers).toEqual((await decodeTfjs(modelJson, reader(files), 'snake.json')).layers);
    expect(maxDifference(build(decoded).predict(xTest), tfPredict(tfModel, xTest, rowShape))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('refusals', () => {
  it('a model with an LSTM or a BatchNormalization layer, saved by TensorFlow.js, names the layer', async () => {
    const lstm = tf.sequential({ layers: [tf.layers.lstm({ units: 8, inputShape: [28, 28] }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
    const batchNorm = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [784], units: 16 }), tf.layers.batchNormalization(), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const tanh = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 16, activation: 'tanh' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
    for (const [model, at, className] of [[lstm, 0, 'LSTM'], [batchNorm, 1, 'BatchNormalization'], [tanh, 0, 'Dense']] as const) {
      const { modelJson, files } = asFiles(await saveWithTfjs(model));
      const error = await refusal(decodeTfjs(modelJson, reader(files), 'saved.json'));
      expect(error.message).toContain(`saved.json: layer ${at} (${className} '${model.layers[at].name}')`);
      console.log(`refused: ${error.message}`);
    }
  });

  it('a weight whose shape or dtype disagrees with the topology, or a weight no layer has', async () => {
    const { artifacts } = await tfjsModel('dense');
    const cases: Array<[string, (manifest: Manifest) => void, RegExp]> = [
      ['transposed kernel', (manifest) => { manifest[0].weights[0].shape = [32, 784]; }, /layer 0 \(Dense 'dense_Dense\d+'\): weight dense_Dense\d+\/kernel has shape \[32, 784\], but the layer's kernel is \[784, 32\]/],
      ['int32 bias', (manifest) => { manifest[0].weights[1].dtype = 'int32'; }, /layer 0 \(Dense 'dense_Dense\d+'\): weight dense_Dense\d+\/bias has dtype "int32"/],
      ['stray weight', (manifest) => { manifest[0].weights[3].name = 'dense_9/bias'; }, /a weight dense_9\/bias that no layer of the model has/],
    ];
    for (const [what, change, message] of cases) {
      const { modelJson, files } = asFiles(artifacts);
      modelJson.weightsManifest = structuredClone(modelJson.weightsManifest);
      change(modelJson.weightsManifest);
      const error = await refusal(decodeTfjs(modelJson, reader(files), 'model.json'));
      expect(error.message, what).toMatch(message);
      console.log(`refused (${what}): ${error.message}`);
    }
  });

  it('a truncated weights file, a manifest naming a missing file, and a graph model name the file', async () => {
    const model = new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 4 });
    const dir = join(scratch, 'refusals');
    await writeTfjsModel(dir, model.layers, model.getWeights(), model.name);
    const weightsFile = join(dir, TFJS_WEIGHTS_FILE);

    await truncate(weightsFile, 784 * 16 * 4 + 10);
    let error = await refusal(readTfjsModel(dir));
    expect(error.message).toContain(`${join(dir, 'model.json')}: the weights file ${TFJS_WEIGHTS_FILE} holds ${784 * 16 * 4 + 10} bytes, but its manifest needs`);
    expect(error.message).toMatch(/dense\/bias of layer 0 \(Dense 'dense'\) is cut off \(a truncated file\?\)/);
    console.log(`refused: ${error.message}`);

    await writeTfjsModel(dir, model.layers, model.getWeights(), model.name);
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    modelJson.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
    await rename(weightsFile, join(dir, 'group1-shard1of2.bin'));
    error = await refusal(readTfjsModel(join(dir, 'model.json')));
    expect(error.message).toMatch(/its weights manifest names the file group1-shard2of2\.bin, which could not be read \(ENOENT/);
    console.log(`refused: ${error.message}`);

    // A manifest names files beside it, never elsewhere.
    modelJson.weightsManifest[0].paths = ['../outside.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
    error = await refusal(readTfjsModel(dir));
    expect(error.message).toContain('names ../outside.bin, which is not a file in the model\'s folder');

    error = await refusal(decodeTfjs({ ...modelJson, format: 'graph-model' }, () => new Uint8Array(0), 'graph/model.json'));
    expect(error.message).toContain("graph/model.json: format is \"graph-model\"; only TensorFlow.js Layers models ('layers-model') can be read");
  });
});

describe('convolutional networks', () => {
  const ROWS = 200;
  const CNN_TOLERANCE = 2e-5;
  const images = () => xTest.subarray(0, ROWS * 784);

  /** Largest difference between two models' outputs over the first 200 test images; for classifiers also the same class for every image. */
  function compareOutputs(ours: Float32Array, theirs: Float32Array): number {
    const difference = maxDifference(ours, theirs);
    expect(difference).toBeLessThanOrEqual(CNN_TOLERANCE);
    if (ours.length === ROWS * 10) {
      const classes = (probabilities: Float32Array) => Array.from({ length: ROWS }, (_, row) => {
        const scores = probabilities.subarray(row * 10, row * 10 + 10);
        return scores.indexOf(Math.max(...scores));
      });
      expect(classes(ours)).toEqual(classes(theirs));
    }
    return difference;
  }

  it('CNNs trained here on MNIST predict the same in TensorFlow.js: Conv2D, MaxPooling2D and Flatten as it reads them', async () => {
    const classNames = {
      example: ['Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense'],
      windows: ['Conv2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'],
      imagesOut: ['MaxPooling2D', 'Conv2D'],
    };
    for (const which of ['example', 'windows', 'imagesOut'] as const) {
      const model = await cnnModel(which, mnistTrain);
      const { modelJson, weights } = model.toTfjs();
      const loaded = await tfFromMemory(modelJson, weights);
      expect(loaded.layers.map((layer) => layer.getClassName())).toEqual(classNames[which]);
      expect(loaded.inputs[0].shape).toEqual([null, 28, 28, 1]);
      const ours = model.predict(images());
      const theirs = tfPredict(loaded, images(), [28, 28, 1]);
      const difference = compareOutputs(ours, theirs);
      console.log(`CNN out (${which}): max |difference| ${difference.toExponential(2)} over ${ROWS} test images`);
    }
  });

  it('round-trips ours → TensorFlow.js files → ours: the same layers, the weights bit for bit, the same predictions', async () => {
    for (const which of ['example', 'windows'] as const) {
      const model = await cnnModel(which, mnistTrain);
      const dir = join(scratch, `cnn-${which}`);
      await writeTfjsModel(dir, model.layers, model.getWeights(), model.name);
      const back = await readTfjsModel(dir);
      expect(back.name).toBe(which);
      expect(back.weights.map((tensor) => new Uint8Array(tensor.buffer))).toEqual(model.getWeights().map((tensor) => new Uint8Array(tensor.buffer)));
      expect(back.layers).toEqual(model.layers.map((layer, at) => ({ ...layer, name: layer.name ?? back.layers[at].name })));
      const again = await loadModel(dir);
      expect(again.predict(images())).toEqual(model.predict(images()));
    }
  });

  it('a CNN built and trained by TensorFlow.js (\'same\' with stride 2 over an odd image, pooling \'same\') predicts the same here, saved by TensorFlow.js and as the Keras 2 converter lays it out, and trains on', async () => {
    const { model: tfModel, artifacts, rowShape } = await tfjsModel('cnn');
    const { modelJson, files } = asFiles(artifacts);
    const decoded = await decodeTfjs(modelJson, reader(files), 'tfjs-saved');
    expect(decoded.layers.map((layer) => layer.kind)).toEqual(['conv2d', 'conv2d', 'maxPooling2d', 'conv2d', 'relu', 'flatten', 'dropout', 'dense']);
    expect(decoded.layers[0]).toMatchObject({ kind: 'conv2d', inputShape: [28, 28, 1], filters: 6, kernelSize: [4, 4], strides: [1, 1], padding: 'valid', activation: 'relu' });
    expect(decoded.layers[1]).toMatchObject({ kernelSize: [4, 3], strides: [2, 2], padding: 'same' });
    expect(decoded.layers[2]).toMatchObject({ kind: 'maxPooling2d', poolSize: [2, 2], strides: [2, 2], padding: 'same' });
    expect(decoded.layers[3]).toMatchObject({ useBias: false, activation: 'linear' });

    // TensorFlow.js's own camelCase config (dataFormat 'channelsLast', kernelSize, …) reads the same.
    const camel = { ...modelJson, modelTopology: { className: 'Sequential', config: tfModel.getConfig() } };
    expect((await decodeTfjs(camel, reader(files), 'camel.json')).layers).toEqual(decoded.layers);

    const theirs = tfPredict(tfModel, images(), rowShape);
    const model = await Sequential.fromTfjs(modelJson, artifacts.weightData as ArrayBuffer);
    let difference = compareOutputs(model.predict(images()), theirs);
    console.log(`CNN in (saved by TensorFlow.js): max |difference| ${difference.toExponential(2)} over ${ROWS} test images; TensorFlow.js accuracy ${accuracy(theirs, yTest.subarray(0, ROWS * 10))}`);

    const keras = asKerasConverterOutput(artifacts, { splitByLayer: true, shardBytes: 1000 });
    const dir = join(scratch, 'keras-cnn');
    await writeFiles(dir, keras.modelJson, keras.files);
    const fromKeras = await loadModel(dir);
    expect(fromKeras.layers.map((layer) => layer.name)).toEqual(['conv2d', 'conv2d_1', 'max_pooling2d', 'conv2d_2', 'activation', 'flatten', 'dropout', 'dense']);
    expect(fromKeras.getWeights()).toEqual(model.getWeights());
    difference = compareOutputs(fromKeras.predict(images()), theirs);
    console.log(`CNN in (Keras 2 converter layout, ${keras.files.size} weights files): max |difference| ${difference.toExponential(2)}`);

    model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.001 }) });
    const [lossBefore] = model.evaluate(xTest, yTest);
    await model.fit(xMore.subarray(0, 1000 * 784), yMore.subarray(0, 1000 * 10), { batchSize: 32, epochs: 1, seed: 1 });
    const [lossAfter] = model.evaluate(xTest, yTest);
    console.log(`CNN in: test loss ${lossBefore.toFixed(4)} → ${lossAfter.toFixed(4)} after one epoch of 1,000 images here`);
    expect(lossAfter).toBeLessThan(lossBefore);
  });

  it('refuses what this library\'s image layers lack, naming the layer and the option: dilation, channels first, groups, another activation, a padding, images where rows are flat', async () => {
    const saved = async (layers: tf.layers.Layer[]) => asFiles(await saveWithTfjs(tf.sequential({ layers })));
    const conv = (options: Partial<Parameters<typeof tf.layers.conv2d>[0]>) => tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, ...options });
    const edited = async (change: (layers: Array<{ class_name: string; config: Record<string, unknown> }>) => void) => {
      const { modelJson, files } = await saved([conv({}), tf.layers.flatten(), tf.layers.dense({ units: 10 })]);
      const topology = structuredClone(modelJson.modelTopology) as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
      change(topology.config.layers);
      return { modelJson: { ...modelJson, modelTopology: topology as unknown as typeof modelJson.modelTopology }, files };
    };
    const cases: Array<[string, Promise<{ modelJson: unknown; files: Map<string, Uint8Array> }>, RegExp]> = [
      ['dilation', saved([conv({ dilationRate: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })]), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): dilation_rate \[2, 2\]; this library's conv2d has no dilation/],
      ['channels first', saved([conv({ dataFormat: 'channelsFirst', inputShape: [1, 28, 28] }), tf.layers.flatten(), tf.layers.dense({ units: 10 })]), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): data_format "channels_first": it takes images as \[channels, height, width\]/],
      ['pooling channels first', saved([conv({}), tf.layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' }), tf.layers.flatten(), tf.layers.dense({ units: 10 })]), /layer 1 \(MaxPooling2D 'max_pooling2d_MaxPooling2D\d+'\): data_format "channels_first"/],
      ['tanh', saved([conv({ activation: 'tanh' }), tf.layers.flatten(), tf.layers.dense({ units: 10 })]), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): activation "tanh" is not one this library's conv2d has \(linear, relu\)/],
      ['groups', edited((layers) => { layers[0].config.groups = 2; }), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): groups 2; this library's conv2d has no grouped convolution/],
      ['padding', edited((layers) => { layers[0].config.padding = 'causal'; }), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): padding "causal"; only 'valid' and 'same' can be read/],
      ['flat rows', edited((layers) => { layers[0].config.batch_input_shape = [null, 784]; }), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): receives rows of shape \[784\]; it takes images of \[height, width, channels\]/],
      ['no room', edited((layers) => { layers[0].config.kernel_size = [29, 3]; }), /layer 0 \(Conv2D 'conv2d_Conv2D\d+'\): its 29×3 kernel finds no room in a 28×28 image with padding 'valid'/],
    ];
    for (const [what, files, message] of cases) {
      const { modelJson, files: weights } = await files;
      const error = await refusal(decodeTfjs(modelJson, reader(weights), 'cnn.json'));
      expect(error.message, what).toMatch(message);
      console.log(`refused (${what}): ${error.message}`);
    }
  });
});
