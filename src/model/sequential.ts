// Sequential: a stack of layers over one arena. The model owns the long-lived memory (parameters,
// their gradients, the optimizer's state); each fit, evaluate or predict leases the rest (train/).

import {
  InvalidArgumentError, ModelBusyError, ModelMismatchError, NotCompiledError, ShapeError, checkOptionKeys, describe, firstNonFinite, requireSeed,
} from '../errors.js';
import { Random, randomSeed } from '../random.js';
import { Arena } from '../wasm/arena.js';
import { init, instantiateKernels } from '../wasm/kernels.js';
import type { Inputs } from '../data/inputs.js';
import { defaultThreads, type WorkerPool } from '../threads/pool.js';
import { CONTROL_BYTES } from '../engine/arguments.js';
import { startPool } from '../engine/threads.js';
import { DEFAULT_INFERENCE_BATCH, evaluateLoop, fitLoop, predictLoop, type Runnable, type Trainee } from '../train/loop.js';
import { FIT_OPTIONS, requireThreads } from '../train/fit-checks.js';
import type { FitOptions, History } from '../train/fit-types.js';
import { OptimizerRuntime, stateSlots, toOptimizerConfig, type OptimizerConfig } from '../train/optimizers.js';
import { initialize } from './initializers.js';
import type { Layer } from '../network/layers.js';
import { formatSummary } from './summary.js';
import { decodeModel, encodeModel, type ModelExtras, type OptimizerHeader } from './format.js';
import { layerDifference } from './compare.js';
import { encodeOnnx } from '../export/onnx.js';
import { encodeTfjs, type TfjsArtifacts } from '../export/tfjs-write.js';
import { isFolder, readFileBytes, writeFileAtomic } from '../platform/files.js';
import type { Checkpointing, ResumePoint } from '../train/checkpoint.js';
import { resolveTopology, weightShapes, type Topology } from '../network/topology.js';

function checkSaveOptions(where: string, options: { includeOptimizer?: boolean }): void {
  checkOptionKeys(where, options, ['includeOptimizer']);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
    throw new InvalidArgumentError(`${where}: includeOptimizer must be true or false, got ${describe(options.includeOptimizer)}`);
  }
}

/** The weight shapes a stack of layers has; checks that the layers fit together. */
const shapesOf = (layers: Layer[]): number[][] => weightShapes(resolveTopology(layers));

/** The losses `compile` accepts: categorical cross-entropy, in this library's spelling or Keras's. */
export type LossName = 'categoricalCrossentropy' | 'categorical_crossentropy';

/** Options of {@link Sequential.compile}. Keras: `model.compile(loss, optimizer, metrics)`. */
export interface CompileOptions {
  /** Categorical cross-entropy over a final softmax (computed fused and numerically stable). */
  loss: LossName;
  /** `sgd(…)` or `adam(…)`, or their names for the defaults, as TensorFlow.js allows. */
  optimizer: OptimizerConfig | 'sgd' | 'adam';
  /** 'accuracy' is always reported; listing it is accepted for Keras compatibility. */
  metrics?: Array<'accuracy' | 'acc'>;
}

/** Options of the {@link Sequential} constructor. */
export interface SequentialOptions {
  /** Shown by `summary()` and kept in saved files; 'sequential' by default, as in Keras. */
  name?: string;
  /** Seeds the initial weights; without it they come from fit's seed, or a random one. */
  seed?: number;
}

/** Regions of the arena that exist once weights do. */
interface Memory {
  arena: Arena;
  params: number;
  /** Where the main thread and the workers meet (engine/arguments.ts). */
  control: number;
}

