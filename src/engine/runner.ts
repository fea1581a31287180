// One thread's share of a phase of a plan: the same code runs on the main thread (thread 0) and in
// every worker, over the same shared memory, reading the phase's arguments from the control block.
//
// How the work splits keeps every float's order of summation, so any number of threads gives the
// same bits as one:
// - by rows of the batch for everything that is per row: the gather, the dropout masks, every layer's
//   forward pass, the loss and the input gradients (each row's dot products do not depend on other rows);
// - by input units (rows of W) for each dense layer's weight gradient and update: dW[i, :] sums over
//   the batch for one i, and the thread that computes it also owns W[i, :] and its optimizer state,
//   so nothing needs reducing. Thread 0 also takes the small bias gradients.
// - by output units (columns of W1, in 16-column strips) for a sparse first layer, the bulk of a
//   step: forward pass and update alike. Each thread then reads and writes only its own part of W1
//   and of its optimizer state, which stays in its core's cache; split by rows, every thread read all
//   of W1 each step, half of it just written by the other. The work is also split exactly (by the
//   main thread, evenly unless one thread is lastingly slower: see balance.ts), where the update's
//   split by input units could only be balanced by an estimate of each pixel's nonzeros.
//
// A thread does not work out its share of a phase at every step: the first time, and whenever the
// shape of the work changes (the rows of a last, smaller batch, another data set's kind), it writes
// the phase down as a program, a list of kernel calls with their arguments bound, and from then on
// runs that list. Only what changes from step to step is read as the program runs: the batch's rows
// (gather), the dropout key (masks) and the learning rate (updates). Worked out at every step, the
// share took about 0.1 ms of unoptimized JavaScript per step and thread: V8 optimizes a function once
// it has run enough of its own bytecode, which for functions run once a step took 400 to 700 steps,
// and their 30 to 90 ms of compiling then took turns with the training threads on both cores. The
// loop over a program is small, and V8 optimizes it in the first epoch in about a millisecond.

import type { Arena } from '../wasm/arena.js';
import type { Kernels } from '../wasm/kernels.js';
import {
  BUSY, COLUMN_SPLITS, CORRECTION1, CORRECTION2, DATA, DATA_ENTRIES, DATA_F32, DATA_KIND, DATA_RANGES, FROM, KEY0, KEY1, LEARNING_RATE,
  MAX_THREADS, ORDER, Phase, ROWS, SPARSE, SPLITS, TARGET_DATA, THREADS, share,
} from './control.js';
import { drawMaskRow, maskRowBytes } from './masks.js';
import { drawAugmentRow } from './augment.js';
import { Random } from '../random.js';
import { SPARSE_ENTRY_BYTES, type DenseInputOp, type ForwardOp, type LayerUpdate, type Plan } from './plan.js';

/** One call of a program: a kernel with its arguments bound, or a step that reads the control block as it runs. */
type Call = () => void;

/** What a phase's program depends on besides the plan: the phase, thread, threads, rows, then the words of KEYED, then both splits. */
const KEY_HEAD = 4;
const KEYED = [SPARSE, DATA_KIND, TARGET_DATA] as const;

/** Programs kept per phase: a fit's batches come in two sizes, its last one smaller. */
const PROGRAMS_PER_PHASE = 4;

interface Program {
  key: Int32Array;
  calls: Call[];
}

export class Runner {
  /** The kernels, run now. */
  private readonly kernels: Kernels;
  /** The kernels written down instead: each call is appended, with its arguments bound, to the program being built. */
  private readonly k: Kernels;
  private readonly plan: Plan;
  /** The memory's views, refreshed by the arena after growth; this thread reserves nothing from it. */
  private readonly arena: Arena;
  private i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** Reseeded for every row it augments. */
  private readonly random = new Random(0);
  /**
   * The backward op that gives a sparse first layer its dout, if it is a transposed input gradient
   * with nothing after it: a sparse step runs it in the update phase, by the first layer's columns
   * (see update), not by rows.
   */
  private readonly columnGradient: DenseInputOp | undefined;
  /** The last programs of each phase. */
  private readonly programs = new Map<number, Program[]>();
  /** The program being built. */
  private calls: Call[] = [];
  private readonly key = new Int32Array(KEY_HEAD + KEYED.length + 2 * (MAX_THREADS + 1));

