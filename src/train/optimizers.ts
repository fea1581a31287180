// Optimizers as configurations, and the small runtime that counts their steps and computes the
// numbers of each update. Hyper-parameters and the schedule live here; the arithmetic lives in
// assembly/optimizers.ts, called by engine/runner.ts on each thread's share of the parameters.

import { InvalidArgumentError, checkOptionKeys, describe } from '../errors.js';
import type { UpdateRule } from '../engine/plan-types.js';

/** A learning rate that depends on the optimizer step (0 for the first batch). Keras: `LearningRateSchedule`. */
export type LearningRateSchedule = (step: number) => number;

/** Options of {@link sgd}; every one may be left out. */
export interface SgdOptions {
  /** 0.01 by default, or a schedule. */
  learningRate?: number | LearningRateSchedule;
  /** 0 by default (plain SGD). */
  momentum?: number;
  /** Nesterov momentum, as PyTorch computes it (needs a momentum above 0); false by default. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (as PyTorch's SGD does); 0 by default. */
  weightDecay?: number;
}

/** Options of {@link adam}; every one may be left out. */
export interface AdamOptions {
  /** 0.001 by default, or a schedule. */
  learningRate?: number | LearningRateSchedule;
  /** Decay rate of the gradient's running mean, in [0, 1); 0.9 by default. */
  beta1?: number;
  /** Decay rate of the squared gradient's running mean, in [0, 1); 0.999 by default. */
  beta2?: number;
  /** Added to the root of the second moment to keep the step finite; above 0, 1e-7 by default as in Keras. */
  epsilon?: number;
  /** Decoupled weight decay (AdamW); 0 by default. */
  weightDecay?: number;
}

/** Options of {@link rmsprop}; every one may be left out. */
export interface RmspropOptions {
  /** 0.001 by default, or a schedule. */
  learningRate?: number | LearningRateSchedule;
  /** Decay rate of the squared gradient's running mean, in [0, 1); 0.9 by default. */
  rho?: number;
  /** Plain (not Nesterov) momentum over the steps, in [0, 1); 0 by default. */
  momentum?: number;
  /** Added to the squared gradient's mean under the root, as Keras 3 adds it; above 0, 1e-7 by default. */
  epsilon?: number;
  /** Divides by the gradient's estimated variance rather than its second moment; false by default. */
  centered?: boolean;
}

/** SGD with every option settled, as {@link sgd} returns it for `compile`. */
export interface SgdConfig extends Required<SgdOptions> {
  /** Tells the kinds of {@link OptimizerConfig} apart. */
  kind: 'sgd';
}

/** Adam with every option settled, as {@link adam} returns it for `compile`. */
export interface AdamConfig extends Required<AdamOptions> {
  /** Tells the kinds of {@link OptimizerConfig} apart. */
  kind: 'adam';
}

/** RMSprop with every option settled, as {@link rmsprop} returns it for `compile`. */
export interface RmspropConfig extends Required<RmspropOptions> {
  /** Tells the kinds of {@link OptimizerConfig} apart. */
  kind: 'rmsprop';
}

/** An optimizer for {@link CompileOptions.optimizer}, as {@link sgd}, {@link adam} or {@link rmsprop} makes it. */
export type OptimizerConfig = SgdConfig | AdamConfig | RmspropConfig;

/** The optimizers' names, which `compile` also takes for their defaults (as TensorFlow.js does). */
export type OptimizerName = OptimizerConfig['kind'];

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum and weight decay.
 * Keras: `SGD(learning_rate, momentum, nesterov, weight_decay)`.
 *
 * @example
 * model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.01 }) });
 */
