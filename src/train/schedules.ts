// Learning-rate schedules: functions of the optimizer step (0 for the first batch), as Keras's
// LearningRateSchedule. They use exact IEEE operations only (portableCos, portableExp, portableLog),
// so a schedule gives the same rates, and training the same bits, in every JavaScript engine.

import { InvalidArgumentError, checkOptionKeys, describe } from '../errors.js';
import { portableCos, portableExp, portableLog } from '../math.js';
import { checkFraction, checkLearningRate, type LearningRateSchedule } from './optimizers.js';

function checkSteps(where: string, field: string, value: unknown): void {
  if (!(Number.isInteger(value) && (value as number) > 0)) throw new InvalidArgumentError(`${where}: ${field} must be a positive integer, got ${describe(value)}`);
}

/** A schedule's options are required, unlike an optimizer's. */
function checkScheduleOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) throw new InvalidArgumentError(`${where}: options must be an object, got undefined`);
  checkOptionKeys(where, options, known);
}

/** A rate a schedule starts or peaks at: a number, since checkLearningRate would also take a schedule. */
function checkRate(where: string, field: string, value: unknown): void {
  if (typeof value !== 'number') throw new InvalidArgumentError(`${where}: ${field} must be a finite number above 0, got ${describe(value)}`);
  checkLearningRate(where, value);
}

/**
 * Cosine decay from `initialLearningRate` to `alpha · initialLearningRate` over `decaySteps` steps,
 * then constant (Loshchilov & Hutter, SGDR, 2017); with `warmupSteps`, first a linear warmup from 0
 * (or from `initialLearningRate` to `warmupTarget`, as Keras 3 does), and the decay starts after it.
 * Keras: `CosineDecay`.
 *
 * @example
 * sgd({ learningRate: cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 * 235 }), momentum: 0.9 })
 * cosineDecay({ initialLearningRate: 0, warmupTarget: 0.2, warmupSteps: 235, decaySteps: 39 * 235 })
 */
export function cosineDecay(options: {
  initialLearningRate: number; decaySteps: number; alpha?: number; warmupSteps?: number; warmupTarget?: number;
}): LearningRateSchedule {
  checkScheduleOptions('cosineDecay', options, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupSteps', 'warmupTarget']);
  const { initialLearningRate, decaySteps, alpha = 0, warmupSteps = 0 } = options;
  const warmup = warmupSteps > 0;
  if (!(warmup && initialLearningRate === 0)) checkRate('cosineDecay', 'initialLearningRate', initialLearningRate);
  checkSteps('cosineDecay', 'decaySteps', decaySteps);
  checkFraction('cosineDecay', 'alpha', alpha);
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0)) throw new InvalidArgumentError(`cosineDecay: warmupSteps must be an integer of at least 0, got ${describe(warmupSteps)}`);
  const peak = options.warmupTarget ?? initialLearningRate;
  checkRate('cosineDecay', options.warmupTarget === undefined ? 'initialLearningRate' : 'warmupTarget', peak);
  return (step) => {
    if (step < warmupSteps) return initialLearningRate + ((peak - initialLearningRate) * step) / warmupSteps;
    const progress = Math.min(step - warmupSteps, decaySteps) / decaySteps;
    return peak * ((1 - alpha) * 0.5 * (1 + portableCos(Math.PI * progress)) + alpha);
  };
}

/**
 * Multiplies the rate by `factor` every `stepSize` steps. PyTorch: `StepLR`.
 *
 * @example
 * stepDecay({ initialLearningRate: 0.1, stepSize: 10 * 235, factor: 0.5 }) // halved every 10 epochs of 235 steps
 */
export function stepDecay(options: { initialLearningRate: number; stepSize: number; factor?: number }): LearningRateSchedule {
  checkScheduleOptions('stepDecay', options, ['initialLearningRate', 'stepSize', 'factor']);
  const { initialLearningRate, stepSize, factor = 0.1 } = options;
  checkRate('stepDecay', 'initialLearningRate', initialLearningRate);
  checkSteps('stepDecay', 'stepSize', stepSize);
  if (!(typeof factor === 'number' && factor > 0 && factor <= 1)) throw new InvalidArgumentError(`stepDecay: factor must be in (0, 1], got ${describe(factor)}`);
  return (step) => {
    let rate = initialLearningRate;
    for (let i = Math.floor(step / stepSize); i > 0; i--) rate *= factor;
    return rate;
  };
}

/**
 * initialLearningRate · decayRate^(step / decaySteps), or ^floor(step / decaySteps) with `staircase`.
 * Keras: `ExponentialDecay`.
 *
 * @example
 * exponentialDecay({ initialLearningRate: 0.1, decaySteps: 235, decayRate: 0.9 }) // × 0.9 per epoch of 235 steps
 */
export function exponentialDecay(options: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
  checkScheduleOptions('exponentialDecay', options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  checkRate('exponentialDecay', 'initialLearningRate', initialLearningRate);
  checkSteps('exponentialDecay', 'decaySteps', decaySteps);
  if (!(typeof decayRate === 'number' && decayRate > 0 && decayRate <= 1)) {
    throw new InvalidArgumentError(`exponentialDecay: decayRate must be in (0, 1], got ${describe(decayRate)}`);
  }
  if (typeof staircase !== 'boolean') throw new InvalidArgumentError(`exponentialDecay: staircase must be true or false, got ${describe(staircase)}`);
  const logRate = portableLog(decayRate);
  return (step) => {
    const exponent = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
    return initialLearningRate * portableExp(exponent * logRate);
  };
}
