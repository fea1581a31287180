// Callbacks users expect from Keras: early stopping, lowering the learning rate on a plateau, and
// per-epoch logs as CSV or JSON lines. Each is a plain Callbacks object; fit hands it the training
// context (stop, weights, learning-rate scale) through setContext before the first epoch.

import { InvalidArgumentError, SaveFailedError, checkOptionKeys, describe } from '../errors.js';
import { checkSavePath } from '../platform/files.js';
import { nodeModule } from '../platform/node.js';
import type { Callbacks, EpochLogs, TrainingContext } from './fit-types.js';

/** An epoch figure to watch: a loss is better lower, an accuracy higher. */
export type Monitor = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';

/** Options of {@link earlyStopping}; every one may be left out. */
export interface EarlyStoppingOptions {
  /** 'valLoss' by default. */
  monitor?: Monitor;
  /** Epochs without improvement to wait before stopping; 0 by default. */
  patience?: number;
  /** A change smaller than this is no improvement; 0 by default. */
  minDelta?: number;
  /** At the end, put back the weights of the best epoch; false by default, as in Keras. */
  restoreBestWeights?: boolean;
}

/** Which way is better, and the figure of an epoch's logs. */
function watch(where: string, monitor: unknown): { better: (a: number, b: number, delta: number) => boolean; read: (logs: EpochLogs) => number } {
  if (monitor !== 'loss' && monitor !== 'accuracy' && monitor !== 'valLoss' && monitor !== 'valAccuracy') {
    throw new InvalidArgumentError(`${where}: monitor must be 'loss', 'accuracy', 'valLoss' or 'valAccuracy', got ${describe(monitor)}`);
  }
  const lower = monitor === 'loss' || monitor === 'valLoss';
  return {
    better: (value, best, delta) => (lower ? value < best - delta : value > best + delta),
    read: (logs) => {
      const value = logs[monitor];
      if (value === undefined) throw new InvalidArgumentError(`${where}: monitor '${monitor}' needs validation data (validationData or validationSplit)`);
      return value;
    },
  };
}

function checkCount(where: string, field: string, value: unknown): number {
  if (!(Number.isInteger(value) && (value as number) >= 0)) throw new InvalidArgumentError(`${where}: ${field} must be an integer of at least 0, got ${describe(value)}`);
  return value as number;
}

function checkNonNegative(where: string, field: string, value: unknown): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) throw new InvalidArgumentError(`${where}: ${field} must be a finite number of at least 0, got ${describe(value)}`);
  return value;
}

