// One fit, evaluate or predict call on the main thread: it leases memory for the call's data sets
// and batches, copies the data sets in once (uint8 images stay uint8), builds the plan, and then runs
// phases of the plan, on the main thread alone or with a pool of workers. A training step thus copies nothing from
// JavaScript at all: the threads gather their rows out of the data set in linear memory.
//
// A training set that goes through the sparse first layer is also compressed once, whole, into CSR
// (see assembly/sparse.ts): a step's gather then copies its rows' entries as they are, instead of
// scanning every pixel of its rows for the nonzeros. The images themselves then stay out of linear
// memory: on MNIST, 72 MB of CSR (about 150 nonzeros of 8 bytes per image) take the place of 47 MB.

import type { Topology } from '../network/topology.js';
import type { WorkerPool } from '../threads/pool.js';
import type { Arena } from '../wasm/arena.js';
import { alignUp } from '../wasm/arena.js';
import { countNonzeros, type Inputs, UINT8_SCALE } from '../data/inputs.js';
import {
  BUSY, COLUMN_SPLITS, CORRECTION1, CORRECTION2, DATA, DATA_F32, DATA_KIND, DATA_RANGES, DATA_ENTRIES, DATA_U8, FROM, KEY0, KEY1,
  LEARNING_RATE, ORDER, Phase, ROWS, SPARSE, SPLITS, TARGET_DATA, THREADS, share,
} from './control.js';
import { ColumnBalance } from './balance.js';
import { SPARSE_ENTRY_BYTES, buildPlan, type ModelRegions, type Plan, type UpdateRule } from './plan.js';
import { Runner } from './runner.js';
import type { Random } from '../random.js';
import { KernelFaultError } from '../errors.js';
import type { AugmentConfig } from './augment.js';

const PHASE_NAMES: Record<number, string> = {
  [Phase.TrainRows]: 'the forward and backward pass of a batch',
  [Phase.Update]: 'the weight gradients and the update',
  [Phase.InferRows]: 'the inference pass',
  [Phase.TrainInput]: 'the gather of a batch',
  [Phase.FirstLayer]: "the first layer's forward pass",
  [Phase.TrainRest]: 'the forward and backward pass of a batch',
};

/**
 * A trap (out-of-bounds access, unreachable) or an AssemblyScript abort inside a kernel is a bug in
 * this library, never the user's input, which is checked before any kernel runs: it is reported as a
 * KernelFaultError that says what was running, not as a bare `RuntimeError: unreachable`.
 */
export function asKernelFault(error: unknown, phase: number): unknown {
  const trapped = error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.message.startsWith('abort:'));
  if (!trapped) return error;
  return new KernelFaultError(
    `a WebAssembly kernel failed during ${PHASE_NAMES[phase] ?? `phase ${phase}`}: ${(error as Error).message} ` +
      '(a bug in mnist-wasm, not in your data: please report it)',
  );
}

/** What a session needs of a model. */
export interface SessionModel {
  arena: Arena;
  topology: Topology;
  regions: ModelRegions;
}

/** A data set to copy in: inputs, targets if the call has them, and whether to give it a row order. */
export interface DataSpec {
  x: Inputs;
  y?: Float32Array;
  rows: number;
  ordered?: boolean;
  /** Whether to compress the inputs into CSR once, for a sparse first layer (see CSR_GROWTH). */
  csr?: boolean;
}

interface DataSet {
  x: number;
  kind: number;
  y: number;
  order: number;
  rows: number;
  /** The inputs in CSR: (rows, 2) i32 row ranges into `entries`; both 0 if not compressed. */
  ranges: number;
  entries: number;
}

/** Rows sampled to balance the first layer's work between threads by its inputs' nonzeros. */
const BALANCE_SAMPLE_ROWS = 2048;
/**
 * The most memory a data set's CSR may take, as a multiple of its inputs' (which it replaces) and in
 * bytes; a denser or larger set is gathered batch by batch. MNIST's uint8 images (19% nonzero) take
 * 1.5 times their size; Fashion-MNIST's (50%) would take 4 times, 187 MB.
 */
const CSR_GROWTH = 2;
const CSR_MAX_BYTES = 256 * 2 ** 20;

export class Session {
  readonly plan: Plan;
  readonly sets: readonly DataSet[];
  private readonly arena: Arena;
  private readonly runner: Runner;
  private pool: WorkerPool | undefined;
  private closed = false;
  private readonly balance: Float64Array;
  /** How a sparse first layer's columns are shared between this many threads (see balance.ts). */
  private columnBalance: ColumnBalance | undefined;

