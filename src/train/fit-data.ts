// What a fit trains and validates on: the training rows (less those a validationSplit holds out), the
// validation data, and the data sets the session is given, compressed or not. Everything fit is given
// is checked here, before anything runs, in the order that decides which mistake is reported first.

import { InvalidArgumentError, ModelMismatchError, describe } from '../errors.js';
import { checkTargets, countRows, isSparse, type Inputs } from '../data/inputs.js';
import type { AugmentConfig } from '../engine/augment.js';
import type { DataSpec } from '../engine/session.js';
import type { Topology } from '../network/topology.js';
import { augmentEpochs, checkAugment } from './augment.js';
import type { ResumePoint } from './checkpoint.js';
import { checkCallbacks, checkFitSettings, type FitSettings } from './fit-checks.js';
import type { Callbacks, FitOptions } from './fit-types.js';

/** The rows fit trains on (without those a validationSplit holds out) and what it validates on, if anything. */
interface TrainingRows {
  x: Inputs;
  y: Float32Array;
  rows: number;
  validation: FitOptions['validationData'];
}

/** A fit's data and settings, checked: what the loop runs on. */
export interface PreparedFit extends TrainingRows, FitSettings {
  /** The session's data sets: the training set, then the validation set if there is one. */
  data: DataSpec[];
  /** Whether the first layer skips the zeros of the training inputs, and of the validation inputs. */
  sparse: boolean;
  validationSparse: boolean;
  augment: AugmentConfig | undefined;
  /** The epochs before this one are distorted (if augment is given); Infinity: all of them. */
  augmentEpochs: number;
  callbacks: Callbacks[];
}

export function prepareFit(topology: Topology, x: Inputs, y: Float32Array, options: FitOptions, start: ResumePoint | undefined): PreparedFit {
  const training = holdOutValidation(topology, x, y, options);
  const settings = checkFitSettings(options);
  if (start && start.rows !== training.rows) {
    throw new ModelMismatchError(`fit: resume: the checkpoint was made on ${start.rows} training rows, this fit has ${training.rows}`);
  }
  let augment: AugmentConfig | undefined;
  let augmentUntil = Infinity;
  if (options.augment !== undefined) {
    if (!(training.x instanceof Uint8Array)) throw new InvalidArgumentError(`fit: augment works on uint8 images; x is ${describe(training.x)}`);
    augment = checkAugment(options.augment, topology.inputDim);
    augmentUntil = augmentEpochs(options.augment);
  }
  // Left to right: the validation data is checked before the callbacks.
  const sets = dataSets(topology, training, options, augment);
  return { ...training, ...settings, ...sets, augment, augmentEpochs: augmentUntil, callbacks: checkCallbacks(options.callbacks) };
}

/** The rows fit trains on, checked, and the validation data: validationData, or the last rows a validationSplit holds out. */
function holdOutValidation(topology: Topology, x: Inputs, y: Float32Array, options: FitOptions): TrainingRows {
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
  return { x, y, rows, validation };
}

/** The session's data sets, the validation data checked, and whether the first layer skips zeros of each. */
function dataSets(
  topology: Topology, { x, y, rows, validation }: TrainingRows, options: FitOptions, augment: AugmentConfig | undefined,
): { data: DataSpec[]; sparse: boolean; validationSparse: boolean } {
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
  return { data, sparse, validationSparse };
}