/**
 * Stops training when the monitored figure has not improved for `patience` epochs. Keras: `EarlyStopping`.
 *
 * @example
 * await model.fit(x, y, { validationSplit: 0.1, epochs: 100, callbacks: [earlyStopping({ patience: 5, restoreBestWeights: true })] });
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callbacks & {
  /** Zero-based epoch after which it stopped the fit; undefined if it did not. Keras: `stopped_epoch`. */
  stoppedEpoch: number | undefined;
  /** Zero-based epoch with the best monitored figure so far; undefined before the first epoch ends. Keras: `best_epoch`. */
  bestEpoch: number | undefined;
} {
  const where = 'earlyStopping';
  checkOptionKeys(where, options, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
  const { better, read } = watch(where, options.monitor ?? 'valLoss');
  const patience = checkCount(where, 'patience', options.patience ?? 0);
  const minDelta = checkNonNegative(where, 'minDelta', options.minDelta ?? 0);
  let context: TrainingContext;
  let best = NaN;
  let wait = 0;
  let bestWeights: Float32Array[] | undefined;
  const state = {
    stoppedEpoch: undefined as number | undefined,
    bestEpoch: undefined as number | undefined,
    setContext(given: TrainingContext) {
      context = given;
      best = NaN;
      wait = 0;
      bestWeights = undefined;
      state.stoppedEpoch = state.bestEpoch = undefined;
    },
    onEpochEnd(epoch: number, logs: EpochLogs) {
      const value = read(logs);
      if (Number.isNaN(best) || better(value, best, minDelta)) {
        best = value;
        wait = 0;
        state.bestEpoch = epoch;
        if (options.restoreBestWeights) bestWeights = context.getWeights();
        return;
      }
      wait++;
      // As Keras and TensorFlow.js count: patience 2 stops at the second epoch without improvement.
      if (wait >= patience) {
        state.stoppedEpoch = epoch;
        context.stop();
      }
    },
    onTrainEnd() {
      if (bestWeights && state.bestEpoch !== undefined) context.setWeights(bestWeights);
    },
  };
  return state;
}

/** Options of {@link reduceLROnPlateau}; every one may be left out. */
export interface ReduceLROnPlateauOptions {
  /** 'valLoss' by default. */
  monitor?: Monitor;
  /** The learning rate is multiplied by this; 0.1 by default. */
  factor?: number;
  /** Epochs without improvement before lowering it; 10 by default. */
  patience?: number;
  /** A change smaller than this is no improvement; 0 by default. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again; 0 by default. */
  cooldown?: number;
  /** Never below this rate; 0 by default. */
  minLearningRate?: number;
}

/**
 * Lowers the learning rate (of a constant rate or a schedule alike: it scales it) when the monitored
 * figure stalls. Keras: `ReduceLROnPlateau`.
 *
 * @example
 * callbacks: [reduceLROnPlateau({ factor: 0.5, patience: 3 })]
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): Callbacks & {
  /** Zero-based epochs after which the rate was lowered, in order; emptied when a fit begins. */
  reductions: number[];
} {
  const where = 'reduceLROnPlateau';
  checkOptionKeys(where, options, ['monitor', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate']);
  const { better, read } = watch(where, options.monitor ?? 'valLoss');
  const factor = options.factor ?? 0.1;
  if (!(typeof factor === 'number' && factor > 0 && factor < 1)) throw new InvalidArgumentError(`${where}: factor must be in (0, 1), got ${describe(factor)}`);
  const patience = checkCount(where, 'patience', options.patience ?? 10);
  const cooldown = checkCount(where, 'cooldown', options.cooldown ?? 0);
  const minDelta = checkNonNegative(where, 'minDelta', options.minDelta ?? 0);
  const minRate = checkNonNegative(where, 'minLearningRate', options.minLearningRate ?? 0);
  let context: TrainingContext;
  let best = NaN;
  let wait = 0;
  let cooling = 0;
  const state = {
    /** The epochs after which the rate was lowered. */
    reductions: [] as number[],
    setContext(given: TrainingContext) {
      context = given;
      best = NaN;
      wait = cooling = 0;
      state.reductions = [];
    },
    onEpochEnd(epoch: number, logs: EpochLogs) {
      const value = read(logs);
      if (cooling > 0) cooling--;
      if (Number.isNaN(best) || better(value, best, minDelta)) {
        best = value;
        wait = 0;
        return;
      }
      if (cooling > 0) return;
      wait++;
      if (wait >= patience) {
        const rate = logs.learningRate;
        const lowered = Math.max(rate * factor, minRate);
        if (lowered < rate && rate > 0) {
          context.learningRateScale *= lowered / rate;
          state.reductions.push(epoch);
        }
        wait = 0;
        cooling = cooldown;
      }
    },
  };
  return state;
}

/** Options of {@link csvLogger} and {@link jsonLogger}: a `path`, a `write` function, or both. */
export interface LoggerOptions {
  /**
   * A file to write (Node): created afresh, one line per epoch, flushed as it goes. Checked before the
   * first batch: its folder must exist and, if it exists, it must be a writable regular file (or a link to one).
   */
  path?: string;
  /** Or any function that takes each line (without its newline). */
  write?: (line: string) => void | Promise<void>;
}

const COLUMNS = ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'learningRate', 'seconds'] as const;

function logger(where: string, options: LoggerOptions, header: string | undefined, line: (epoch: number, logs: EpochLogs) => string): Callbacks {
  checkOptionKeys(where, options, ['path', 'write']);
  const { path, write } = options ?? {};
  if (path === undefined && write === undefined) throw new InvalidArgumentError(`${where}: give a path or a write function`);
  if (path !== undefined && (typeof path !== 'string' || path === '')) throw new InvalidArgumentError(`${where}: path must be a file path, got ${describe(path)}`);
  let first = true;
  const emit = async (text: string): Promise<void> => {
    if (write) await write(text);
    if (path !== undefined) {
      const { appendFile, writeFile } = await nodeModule('fs/promises');
      try {
        await (first ? writeFile : appendFile)(path, `${text}\n`);
      } catch (error) {
        throw new SaveFailedError(`${where}: could not write ${path} (${(error as Error).message})`);
      }
    }
    first = false;
  };
  return {
    async onTrainBegin() {
      first = true;
      // Before the first batch: a missing folder should not cost a whole epoch.
      if (path !== undefined) await checkSavePath(path, where);
      if (header !== undefined) await emit(header);
    },
    async onEpochEnd(epoch, logs) {
      await emit(line(epoch, logs));
    },
  };
}

/**
 * Writes a CSV line per epoch: epoch, loss, accuracy, valLoss, valAccuracy, learningRate, seconds.
 * Keras: `CSVLogger`.
 *
 * @example
 * callbacks: [csvLogger({ path: 'training.csv' })]
 */
export function csvLogger(options: LoggerOptions): Callbacks {
  return logger('csvLogger', options, COLUMNS.join(','), (epoch, logs) =>
    COLUMNS.map((column) => (column === 'epoch' ? epoch + 1 : (logs[column] ?? ''))).join(','));
}

/**
 * Writes a JSON object per epoch, one per line.
 *
 * @example
 * callbacks: [jsonLogger({ write: (line) => console.log(line) })]
 */
export function jsonLogger(options: LoggerOptions): Callbacks {
  return logger('jsonLogger', options, undefined, (epoch, logs) => JSON.stringify({ epoch: epoch + 1, ...logs }));
}