/** Regions that exist once the model has been compiled and trained. */
interface TrainingMemory {
  grads: number;
  state: [number, number];
}

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
  private readonly seed: number | undefined;
  private memory: Memory | undefined;
  private training: TrainingMemory | undefined;
  private optimizerConfig: OptimizerConfig | undefined;
  private optimizer: OptimizerRuntime | undefined;
  private pool: WorkerPool | undefined;
  /** Weights to start from instead of the initializers (a model read by fromBytes). */
  private loadedWeights: Float32Array[] | undefined;
  /** Optimizer state read from a file, taken up by the first compile with the same kind of optimizer. */
  private loadedOptimizer: ModelExtras['optimizer'];
  /** The operation that is changing the model (a fit, or starting threads), if one is running. */
  private busyWith: string | undefined;

  constructor(layers: readonly Layer[], options: SequentialOptions = {}) {
    if (!Array.isArray(layers)) throw new InvalidArgumentError(`Sequential: expected an array of layers, got ${describe(layers)}`);
    checkOptionKeys('Sequential', options, ['name', 'seed']);
    if (options.name !== undefined && typeof options.name !== 'string') throw new InvalidArgumentError(`Sequential: name must be a string, got ${describe(options.name)}`);
    if (options.seed !== undefined) requireSeed('Sequential', 'seed', options.seed);
    this.layers = [...layers];
    this.topology = resolveTopology(this.layers);
    this.name = options.name ?? 'sequential';
    this.seed = options.seed;
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
    this.refuseWhileBusy('compile');
    checkOptionKeys('compile', options, ['loss', 'optimizer', 'metrics']);
    if (!options || (options.loss !== 'categoricalCrossentropy' && options.loss !== 'categorical_crossentropy')) {
      throw new InvalidArgumentError(`compile: loss must be 'categoricalCrossentropy', got ${describe(options?.loss)}`);
    }
    if (this.topology.nodes[this.topology.nodes.length - 1].kind !== 'softmax') {
      throw new InvalidArgumentError('compile: categoricalCrossentropy needs a model that ends in softmax()');
    }
    for (const metric of options.metrics ?? []) {
      if (metric !== 'accuracy' && metric !== 'acc') throw new InvalidArgumentError(`compile: unknown metric ${describe(metric)}; 'accuracy' is supported`);
    }
    this.optimizerConfig = toOptimizerConfig(options.optimizer);
    this.optimizer = undefined;
    if (this.loadedOptimizer && this.loadedOptimizer.header.kind !== this.optimizerConfig.kind) this.loadedOptimizer = undefined;
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
    return this.whileBusy('fit', () => this.runFit(x, y, options));
  }

  private async runFit(x: Inputs, y: Float32Array, options: FitOptions): Promise<History> {
    await init();
    const resume = options.resume === undefined ? undefined : await this.readCheckpoint(options.resume, options);
    const seed = resume?.seed ?? options.seed ?? randomSeed();
    const random = new Random(seed);
    this.ensureMemory(this.seed === undefined ? random : undefined);
    const trainee = this.trainee();
    let start: ResumePoint | undefined;
    if (resume) {
      this.writeWeights(resume.weights, 'fit: resume');
      this.adoptOptimizerState(resume.optimizer);
      random.setState(resume.training.header.random);
      start = { ...resume.training.header, order: resume.training.order };
    }
    const checkpointing: Checkpointing = {
      seed, save: (point) => this.checkpointBytes(point), getWeights: () => this.getWeights(), setWeights: (weights) => this.writeWeights(weights, 'setWeights'),
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
    return evaluateLoop(this.inferenceModel(), x, y, options.batchSize ?? DEFAULT_INFERENCE_BATCH);
  }

  /**
   * The model's output (class probabilities after a softmax) for every row of x: (rows, outputDim).
   *
   * @example
   * const probabilities = model.predict(xTest); // Float32Array of 10000 × 10
   */
  predict(x: Inputs, options: { batchSize?: number } = {}): Float32Array {
    checkOptionKeys('predict', options, ['batchSize']);
    return predictLoop(this.inferenceModel(), x, options.batchSize ?? DEFAULT_INFERENCE_BATCH);
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
    return this.whileBusy('startThreads', () => this.openThreads(threads));
  }

  private async openThreads(threads: number | undefined): Promise<number> {
    await init();
    this.closeThreads();
    // The pool starts with no plan: every call hands it the plan it needs.
    this.pool = await startPool(this.inferenceModel(), threads ?? (await defaultThreads()));
    return this.pool?.threads ?? 1;
  }

  /**
   * Stops the threads of startThreads().
   *
   * @example
   * model.stopThreads();
   */
  stopThreads(): void {
    this.refuseWhileBusy('stopThreads');
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
    return encodeModel(this.header(), this.getWeights(), options.includeOptimizer ? { optimizer: this.optimizerState() } : {});
  }

  /**
   * The model as an ONNX file's bytes (opset 17), for onnxruntime in Python, C#, Java or a browser:
   * dense layers as `Gemm`, ReLU and softmax as themselves, dropout left out; the input is
   * `input` [N, inputDim] (pixels scaled to 0..1), the output `probabilities` [N, classes] (`output`
   * for a model that does not end in softmax).
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
    // All files one after the other are what reading each in turn gives: the first path gets them all.
    const all = weights instanceof ArrayBuffer ? new Uint8Array(weights) : weights;
    let first = true;
    const readShard = typeof all === 'function' ? all : () => (first ? ((first = false), all) : new Uint8Array(0));
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
    model.loadedWeights = weights;
    model.loadedOptimizer = extras.optimizer;
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
    await this.whileBusy('loadWeights', async () => {
      const { weights } = await this.readModelFor(source, 'loadWeights', 'model bytes');
      await init();
      this.ensureMemory();
      this.writeWeights(weights, 'loadWeights');
    });
  }

  /**
   * Copies of the weights, per dense layer its kernel (inDim × units, row-major) then its bias, as Keras
   * orders them.
   *
   * @example
   * const [kernel1, bias1, kernel2, bias2] = model.getWeights();
   */
  getWeights(): Float32Array[] {
    return this.readRegion(this.ensureMemory().params);
  }

  /**
   * Replaces the weights; takes arrays in `getWeights`'s order and shapes.
   *
   * @example
   * other.setWeights(model.getWeights());
   */
  setWeights(weights: readonly Float32Array[]): void {
    this.refuseWhileBusy('setWeights');
    this.writeWeights(weights, 'setWeights');
  }

  /** Checks weights (shapes, and that every value is finite) and writes them; no busy check, for fit's own use. */
  private writeWeights(weights: readonly Float32Array[], where: string): void {
    const { params } = this.ensureMemory();
    const slots = this.tensorSlots();
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw new ShapeError(`${where}: expected ${slots.length} arrays, got ${describe(weights)}`);
    }
    slots.forEach(([, length, what], i) => {
      const tensor = weights[i];
      if (!(tensor instanceof Float32Array) || tensor.length !== length) {
        throw new ShapeError(`${where}: ${what} needs a Float32Array of ${length} values, got ${describe(tensor)}`);
      }
      const bad = firstNonFinite(tensor);
      if (bad >= 0) throw new InvalidArgumentError(`${where}: ${what} has ${tensor[bad]} at index ${bad}; weights must be finite numbers`);
    });
    this.writeRegion(params, weights);
  }

  /**
   * Runs `operation` as the one operation changing the model: anything else that would change it
   * meanwhile (a second fit, most often from an effect that runs twice) is refused at once, instead
   * of interleaving with it on the same weights or waiting forever on the same threads.
   */
  private async whileBusy<T>(what: string, operation: () => Promise<T>): Promise<T> {
    this.refuseWhileBusy(what);
    this.busyWith = what;
    try {
      return await operation();
    } finally {
      this.busyWith = undefined;
    }
  }

  private refuseWhileBusy(what: string): void {
    if (this.busyWith) {
      throw new ModelBusyError(`${what}: the model is busy with ${this.busyWith}; await it first (predict and evaluate may run meanwhile)`);
    }
  }

  private header() {
    return { name: this.name, layers: [...this.layers], weights: weightShapes(this.topology) };
  }

  /** Reads and checks a model file (a path, in Node) or its bytes, which must be made for this network. */
  private async readModelFor(source: string | Uint8Array, what: string, bytesName: string) {
    const name = typeof source === 'string' ? source : bytesName;
    const bytes = typeof source === 'string' ? await readFileBytes(source, what) : source;
    const decoded = decodeModel(bytes, shapesOf, name);
    const difference = layerDifference(decoded.header.layers, this.layers);
    if (difference) throw new ModelMismatchError(`${name}: made for another network: ${difference}`);
    return { name, ...decoded };
  }

  /** Each weight tensor's offset (in floats) within a region laid out like the parameters, in getWeights order. */
  private tensorSlots(): Array<[offset: number, length: number, what: string]> {
    const slots: Array<[number, number, string]> = [];
    this.topology.nodes.forEach((node, i) => {
      if (node.kind !== 'dense') return;
      slots.push([node.weight, node.inDim * node.outDim, `layer ${i} kernel`]);
      if (node.bias >= 0) slots.push([node.bias, node.outDim, `layer ${i} bias`]);
    });
    return slots;
  }

  private readRegion(region: number): Float32Array[] {
    const f32 = this.ensureMemory().arena.f32;
    return this.tensorSlots().map(([offset, length]) => f32.slice((region >> 2) + offset, (region >> 2) + offset + length));
  }

  private writeRegion(region: number, tensors: readonly Float32Array[]): void {
    const f32 = this.ensureMemory().arena.f32;
    this.tensorSlots().forEach(([offset], i) => f32.set(tensors[i], (region >> 2) + offset));
  }

  /** The optimizer's settings, progress and state tensors, for a file; undefined before any training. */
  private optimizerState(): ModelExtras['optimizer'] {
    if (!this.optimizer || !this.training) return this.loadedOptimizer;
    const { config, iterations, learningRateScale } = this.optimizer;
    const { kind, learningRate, ...settings } = config;
    const slots = stateSlots(config);
    const header: OptimizerHeader = {
      kind, config: { ...settings, learningRate: typeof learningRate === 'number' ? learningRate : null }, iterations, slots, learningRateScale,
    };
    return { header, slots: this.training.state.slice(0, slots).map((region) => this.readRegion(region)) };
  }

  /** Takes up saved optimizer state: its step count and moments. */
  private adoptOptimizerState(saved: NonNullable<ModelExtras['optimizer']>): void {
    const optimizer = this.optimizer!;
    optimizer.iterations = saved.header.iterations;
    optimizer.learningRateScale = saved.header.learningRateScale ?? 1;
    saved.slots.forEach((tensors, i) => this.writeRegion(this.training!.state[i], tensors));
  }

  /** A checkpoint: the model, its optimizer's state, and where the fit stands. */
  private checkpointBytes(point: Parameters<Checkpointing['save']>[0]): Uint8Array {
    const { order, ...training } = point;
    return encodeModel(this.header(), this.getWeights(), { optimizer: this.optimizerState(), training: { header: training, order } });
  }

  /** Reads and checks a checkpoint against this model, its optimizer and the fit's options. */
  private async readCheckpoint(source: string | Uint8Array, options: FitOptions) {
    const { name, weights, extras } = await this.readModelFor(source, 'fit: resume', 'checkpoint bytes');
    const { training, optimizer } = extras;
    if (!training || !optimizer) throw new ModelMismatchError(`${name}: not a checkpoint (it has no training state); load its weights with loadWeights instead`);
    const compiled = this.optimizerConfig!;
    if (optimizer.header.kind !== compiled.kind) {
      throw new ModelMismatchError(`${name}: trained with ${optimizer.header.kind}, but the model is compiled with ${compiled.kind}`);
    }
    const expectedSlots = stateSlots(compiled);
    if (optimizer.header.slots !== expectedSlots) {
      throw new ModelMismatchError(`${name}: its optimizer keeps ${optimizer.header.slots} state tensors per weight, the compiled one ${expectedSlots} (momentum differs)`);
    }
    const t = training.header;
    const mismatch = (what: string, saved: unknown, given: unknown) =>
      new ModelMismatchError(`${name}: the checkpoint was made with ${what} ${describe(saved)}, this fit has ${describe(given)}`);
    if (options.seed !== undefined && options.seed !== t.seed) throw mismatch('seed', t.seed, options.seed);
    if ((options.batchSize ?? 32) !== t.batchSize) throw mismatch('batchSize', t.batchSize, options.batchSize ?? 32);
    if ((options.epochs ?? 1) <= t.epoch) {
      throw new ModelMismatchError(`${name}: the checkpoint has done ${t.epoch} epochs already; ask for more than that (epochs: ${options.epochs ?? 1})`);
    }
    return { seed: t.seed, weights, optimizer, training };
  }

  /** Creates the arena and initial weights on first need, from `random` or the model's own seed. */
  private ensureMemory(random?: Random): Memory {
    if (this.memory) return this.memory;
    const arena = new Arena(instantiateKernels());
    const params = arena.reserve(this.topology.paramFloats * 4);
    const control = arena.reserve(CONTROL_BYTES);
    this.memory = { arena, params, control };
    if (this.loadedWeights) {
      this.writeWeights(this.loadedWeights, 'fromBytes');
      this.loadedWeights = undefined;
      return this.memory;
    }
    const source = random ?? new Random(this.seed ?? randomSeed());
    const f32 = arena.f32;
    for (const node of this.topology.nodes) {
      if (node.kind !== 'dense') continue;
      const { layer, inDim, outDim } = node;
      initialize(f32, (params >> 2) + node.weight, inDim * outDim, layer.kernelInitializer, source, inDim, outDim);
      if (node.bias >= 0) initialize(f32, (params >> 2) + node.bias, outDim, layer.biasInitializer, source, inDim, outDim);
    }
    return this.memory;
  }

  private trainee(): Trainee & Runnable {
    const { arena, params, control } = this.ensureMemory();
    if (!this.training) {
      const bytes = this.topology.paramFloats * 4;
      this.training = { grads: arena.reserve(bytes), state: [arena.reserve(bytes), arena.reserve(bytes)] };
    }
    const { grads, state } = this.training;
    if (!this.optimizer) {
      this.optimizer = new OptimizerRuntime(this.optimizerConfig!);
      // A fresh optimizer starts from zero moments, or from those a loaded file kept.
      const f32 = arena.f32;
      for (const region of state) f32.fill(0, region >> 2, (region >> 2) + this.topology.paramFloats);
      if (this.loadedOptimizer) this.adoptOptimizerState(this.loadedOptimizer);
      this.loadedOptimizer = undefined;
    }
    return { arena, topology: this.topology, regions: { params, grads, state, control }, optimizer: this.optimizer, pool: this.pool };
  }

  private inferenceModel(): Runnable {
    const { arena, params, control } = this.ensureMemory();
    return { arena, topology: this.topology, regions: { params, grads: 0, state: [0, 0], control }, pool: this.pool };
  }


}

/**
 * Reads a model in Node: a file written by `save`, or a TensorFlow.js Layers model (its folder, or its
 * model.json with the weight files beside it; see {@link Sequential.fromTfjs}). Everything is checked
 * before anything is built; a bad file gives a ModelFormatError that names the file and the problem.
 *
 * @example
 * const model = await loadModel('mnist.mnwm');        // or loadModel('exported/model.json')
 * model.predict(images);
 */
export async function loadModel(path: string): Promise<Sequential> {
  if (typeof path === 'string' && (/\.json$/i.test(path) || (await isFolder(path)))) {
    // Imported when needed: a page that never reads a TensorFlow.js model downloads none of that code.
    const { readTfjsModel } = await import('../export/tfjs-read.js');
    return withWeights(await readTfjsModel(path));
  }
  const model = Sequential.fromBytes(await readFileBytes(path, 'loadModel'), path);
  await init();
  return model;
}

/** A model of decoded layers with their weights, which setWeights checks. */
async function withWeights({ layers, weights, name }: { layers: Layer[]; weights: Float32Array[]; name: string }): Promise<Sequential> {
  const model = new Sequential(layers, { name });
  await init();
  model.setWeights(weights);
  return model;
}