  /** Leases memory and copies the data sets in; `optimizer` undefined makes an inference-only session. */
  constructor(model: SessionModel, capacity: number, data: readonly DataSpec[], optimizer?: UpdateRule, augment?: AugmentConfig) {
    const { arena, topology } = model;
    this.arena = arena;
    const { inputDim, outputDim } = topology;
    let bytes = 0;
    const offsets = data.map((spec) => {
      const layout = layOut(spec, inputDim, outputDim, bytes);
      bytes = layout.end;
      return layout;
    });
    const start = arena.leaseStart;
    const planBytes = buildPlan(topology, model.regions, optimizer, capacity, start + bytes, augment).bytes;
    const base = arena.lease(bytes + planBytes);
    this.plan = buildPlan(topology, model.regions, optimizer, capacity, base + bytes, augment).plan;
    if (augment && this.plan.augment) {
      const at = this.plan.augment;
      arena.f32.set(augment.basisX, at.basisX >> 2);
      arena.f32.set(augment.basisY, at.basisY >> 2);
      arena.i32.set(Int32Array.from({ length: capacity }, (_, r) => r), at.identity >> 2);
    }

    arena.f32.set(UINT8_SCALE, this.plan.table >> 2);
    const u8 = arena.u8;
    this.sets = data.map((spec, i) => {
      const at = offsets[i];
      const set: DataSet = {
        x: at.csr ? 0 : base + at.x, kind: at.wide ? DATA_F32 : DATA_U8, y: spec.y ? base + at.y : 0,
        order: spec.ordered ? base + at.order : 0, rows: spec.rows,
        ranges: at.csr ? base + at.ranges : 0, entries: at.csr ? base + at.entries : 0,
      };
      if (at.csr) this.compress(set, spec.x);
      else u8.set(new Uint8Array(spec.x.buffer, spec.x.byteOffset, spec.x.byteLength), set.x);
      if (spec.y) arena.f32.set(spec.y, set.y >> 2);
      if (set.order) arena.i32.set(Int32Array.from({ length: spec.rows }, (_, r) => r), set.order >> 2);
      return set;
    });
    this.balance = data.length > 0 ? nonzerosPerInput(data[0].x, inputDim) : new Float64Array(inputDim).fill(1);
    this.runner = new Runner(arena, this.plan);
  }

