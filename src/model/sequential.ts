// Sequential: a stack of layers over one arena. The model owns the long-lived memory (parameters,
// their gradients, the optimizer's state; memory.ts); each fit, evaluate or predict leases the rest
// (train/). Reading its files and checkpoints is in sequential-files.ts, its options' checks in
// sequential-options.ts; loadModel, which reads a model from a path, is in load-model.ts.

import { NotCompiledError, checkOptionKeys, requireSeed } from '../errors.js';
import { Random, randomSeed } from '../random.js';
import { init } from '../wasm/kernels.js';
import type { Inputs } from '../data/inputs.js';
import { defaultThreads, type WorkerPool } from '../threads/pool.js';
import { startPool } from '../engine/threads.js';
import { DEFAULT_INFERENCE_BATCH, evaluateLoop, fitLoop, predictLoop } from '../train/loop.js';
import { FIT_OPTIONS, requireThreads } from '../train/fit-checks.js';
import type { FitOptions, History } from '../train/fit-types.js';
import { toOptimizerConfig, type OptimizerConfig } from '../train/optimizers.js';
import type { Layer } from '../network/layers.js';
import { formatSummary } from './summary.js';
import { decodeModel, encodeModel } from './format.js';
import { encodeOnnx } from '../export/onnx.js';
import { encodeTfjs, type TfjsArtifacts } from '../export/tfjs-write.js';
import { writeFileAtomic } from '../platform/files.js';
import type { CheckpointPoint, Checkpointing, ResumePoint } from '../train/checkpoint.js';
import { resolveTopology, type Topology } from '../network/topology.js';
import { ModelMemory } from './memory.js';
import { checkSaveOptions, modelHeader, readCheckpoint, readModelFor, shapesOf, tfjsShardReader } from './sequential-files.js';
import { checkCompileOptions, checkSequentialArguments, type CompileOptions, type SequentialOptions } from './sequential-options.js';
import { BusyGuard } from './busy.js';

/**
 * A linear stack of layers, with Keras's compile / fit / evaluate / predict.
 *
 * @example
 * const model = new Sequential([
 *   dense(800, { inputDim: 784, kernelInitializer: 'uniform' }), relu(), dropout(0.5),
 *   dense(10, { kernelInitializer: 'uniform' }), softmax(),
 * ]);
 * model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.01 }), metrics: ['accuracy'] });
 * await model.fit(xTrain, yTrain, { batchSize: 256, epochs: 10, validationData: [xTest, yTest], seed: 1 });
 */
export class Sequential {
  /** The model's name, from its options; 'sequential' by default. */
  readonly name: string;
  /** The layer configurations, in order (a copy of the array given to the constructor). */
  readonly layers: readonly Layer[];
  private readonly topology: Topology;
  /** Parameters, gradients and the optimizer's state. */
  private readonly memory: ModelMemory;
  private optimizerConfig: OptimizerConfig | undefined;
  private pool: WorkerPool | undefined;
  private readonly busy = new BusyGuard();

  constructor(layers: readonly Layer[], options: SequentialOptions = {}) {
    checkSequentialArguments(layers, options);
    this.layers = [...layers];
    this.topology = resolveTopology(this.layers);
    this.name = options.name ?? 'sequential';
    this.memory = new ModelMemory(this.topology, options.seed);
  }

  /** Width of one input row. */
  get inputDim(): number {
    return this.topology.inputDim;
  }

  /** Width of one output row (the number of classes). */
  get outputDim(): number {
    return this.topology.outputDim;
  }

  /**
   * Number of trainable values. Keras: `model.count_params()`.
   *
   * @example
   * model.countParams(); // 636010 for 784-800-10
   */
  countParams(): number {
    return this.topology.paramCount;
  }

  /**
   * Prints a Keras-style table of the layers, their output shapes and parameter counts, and returns it.
   *
   * @example
   * model.summary(); // … Total params: 636,010
   */
  summary(printFn: (text: string) => void = console.log): string {
    const text = formatSummary(this.name, this.topology);
    printFn(text);
    return text;
  }

  /**
   * Chooses the loss and the optimizer. Compiling again starts the optimizer afresh and keeps the weights.
   *
   * @example
   * model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.01 }), metrics: ['accuracy'] });
   */
  compile(options: CompileOptions): void {
    this.busy.refuse('compile');
    checkCompileOptions(options, this.topology);
    this.optimizerConfig = toOptimizerConfig(options.optimizer);
    this.memory.startOptimizerAfresh(this.optimizerConfig);
  }

  /**
   * Trains for a number of epochs and returns the per-epoch history.
   *
   * @example
   * const history = await model.fit(xTrain, yTrain, { batchSize: 256, epochs: 10, validationData: [xTest, yTest], seed: 1 });
   * history.history.valAccuracy.at(-1);
   */
  async fit(x: Inputs, y: Float32Array, options: FitOptions = {}): Promise<History> {
    if (!this.optimizerConfig) throw new NotCompiledError('fit');
    // Before anything reads them: a resume's checks would otherwise come first.
    checkOptionKeys('fit', options, FIT_OPTIONS);
    if (options.seed !== undefined) requireSeed('fit', 'seed', options.seed);
    return this.busy.run('fit', () => this.runFit(x, y, options));
  }

