// The training loop and the batched inference passes behind Sequential's fit, evaluate and predict.
// Policy lives here: batch order, when masks are drawn, when the optimizer steps, what is reported.

import {
  InvalidArgumentError, ModelMismatchError, TrainingDivergedError, TrainingInterruptedError, checkOptionKeys, describe, nearestName, requirePositiveInteger,
} from '../errors.js';
import { checkSavePath, writeFileAtomic } from '../platform/files.js';
import type { TrainingHeader } from './checkpoint.js';
import { checkAugment, type AugmentOptions } from './augment.js';
import type { AugmentConfig } from '../engine/augment.js';
import { fingerprint, requireSameFit } from './fingerprint.js';
import type { Random } from '../random.js';
import { defaultThreads, type WorkerPool } from '../threads/pool.js';
import { MAX_THREADS } from '../threads/control.js';
import { startPool } from '../engine/threads.js';
import { checkTargets, countRows, isSparse, type Inputs } from '../data/inputs.js';
import { updateRule, type OptimizerRuntime } from './optimizers.js';
import { Session, type DataSpec, type SessionModel } from '../engine/session.js';

/** What a callback sees after each batch. */
export interface BatchLogs {
  /** Zero-based index of the batch within its epoch. */
  batch: number;
  /** Rows in the batch: `batchSize`, or fewer for an epoch's last batch. */
  size: number;
  /** Mean loss over the batch, computed before the update and with dropout on. */
  loss: number;
  /** Fraction of the batch's rows whose largest output is at their target's class, 0 to 1. */
  accuracy: number;
}

/** What a callback sees after each epoch; val* only with validationData. */
export interface EpochLogs {
  /** Mean training loss over the epoch's rows, each batch's taken before its update and with dropout on. */
  loss: number;
  /** Training accuracy over the epoch, measured as `loss` is, 0 to 1. */
  accuracy: number;
  /** Mean loss on the validation data after the epoch, without dropout. */
  valLoss?: number;
  /** Accuracy on the validation data after the epoch, 0 to 1. */
  valAccuracy?: number;
  /** Wall-clock time of the epoch in seconds, validation included. */
  seconds: number;
  /** The learning rate of the epoch's first update, after any scaling by callbacks. */
  learningRate: number;
}

/** What a callback may do to a running fit (see earlyStopping, reduceLROnPlateau). */
export interface TrainingContext {
  /** Ends the fit after the current epoch. */
  stop(): void;
  /** Copies of the model's weights, in {@link Sequential.getWeights}'s order. */
  getWeights(): Float32Array[];
  /** Replaces the model's weights; see {@link Sequential.setWeights}. */
  setWeights(weights: readonly Float32Array[]): void;
  /** Multiplies every later learning rate, schedule or not; 1 at the start. */
  learningRateScale: number;
}

/** Hooks into fit, as in Keras and TensorFlow.js; each may return a promise, which fit awaits. */
export interface Callbacks {
  /** Called once before onTrainBegin, with what the callback may act on. */
  setContext?(context: TrainingContext): void;
  /** Called once before the first epoch. */
  onTrainBegin?(): void | Promise<void>;
  /** Called once after the last epoch, or the one a callback stopped at; not when the fit throws. */
  onTrainEnd?(history: History): void | Promise<void>;
  /** Called before each epoch, with its zero-based index. */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** Called after each epoch and its validation, with its zero-based index and figures. */
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** Called after each batch's update, with its zero-based index within the epoch. */
  onBatchEnd?(batch: number, logs: BatchLogs): void | Promise<void>;
}

/**
 * Options of {@link Sequential.fit}; every one may be left out. Keras: the keyword arguments of
 * `model.fit` (`batch_size`, `epochs`, `validation_data`, …).
 */
