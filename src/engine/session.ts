// One fit, evaluate or predict call on the main thread: it leases memory for the call's data sets
// and batches, copies the data sets in (data-sets.ts), lays out the plan, and then runs phases of the
// plan, on the main thread alone or with a pool of workers, each phase's arguments written into the
// control block (arguments.ts) first.

import type { Topology } from '../network/topology.js';
import type { WorkerPool } from '../threads/pool.js';
import type { Arena } from '../wasm/arena.js';
import { UINT8_SCALE } from '../data/inputs.js';
import { KernelFaultError } from '../errors.js';
import { Slot, Word } from './arguments.js';
import type { AugmentConfig } from './augment.js';
import { copyIn, layOut, nonzerosBefore, type DataSet, type DataSpec } from './data-sets.js';
import { PHASE_NAMES, Phase } from './phases.js';
import { buildPlan } from './plan.js';
import type { ModelRegions, Plan, UpdateRule } from './plan-types.js';
import { Runner } from './runner.js';
import { ThreadChoice } from './thread-choice.js';
import type { Random } from '../random.js';

export type { DataSpec };

/** What a session needs of a model. */
export interface SessionModel {
  arena: Arena;
  topology: Topology;
  regions: ModelRegions;
}

export class Session {
  readonly plan: Plan;
  readonly sets: readonly DataSet[];
  private readonly arena: Arena;
  private readonly runner: Runner;
  private pool: WorkerPool | undefined;
  private closed = false;
  /** Nonzeros before each input unit of the first data set, which shares the batch's CSC into parts. */
  private readonly nonzerosBefore: Float64Array;
  /** Whether training steps run on every thread or on the main thread alone (thread-choice.ts). */
  private choice = new ThreadChoice(1);
  /** When the current training step started (performance.now()). */
  private stepStarted = 0;
  /** Whether the first layer can take the sparse kernels: a dense layer (layers/dense-sparse.ts). */
  private readonly sparseCapable: boolean;

  /** Leases memory and copies the data sets in; `optimizer` undefined makes an inference-only session. */
  constructor(model: SessionModel, capacity: number, data: readonly DataSpec[], optimizer?: UpdateRule, augment?: AugmentConfig) {
    const { arena, topology } = model;
    this.arena = arena;
    const { inputDim, outputDim } = topology;
    this.sparseCapable = topology.nodes[0].kind === 'dense';
    let bytes = 0;
    const layouts = data.map((spec) => {
      const layout = layOut({ ...spec, csr: spec.csr && this.sparseCapable }, inputDim, outputDim, bytes);
      bytes = layout.end;
      return layout;
    });
    // Leases start where the last one ends: the plan is laid out there, then leased whole.
    const base = arena.leaseStart;
    const built = buildPlan(topology, model.regions, optimizer, capacity, base + bytes, augment);
    arena.lease(bytes + built.bytes);
    this.plan = built.plan;
    if (augment && this.plan.augment) {
      const at = this.plan.augment;
      arena.f32.set(augment.basisX, at.basisX >> 2);
      arena.f32.set(augment.basisY, at.basisY >> 2);
      arena.i32.set(Int32Array.from({ length: capacity }, (_, r) => r), at.identity >> 2);
    }
    arena.f32.set(UINT8_SCALE, this.plan.table >> 2);
    this.sets = data.map((spec, i) => copyIn(arena, this.plan, spec, layouts[i], base));
    this.nonzerosBefore = data.length > 0 ? nonzerosBefore(data[0].x, inputDim) : Float64Array.from({ length: inputDim + 1 }, (_, u) => u);
    this.runner = new Runner(arena, this.plan, 0);
  }

  /** Runs the phases on this pool's threads too (its memory must be the model's), or on the main thread alone. */
  usePool(pool: WorkerPool | undefined): void {
    this.pool = pool;
    this.choice = new ThreadChoice(pool?.threads ?? 1);
  }

  /** Threads the phases now run on: the pool's, or 1 while training steps run on the main thread alone. */
  private threads = 1;

  /** A data set's row order, as a view of the arena (valid until the memory grows). */
  order(set: number): Uint32Array {
    const { order, rows } = this.sets[set];
    return new Uint32Array(this.arena.u8.buffer, order, rows);
  }

  /** Shuffles a data set's row order. */
  shuffle(set: number, random: Random): void {
    random.shuffle(this.order(set));
  }

  /**
   * Forward and backward over rows [from, from + count) of data set `set` (in its order): returns the
   * summed loss and the number of rows classified right. The weights are not touched yet. The rows
   * are distorted first when the plan augments, unless `augment` is false.
   */
  trainRows(set: number, from: number, count: number, sparse: boolean, random: Random, augment = true): { lossSum: number; correct: number } {
    this.stepStarted = performance.now();
    this.setArguments(this.sets[set], from, count, sparse, true, this.choice.threads);
    const c = this.plan.control >> 2;
    const i32 = this.arena.i32;
    // The keys are drawn either way: an undistorted epoch leaves the later epochs' draws as they were.
    i32[c + Word.AUGMENT] = augment ? 1 : 0;
    i32[c + Word.KEY0] = random.nextUint32() | 0;
    i32[c + Word.KEY1] = random.nextUint32() | 0;
    if (sparse && this.sparseCapable) {
      this.run(Phase.TrainInput);
      this.run(Phase.FirstLayer);
      this.run(Phase.TrainRest);
    } else {
      this.run(Phase.TrainRows);
    }
    return this.rowTotals(count);
  }

