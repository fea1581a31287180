// Keras-like progress: a line per epoch, and a live bar while an epoch runs when stdout is a terminal.

import type { BatchLogs, Callbacks, EpochLogs } from '../train/fit-types.js';

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export interface EpochRecord {
  epoch: number;
  seconds: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** The rate of the epoch's first update. */
  learningRate: number;
}

function formatEpoch(epoch: number, epochs: number, logs: EpochLogs): string {
  const parts = [`Epoch ${epoch + 1}/${epochs}`, `${logs.seconds.toFixed(1)}s`, `loss: ${logs.loss.toFixed(4)}`, `accuracy: ${logs.accuracy.toFixed(4)}`];
  if (logs.valLoss !== undefined) parts.push(`val_loss: ${logs.valLoss.toFixed(4)}`, `val_accuracy: ${logs.valAccuracy!.toFixed(4)}`);
  return parts.join(' - ');
}

function toRecord(epoch: number, logs: EpochLogs): EpochRecord {
  return {
    epoch: epoch + 1,
    seconds: logs.seconds,
    loss: logs.loss,
    accuracy: logs.accuracy,
    valLoss: logs.valLoss ?? NaN,
    valAccuracy: logs.valAccuracy ?? NaN,
    learningRate: logs.learningRate,
  };
}

/** Callbacks that print progress to `out`: JSON lines, or human lines with a bar on a terminal. */
export function progressCallbacks(
  out: NodeJS.WriteStream, epochs: number, batches: number, json: boolean, records: EpochRecord[],
): Callbacks {
  const live = !json && out.isTTY === true;
  let lastDraw = 0;
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  return {
    onEpochBegin() {
      lossSum = correct = seen = 0;
    },
    onBatchEnd: live
      ? (batch: number, logs: BatchLogs) => {
          lossSum += logs.loss * logs.size;
          correct += logs.accuracy * logs.size;
          seen += logs.size;
          const now = performance.now();
          if (now - lastDraw < REDRAW_MS && batch + 1 < batches) return;
          lastDraw = now;
          const done = Math.round(((batch + 1) / batches) * BAR_WIDTH);
          const bar = '='.repeat(Math.max(0, done - 1)) + (done < BAR_WIDTH ? '>' : '=') + '.'.repeat(BAR_WIDTH - done);
          out.write(`\r${batch + 1}/${batches} [${bar}] - loss: ${(lossSum / seen).toFixed(4)} - accuracy: ${(correct / seen).toFixed(4)}\x1b[K`);
        }
      : undefined,
    onEpochEnd(epoch: number, logs: EpochLogs) {
      const record = toRecord(epoch, logs);
      records.push(record);
      if (json) out.write(`${JSON.stringify(record)}\n`);
      else out.write(`${live ? '\r\x1b[K' : ''}${formatEpoch(epoch, epochs, logs)}\n`);
    },
  };
}