  private async runFit(x: Inputs, y: Float32Array, options: FitOptions): Promise<History> {
    await init();
    const resume = options.resume === undefined ? undefined : await readCheckpoint(this.layers, this.optimizerConfig!, options.resume, options);
    const seed = resume?.seed ?? options.seed ?? randomSeed();
    const random = new Random(seed);
    this.memory.ensure(random);
    const trainee = this.memory.trainee(this.optimizerConfig!, this.pool);
    let start: ResumePoint | undefined;
    if (resume) {
      this.memory.writeWeights(resume.weights, 'fit: resume');
      this.memory.adoptOptimizerState(resume.optimizer);
      random.setState(resume.training.header.random);
      start = { ...resume.training.header, order: resume.training.order };
    }
    const checkpointing: Checkpointing = {
      seed, save: (point) => this.checkpointBytes(point), getWeights: () => this.getWeights(), setWeights: (weights) => this.memory.writeWeights(weights, 'setWeights'),
    };
    return fitLoop(trainee, x, y, options, random, checkpointing, start);
  }

  /**
   * Mean loss and accuracy over x and y, without dropout. Keras: `model.evaluate`.
   *
   * @example
   * const [loss, accuracy] = model.evaluate(xTest, yTest);
   */
  evaluate(x: Inputs, y: Float32Array, options: { batchSize?: number } = {}): [number, number] {
    if (!this.optimizerConfig) throw new NotCompiledError('evaluate');
    checkOptionKeys('evaluate', options, ['batchSize']);
    return evaluateLoop(this.memory.inferenceModel(this.pool), x, y, options.batchSize ?? DEFAULT_INFERENCE_BATCH);
  }

  /**
   * The model's output (class probabilities after a softmax) for every row of x: (rows, outputDim).
   *
   * @example
   * const probabilities = model.predict(xTest); // Float32Array of 10000 × 10
   */
  predict(x: Inputs, options: { batchSize?: number } = {}): Float32Array {
    checkOptionKeys('predict', options, ['batchSize']);
    return predictLoop(this.memory.inferenceModel(this.pool), x, options.batchSize ?? DEFAULT_INFERENCE_BATCH);
  }

  /**
   * Keeps worker threads open for this model, so that evaluate and predict (which are synchronous) run
   * on them too, and fits need not start their own; returns the number of threads, the main thread
   * included. Without it, each fit starts its threads and stops them when it ends. The workers never
   * keep a Node process alive; stopThreads() frees them.
   *
   * @example
   * await model.startThreads(); // every core
   * const probabilities = model.predict(xTest);
   * model.stopThreads();
   */
  async startThreads(threads?: number): Promise<number> {
    if (threads !== undefined) requireThreads('startThreads', threads);
    return this.busy.run('startThreads', () => this.openThreads(threads));
  }

  private async openThreads(threads: number | undefined): Promise<number> {
    await init();
    this.closeThreads();
    // The pool starts with no plan: every call hands it the plan it needs.
    this.pool = await startPool(this.memory.inferenceModel(this.pool), threads ?? (await defaultThreads()));
    return this.pool?.threads ?? 1;
  }

  /**
   * Stops the threads of startThreads().
   *
   * @example
   * model.stopThreads();
   */
  stopThreads(): void {
    this.busy.refuse('stopThreads');
    this.closeThreads();
  }

  private closeThreads(): void {
    this.pool?.close();
    this.pool = undefined;
  }

  /**
   * The model as bytes: its layers and its weights, and with `includeOptimizer` its optimizer's state
   * (to train on later from where it stopped), in a small versioned format with a checksum (see
   * src/model/format.ts), for `Sequential.fromBytes` in Node, a browser or a Worker.
   *
   * @example
   * const bytes = model.toBytes(); // 2.5 MB for 784-800-10
   */
  toBytes(options: { includeOptimizer?: boolean } = {}): Uint8Array {
    checkSaveOptions('toBytes', options);
    return encodeModel(this.header(), this.getWeights(), options.includeOptimizer ? { optimizer: this.memory.optimizerState() } : {});
  }

  /**
   * The model as an ONNX file's bytes (opset 17), for onnxruntime in Python, C#, Java or a browser:
   * dense layers as `Gemm`, conv2d and maxPooling2d as `Conv` and `MaxPool` (on NCHW images, with
   * the transposes from and back to this library's channels-last ones), ReLU and softmax as
   * themselves, dropout left out; the input is `input` [N, inputDim] (flat rows, pixels scaled to
   * 0..1), the output `probabilities` [N, classes] (`output` for a model that does not end in softmax).
   *
   * @example
   * await writeFile('mnist.onnx', model.toOnnx());
   * // Python: onnxruntime.InferenceSession('mnist.onnx').run(None, { 'input': x })
   */
  toOnnx(): Uint8Array {
    return encodeOnnx(this.layers, this.getWeights(), this.name);
  }