export interface FitOptions {
  /** Rows per optimizer step; 32 by default, as in Keras. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** 1 by default. */
  epochs?: number;
  /** Reshuffle the rows before every epoch; true by default. */
  shuffle?: boolean;
  /** Inputs and one-hot targets to evaluate after every epoch. */
  validationData?: [Inputs, Float32Array];
  /**
   * The fraction of x and y (their last rows, before any shuffling, as Keras takes them) to hold out
   * for validation instead; ignored when validationData is given, as in Keras.
   */
  validationSplit?: number;
  /**
   * Seeds shuffling and dropout, and the initial weights if the model has none yet: the same seed
   * gives bit-identical results, whatever the number of threads. Random by default.
   */
  seed?: number;
  /**
   * Threads to train on: by default every core in Node, Deno and Bun, and in browsers when the page is
   * cross-origin isolated (`crossOriginIsolated`); otherwise 1. A model that keeps threads open
   * (`startThreads`) trains on those unless this is 1. Results do not depend on it.
   */
  threads?: number;
  /**
   * Whether the first layer skips the zeros of its input (sparse kernels): by default when at most half
   * of the inputs are nonzero, as with MNIST. Results do not depend on it, only speed.
   */
  sparseInput?: boolean;
  /** One callback or several, called in the order given. Keras: `callbacks`. */
  callbacks?: Callbacks | Callbacks[];
  /**
   * Saves a checkpoint (the model, its optimizer's state, the generator's state and the batch order)
   * after every epoch, or every `every` batches, and when the fit is interrupted: to a file in Node
   * (`path`, written whole or not at all), or through your own `save` (a browser's IndexedDB, say).
   */
  checkpoint?: CheckpointOptions;
  /** Stops the fit at the next batch: it saves a checkpoint if asked to, then rejects with TrainingInterruptedError. */
  signal?: AbortSignal;
  /**
   * A checkpoint (its path in Node, or its bytes) to go on from: with the same data, batch size and
   * optimizer, the result is the same, bit for bit, as a fit that was never interrupted. `epochs`
   * counts from the start of the original fit.
   */
  resume?: string | Uint8Array;
  /**
   * Distorts every training image afresh for each batch (uint8 images only): shifts, rotation, scale,
   * shear and Simard's elastic distortion, seeded like everything else. Validation data is left as is.
   */
  augment?: AugmentOptions;
}

/** Where and how often {@link FitOptions.checkpoint} saves: a `path`, a `save` function, or both. */
export interface CheckpointOptions {
  /** A file to write in Node, replaced whole at each checkpoint; `resume` takes the same path. */
  path?: string;
  /** Receives each checkpoint's bytes, which `resume` takes back; fit awaits it. */
  save?: (bytes: Uint8Array) => void | Promise<void>;
  /** 'epoch' (the default), or a number of batches. */
  every?: 'epoch' | number;
}

/** Where a fit stands, for a checkpoint; made into bytes by the model. */
export type CheckpointPoint = TrainingHeader & { order: Uint32Array };

/** How the loop gets a checkpoint's bytes from the model, and the seed it trains with. */
export interface Checkpointing {
  seed: number;
  save(point: CheckpointPoint): Uint8Array;
  /** The model's weights, for callbacks (see TrainingContext). */
  getWeights(): Float32Array[];
  setWeights(weights: readonly Float32Array[]): void;
}

/** A resumed fit's starting point. */
export type ResumePoint = CheckpointPoint;

/** Per-epoch figures of a fit, as TensorFlow.js's History: `history.history.loss[epoch]`. */
export interface History {
  /** Zero-based index of each epoch; a resumed fit's history also holds the epochs before its checkpoint. */
  epoch: number[];
  /** Each {@link EpochLogs} figure, one entry per epoch. */
  history: {
    /** {@link EpochLogs.loss} of each epoch. */
    loss: number[];
    /** {@link EpochLogs.accuracy} of each epoch. */
    accuracy: number[];
    /** {@link EpochLogs.valLoss} of each epoch; empty without validation data. */
    valLoss: number[];
    /** {@link EpochLogs.valAccuracy} of each epoch; empty without validation data. */
    valAccuracy: number[];
    /** {@link EpochLogs.seconds} of each epoch. */
    seconds: number[];
  };
}