  /** Applies the gradients of the last trainRows with this learning rate (and Adam's corrections). */
  update(lr: number, correction1 = 1, correction2 = 1): void {
    const f64 = this.arena.f64;
    const slots = this.plan.control >> 3;
    f64[slots + Slot.LEARNING_RATE] = lr;
    f64[slots + Slot.CORRECTION1] = correction1;
    f64[slots + Slot.CORRECTION2] = correction2;
    this.run(Phase.Update);
    this.choice.record(performance.now() - this.stepStarted);
  }

  /** Mean loss and accuracy over a data set with targets, in batches of the plan's capacity; on as many threads as training now runs. */
  evaluate(set: number, sparse: boolean): [number, number] {
    const data = this.sets[set];
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < data.rows; from += this.plan.capacity) {
      const count = Math.min(this.plan.capacity, data.rows - from);
      this.setArguments(data, from, count, sparse, false, this.choice.threads);
      this.run(Phase.InferRows);
      const totals = this.rowTotals(count);
      lossSum += totals.lossSum;
      correct += totals.correct;
    }
    return [lossSum / data.rows, correct / data.rows];
  }

  /** The model's output for every row of a data set: (rows, outputDim). */
  predict(set: number, sparse: boolean): Float32Array {
    const data = { ...this.sets[set], y: 0 };
    const width = this.plan.outputDim;
    const result = new Float32Array(data.rows * width);
    for (let from = 0; from < data.rows; from += this.plan.capacity) {
      const count = Math.min(this.plan.capacity, data.rows - from);
      this.setArguments(data, from, count, sparse, false);
      this.run(Phase.InferRows);
      const start = this.plan.output >> 2;
      result.set(this.arena.f32.subarray(start, start + count * width), from * width);
    }
    return result;
  }

  /** Returns the memory; the pool, if any, belongs to the caller. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.arena.release();
  }

  /** Written for every call: a nested call (a predict in a callback) shares the control block. */
  private setArguments(data: DataSet, from: number, count: number, wantSparse: boolean, ordered: boolean, threads = this.pool?.threads ?? 1): void {
    this.threads = threads;
    const sparse = wantSparse && this.sparseCapable;
    const i32 = this.arena.i32;
    const c = this.plan.control >> 2;
    i32[c + Word.ROWS] = count;
    i32[c + Word.FROM] = from;
    i32[c + Word.SPARSE] = sparse ? 1 : 0;
    i32[c + Word.DATA] = data.x;
    i32[c + Word.DATA_KIND] = data.kind;
    i32[c + Word.ORDER] = ordered ? data.order : 0;
    i32[c + Word.TARGETS] = data.y;
    i32[c + Word.DATA_RANGES] = data.ranges;
    i32[c + Word.DATA_ENTRIES] = data.entries;
    i32[c + Word.THREADS] = this.threads;
    i32[c + Word.AUGMENT] = 0;
    this.splitCsc(sparse ? this.threads : 0);
  }

  /** Shares the first layer's input units between `parts` parts of the batch's CSC, by their nonzeros. */
  private splitCsc(parts: number): void {
    const i32 = this.arena.i32;
    const c = this.plan.control >> 2;
    const units = this.plan.inputDim;
    const total = this.nonzerosBefore[units];
    i32[c + Word.CSC_PARTS] = parts;
    let unit = 0;
    i32[c + Word.CSC_SPLITS] = 0;
    for (let p = 1; p < parts; p++) {
      while (unit < units && this.nonzerosBefore[unit] < (total * p) / parts) unit++;
      i32[c + Word.CSC_SPLITS + p] = unit;
    }
    if (parts > 0) i32[c + Word.CSC_SPLITS + parts] = units;
  }

  private run(phase: number): void {
    try {
      if (!this.pool || this.threads === 1) {
        this.runner.runAll(phase);
        return;
      }
      this.pool.load(this.plan);
      this.pool.run(phase, this.runner.phaseItemsNow(phase).runs, () => this.runner.run(phase));
    } catch (error) {
      throw asKernelFault(error, phase);
    }
  }

  private rowTotals(count: number): { lossSum: number; correct: number } {
    const f64 = this.arena.f64;
    const at = this.plan.rowStats >> 3;
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < count; r++) {
      lossSum += f64[at + 2 * r];
      correct += f64[at + 2 * r + 1];
    }
    return { lossSum, correct };
  }
}

/**
 * A trap (out-of-bounds access, unreachable) or an AssemblyScript abort inside a kernel is a bug in
 * this library, never the user's input, which is checked before any kernel runs: it is reported as a
 * KernelFaultError that says what was running, not as a bare `RuntimeError: unreachable`.
 */
function asKernelFault(error: unknown, phase: number): unknown {
  const trapped = error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.message.startsWith('abort:'));
  if (!trapped) return error;
  return new KernelFaultError(
    `a WebAssembly kernel failed during ${PHASE_NAMES[phase] ?? `phase ${phase}`}: ${(error as Error).message} ` +
      '(a bug in mnist-wasm, not in your data: please report it)',
  );
}