  constructor(arena: Arena, plan: Plan) {
    this.kernels = arena.kernels;
    this.k = recorder(arena.kernels, (call) => this.calls.push(call));
    this.plan = plan;
    this.arena = arena;
    const last = plan.backward[plan.backward.length - 1];
    const firstLayer = plan.updates[plan.updates.length - 1];
    const onFirst = last?.kind === 'denseInput' && last.transposed && firstLayer?.input < 0 && last.dinput === firstLayer.dout;
    this.columnGradient = onFirst ? last : undefined;
  }

  /** Runs thread `thread`'s share of `phase`, with the arguments in the control block. */
  run(phase: number, thread: number): void {
    ({ i32: this.i32, f64: this.f64, f32: this.f32 } = this.arena);
    const calls = this.program(phase, thread);
    if (phase !== Phase.FirstLayer && phase !== Phase.Update) {
      execute(calls);
      return;
    }
    // timed for the columns' balance (see balance.ts)
    const started = performance.now();
    execute(calls);
    this.f64[(this.plan.control >> 3) + BUSY + thread] += performance.now() - started;
  }

  /** The program of thread `thread`'s share of `phase`, as the control block now asks for it: the last one, or a new one. */
  private program(phase: number, thread: number): Call[] {
    const c = this.plan.control >> 2;
    const i32 = this.i32;
    const key = this.key;
    const threads = i32[c + THREADS];
    key[0] = phase;
    key[1] = thread;
    key[2] = threads;
    key[3] = i32[c + ROWS];
    for (let i = 0; i < KEYED.length; i++) key[KEY_HEAD + i] = i32[c + KEYED[i]];
    const splits = KEY_HEAD + KEYED.length;
    const length = splits + 2 * (threads + 1);
    for (let t = 0; t <= threads; t++) {
      key[splits + t] = i32[c + SPLITS + t];
      key[splits + threads + 1 + t] = i32[c + COLUMN_SPLITS + t];
    }
    const programs = this.programs.get(phase);
    if (programs) for (let i = 0; i < programs.length; i++) if (sameKey(programs[i].key, key, length)) return programs[i].calls;
    return this.build(phase, thread, threads, length);
  }

  /** A new program for this.key (of `length` words), kept for its phase. */
  private build(phase: number, thread: number, threads: number, length: number): Call[] {
    let programs = this.programs.get(phase);
    if (!programs) this.programs.set(phase, (programs = []));
    this.calls = [];
    this.write(phase, thread, threads, this.key[3]);
    if (programs.length === PROGRAMS_PER_PHASE) programs.shift();
    programs.push({ key: this.key.slice(0, length), calls: this.calls });
    return this.calls;
  }

  /** Writes down thread `thread`'s share of `phase` as this.calls. */
  private write(phase: number, thread: number, threads: number, rows: number): void {
    if (phase === Phase.Update) {
      this.update(thread, threads, rows);
      return;
    }
    if (phase === Phase.FirstLayer) {
      this.firstLayer(thread, rows);
      return;
    }
    const [from, to] = share(rows, threads, thread);
    if (from === to) return;
    if (phase === Phase.TrainRows) {
      this.trainInput(from, to - from, thread);
      this.trainRest(from, to - from, rows, thread, 0);
    } else if (phase === Phase.TrainInput) {
      this.trainInput(from, to - from, thread);
    } else if (phase === Phase.TrainRest) {
      this.trainRest(from, to - from, rows, thread, 1, this.columnGradient);
    } else {
      this.inferRows(from, to - from, thread);
    }
  }

