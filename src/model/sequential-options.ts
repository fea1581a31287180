// What a user passes the Sequential constructor and compile, and the checks of it, each naming the
// option and what it got. Apart from sequential.ts, so that the class reads as what its methods do.

import { InvalidArgumentError, checkOptionKeys, describe, requireSeed } from '../errors.js';
import type { Layer } from '../network/layers.js';
import type { Topology } from '../network/topology.js';
import type { OptimizerConfig } from '../train/optimizers.js';

/** The losses `compile` accepts: categorical cross-entropy, in this library's spelling or Keras's. */
export type LossName = 'categoricalCrossentropy' | 'categorical_crossentropy';

/** Options of {@link Sequential.compile}. Keras: `model.compile(loss, optimizer, metrics)`. */
export interface CompileOptions {
  /** Categorical cross-entropy over a final softmax (computed fused and numerically stable). */
  loss: LossName;
  /** `sgd(…)`, `adam(…)` or `rmsprop(…)`, or their names for the defaults, as TensorFlow.js allows. */
  optimizer: OptimizerConfig | OptimizerConfig['kind'];
  /** 'accuracy' is always reported; listing it is accepted for Keras compatibility. */
  metrics?: Array<'accuracy' | 'acc'>;
}

/** Options of the {@link Sequential} constructor. */
export interface SequentialOptions {
  /** Shown by `summary()` and kept in saved files; 'sequential' by default, as in Keras. */
  name?: string;
  /** Seeds the initial weights; without it they come from fit's seed, or a random one. */
  seed?: number;
}

/** The constructor's arguments but the layers' own settings, which resolveTopology checks. */
export function checkSequentialArguments(layers: readonly Layer[], options: SequentialOptions): void {
  if (!Array.isArray(layers)) throw new InvalidArgumentError(`Sequential: expected an array of layers, got ${describe(layers)}`);
  checkOptionKeys('Sequential', options, ['name', 'seed']);
  if (options.name !== undefined && typeof options.name !== 'string') throw new InvalidArgumentError(`Sequential: name must be a string, got ${describe(options.name)}`);
  if (options.seed !== undefined) requireSeed('Sequential', 'seed', options.seed);
}

/** compile's options but the optimizer, which toOptimizerConfig checks; the model must end in softmax. */
export function checkCompileOptions(options: CompileOptions, topology: Topology): void {
  checkOptionKeys('compile', options, ['loss', 'optimizer', 'metrics']);
  if (!options || (options.loss !== 'categoricalCrossentropy' && options.loss !== 'categorical_crossentropy')) {
    throw new InvalidArgumentError(`compile: loss must be 'categoricalCrossentropy', got ${describe(options?.loss)}`);
  }
  if (topology.nodes[topology.nodes.length - 1].kind !== 'softmax') {
    throw new InvalidArgumentError('compile: categoricalCrossentropy needs a model that ends in softmax()');
  }
  for (const metric of options.metrics ?? []) {
    if (metric !== 'accuracy' && metric !== 'acc') throw new InvalidArgumentError(`compile: unknown metric ${describe(metric)}; 'accuracy' is supported`);
  }
}
