// Checks of fit's options, done before anything runs: each refusal names the option, what it takes
// and what it got. Apart from the loop (loop.ts), which can then read the options as their types say.

import { InvalidArgumentError, checkOptionKeys, describe, nearestName, requirePositiveInteger } from '../errors.js';
import { MAX_THREADS } from '../threads/control.js';
import type { Callbacks, CheckpointOptions, FitOptions } from './fit-types.js';

/** Every option fit reads; any other key is a mistake worth saying. */
export const FIT_OPTIONS: ReadonlyArray<keyof FitOptions> = [
  'batchSize', 'epochs', 'shuffle', 'validationData', 'validationSplit', 'seed', 'threads', 'sparseInput', 'callbacks', 'checkpoint', 'signal', 'resume', 'augment',
];

const HOOKS: ReadonlyArray<keyof Callbacks> = ['setContext', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchEnd'];

/** The settings of a fit that are not data, checked, with their defaults filled in. */
export interface FitSettings {
  batchSize: number;
  epochs: number;
  checkpoint: CheckpointOptions | undefined;
}

/** Checks batchSize, epochs, threads, shuffle, sparseInput, checkpoint and signal, in that order. */
export function checkFitSettings(options: FitOptions): FitSettings {
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
  return { batchSize, epochs, checkpoint };
}

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
export function checkCallbacks(value: unknown): Callbacks[] {
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
