// Where a Sequential keeps its numbers: one arena, holding its parameters and the control block where
// the main thread and the workers meet from the first need, and the gradients and the optimizer's
// state from the first fit; and the copying of weight tensors in and out of regions laid out like the
// parameters, in getWeights' order. Apart from sequential.ts, which is the API users call and the
// checks of what they pass it.

import { InvalidArgumentError, ShapeError, describe, firstNonFinite } from '../errors.js';
import { Random, randomSeed } from '../random.js';
import { Arena } from '../wasm/arena.js';
import { instantiateKernels } from '../wasm/kernels.js';
import type { WorkerPool } from '../threads/pool.js';
import { CONTROL_BYTES } from '../engine/arguments.js';
import type { Runnable, Trainee } from '../train/loop.js';
import { OptimizerRuntime, stateRegions, type OptimizerConfig } from '../train/optimizers.js';
import { parameterTensors, type Topology } from '../network/topology.js';
import { initializeParameters } from './initializers.js';
import type { ModelExtras, OptimizerHeader } from './format.js';

/** Regions of the arena that exist once weights do. */
interface Memory {
  arena: Arena;
  params: number;
  /** Where the main thread and the workers meet (engine/arguments.ts). */
  control: number;
}

/**
 * Regions that exist once the model has been compiled and trained. The first two state regions are
 * reserved with the gradients; the third (a centered RMSprop's mean gradient) when an optimizer first needs it.
 */
interface TrainingMemory {
  grads: number;
  state: [number, number, number];
}

/** A model's memory, made on first need, and what is to be put in it first. */
export class ModelMemory {
  private memory: Memory | undefined;
  private training: TrainingMemory | undefined;
  private optimizer: OptimizerRuntime | undefined;
  /** Weights to start from instead of the initializers (a model read by fromBytes). */
  private loadedWeights: Float32Array[] | undefined;
  /** Optimizer state read from a file, taken up by the first compile with the same kind of optimizer. */
  private loadedOptimizer: ModelExtras['optimizer'];

  /** `seed`, the model's own, seeds the initial weights; without it a fit's generator does, or a random one. */
  constructor(
    private readonly topology: Topology,
    private readonly seed: number | undefined,
  ) {}

  /** Weights and optimizer state read from a file, to start from when the memory is made and the optimizer next starts. */
  load(weights: Float32Array[], optimizer: ModelExtras['optimizer']): void {
    this.loadedWeights = weights;
    this.loadedOptimizer = optimizer;
  }

  /** After a compile: the next fit starts the optimizer afresh, from the loaded state if it is of the same kind. */
  startOptimizerAfresh(config: OptimizerConfig): void {
    this.optimizer = undefined;
    if (this.loadedOptimizer && this.loadedOptimizer.header.kind !== config.kind) this.loadedOptimizer = undefined;
  }

  /**
   * Creates the arena and initial weights on first need: from the model's own seed if it has one, else
   * from `fitRandom` (a fit's generator), else from a random seed.
   */
  ensure(fitRandom?: Random): Memory {
    if (this.memory) return this.memory;
    const arena = new Arena(instantiateKernels());
    const params = arena.reserve(this.topology.paramFloats * 4);
    const control = arena.reserve(CONTROL_BYTES);
    this.memory = { arena, params, control };
    if (this.loadedWeights) {
      this.writeWeights(this.loadedWeights, 'fromBytes');
      this.loadedWeights = undefined;
      return this.memory;
    }
    const source = (this.seed === undefined ? fitRandom : undefined) ?? new Random(this.seed ?? randomSeed());
    initializeParameters(arena.f32, params >> 2, this.topology, source);
    return this.memory;
  }

  /** Copies of the weights, in getWeights order. */
  getWeights(): Float32Array[] {
    return this.readRegion(this.ensure().params);
  }

