// What users of fit see: its options, the hooks a callback may have and what they are handed, and the
// history fit returns. Types only, apart from the loop (loop.ts) that honours them, so that callbacks,
// the command line's progress and the public entry can name them without importing the loop.

import type { Inputs } from '../data/inputs.js';
import type { AugmentOptions } from './augment.js';

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