/** What the loop needs of a model. */
export interface Trainee extends SessionModel {
  optimizer: OptimizerRuntime;
}

/** A model, and the worker pool it keeps open (startThreads), if any. */
export interface Runnable extends SessionModel {
  pool?: WorkerPool;
}

export const DEFAULT_INFERENCE_BATCH = 500;

export async function fitLoop(
  model: Trainee & Runnable, x: Inputs, y: Float32Array, options: FitOptions, random: Random,
  checkpointing?: Checkpointing, start?: ResumePoint,
): Promise<History> {
  const { topology, optimizer } = model;
  let rows = countRows(x, topology.inputDim, 'fit');
  checkTargets(y, rows, topology.outputDim, 'fit');
  let validation = options.validationData;
  if (options.validationSplit !== undefined) {
    const split = options.validationSplit;
    if (typeof split !== 'number' || !(split > 0 && split < 1)) throw new InvalidArgumentError(`fit: validationSplit must be in (0, 1), got ${describe(split)}`);
    const held = Math.floor(rows * split);
    if (held === 0 || held === rows) throw new InvalidArgumentError(`fit: validationSplit ${split} of ${rows} rows leaves ${held === 0 ? 'no validation rows' : 'no training rows'}`);
    if (validation === undefined) {
      const kept = rows - held;
      const { inputDim, outputDim } = topology;
      validation = [x.subarray(kept * inputDim, rows * inputDim), y.subarray(kept * outputDim, rows * outputDim)];
      x = x.subarray(0, kept * inputDim);
      y = y.subarray(0, kept * outputDim);
      rows = kept;
    }
  }
  const batchSize = options.batchSize ?? 32;
  const epochs = options.epochs ?? 1;
  requirePositiveInteger('fit', 'batchSize', batchSize);
  requirePositiveInteger('fit', 'epochs', epochs);
  if (options.threads !== undefined) requireThreads('fit', options.threads);
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') {
    throw new InvalidArgumentError(`fit: shuffle must be true or false, got ${describe(options.shuffle)}`);
  }
  if (options.sparseInput !== undefined && typeof options.sparseInput !== 'boolean') {
    throw new InvalidArgumentError(`fit: sparseInput must be true or false, got ${describe(options.sparseInput)}`);
  }
  const checkpoint = checkCheckpointOptions(options.checkpoint);
  if (options.signal !== undefined && !(typeof options.signal === 'object' && options.signal !== null && 'aborted' in options.signal)) {
    throw new InvalidArgumentError(`fit: signal must be an AbortSignal, got ${describe(options.signal)}`);
  }
  if (start && start.rows !== rows) {
    throw new ModelMismatchError(`fit: resume: the checkpoint was made on ${start.rows} training rows, this fit has ${rows}`);
  }
  let augment: AugmentConfig | undefined;
  if (options.augment !== undefined) {
    if (!(x instanceof Uint8Array)) throw new InvalidArgumentError(`fit: augment works on uint8 images; x is ${describe(x)}`);
    augment = checkAugment(options.augment, topology.inputDim);
  }
  const sparse = options.sparseInput ?? isSparse(x, topology.inputDim);
  // Augmented images are new every step: only the data set as it is can be compressed once.
  const data: DataSpec[] = [{ x, y, rows, ordered: true, csr: sparse && !augment }];
  let validationSparse = false;
  if (validation !== undefined) {
    if (!Array.isArray(validation) || validation.length !== 2) {
      throw new InvalidArgumentError(`fit: validationData must be [x, y], got ${describe(validation)}`);
    }
    const validationRows = countRows(validation[0], topology.inputDim, 'fit', 'validationData x');
    checkTargets(validation[1], validationRows, topology.outputDim, 'fit', 'validationData y');
    validationSparse = options.sparseInput ?? isSparse(validation[0], topology.inputDim);
    data.push({ x: validation[0], y: validation[1], rows: validationRows });
  }
  const callbacks = checkCallbacks(options.callbacks);
  const notify = async (call: (c: Callbacks) => void | Promise<void>): Promise<void> => {
    for (const callback of callbacks) await call(callback);
  };

  // Taken only when a checkpoint may be written or read: hashing the data costs a pass over it.
  const fitPrint = checkpoint || start ? fingerprint({ x, y, optimizer: optimizer.config, shuffle: options.shuffle ?? true, augment }) : undefined;
  if (start) requireSameFit('fit: resume', start.fingerprint, fitPrint!);
  // Before the first batch, not at the first checkpoint an epoch later.
  if (checkpoint?.path !== undefined) await checkSavePath(checkpoint.path, 'fit: checkpoint.path');

  const capacity = Math.max(Math.min(batchSize, rows), Math.min(DEFAULT_INFERENCE_BATCH, data[1]?.rows ?? 0));
  const session = new Session(model, capacity, data, updateRule(optimizer.config), augment);
  // The model's own pool if it keeps one open; else one for this fit alone, unless asked for one thread.
  let temporary: WorkerPool | undefined;
  try {
    if (options.threads !== 1) {
      session.usePool(model.pool ?? (temporary = await startPool(model, options.threads ?? (await defaultThreads()))));
    }
    const history: History = { epoch: [], history: { loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] } };
    const batches = Math.ceil(rows / batchSize);
    let lossSum = 0;
    let correct = 0;
    if (start) {
      session.order(0).set(start.order);
      Object.assign(history.history, structuredClone(start.history));
      history.epoch = start.history.loss.map((_, epoch) => epoch);
      lossSum = start.lossSum;
      correct = start.correct;
    }

    /** Writes a checkpoint for the step about to run: batch `batch` of epoch `epoch`. */
    const saveCheckpoint = async (epoch: number, batch: number): Promise<string | undefined> => {
      if (!checkpoint || !checkpointing) return undefined;
      const bytes = checkpointing.save({
        seed: checkpointing.seed, epochs, batchSize, rows, epoch, batch, random: random.getState(),
        lossSum, correct, history: structuredClone(history.history), fingerprint: fitPrint, order: session.order(0).slice(),
      });
      if (checkpoint.path !== undefined) await writeFileAtomic(checkpoint.path, bytes);
      await checkpoint.save?.(bytes);
      return checkpoint.path ?? 'your checkpoint.save';
    };
    const interrupt = async (epoch: number, batch: number): Promise<never> => {
      throw new TrainingInterruptedError(epoch, batch, await saveCheckpoint(epoch, batch));
    };
    const yielder = new EventLoopYielder();
    let stopping = false;
    const context: TrainingContext = {
      stop: () => void (stopping = true),
      getWeights: () => checkpointing?.getWeights() ?? [],
      setWeights: (weights) => checkpointing?.setWeights(weights),
      get learningRateScale() {
        return optimizer.learningRateScale;
      },
      set learningRateScale(scale: number) {
        if (!(scale > 0 && Number.isFinite(scale))) throw new InvalidArgumentError(`learningRateScale must be a finite number above 0, got ${describe(scale)}`);
        optimizer.learningRateScale = scale;
      },
    };
    for (const callback of callbacks) callback.setContext?.(context);

    await notify((c) => c.onTrainBegin?.());
    for (let epoch = start?.epoch ?? 0; epoch < epochs; epoch++) {
      const resumedMidEpoch = start !== undefined && epoch === start.epoch && start.batch > 0;
      if (!resumedMidEpoch && options.signal?.aborted) await interrupt(epoch, 0);
      await notify((c) => c.onEpochBegin?.(epoch));
      const started = performance.now();
      const learningRate = optimizer.learningRate;
      // A checkpoint taken mid-epoch holds the order this epoch was shuffled into.
      if ((options.shuffle ?? true) && !resumedMidEpoch) session.shuffle(0, random);
      for (let batch = resumedMidEpoch ? start!.batch : 0; batch < batches; batch++) {
        if (batch > 0) {
          if (options.signal?.aborted) await interrupt(epoch, batch);
          if (typeof checkpoint?.every === 'number' && batch % checkpoint.every === 0) await saveCheckpoint(epoch, batch);
        }
        const from = batch * batchSize;
        const size = Math.min(batchSize, rows - from);
        const result = session.trainRows(0, from, size, sparse, random);
        // Checked before the update, so the weights stay those of the last finite step.
        if (!Number.isFinite(result.lossSum)) throw new TrainingDivergedError(epoch, batch, result.lossSum / size);
        const { lr, correction1, correction2 } = optimizer.nextUpdate(`epoch ${epoch + 1}, batch ${batch + 1}`);
        session.update(lr, correction1, correction2);
        lossSum += result.lossSum;
        correct += result.correct;
        if (callbacks.length > 0) {
          const logs = { batch, size, loss: result.lossSum / size, accuracy: result.correct / size };
          await notify((c) => c.onBatchEnd?.(batch, logs));
        }
        // Lets an abort (Ctrl-C), timers and rendering in, a few times a second.
        if (yielder.due()) await yielder.yield();
      }
      const logs: EpochLogs = { loss: lossSum / rows, accuracy: correct / rows, seconds: 0, learningRate };
      if (validation) [logs.valLoss, logs.valAccuracy] = session.evaluate(1, validationSparse);
      logs.seconds = (performance.now() - started) / 1000;
      history.epoch.push(epoch);
      history.history.loss.push(logs.loss);
      history.history.accuracy.push(logs.accuracy);
      history.history.seconds.push(logs.seconds);
      if (validation) {
        history.history.valLoss.push(logs.valLoss!);
        history.history.valAccuracy.push(logs.valAccuracy!);
      }
      await notify((c) => c.onEpochEnd?.(epoch, logs));
      // The next epoch, and the checkpoint taken before it, count from 0.
      lossSum = 0;
      correct = 0;
      if ((checkpoint?.every ?? 'epoch') === 'epoch') await saveCheckpoint(epoch + 1, 0);
      await yielder.yield();
      if (stopping) break;
    }
    await notify((c) => c.onTrainEnd?.(history));
    return history;
  } finally {
    session.close();
    temporary?.close();
  }
}