  /** Checks weights (shapes, and that every value is finite) and writes them. */
  writeWeights(weights: readonly Float32Array[], where: string): void {
    const { params } = this.ensure();
    const slots = this.tensorSlots();
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw new ShapeError(`${where}: expected ${slots.length} arrays, got ${describe(weights)}`);
    }
    slots.forEach(([, length, what], i) => {
      const tensor = weights[i];
      if (!(tensor instanceof Float32Array) || tensor.length !== length) {
        throw new ShapeError(`${where}: ${what} needs a Float32Array of ${length} values, got ${describe(tensor)}`);
      }
      const bad = firstNonFinite(tensor);
      if (bad >= 0) throw new InvalidArgumentError(`${where}: ${what} has ${tensor[bad]} at index ${bad}; weights must be finite numbers`);
    });
    this.writeRegion(params, weights);
  }

  /** The optimizer's settings, progress and state tensors, for a file; undefined before any training. */
  optimizerState(): ModelExtras['optimizer'] {
    if (!this.optimizer || !this.training) return this.loadedOptimizer;
    const { config, iterations, learningRateScale } = this.optimizer;
    const { kind, learningRate, ...settings } = config;
    const regions = stateRegions(config);
    const header: OptimizerHeader = {
      kind, config: { ...settings, learningRate: typeof learningRate === 'number' ? learningRate : null }, iterations, slots: regions.length, learningRateScale,
    };
    return { header, slots: regions.map((region) => this.readRegion(this.training!.state[region])) };
  }

  /**
   * Takes up saved optimizer state: its step count and moments, each into the region that means the
   * same; a tensor the compiled optimizer does not keep (saved with other settings) is left out.
   */
  adoptOptimizerState(saved: NonNullable<ModelExtras['optimizer']>): void {
    const optimizer = this.optimizer!;
    optimizer.iterations = saved.header.iterations;
    optimizer.learningRateScale = saved.header.learningRateScale ?? 1;
    const regions = stateRegions({ ...saved.header.config, kind: saved.header.kind });
    const kept = stateRegions(optimizer.config);
    saved.slots.forEach((tensors, i) => {
      if (kept.includes(regions[i])) this.writeRegion(this.training!.state[regions[i]], tensors);
    });
  }

  /** The model as fit trains it: every region, and the optimizer (started with `config` if it has not been). */
  trainee(config: OptimizerConfig, pool: WorkerPool | undefined): Trainee & Runnable {
    const { arena, params, control } = this.ensure();
    const bytes = this.topology.paramFloats * 4;
    if (!this.training) this.training = { grads: arena.reserve(bytes), state: [arena.reserve(bytes), arena.reserve(bytes), 0] };
    const { grads, state } = this.training;
    if (state[2] === 0 && stateRegions(config).includes(2)) state[2] = arena.reserve(bytes);
    if (!this.optimizer) {
      this.optimizer = new OptimizerRuntime(config);
      // A fresh optimizer starts from zero moments, or from those a loaded file kept.
      const f32 = arena.f32;
      for (const region of state) if (region !== 0) f32.fill(0, region >> 2, (region >> 2) + this.topology.paramFloats);
      if (this.loadedOptimizer) this.adoptOptimizerState(this.loadedOptimizer);
      this.loadedOptimizer = undefined;
    }
    return { arena, topology: this.topology, regions: { params, grads, state, control }, optimizer: this.optimizer, pool };
  }

  /** The model as evaluate and predict run it: the parameters only. */
  inferenceModel(pool: WorkerPool | undefined): Runnable {
    const { arena, params, control } = this.ensure();
    return { arena, topology: this.topology, regions: { params, grads: 0, state: [0, 0, 0], control }, pool };
  }

  /** Each weight tensor's offset (in floats) within a region laid out like the parameters, in getWeights order. */
  private tensorSlots(): Array<[offset: number, length: number, what: string]> {
    return parameterTensors(this.topology).map(({ offset, length, what }) => [offset, length, what]);
  }

  private readRegion(region: number): Float32Array[] {
    const f32 = this.ensure().arena.f32;
    return this.tensorSlots().map(([offset, length]) => f32.slice((region >> 2) + offset, (region >> 2) + offset + length));
  }

  private writeRegion(region: number, tensors: readonly Float32Array[]): void {
    const f32 = this.ensure().arena.f32;
    this.tensorSlots().forEach(([offset], i) => f32.set(tensors[i], (region >> 2) + offset));
  }
}