  /** Gathers (or augments) this thread's rows of the batch and draws their dropout masks. */
  private trainInput(first: number, count: number, thread: number): void {
    const plan = this.plan;
    if (plan.augment && this.i32[(plan.control >> 2) + DATA_KIND] !== DATA_F32) this.calls.push(() => this.augment(first, count, thread));
    else this.calls.push(() => this.gather(first, count));
    if (plan.masks.length > 0) this.calls.push(() => this.drawMasks(first, count));
  }

  /** Draws the dropout masks of rows [first, first + count) with this step's key. */
  private drawMasks(first: number, count: number): void {
    const plan = this.plan;
    const c = plan.control >> 2;
    const key0 = this.i32[c + KEY0];
    const key1 = this.i32[c + KEY1];
    for (let layer = 0; layer < plan.masks.length; layer++) {
      const spec = plan.masks[layer];
      const words = maskRowBytes(spec.dim) >> 2;
      for (let r = first; r < first + count; r++) drawMaskRow(this.i32, (spec.mask >> 2) + r * words, spec.dim, spec.threshold, key0, key1, r, layer);
    }
  }

  /**
   * A sparse first layer's forward pass over every row of the batch, for this thread's columns; and
   * the CSC of this thread's input units, which the update reads.
   */
  private firstLayer(thread: number, rows: number): void {
    const { plan, k } = this;
    const op = plan.training[0];
    if (op.kind !== 'dense') return;
    const [from, to] = this.columns(thread);
    if (to > from) {
      k.denseForwardSparse(op.output + from * 4, plan.rowRange, plan.csrEntries, op.weight + from * 4, op.bias && op.bias + from * 4,
        op.mask && op.mask + from / 8, op.scale, rows, op.inDim, to - from, op.outDim, op.relu, this.scratch(thread));
    }
    const [unit, end, start, entries] = this.cscPart(thread);
    if (end > unit) k.transposeSparse(start, entries, plan.rowRange, plan.csrEntries, rows, unit, end);
  }

  /** The forward pass from op `firstOp` on, the loss and the input gradients (but `skip`) of this thread's rows. */
  private trainRest(first: number, count: number, batchRows: number, thread: number, firstOp: number, skip?: DenseInputOp): void {
    const { plan, k } = this;
    this.forward(plan.training, first, count, thread, firstOp);
    const classes = plan.outputDim;
    const at = first * classes * 4;
    k.softmaxCrossEntropy(plan.dlogits + at, plan.rowStats + first * 16, plan.trainingLogits + at, plan.targets + at, count, classes, 1 / batchRows);
    for (const op of plan.backward) {
      if (op === skip) continue;
      if (op.kind === 'denseInput') {
        if (op.transposed) this.transposedInputGradient(op, thread, first, count, 0, op.inDim);
        else k.denseInputGradient(op.dinput + first * op.inDim * 4, op.dout + first * op.outDim * 4, op.weight, count, op.inDim, op.outDim);
      } else if (op.kind === 'relu') {
        const at = first * op.dim * 4;
        k.reluBackward(op.dout + at, op.dout + at, op.output + at, count * op.dim);
      } else {
        const at = first * op.dim * 4;
        k.dropoutApply(op.dout + at, op.dout + at, op.mask + first * maskRowBytes(op.dim), count, op.dim, op.scale);
      }
    }
  }

  private inferRows(first: number, count: number, thread: number): void {
    const { plan, k } = this;
    this.calls.push(() => this.gather(first, count));
    this.forward(plan.inference, first, count, thread);
    if (this.i32[(plan.control >> 2) + TARGET_DATA] === 0) return;
    const classes = plan.outputDim;
    const at = first * classes * 4;
    k.softmaxCrossEntropy(plan.dlogits + at, plan.rowStats + first * 16, plan.inferenceLogits + at, plan.targets + at, count, classes, 1);
  }

