// Every error this library throws on purpose is a MnistWasmError with a stable `code`, so callers
// can branch on the kind of failure and the command line can tell bad input from a bug.

/**
 * Base class of the library's errors; `code` names the kind of failure.
 *
 * @example
 * try {
 *   await loadMnist({ dir });
 * } catch (error) {
 *   if (error instanceof MnistWasmError && error.code === 'DATA_NOT_FOUND') console.error(error.message);
 *   else throw error;
 * }
 */
export class MnistWasmError extends Error {
  /** Stable identifier of the kind of failure, for programmatic handling; each subclass's summary gives its value. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An IDX file (or bytes claimed to be one) is malformed: bad magic, truncated, inconsistent sizes.
 * `code`: `'IDX_FORMAT'`.
 */
export class IdxFormatError extends MnistWasmError {
  constructor(message: string) {
    super('IDX_FORMAT', message);
  }
}

/**
 * A data file or folder could not be found or read.
 * `code`: `'DATA_NOT_FOUND'`.
 */
export class DataNotFoundError extends MnistWasmError {
  constructor(message: string) {
    super('DATA_NOT_FOUND', message);
  }
}

/**
 * Arrays given to fit, evaluate or predict, or a data set, do not have the shape the model needs.
 * `code`: `'SHAPE_MISMATCH'`.
 */
export class ShapeError extends MnistWasmError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}

/**
 * An option or argument is outside what it may be (a rate of 1.5, a batch size of 0, an unknown name).
 * `code`: `'INVALID_ARGUMENT'`.
 */
export class InvalidArgumentError extends MnistWasmError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * fit or evaluate was called on a model that has not been compiled.
 * `code`: `'NOT_COMPILED'`.
 */
export class NotCompiledError extends MnistWasmError {
  constructor(method: string) {
    super('NOT_COMPILED', `${method}() needs a compiled model: call model.compile({ loss, optimizer }) first`);
  }
}

/**
 * The loss became NaN or infinite; the weights are those from before the failing batch.
 * `code`: `'DIVERGED'`.
 */
export class TrainingDivergedError extends MnistWasmError {
  /** Zero-based epoch of the failing batch (the message counts from 1). */
  readonly epoch: number;
  /** Zero-based index, within that epoch, of the batch whose loss was not finite. */
  readonly batch: number;

  constructor(epoch: number, batch: number, loss: number) {
    super(
      'DIVERGED',
      `training diverged: the loss became ${loss} in epoch ${epoch + 1}, batch ${batch + 1}; ` +
        'the model keeps the weights from before that batch (try a smaller learning rate)',
    );
    this.epoch = epoch;
    this.batch = batch;
  }
}

/**
 * The WebAssembly kernels are not loaded yet, or could not be loaded.
 * `code`: `'KERNELS_UNAVAILABLE'`.
 */
export class KernelsUnavailableError extends MnistWasmError {
  constructor(message: string) {
    super('KERNELS_UNAVAILABLE', message);
  }
}

/**
 * Bytes claimed to be a saved model are not one: bad magic or version, truncated, inconsistent, or corrupted.
 * `code`: `'MODEL_FORMAT'`.
 */
export class ModelFormatError extends MnistWasmError {
  constructor(message: string) {
    super('MODEL_FORMAT', message);
  }
}

/**
 * A model file or checkpoint is sound but made for another network, optimizer or data set; the message says what differs.
 * `code`: `'MODEL_MISMATCH'`.
 */
export class ModelMismatchError extends MnistWasmError {
  constructor(message: string) {
    super('MODEL_MISMATCH', message);
  }
}

/**
 * A fit was stopped by its AbortSignal (or Ctrl-C in the command); `checkpoint` is where it was saved, if it was.
 * `code`: `'INTERRUPTED'`.
 */
