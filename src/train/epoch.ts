// One epoch of a fit, batch by batch: the rows shuffled, each step trained and applied, the epoch's
// figures recorded and reported; between steps, checkpoints saved and an abort honoured. fitLoop
// (loop.ts) checks everything and sets the run up first, then calls runEpoch for each epoch.

import { TrainingDivergedError, TrainingInterruptedError } from '../errors.js';
import { writeFileAtomic } from '../platform/files.js';
import type { Random } from '../random.js';
import type { Session } from '../engine/session.js';
import type { Checkpointing, ResumePoint } from './checkpoint.js';
import type { EventLoopYielder } from './event-loop.js';
import type { Fingerprint } from './fingerprint.js';
import type { PreparedFit } from './fit-data.js';
import type { Callbacks, EpochLogs, FitOptions, History } from './fit-types.js';
import type { OptimizerRuntime } from './optimizers.js';

/** A fit under way: what it runs on and with, and how far it has got. */
export interface FitRun extends PreparedFit {
  options: FitOptions;
  session: Session;
  optimizer: OptimizerRuntime;
  random: Random;
  checkpointing: Checkpointing | undefined;
  /** What a resume must be given again; taken only when a checkpoint may be written or read. */
  fitPrint: Fingerprint | undefined;
  start: ResumePoint | undefined;
  history: History;
  yielder: EventLoopYielder;
  /** The current epoch's sums so far, for its logs. */
  lossSum: number;
  correct: number;
  /** Set by a callback's stop(): the fit ends after the current epoch. */
  stopping: boolean;
}

/** Calls one hook of every callback, in the order given, awaiting each. */
export async function notify(run: FitRun, call: (c: Callbacks) => void | Promise<void>): Promise<void> {
  for (const callback of run.callbacks) await call(callback);
}

export async function runEpoch(run: FitRun, epoch: number): Promise<void> {
  const { options, session, optimizer, start, checkpoint } = run;
  const resumedMidEpoch = start !== undefined && epoch === start.epoch && start.batch > 0;
  if (!resumedMidEpoch && options.signal?.aborted) await interrupt(run, epoch, 0);
  await notify(run, (c) => c.onEpochBegin?.(epoch));
  const started = performance.now();
  const learningRate = optimizer.learningRate;
  // A checkpoint taken mid-epoch holds the order this epoch was shuffled into.
  if ((options.shuffle ?? true) && !resumedMidEpoch) session.shuffle(0, run.random);
  const batches = Math.ceil(run.rows / run.batchSize);
  for (let batch = resumedMidEpoch ? start!.batch : 0; batch < batches; batch++) {
    if (batch > 0) {
      if (options.signal?.aborted) await interrupt(run, epoch, batch);
      if (typeof checkpoint?.every === 'number' && batch % checkpoint.every === 0) await saveCheckpoint(run, epoch, batch);
    }
    await trainBatch(run, epoch, batch);
  }
  await endEpoch(run, epoch, started, learningRate);
}

/** One step: batch `batch` of the epoch's order, trained, checked, applied and reported. */
async function trainBatch(run: FitRun, epoch: number, batch: number): Promise<void> {
  const { batchSize, session, optimizer } = run;
  const from = batch * batchSize;
  const size = Math.min(batchSize, run.rows - from);
  const result = session.trainRows(0, from, size, run.sparse, run.random, epoch < run.augmentEpochs);
  // Checked before the update, so the weights stay those of the last finite step.
  if (!Number.isFinite(result.lossSum)) throw new TrainingDivergedError(epoch, batch, result.lossSum / size);
  const { lr, correction1, correction2 } = optimizer.nextUpdate(`epoch ${epoch + 1}, batch ${batch + 1}`);
  session.update(lr, correction1, correction2);
  run.lossSum += result.lossSum;
  run.correct += result.correct;
  if (run.callbacks.length > 0) {
    const logs = { batch, size, loss: result.lossSum / size, accuracy: result.correct / size };
    await notify(run, (c) => c.onBatchEnd?.(batch, logs));
  }
  // Lets an abort (Ctrl-C), timers and rendering in, a few times a second.
  if (run.yielder.due()) await run.yielder.yield();
}

/** The epoch's figures, validation included, into the history and to the callbacks; then its checkpoint. */
async function endEpoch(run: FitRun, epoch: number, started: number, learningRate: number): Promise<void> {
  const { rows, validation, session, history } = run;
  const logs: EpochLogs = { loss: run.lossSum / rows, accuracy: run.correct / rows, seconds: 0, learningRate };
  if (validation) [logs.valLoss, logs.valAccuracy] = session.evaluate(1, run.validationSparse);
  logs.seconds = (performance.now() - started) / 1000;
  history.epoch.push(epoch);
  history.history.loss.push(logs.loss);
  history.history.accuracy.push(logs.accuracy);
  history.history.seconds.push(logs.seconds);
  if (validation) {
    history.history.valLoss.push(logs.valLoss!);
    history.history.valAccuracy.push(logs.valAccuracy!);
  }
  await notify(run, (c) => c.onEpochEnd?.(epoch, logs));
  // The next epoch, and the checkpoint taken before it, count from 0.
  run.lossSum = 0;
  run.correct = 0;
  if ((run.checkpoint?.every ?? 'epoch') === 'epoch') await saveCheckpoint(run, epoch + 1, 0);
  await run.yielder.yield();
}

/** Writes a checkpoint for the step about to run: batch `batch` of epoch `epoch`; says where, if anywhere. */
async function saveCheckpoint(run: FitRun, epoch: number, batch: number): Promise<string | undefined> {
  const { checkpointing, checkpoint, epochs, batchSize, rows } = run;
  if (!checkpoint || !checkpointing) return undefined;
  const bytes = checkpointing.save({
    seed: checkpointing.seed, epochs, batchSize, rows, epoch, batch, random: run.random.getState(),
    lossSum: run.lossSum, correct: run.correct, history: structuredClone(run.history.history), fingerprint: run.fitPrint, order: run.session.order(0).slice(),
  });
  if (checkpoint.path !== undefined) await writeFileAtomic(checkpoint.path, bytes);
  await checkpoint.save?.(bytes);
  return checkpoint.path ?? 'your checkpoint.save';
}

async function interrupt(run: FitRun, epoch: number, batch: number): Promise<never> {
  throw new TrainingInterruptedError(epoch, batch, await saveCheckpoint(run, epoch, batch));
}