  /**
   * Distorts this thread's rows of the batch into the plan's image buffer (draws, then the kernel),
   * and gathers them from there; their targets still come from the data set, row for row.
   */
  private augment(first: number, count: number, thread: number): void {
    const { plan, kernels: k } = this;
    const a = plan.augment!;
    const c = plan.control >> 2;
    const key0 = this.i32[c + KEY0];
    const key1 = this.i32[c + KEY1];
    for (let r = first; r < first + count; r++) {
      drawAugmentRow(this.f32 as Float32Array, (a.params >> 2) + r * a.paramStride, a, this.random, key0, key1, r);
    }
    const pixels = a.width * a.height;
    k.augmentRows(a.images + first * pixels, this.i32[c + DATA], this.i32[c + ORDER], this.i32[c + FROM] + first, count, a.width, a.height,
      a.params + first * a.paramStride * 4, a.paramStride, a.basisX, a.basisY, a.k, a.stride, a.scratch + thread * a.scratchBytes, a.cutoff);
    this.gather(first, count, { data: a.images, order: a.identity, from: first });
  }

  /** Copies this thread's rows of the batch (and their targets) out of the data set, by the order. */
  private gather(first: number, count: number, source?: { data: number; order: number; from: number }): void {
    const { plan, kernels: k } = this;
    const c = plan.control >> 2;
    const i32 = this.i32;
    const data = source?.data ?? i32[c + DATA];
    const order = source?.order ?? i32[c + ORDER];
    const from = source?.from ?? i32[c + FROM] + first;
    const width = plan.inputDim;
    const f32 = i32[c + DATA_KIND] === DATA_F32;
    if (i32[c + SPARSE]) {
      const range = plan.rowRange + first * 8;
      // Each row may hold up to `width` entries: thread by thread, rows fill disjoint parts of the arrays.
      if (i32[c + DATA_RANGES] && !source) k.gatherSparseRows(range, plan.csrEntries, i32[c + DATA_RANGES], i32[c + DATA_ENTRIES], order, from, count, first * width);
      else if (f32) k.gatherSparseF32(range, plan.csrEntries, data, order, from, count, width, first * width);
      else k.gatherSparseU8(range, plan.csrEntries, data, order, from, count, width, plan.table, first * width);
    } else if (f32) {
      k.gatherRowsF32(plan.x + first * width * 4, data, order, from, count, width);
    } else {
      k.gatherRowsU8(plan.x + first * width * 4, data, order, from, count, width, plan.table);
    }
    const targets = i32[c + TARGET_DATA];
    if (targets) k.gatherRowsF32(plan.targets + first * plan.outputDim * 4, targets, i32[c + ORDER], i32[c + FROM] + first, count, plan.outputDim);
  }

  private forward(ops: ForwardOp[], first: number, count: number, thread: number, firstOp = 0): void {
    const k = this.k;
    const sparse = this.i32[(this.plan.control >> 2) + SPARSE] !== 0;
    for (let index = firstOp; index < ops.length; index++) {
      const op = ops[index];
      if (op.kind === 'dense') {
        const out = op.output + first * op.outDim * 4;
        const mask = op.mask ? op.mask + first * maskRowBytes(op.outDim) : 0;
        if (op.sparseInput && sparse) {
          const { rowRange, csrEntries } = this.plan;
          k.denseForwardSparse(out, rowRange + first * 8, csrEntries, op.weight, op.bias, mask, op.scale, count, op.inDim, op.outDim,
            op.outDim, op.relu, this.scratch(thread));
        } else {
          k.denseForward(out, op.input + first * op.inDim * 4, op.weight, op.bias, mask, op.scale, count, op.inDim, op.outDim, op.relu);
        }
        continue;
      }
      const at = first * op.dim * 4;
      if (op.kind === 'relu') k.reluForward(op.output + at, op.input + at, count * op.dim);
      else if (op.kind === 'dropout') k.dropoutApply(op.output + at, op.input + at, op.mask + first * maskRowBytes(op.dim), count, op.dim, op.scale);
      else k.softmax(op.output + at, op.input + at, count, op.dim);
    }
  }