export class TrainingInterruptedError extends MnistWasmError {
  /** Zero-based epoch of the first batch that did not run; a resume starts there. */
  readonly epoch: number;
  /** Zero-based index, within that epoch, of the first batch that did not run. */
  readonly batch: number;
  /** The checkpoint's path, `'your checkpoint.save'` when only a `save` function took it, or undefined when none was asked for. */
  readonly checkpoint: string | undefined;

  constructor(epoch: number, batch: number, checkpoint: string | undefined) {
    super(
      'INTERRUPTED',
      `training interrupted before epoch ${epoch + 1}, batch ${batch + 1}` +
        (checkpoint ? `; checkpoint saved to ${checkpoint} (resume from it with the same data and settings)` : '; no checkpoint was asked for'),
    );
    this.epoch = epoch;
    this.batch = batch;
    this.checkpoint = checkpoint;
  }
}

/**
 * A file could not be written; the file that was there before is left as it was.
 * `code`: `'SAVE_FAILED'`.
 */
export class SaveFailedError extends MnistWasmError {
  constructor(message: string) {
    super('SAVE_FAILED', message);
  }
}

/**
 * A WebAssembly kernel trapped: a bug in this library, reported with what was running instead of a bare RuntimeError.
 * `code`: `'KERNEL_FAULT'`.
 */
export class KernelFaultError extends MnistWasmError {
  constructor(message: string) {
    super('KERNEL_FAULT', message);
  }
}

/**
 * Worker threads could not start, one failed while running its share of a step, or one was lost (it
 * exited, or gave no sign of progress for a minute); `stopThreads()` and `startThreads()` give new ones.
 * `code`: `'THREADS'`.
 */
export class ThreadsError extends MnistWasmError {
  constructor(message: string) {
    super('THREADS', message);
  }
}

/**
 * A model was asked to change while an operation that changes it was running (a fit, `startThreads`
 * or `loadWeights`): a second `fit`, or `compile`, `setWeights`, `loadWeights`, `startThreads` or
 * `stopThreads` meanwhile. `predict` and `evaluate` still work during a fit. TensorFlow.js refuses a
 * second concurrent `fit` likewise.
 * `code`: `'MODEL_BUSY'`.
 */
export class ModelBusyError extends MnistWasmError {
  constructor(message: string) {
    super('MODEL_BUSY', message);
  }
}

/**
 * The model, its data or its batches need more WebAssembly memory than the engine can give (4 GiB at
 * most, often less in a browser); the message says how much was asked for.
 * `code`: `'OUT_OF_MEMORY'`.
 */
export class OutOfMemoryError extends MnistWasmError {
  constructor(message: string) {
    super('OUT_OF_MEMORY', message);
  }
}

/** Formats a value for an error message without dumping whole arrays. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as Uint8Array).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return String(value);
}

/** Throws an InvalidArgumentError unless `value` is a whole number of at least 1. */
export function requirePositiveInteger(where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${where}: ${field} must be a positive integer, got ${describe(value)}`);
  }
}

/** The index of the first NaN or infinite value, or -1. A plain loop: `findIndex` with a callback is six times slower over a data set. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Throws an InvalidArgumentError unless `value` is a whole number in [0, 2³²), as every seed must be. */
export function requireSeed(where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** 32) {
    throw new InvalidArgumentError(`${where}: ${field} must be an integer from 0 to 4294967295, got ${describe(value)}`);
  }
}

/**
 * Throws an InvalidArgumentError unless `options` is undefined or a plain object whose every key is one
 * of `known`; the message names the unknown key and the known one nearest to it, so a misspelt option
 * (`batchsize`) is never silently ignored.
 */
export function checkOptionKeys(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new InvalidArgumentError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestName(key, known);
    throw new InvalidArgumentError(
      `${where}: unknown option ${JSON.stringify(key)}` + (nearest ? `; did you mean ${JSON.stringify(nearest)}?` : `; known: ${known.join(', ')}`),
    );
  }
}

/** The known name closest to `name` (case aside, by edit distance), if any is close enough to be a typo. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbouring letters counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