/** Every option fit reads; any other key is a mistake worth saying. */
export const FIT_OPTIONS: ReadonlyArray<keyof FitOptions> = [
  'batchSize', 'epochs', 'shuffle', 'validationData', 'validationSplit', 'seed', 'threads', 'sparseInput', 'callbacks', 'checkpoint', 'signal', 'resume', 'augment',
];

const HOOKS: ReadonlyArray<keyof Callbacks> = ['setContext', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchEnd'];

/**
 * Threads are whole numbers from 1 to MAX_THREADS. More threads than cores is allowed (the result is
 * the same, only slower), since a page or a container may under-report its cores.
 */
export function requireThreads(where: string, threads: unknown): void {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new InvalidArgumentError(`${where}: threads must be an integer from 1 to ${MAX_THREADS}, got ${describe(threads)}`);
  }
}

/**
 * The callbacks as a list. Each must be an object whose hooks are functions; a key one letter or two
 * from a hook's name (onEpochEnds) is refused, since the hook would silently never run. Other keys are
 * a callback's own state (earlyStopping's stoppedEpoch) and are left alone.
 */
function checkCallbacks(value: unknown): Callbacks[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  list.forEach((callback, i) => {
    const where = Array.isArray(value) ? `fit: callbacks[${i}]` : 'fit: callbacks';
    if (typeof callback !== 'object' || callback === null) throw new InvalidArgumentError(`${where} must be an object of hooks (onEpochEnd, …), got ${describe(callback)}`);
    for (const key of Object.keys(callback)) {
      const hook = (HOOKS as readonly string[]).includes(key) ? key : nearestName(key, HOOKS);
      if (hook !== undefined && hook !== key) throw new InvalidArgumentError(`${where}: unknown hook ${JSON.stringify(key)}; did you mean ${JSON.stringify(hook)}?`);
    }
    for (const hook of HOOKS) {
      const fn = (callback as Callbacks)[hook];
      if (fn !== undefined && typeof fn !== 'function') throw new InvalidArgumentError(`${where}: ${hook} must be a function, got ${describe(fn)}`);
    }
  });
  return list as Callbacks[];
}