  /**
   * Writes a data set's inputs as CSR (its ranges and entries), a few rows at a time through the
   * plan's batch buffer: the set itself never needs to be in linear memory.
   */
  private compress(set: DataSet, x: Inputs): void {
    const { plan, arena } = this;
    const k = arena.kernels;
    const rowBytes = plan.inputDim * x.BYTES_PER_ELEMENT;
    const chunk = Math.floor((plan.capacity * plan.inputDim * 4) / rowBytes);
    let first = 0;
    for (let row = 0; row < set.rows; row += chunk) {
      const count = Math.min(chunk, set.rows - row);
      const rows = x.subarray(row * plan.inputDim, (row + count) * plan.inputDim);
      arena.u8.set(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength), plan.x);
      const ranges = set.ranges + row * 8;
      if (x instanceof Float32Array) k.gatherSparseF32(ranges, set.entries, plan.x, 0, 0, count, plan.inputDim, first);
      else k.gatherSparseU8(ranges, set.entries, plan.x, 0, 0, count, plan.inputDim, plan.table, first);
      first = arena.i32[(ranges >> 2) + 2 * count - 1];
    }
  }

  /** Runs the phases on this pool's threads too (its memory must be the model's), or on the main thread alone. */
  usePool(pool: WorkerPool | undefined): void {
    this.pool = pool;
  }

  private get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** A data set's row order, as a view of the arena (valid until the memory grows). */
  order(set: number): Uint32Array {
    const { order, rows } = this.sets[set];
    return new Uint32Array(this.arena.u8.buffer, order, rows);
  }

  /** Shuffles a data set's row order. */
  shuffle(set: number, random: Random): void {
    const { order, rows } = this.sets[set];
    random.shuffle(new Uint32Array(this.arena.u8.buffer, order, rows));
  }

  /**
   * Forward and backward over rows [from, from + count) of data set `set` (in its order): returns the
   * summed loss and the number of rows classified right. The weights are not touched yet.
   */
  trainRows(set: number, from: number, count: number, sparse: boolean, random: Random): { lossSum: number; correct: number } {
    this.setArguments(this.sets[set], from, count, sparse, true);
    const c = this.plan.control >> 2;
    const i32 = this.arena.i32;
    i32[c + KEY0] = random.nextUint32() | 0;
    i32[c + KEY1] = random.nextUint32() | 0;
    if (sparse) {
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
    const f = this.plan.control >> 3;
    f64[f + LEARNING_RATE] = lr;
    f64[f + CORRECTION1] = correction1;
    f64[f + CORRECTION2] = correction2;
    this.run(Phase.Update);
    // the column phases' times of a sparse step (the last trainRows' arguments are still in place)
    if (this.arena.i32[(this.plan.control >> 2) + SPARSE] && this.threads > 1) this.columnBalance?.record(f64, f + BUSY);
    f64.fill(0, f + BUSY, f + BUSY + this.threads);
  }

  /** Mean loss and accuracy over a data set with targets, in batches of the plan's capacity. */
  evaluate(set: number, sparse: boolean): [number, number] {
    const data = this.sets[set];
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < data.rows; from += this.plan.capacity) {
      const count = Math.min(this.plan.capacity, data.rows - from);
      this.setArguments(data, from, count, sparse, false);
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

  private setArguments(data: DataSet, from: number, count: number, sparse: boolean, ordered: boolean): void {
    const i32 = this.arena.i32;
    const c = this.plan.control >> 2;
    i32[c + ROWS] = count;
    i32[c + FROM] = from;
    i32[c + SPARSE] = sparse ? 1 : 0;
    i32[c + DATA] = data.x;
    i32[c + DATA_KIND] = data.kind;
    i32[c + ORDER] = ordered ? data.order : 0;
    i32[c + TARGET_DATA] = data.y;
    i32[c + DATA_RANGES] = data.ranges;
    i32[c + DATA_ENTRIES] = data.entries;
    i32[c + THREADS] = this.threads;
    // Written for every call: a nested call (a predict in a callback) shares the control block.
    this.splitFirstLayer(sparse);
    this.splitColumns();
  }

  /** The first layer's columns per thread, as its balance has them: even to begin with. */
  private splitColumns(): void {
    const first = this.plan.training[0];
    const columns = first?.kind === 'dense' ? first.outDim : 0;
    if (this.columnBalance?.threads !== this.threads) this.columnBalance = new ColumnBalance(columns, this.threads);
    this.arena.i32.set(this.columnBalance.boundaries, (this.plan.control >> 2) + COLUMN_SPLITS);
  }

  /** The first layer's input units per thread: by nonzeros for sparse batches, evenly otherwise. */
  private splitFirstLayer(sparse: boolean): void {
    const i32 = this.arena.i32;
    const at = (this.plan.control >> 2) + SPLITS;
    const units = this.plan.inputDim;
    if (!sparse) {
      for (let t = 0; t <= this.threads; t++) i32[at + t] = t === this.threads ? units : share(units, this.threads, t)[0];
      return;
    }
    const total = this.balance[units];
    let unit = 0;
    i32[at] = 0;
    for (let t = 1; t < this.threads; t++) {
      while (unit < units && this.balance[unit] < (total * t) / this.threads) unit++;
      i32[at + t] = unit;
    }
    i32[at + this.threads] = units;
  }

  private run(phase: number): void {
    try {
      if (!this.pool) {
        this.runner.run(phase, 0);
        return;
      }
      this.pool.load(this.plan);
      this.pool.run(phase, () => this.runner.run(phase, 0));
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
 * Where a data set goes, from byte `start` of the call's lease: inputs (or, for a set compressed to
 * CSR, its row ranges and entries instead), targets, row order; and where the next set may start.
 */
function layOut(spec: DataSpec, inputDim: number, outputDim: number, start: number) {
  let bytes = start;
  const take = (size: number): number => {
    const at = bytes;
    bytes = alignUp(bytes + size);
    return at;
  };
  const wide = spec.x instanceof Float32Array;
  const nonzeros = spec.csr ? countNonzeros(spec.x) : 0;
  const csrBytes = nonzeros * SPARSE_ENTRY_BYTES;
  const csr = spec.csr === true && csrBytes <= CSR_GROWTH * spec.x.byteLength && csrBytes <= CSR_MAX_BYTES;
  const x = csr ? 0 : take(spec.rows * inputDim * (wide ? 4 : 1));
  const ranges = csr ? take(spec.rows * 8) : 0;
  const entries = csr ? take(nonzeros * SPARSE_ENTRY_BYTES) : 0;
  const y = spec.y ? take(spec.rows * outputDim * 4) : 0;
  const order = spec.ordered ? take(spec.rows * 4) : 0;
  return { x, wide, csr, ranges, entries, y, order, end: bytes };
}

/** Cumulative nonzeros per input (entry u counts inputs before u; entry `width` is the total) over the first rows. */
function nonzerosPerInput(x: Inputs, width: number): Float64Array {
  const rows = Math.min(x.length / width, BALANCE_SAMPLE_ROWS);
  const counts = new Float64Array(width + 1);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) if (x[r * width + c] !== 0) counts[c + 1]++;
  for (let c = 0; c < width; c++) counts[c + 1] += counts[c];
  return counts;
}