  /**
   * The model in TensorFlow.js's Layers format: model.json's content (a Keras `Sequential` topology and
   * a weights manifest naming `group1-shard1of1.bin`) and that file's bytes, for `tf.loadLayersModel`.
   * `mnist-wasm export --format tfjs` writes the two files.
   *
   * @example
   * const { modelJson, weights } = model.toTfjs();
   * const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
   *   modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weights.buffer,
   * }));
   */
  toTfjs(): TfjsArtifacts {
    return encodeTfjs(this.layers, this.getWeights(), this.name);
  }

  /**
   * A model from TensorFlow.js's Layers format (as `model.save` in TensorFlow.js or the Python
   * converter for Keras 2 models write it): model.json's content, as an object or text, and its
   * weights, either all its weight files' bytes one after the other (TensorFlow.js's `weightData`) or a
   * function that reads one file by the path the manifest gives. Layers and options this library
   * lacks are refused with a ModelFormatError naming the layer; nothing is half-loaded. The model
   * predicts at once and trains after `compile`.
   *
   * @example
   * const { modelJson, weights } = model.toTfjs();   // or what tf.io.withSaveHandler hands you
   * const again = await Sequential.fromTfjs(modelJson, weights);
   */
  static async fromTfjs(modelJson: unknown, weights: Uint8Array | ArrayBuffer | ((path: string) => Uint8Array | Promise<Uint8Array>)): Promise<Sequential> {
    const readShard = tfjsShardReader(weights);
    const { decodeTfjs } = await import('../export/tfjs-read.js');
    return withWeights(await decodeTfjs(modelJson, readShard, 'model.json'));
  }

  /**
   * Saves the model to a file in Node, whole or not at all: the bytes go to a temporary file beside it,
   * reach the disk, and then replace the old file in one rename. Same format as toBytes.
   *
   * @example
   * await model.save('mnist.mnwm');
   * const again = await loadModel('mnist.mnwm');
   */
  async save(path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    checkSaveOptions('save', options);
    await writeFileAtomic(path, this.toBytes(options));
  }

  /**
   * A model from `toBytes`'s bytes, with its weights; it still needs `compile` to train (a compile with
   * the same kind of optimizer takes up the optimizer state, if the bytes have it). Everything is
   * checked first: a bad file gives a ModelFormatError that says what is wrong.
   *
   * @example
   * const model = Sequential.fromBytes(bytes);
   * await init();
   * model.predict(image);
   */
  static fromBytes(bytes: Uint8Array, source?: string): Sequential {
    const { header, weights, extras } = decodeModel(bytes, shapesOf, source);
    const model = new Sequential(header.layers, { name: header.name });
    model.memory.load(weights, extras.optimizer);
    return model;
  }

  /**
   * Replaces this model's weights with those of a model file (a path, in Node) or its bytes. A file made
   * for another network is refused with a ModelMismatchError that names the first layer that differs.
   *
   * @example
   * await model.loadWeights('mnist.mnwm');
   */
  async loadWeights(source: string | Uint8Array): Promise<void> {
    await this.busy.run('loadWeights', async () => {
      const { weights } = await readModelFor(this.layers, source, 'loadWeights', 'model bytes');
      await init();
      this.memory.ensure();
      this.memory.writeWeights(weights, 'loadWeights');
    });
  }

  /**
   * Copies of the weights, per dense layer its kernel (inDim × units, row-major) then its bias, per
   * conv2d layer its kernel (kh × kw × inChannels × filters) then its bias, as Keras orders them.
   *
   * @example
   * const [kernel1, bias1, kernel2, bias2] = model.getWeights();
   */
  getWeights(): Float32Array[] {
    return this.memory.getWeights();
  }

  /**
   * Replaces the weights; takes arrays in `getWeights`'s order and shapes.
   *
   * @example
   * other.setWeights(model.getWeights());
   */
  setWeights(weights: readonly Float32Array[]): void {
    this.busy.refuse('setWeights');
    this.memory.writeWeights(weights, 'setWeights');
  }

  private header() {
    return modelHeader(this.name, this.layers, this.topology);
  }

  /** A checkpoint: the model, its optimizer's state, and where the fit stands. */
  private checkpointBytes(point: CheckpointPoint): Uint8Array {
    const { order, ...training } = point;
    return encodeModel(this.header(), this.getWeights(), { optimizer: this.memory.optimizerState(), training: { header: training, order } });
  }
}

export /** A model of decoded layers with their weights, which setWeights checks. */
async function withWeights({ layers, weights, name }: { layers: Layer[]; weights: Float32Array[]; name: string }): Promise<Sequential> {
  const model = new Sequential(layers, { name });
  await init();
  model.setWeights(weights);
  return model;
}
