// The training loop and the batched inference passes behind Sequential's fit, evaluate and predict.
// Policy lives here: batch order, when masks are drawn, when the optimizer steps, what is reported.

import { InvalidArgumentError, TrainingDivergedError, describe, requirePositiveInteger } from '../errors.js';
import type { Random } from '../random.js';
import type { Topology } from '../model/topology.js';
import type { Arena } from '../wasm/arena.js';
import { checkTargets, countRows, isSparse, type Inputs } from './batches.js';
import type { OptimizerRuntime } from './optimizers.js';
import type { Workspace } from './workspace.js';

/** What a callback sees after each batch. */
export interface BatchLogs {
  batch: number;
  size: number;
  loss: number;
  accuracy: number;
}

/** What a callback sees after each epoch; val* only with validationData. */
export interface EpochLogs {
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  learningRate: number;
}

/** Hooks into fit, as in Keras and TensorFlow.js; each may return a promise, which fit awaits. */
export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs): void | Promise<void>;
}

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
   * Seeds shuffling and dropout, and the initial weights if the model has none yet: the same seed
   * gives bit-identical results. Random by default.
   */
  seed?: number;
  callbacks?: Callbacks | Callbacks[];
}

/** Per-epoch figures of a fit, as TensorFlow.js's History: `history.history.loss[epoch]`. */
export interface History {
  epoch: number[];
  history: {
    loss: number[];
    accuracy: number[];
    valLoss: number[];
    valAccuracy: number[];
    seconds: number[];
  };
}

/** What the loop needs of a model. */
export interface Trainee {
  arena: Arena;
  topology: Topology;
  optimizer: OptimizerRuntime;
  workspace(capacity: number): Workspace;
}

export const DEFAULT_INFERENCE_BATCH = 500;

export async function fitLoop(model: Trainee, x: Inputs, y: Float32Array, options: FitOptions, random: Random): Promise<History> {
  const { topology, optimizer } = model;
  const rows = countRows(x, topology.inputDim, 'fit');
  checkTargets(y, rows, topology.outputDim, 'fit');
  const batchSize = options.batchSize ?? 32;
  const epochs = options.epochs ?? 1;
  requirePositiveInteger('fit', 'batchSize', batchSize);
  requirePositiveInteger('fit', 'epochs', epochs);
  const validation = options.validationData;
  let validationRows = 0;
  let validationSparse = false;
  if (validation !== undefined) {
    if (!Array.isArray(validation) || validation.length !== 2) {
      throw new InvalidArgumentError(`fit: validationData must be [x, y], got ${describe(validation)}`);
    }
    validationRows = countRows(validation[0], topology.inputDim, 'fit', 'validationData x');
    checkTargets(validation[1], validationRows, topology.outputDim, 'fit', 'validationData y');
    validationSparse = isSparse(validation[0], topology.inputDim);
  }
  const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks];
  const notify = async (call: (c: Callbacks) => void | Promise<void>): Promise<void> => {
    for (const callback of callbacks) await call(callback);
  };

  const capacity = Math.min(batchSize, rows);
  const workspace = model.workspace(Math.max(capacity, Math.min(DEFAULT_INFERENCE_BATCH, validationRows)));
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const history: History = { epoch: [], history: { loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] } };
  const batches = Math.ceil(rows / batchSize);
  const sparse = isSparse(x, topology.inputDim);

  await notify((c) => c.onTrainBegin?.());
  for (let epoch = 0; epoch < epochs; epoch++) {
    await notify((c) => c.onEpochBegin?.(epoch));
    const started = performance.now();
    const learningRate = optimizer.learningRate;
    if (options.shuffle ?? true) random.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; batch < batches; batch++) {
      const from = batch * batchSize;
      const size = Math.min(batchSize, rows - from);
      workspace.loadBatch(x, y, order, from, size, sparse);
      workspace.sampleMasks(random, size);
      workspace.forwardTraining(size);
      const result = workspace.loss(size);
      // Checked before the update, so the weights stay those of the last finite step.
      if (!Number.isFinite(result.lossSum)) throw new TrainingDivergedError(epoch, batch, result.lossSum / size);
      workspace.backwardPass(size);
      optimizer.step();
      lossSum += result.lossSum;
      correct += result.correct;
      if (callbacks.length > 0) {
        const logs = { batch, size, loss: result.lossSum / size, accuracy: result.correct / size };
        await notify((c) => c.onBatchEnd?.(batch, logs));
      }
    }
    const logs: EpochLogs = { loss: lossSum / rows, accuracy: correct / rows, seconds: 0, learningRate };
    if (validation) {
      [logs.valLoss, logs.valAccuracy] = evaluateRows(model, validation[0], validation[1], validationRows, DEFAULT_INFERENCE_BATCH, validationSparse);
    }
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
    // Let timers, I/O and rendering run between epochs.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await notify((c) => c.onTrainEnd?.(history));
  return history;
}

/** Mean loss and accuracy over all rows, without dropout. */
export function evaluateLoop(
  model: Pick<Trainee, 'topology' | 'workspace'>, x: Inputs, y: Float32Array, batchSize: number,
): [number, number] {
  const { topology } = model;
  const rows = countRows(x, topology.inputDim, 'evaluate');
  checkTargets(y, rows, topology.outputDim, 'evaluate');
  requirePositiveInteger('evaluate', 'batchSize', batchSize);
  return evaluateRows(model, x, y, rows, batchSize, isSparse(x, topology.inputDim));
}

/** evaluateLoop on arguments already checked, so fit's validation checks its data once, not every epoch. */
function evaluateRows(
  model: Pick<Trainee, 'topology' | 'workspace'>, x: Inputs, y: Float32Array, rows: number, batchSize: number, sparse: boolean,
): [number, number] {
  const workspace = model.workspace(Math.min(batchSize, rows));
  const step = workspace.capacity;
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < rows; from += step) {
    const size = Math.min(step, rows - from);
    workspace.loadBatch(x, y, undefined, from, size, sparse);
    workspace.forwardInference(size);
    const result = workspace.inferenceLoss(size);
    lossSum += result.lossSum;
    correct += result.correct;
  }
  return [lossSum / rows, correct / rows];
}

/** The model's output for every row: (rows, outputDim). */
export function predictLoop(model: Pick<Trainee, 'arena' | 'topology' | 'workspace'>, x: Inputs, batchSize: number): Float32Array {
  const { topology, arena } = model;
  const rows = countRows(x, topology.inputDim, 'predict');
  requirePositiveInteger('predict', 'batchSize', batchSize);
  const workspace = model.workspace(Math.min(batchSize, rows));
  const step = workspace.capacity;
  const width = topology.outputDim;
  const result = new Float32Array(rows * width);
  const sparse = isSparse(x, topology.inputDim);
  for (let from = 0; from < rows; from += step) {
    const size = Math.min(step, rows - from);
    workspace.loadBatch(x, undefined, undefined, from, size, sparse);
    workspace.forwardInference(size);
    const start = workspace.output >> 2;
    result.set(arena.f32.subarray(start, start + size * width), from * width);
  }
  return result;
}
