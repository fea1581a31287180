// The training loop and the batched inference passes behind Sequential's fit, evaluate and predict.
// Policy lives here: batch order, when masks are drawn, when the optimizer steps, what is reported.
// fit's options and data are checked in fit-checks.ts and fit-data.ts, before anything runs, and each
// epoch runs in epoch.ts; this file sets a fit up and takes it from epoch to epoch.

import { InvalidArgumentError, describe, requirePositiveInteger } from '../errors.js';
import { checkSavePath } from '../platform/files.js';
import { fingerprint, requireSameFit } from './fingerprint.js';
import type { Random } from '../random.js';
import { defaultThreads, type WorkerPool } from '../threads/pool.js';
import { startPool } from '../engine/threads.js';
import { checkTargets, countRows, isSparse, type Inputs } from '../data/inputs.js';
import { updateRule, type OptimizerRuntime } from './optimizers.js';
import { Session, type SessionModel } from '../engine/session.js';
import type { Checkpointing, ResumePoint } from './checkpoint.js';
import { EventLoopYielder } from './event-loop.js';
import { notify, runEpoch, type FitRun } from './epoch.js';
import { prepareFit } from './fit-data.js';
import type { FitOptions, History, TrainingContext } from './fit-types.js';

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
  const { optimizer } = model;
  const fit = prepareFit(model.topology, x, y, options, start);
  // Taken only when a checkpoint may be written or read: hashing the data costs a pass over it.
  const fitPrint = fit.checkpoint || start ? fingerprint({ x: fit.x, y: fit.y, optimizer: optimizer.config, shuffle: options.shuffle ?? true, augment: fit.augment, augmentEpochs: fit.augmentEpochs }) : undefined;
  if (start) requireSameFit('fit: resume', start.fingerprint, fitPrint!);
  // Before the first batch, not at the first checkpoint an epoch later.
  if (fit.checkpoint?.path !== undefined) await checkSavePath(fit.checkpoint.path, 'fit: checkpoint.path');

  const capacity = Math.max(Math.min(fit.batchSize, fit.rows), Math.min(DEFAULT_INFERENCE_BATCH, fit.data[1]?.rows ?? 0));
  const session = new Session(model, capacity, fit.data, updateRule(optimizer.config), fit.augment);
  // The model's own pool if it keeps one open; else one for this fit alone, unless asked for one thread.
  let temporary: WorkerPool | undefined;
  try {
    if (options.threads !== 1) {
      session.usePool(model.pool ?? (temporary = await startPool(model, options.threads ?? (await defaultThreads()))));
    }
    const run: FitRun = {
      ...fit, options, session, optimizer, random, checkpointing, fitPrint, start,
      history: { epoch: [], history: { loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] } },
      yielder: new EventLoopYielder(), lossSum: 0, correct: 0, stopping: false,
    };
    if (start) resumeFrom(run, start);
    const context = trainingContext(run);
    for (const callback of fit.callbacks) callback.setContext?.(context);

    await notify(run, (c) => c.onTrainBegin?.());
    for (let epoch = start?.epoch ?? 0; epoch < fit.epochs; epoch++) {
      await runEpoch(run, epoch);
      if (run.stopping) break;
    }
    await notify(run, (c) => c.onTrainEnd?.(run.history));
    return run.history;
  } finally {
    session.close();
    temporary?.close();
  }
}

/** Takes up where a checkpoint left off: the batch order, the history, the epoch's sums so far. */
function resumeFrom(run: FitRun, start: ResumePoint): void {
  run.session.order(0).set(start.order);
  Object.assign(run.history.history, structuredClone(start.history));
  run.history.epoch = start.history.loss.map((_, epoch) => epoch);
  run.lossSum = start.lossSum;
  run.correct = start.correct;
}

/** What a callback may do to the run. */
function trainingContext(run: FitRun): TrainingContext {
  const { checkpointing, optimizer } = run;
  return {
    stop: () => void (run.stopping = true),
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