  /**
   * The weight gradients and updates. In a sparse step each thread first computes the first layer's
   * dout for its columns of that layer (see columnGradient), from the rows of the layer above's W
   * that it then updates itself, and the layer above splits by those same units: so a thread reads
   * only what it wrote itself in this phase, and dout's columns stay in the cache of the core that
   * updates the first layer's columns with them.
   */
  private update(thread: number, threads: number, rows: number): void {
    const { plan, k } = this;
    const c = plan.control >> 2;
    const sparse = this.i32[c + SPARSE] !== 0;
    const columns = sparse ? this.columnGradient : undefined;
    if (columns) this.transposedInputGradient(columns, thread, 0, rows, ...this.columns(thread));
    for (const layer of plan.updates) {
      const first = layer.input < 0;
      const { inDim, outDim } = layer;
      if (first && sparse) {
        this.updateSparse(layer, thread, threads, rows);
      } else {
        const above = columns !== undefined && layer.dout === columns.dout && inDim === columns.inDim;
        // The first layer's split comes from the main thread, balanced by the data's nonzeros per input.
        const [from, to] = first ? this.inputUnits(thread) : above ? this.columns(thread) : share(inDim, threads, thread);
        if (to > from) {
          const offset = layer.weight + from * outDim;
          const input = first ? plan.x : layer.input;
          k.denseWeightGradient(plan.grads + offset * 4, layer.dout, input + from * 4, rows, to - from, outDim, inDim);
          this.calls.push(() => this.optimize(offset, (to - from) * outDim));
        }
      }
      if (layer.bias < 0) continue;
      if (first && sparse) {
        // by the same columns: in this phase, this thread wrote these columns of dout itself
        const [from, to] = this.columns(thread);
        if (to === from) continue;
        k.denseBiasGradient(plan.grads + (layer.bias + from) * 4, layer.dout + from * 4, rows, to - from, outDim);
        this.calls.push(() => this.optimize(layer.bias + from, to - from));
      } else if (thread === 0) {
        k.denseBiasGradient(plan.grads + layer.bias * 4, layer.dout, rows, outDim, outDim);
        this.calls.push(() => this.optimize(layer.bias, outDim));
      }
    }
  }

  /**
   * A transposed input gradient `op` for rows [first, first + count) and columns [from, to) of its
   * dinput (from a multiple of 8), from those rows of W alone: by rows in trainRest, by the first
   * layer's columns in update (see columnGradient).
   */
  private transposedInputGradient(op: DenseInputOp, thread: number, first: number, count: number, from: number, to: number): void {
    if (to === from || count === 0) return;
    const { k } = this;
    const weightT = this.scratch(thread);
    const row = first * op.inDim * 4 + from * 4;
    k.transpose(weightT + from * 4, op.weight + from * op.outDim * 4, to - from, op.outDim, op.inDim);
    k.denseInputGradientTransposed(op.dinput + row, op.dout + first * op.outDim * 4, weightT + from * 4, count, to - from, op.outDim, op.inDim,
      op.mask && op.mask + first * maskRowBytes(op.inDim) + from / 8, op.scale, op.gate && op.gate + row);
  }

