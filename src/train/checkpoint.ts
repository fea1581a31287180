// What a checkpoint records besides the weights: the optimizer's progress and where the fit stood.
// The model file format (model/format.ts) stores these as its optional sections; the fit loop
// writes and reads them, through the model (Checkpointing), which owns the weights and the optimizer.

import type { Fingerprint } from './fingerprint.js';
import type { OptimizerName } from './optimizers.js';

/** The optimizer a model was trained with, and how far. */
export interface OptimizerHeader {
  kind: OptimizerName;
  /** Its numeric settings; a learning rate given as a schedule (a function) is stored as null. */
  config: Record<string, number | boolean | null>;
  /** Updates done so far. */
  iterations: number;
  /** Tensors of state per weight tensor: 0 (plain SGD), 1 (momentum), 2 (Adam), 1 to 3 (RMSprop); see stateRegions. */
  slots: number;
  /** What ReduceLROnPlateau has made of the learning rate: a factor; 1 if absent. */
  learningRateScale?: number;
}

/** Where an interrupted fit stood (a checkpoint): enough to go on with the same bits. */
export interface TrainingHeader {
  seed: number;
  epochs: number;
  batchSize: number;
  rows: number;
  /** The next step: batch `batch` of epoch `epoch` (0-based); epoch = epochs when the fit finished. */
  epoch: number;
  batch: number;
  /** The seeded generator's state at that step. */
  random: number[];
  /** The epoch's running sums so far, for its logs. */
  lossSum: number;
  correct: number;
  history: { loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[]; seconds: number[] };
  /** What a resume must be given again: hashes of the data, the optimizer's settings, … (train/fingerprint.ts). */
  fingerprint?: Fingerprint;
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