export function sgd(options: SgdOptions = {}): SgdConfig {
  checkOptionKeys('sgd', options, ['learningRate', 'momentum', 'nesterov', 'weightDecay']);
  const config: SgdConfig = {
    kind: 'sgd',
    learningRate: options.learningRate ?? 0.01,
    momentum: options.momentum ?? 0,
    nesterov: options.nesterov ?? false,
    weightDecay: options.weightDecay ?? 0,
  };
  checkLearningRate('sgd', config.learningRate);
  checkFraction('sgd', 'momentum', config.momentum);
  checkNonNegative('sgd', 'weightDecay', config.weightDecay);
  if (typeof config.nesterov !== 'boolean') throw new InvalidArgumentError(`sgd: nesterov must be true or false, got ${describe(config.nesterov)}`);
  if (config.nesterov && config.momentum === 0) throw new InvalidArgumentError('sgd: nesterov needs a momentum above 0');
  return config;
}

/**
 * Adam, with decoupled weight decay when `weightDecay` > 0 (AdamW).
 * Keras: `Adam(learning_rate, beta_1, beta_2, epsilon)` / `AdamW(…, weight_decay)`.
 *
 * @example
 * model.compile({ loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 1e-3 }) });
 */
export function adam(options: AdamOptions = {}): AdamConfig {
  checkOptionKeys('adam', options, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
  const config: AdamConfig = {
    kind: 'adam',
    learningRate: options.learningRate ?? 0.001,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-7,
    weightDecay: options.weightDecay ?? 0,
  };
  checkLearningRate('adam', config.learningRate);
  checkFraction('adam', 'beta1', config.beta1);
  checkFraction('adam', 'beta2', config.beta2);
  checkEpsilon('adam', config.epsilon);
  checkNonNegative('adam', 'weightDecay', config.weightDecay);
  return config;
}

/**
 * RMSprop: divides each gradient by the root of its squared values' running mean (less the square of
 * its own running mean, if centered), with optional plain momentum; epsilon sits under the root, as in
 * Keras 3. Keras: `RMSprop(learning_rate, rho, momentum, epsilon, centered)`.
 *
 * @example
 * model.compile({ loss: 'categoricalCrossentropy', optimizer: rmsprop({ learningRate: 1e-3, momentum: 0.9 }) });
 */
export function rmsprop(options: RmspropOptions = {}): RmspropConfig {
  checkOptionKeys('rmsprop', options, ['learningRate', 'rho', 'momentum', 'epsilon', 'centered']);
  const config: RmspropConfig = {
    kind: 'rmsprop',
    learningRate: options.learningRate ?? 0.001,
    rho: options.rho ?? 0.9,
    momentum: options.momentum ?? 0,
    epsilon: options.epsilon ?? 1e-7,
    centered: options.centered ?? false,
  };
  checkLearningRate('rmsprop', config.learningRate);
  checkFraction('rmsprop', 'rho', config.rho);
  checkFraction('rmsprop', 'momentum', config.momentum);
  checkEpsilon('rmsprop', config.epsilon);
  if (typeof config.centered !== 'boolean') throw new InvalidArgumentError(`rmsprop: centered must be true or false, got ${describe(config.centered)}`);
  return config;
}

/**
 * Which of a model's three state regions hold an optimizer's state tensors, in the order a file keeps
 * them: SGD's velocity if it has momentum; Adam's m and v; RMSprop's mean square, its momentum if above
 * 0, its mean gradient if centered. A region means the same whatever else is on, so the engine finds
 * each tensor without counting, and state saved with other settings is taken up tensor by tensor.
 */
export function stateRegions(optimizer: { kind: OptimizerName; momentum?: unknown; centered?: unknown }): number[] {
  if (optimizer.kind === 'adam') return [0, 1];
  const momentum = typeof optimizer.momentum === 'number' && optimizer.momentum > 0;
  if (optimizer.kind === 'sgd') return momentum ? [0] : [];
  return [0, ...(momentum ? [1] : []), ...(optimizer.centered === true ? [2] : [])];
}

/** Reads an optimizer option given by name, as TensorFlow.js allows ('sgd', 'adam', 'rmsprop'). */
export function toOptimizerConfig(optimizer: OptimizerConfig | OptimizerName): OptimizerConfig {
  if (optimizer === 'sgd') return sgd();
  if (optimizer === 'adam') return adam();
  if (optimizer === 'rmsprop') return rmsprop();
  // Checked again, as a hand-made { kind: 'sgd', … } has skipped sgd()'s checks and defaults.
  if (optimizer && optimizer.kind === 'sgd') return sgd(withoutKind(optimizer));
  if (optimizer && optimizer.kind === 'adam') return adam(withoutKind(optimizer));
  if (optimizer && optimizer.kind === 'rmsprop') return rmsprop(withoutKind(optimizer));
  throw new InvalidArgumentError(`compile: optimizer must be sgd(…), adam(…), rmsprop(…), 'sgd', 'adam' or 'rmsprop', got ${describe(optimizer)}`);
}

function withoutKind<T extends { kind: string }>(config: T): Omit<T, 'kind'> {
  const { kind: _kind, ...options } = config;
  return options;
}

/** What the engine's threads need of an optimizer: its update rule and fixed numbers. */
export function updateRule(config: OptimizerConfig): UpdateRule {
  const none = { momentum: 0, nesterov: false, weightDecay: 0, beta1: 0, beta2: 0, epsilon: 0, rho: 0, centered: false };
  if (config.kind === 'adam') {
    const { beta1, beta2, epsilon, weightDecay } = config;
    return { ...none, rule: 'adam', weightDecay, beta1, beta2, epsilon };
  }
  if (config.kind === 'rmsprop') {
    const { rho, momentum, epsilon, centered } = config;
    return { ...none, rule: 'rmsprop', rho, momentum, epsilon, centered };
  }
  const { momentum, nesterov, weightDecay } = config;
  return { ...none, rule: momentum > 0 ? 'momentum' : 'sgd', momentum, nesterov, weightDecay };
}

/** An optimizer's progress through a fit: its step count, and the numbers each update needs. */
export class OptimizerRuntime {
  readonly config: OptimizerConfig;
  /** Updates done so far; the schedule's step and Adam's t - 1. */
  iterations = 0;
  /** Multiplies every learning rate from now on (ReduceLROnPlateau lowers it). */
  learningRateScale = 1;

  constructor(config: OptimizerConfig) {
    this.config = config;
  }

  /** The learning rate the next update will use. */
  get learningRate(): number {
    const rate = this.config.learningRate;
    return (typeof rate === 'number' ? rate : rate(this.iterations)) * this.learningRateScale;
  }

  /**
   * The learning rate and Adam's bias corrections for the next update, which this counts as done. A
   * rate that is not a finite number of at least 0 (a schedule's NaN, say) is refused before any weight
   * sees it, and the step is not counted; `where` says which step it was (`epoch 1, batch 6`).
   */
  nextUpdate(where: string): { lr: number; correction1: number; correction2: number } {
    const config = this.config;
    const lr = this.learningRate;
    if (!(lr >= 0 && lr < Infinity)) {
      throw new InvalidArgumentError(`fit: the learning rate for step ${this.iterations} (${where}) is ${lr}; a schedule must return a finite number of at least 0`);
    }
    this.iterations++;
    if (config.kind !== 'adam') return { lr, correction1: 1, correction2: 1 };
    const t = this.iterations;
    return { lr, correction1: 1 / (1 - config.beta1 ** t), correction2: 1 / (1 - config.beta2 ** t) };
  }
}

export function checkLearningRate(where: string, rate: unknown): void {
  if (typeof rate === 'function') return;
  if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate)) {
    throw new InvalidArgumentError(`${where}: learningRate must be a finite number above 0 or a schedule, got ${describe(rate)}`);
  }
}

export function checkFraction(where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(`${where}: ${field} must be in [0, 1), got ${describe(value)}`);
  }
}

function checkEpsilon(where: string, epsilon: unknown): void {
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new InvalidArgumentError(`${where}: epsilon must be a finite number above 0, got ${describe(epsilon)}`);
  }
}

function checkNonNegative(where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${where}: ${field} must be a finite number of at least 0, got ${describe(value)}`);
  }
}