  /**
   * A sparse first layer's weight gradient and update for this thread's columns, over every input
   * unit: from the CSC part of each thread's input units in turn (see firstLayer).
   */
  private updateSparse(layer: LayerUpdate, thread: number, threads: number, rows: number): void {
    const { plan, k, kernels } = this;
    const optimizer = plan.optimizer!;
    const { inDim, outDim } = layer;
    const [from, to] = this.columns(thread);
    if (to === from) return;
    for (let part = 0; part < threads; part++) {
      const [unit, end, start, entries] = this.cscPart(part);
      if (end === unit) continue;
      const offset = (layer.weight + unit * outDim + from) * 4;
      const dout = layer.dout + from * 4;
      if (optimizer.rule === 'adam') {
        k.denseWeightGradientSparse(plan.grads + offset, start, entries, dout, rows, end - unit, to - from, outDim, this.scratch(thread));
      } else {
        const weight = plan.params + offset;
        const velocity = optimizer.rule === 'momentum' ? plan.state[0] + offset : 0;
        const units = end - unit;
        const columns = to - from;
        const scratch = this.scratch(thread);
        const { momentum, weightDecay, nesterov } = optimizer;
        this.calls.push(() => kernels.denseWeightUpdateSparse(weight, velocity, start, entries, dout, rows, units, columns, outDim,
          this.learningRate(), momentum, weightDecay, nesterov, scratch));
      }
    }
    if (optimizer.rule === 'adam') {
      for (let unit = 0; unit < inDim; unit++) {
        const offset = layer.weight + unit * outDim + from;
        this.calls.push(() => this.optimize(offset, to - from));
      }
    }
  }

  /** Thread `thread`'s columns of a sparse first layer (and rows of the layer above's W), from the main thread (see balance.ts). */
  private columns(thread: number): [number, number] {
    const at = (this.plan.control >> 2) + COLUMN_SPLITS + thread;
    return [this.i32[at], this.i32[at + 1]];
  }

  /** Thread `thread`'s range of the first layer's input units, from the main thread: balanced by the data's nonzeros per input. */
  private inputUnits(thread: number): [number, number] {
    const at = (this.plan.control >> 2) + SPLITS + thread;
    return [this.i32[at], this.i32[at + 1]];
  }

  /**
   * Thread `thread`'s part of the batch's CSC: its input units [unit, end), and where their column
   * starts and their entries lie. Each input unit may hold up to `capacity` entries, so thread by
   * thread the parts fill disjoint regions.
   */
  private cscPart(thread: number): [number, number, number, number] {
    const { plan } = this;
    const [unit, end] = this.inputUnits(thread);
    return [unit, end, plan.cscStart + (unit + thread) * 4, plan.cscEntries + unit * plan.capacity * SPARSE_ENTRY_BYTES];
  }

  private scratch(thread: number): number {
    return this.plan.scratch + thread * this.plan.scratchBytes;
  }

  private learningRate(): number {
    return this.f64[(this.plan.control >> 3) + LEARNING_RATE];
  }

  /** Applies the optimizer to `count` parameters from float offset `offset`, at this step's learning rate. */
  private optimize(offset: number, count: number): void {
    const { plan, kernels: k } = this;
    const o = plan.optimizer!;
    const f = plan.control >> 3;
    const lr = this.learningRate();
    const at = offset * 4;
    if (o.rule === 'adam') {
      k.adamUpdate(plan.params + at, plan.grads + at, plan.state[0] + at, plan.state[1] + at, count, lr,
        o.beta1, o.beta2, o.epsilon, o.weightDecay, this.f64[f + CORRECTION1], this.f64[f + CORRECTION2]);
    } else if (o.rule === 'momentum') {
      k.sgdMomentumUpdate(plan.params + at, plan.grads + at, plan.state[0] + at, count, lr, o.momentum, o.weightDecay, o.nesterov);
    } else {
      k.sgdUpdate(plan.params + at, plan.grads + at, count, lr, o.weightDecay);
    }
  }
}

/** Runs a program. Apart from what finds the program, so that V8 optimizes this loop alone: early, and in a moment. */
function execute(calls: readonly Call[]): void {
  for (let i = 0; i < calls.length; i++) calls[i]();
}

function sameKey(a: Int32Array, b: Int32Array, length: number): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Kernels that run nothing: each call goes to `append`, bound to its arguments, to be run later. */
function recorder(kernels: Kernels, append: (call: Call) => void): Kernels {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(kernels)) {
    if (typeof value === 'function') record[name] = (...args: unknown[]) => append((value as (...a: unknown[]) => void).bind(null, ...args));
  }
  return record as unknown as Kernels;
}