function checkCheckpointOptions(value: unknown): CheckpointOptions | undefined {
  if (value === undefined) return undefined;
  checkOptionKeys('fit: checkpoint', value, ['path', 'save', 'every']);
  const options = value as CheckpointOptions;
  if (typeof options !== 'object' || options === null || (options.path === undefined && options.save === undefined)) {
    throw new InvalidArgumentError(`fit: checkpoint must be { path } or { save }, got ${describe(value)}`);
  }
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path === '')) {
    throw new InvalidArgumentError(`fit: checkpoint.path must be a file path, got ${describe(options.path)}`);
  }
  if (options.save !== undefined && typeof options.save !== 'function') {
    throw new InvalidArgumentError(`fit: checkpoint.save must be a function, got ${describe(options.save)}`);
  }
  const every = options.every;
  if (every !== undefined && every !== 'epoch' && !(Number.isInteger(every) && (every as number) >= 1)) {
    throw new InvalidArgumentError(`fit: checkpoint.every must be 'epoch' or a positive number of batches, got ${describe(every)}`);
  }
  return options;
}

/**
 * Gives the event loop a turn when some time has passed: training runs synchronously between awaits,
 * and a signal's abort (Ctrl-C), timers and a page's rendering only happen in such turns.
 */
class EventLoopYielder {
  private last = performance.now();

  /** Whether a turn is due: checked every batch without awaiting anything. */
  due(): boolean {
    return performance.now() - this.last >= 50;
  }

  async yield(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (typeof setImmediate === 'function') return void setImmediate(resolve);
      // Browsers hold back chained setTimeout(0)s by 4 ms each; a message is delivered at once.
      if (typeof MessageChannel === 'function') {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        return void channel.port2.postMessage(null);
      }
      setTimeout(resolve, 0);
    });
    this.last = performance.now();
  }
}

/** Mean loss and accuracy over all rows, without dropout. */
export function evaluateLoop(model: Runnable, x: Inputs, y: Float32Array, batchSize: number): [number, number] {
  const { topology } = model;
  const rows = countRows(x, topology.inputDim, 'evaluate');
  checkTargets(y, rows, topology.outputDim, 'evaluate');
  requirePositiveInteger('evaluate', 'batchSize', batchSize);
  const session = new Session(model, Math.min(batchSize, rows), [{ x, y, rows }]);
  session.usePool(model.pool);
  try {
    return session.evaluate(0, isSparse(x, topology.inputDim));
  } finally {
    session.close();
  }
}

/** The model's output for every row: (rows, outputDim). */
export function predictLoop(model: Runnable, x: Inputs, batchSize: number): Float32Array {
  const { topology } = model;
  const rows = countRows(x, topology.inputDim, 'predict');
  requirePositiveInteger('predict', 'batchSize', batchSize);
  const session = new Session(model, Math.min(batchSize, rows), [{ x, rows }]);
  session.usePool(model.pool);
  try {
    return session.predict(0, isSparse(x, topology.inputDim));
  } finally {
    session.close();
  }
}
