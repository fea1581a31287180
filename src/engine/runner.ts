// One thread's part of a phase of a plan: the same code runs on the main thread (thread 0) and in
// every worker, over the same shared memory, reading the phase's arguments from the control block.
// A phase is cut into work items (phases.ts); each thread claims items until none is left
// (threads/queue.ts), and runs each item's program.
//
// A thread does not work out an item at every step: the first time, and whenever the shape of the
// work changes (the rows of a last, smaller batch, another data set's kind), it writes the item down
// as a program, a list of kernel calls with their arguments bound, and from then on runs that list.
// Only what changes from step to step is read as the program runs: the batch's rows (gather), the
// dropout key (masks) and the learning rate (updates). Worked out at every step, a thread's share
// took about 0.1 ms of unoptimized JavaScript per step: V8 optimizes a function once it has run
// enough of its own bytecode, which for functions run once a step took 400 to 700 steps, and their
// 30 to 90 ms of compiling then took turns with the training threads on both cores. The loop over a
// program is small, and V8 optimizes it in the first epoch in about a millisecond.

import type { Arena } from '../wasm/arena.js';
import type { Kernels } from '../wasm/kernels.js';
import { claimItem } from '../threads/queue.js';
import { Slot, Word } from './arguments.js';
import { trainInput, gather } from './batch.js';
import { LAYER_KINDS } from './layers/index.js';
import { forwardOutputs, forwardRows, transposePart, updateOutputs } from './layers/dense-sparse.js';
import type { DenseOp } from './layers/dense.js';
import type { StepContext } from './layers/kind.js';
import { crossEntropy } from './layers/softmax.js';
import { Phase, phaseItems, type Item, type PhaseItems } from './phases.js';
import type { ForwardOp, Plan } from './plan-types.js';
import { applyUpdate } from './update.js';

/** One call of a program: a kernel with its arguments bound, or a step that reads the control block as it runs. */
type Call = () => void;

/** The control words a program depends on besides its phase and item. */
const KEYED = [Word.ROWS, Word.SPARSE, Word.DATA_KIND, Word.TARGETS, Word.THREADS, Word.CSC_PARTS, Word.AUGMENT] as const;
/** Programs kept per phase and item: a fit's batches come in two sizes, its last one smaller. */
const PROGRAMS_PER_ITEM = 4;

interface Program {
  key: Int32Array;
  calls: Call[];
}

export class Runner implements StepContext {
  readonly plan: Plan;
  readonly kernels: Kernels;
  readonly thread: number;
  readonly scratch: number;
  /** A recorder of kernel calls: each is written into the program being built, not run (see StepContext.emit). */
  readonly emit: Kernels;
  sparse = false;
  rows = 0;
  cscParts = 0;
  /** The memory's views, refreshed by the arena after growth; this thread reserves nothing from it. */
  private readonly arena: Arena;
  private readonly views: { i32: Int32Array; f32: Float32Array; f64: Float64Array } = { i32: new Int32Array(0), f32: new Float32Array(0), f64: new Float64Array(0) };
  private readonly control: number;
  /** The last programs of each phase and item, by `phase << 16 | item`. */
  private readonly programs = new Map<number, Program[]>();
  /** The items of each phase, by phase and the words that shape them (see phaseItemsNow). */
  private readonly items = new Map<number, PhaseItems>();
  /** The program being built. */
  private calls: Call[] = [];
  private readonly key = new Int32Array(KEYED.length + 2 + 17);

  constructor(arena: Arena, plan: Plan, thread: number) {
    this.arena = arena;
    this.plan = plan;
    this.kernels = arena.kernels;
    this.thread = thread;
    this.scratch = plan.scratch + thread * plan.scratchBytes;
    this.control = plan.control >> 2;
    this.emit = recorder(arena.kernels, (call) => this.calls.push(call));
  }

  /** Runs every item of `phase` that this thread claims, with the arguments in the control block. */
  run(phase: number): void {
    const { items } = this.phaseItemsNow(phase);
    for (let item = claimItem(this.views.i32, this.control, this.thread); item >= 0; item = claimItem(this.views.i32, this.control, this.thread)) {
      execute(this.program(phase, item, items));
    }
  }

  /** Runs item `item` of `phase` alone (after phaseItemsNow). */
  runItem(phase: number, item: number): void {
    execute(this.program(phase, item, this.phaseItemsNow(phase).items));
  }

  /** Runs every item of `phase` in order, on this thread alone. */
  runAll(phase: number): void {
    const { items } = this.phaseItemsNow(phase);
    for (let item = 0; item < items.length; item++) execute(this.program(phase, item, items));
  }

  /** The items of `phase` as the control block now describes the batch (the memory's views refreshed first). */
  phaseItemsNow(phase: number): PhaseItems {
    // Updated in place, once a phase: the programs' steps read these fields as they run.
    const views = this.views;
    views.i32 = this.arena.i32;
    views.f32 = this.arena.f32;
    views.f64 = this.arena.f64;
    const i32 = views.i32;
    const rows = i32[this.control + Word.ROWS];
    const sparse = i32[this.control + Word.SPARSE] !== 0;
    const parts = i32[this.control + Word.CSC_PARTS];
    const threads = i32[this.control + Word.THREADS];
    // A number, not a string, so that looking the items up allocates nothing: phases < 8, parts and threads ≤ MAX_THREADS < 32.
    const key = phase + 8 * (Number(sparse) + 2 * (threads + 32 * (parts + 32 * rows)));
    let items = this.items.get(key);
    if (!items) this.items.set(key, (items = phaseItems(this.plan, phase, rows, sparse, parts, threads)));
    return items;
  }

  word(index: number): number {
    return this.views.i32[this.control + index];
  }

  f32(): Float32Array {
    return this.views.f32;
  }

  i32(): Int32Array {
    return this.views.i32;
  }

  learningRate(): number {
    return this.views.f64[(this.plan.control >> 3) + Slot.LEARNING_RATE];
  }

  later(step: () => void): void {
    this.calls.push(step);
  }

  optimize(offset: number, count: number): void {
    this.calls.push(() => applyUpdate(this.plan, this.kernels, this.views.f64, offset, count));
  }

  cscUnits(part: number): [number, number] {
    const at = this.control + Word.CSC_SPLITS + part;
    return [this.views.i32[at], this.views.i32[at + 1]];
  }

  /** The program of item `item` of `phase`, as the control block now asks for it: the last one, or a new one. */
  private program(phase: number, item: number, items: Item[]): Call[] {
    const key = this.key;
    const i32 = this.views.i32;
    let length = 0;
    for (const word of KEYED) key[length++] = i32[this.control + word];
    const parts = i32[this.control + Word.CSC_PARTS];
    for (let p = 0; p <= parts; p++) key[length++] = i32[this.control + Word.CSC_SPLITS + p];
    const id = phase * 65536 + item;
    let programs = this.programs.get(id);
    if (programs) for (const program of programs) if (sameKey(program.key, key, length)) return program.calls;
    if (!programs) this.programs.set(id, (programs = []));
    this.sparse = i32[this.control + Word.SPARSE] !== 0;
    this.rows = i32[this.control + Word.ROWS];
    this.cscParts = parts;
    this.calls = [];
    this.write(phase, items[item]);
    if (programs.length === PROGRAMS_PER_ITEM) programs.shift();
    programs.push({ key: key.slice(0, length), calls: this.calls });
    return this.calls;
  }

  /** Writes down item `item` of `phase` as this.calls. */
  private write(phase: number, item: Item): void {
    const { plan } = this;
    if (item.kind === 'outputs') {
      if (phase === Phase.FirstLayer) forwardOutputs(item.block, this);
      else updateOutputs(item.block, this);
    } else if (item.kind === 'csc') {
      transposePart(item.part, this);
    } else if (item.kind === 'update') {
      const op = plan.updates[item.layer];
      LAYER_KINDS[op.kind].update!(op, item.item, this);
    } else if (phase === Phase.InferRows) {
      this.inferRows(item.first, item.count);
    } else {
      if (phase !== Phase.TrainRest) trainInput(item.first, item.count, this);
      if (phase !== Phase.TrainInput) this.trainRest(item.first, item.count, phase === Phase.TrainRest);
    }
  }

  /** Forward, loss and input gradients of rows [first, first + count); after the first layer if `afterFirst` (a sparse step). */
  private trainRest(first: number, count: number, afterFirst: boolean): void {
    const { plan } = this;
    this.forward(plan.training, first, count, afterFirst ? 1 : 0);
    crossEntropy(plan.trainingLogits, 1 / this.rows, first, count, this);
    plan.backward.forEach((op, index) => {
      // A sparse step computes this one by blocks of the first layer's output units, in the update (layers/dense-sparse.ts).
      if (afterFirst && index === plan.firstLayerGradient) return;
      LAYER_KINDS[op.kind].backward!(op, first, count, this);
    });
  }

  private inferRows(first: number, count: number): void {
    const { plan } = this;
    this.later(() => gather(first, count, this));
    this.forward(plan.inference, first, count, 0);
    if (this.word(Word.TARGETS) !== 0) crossEntropy(plan.inferenceLogits, 1, first, count, this);
  }

  private forward(ops: ForwardOp[], first: number, count: number, from: number): void {
    for (let index = from; index < ops.length; index++) {
      const op = ops[index];
      // A dense layer on the data takes the sparse kernels in a sparse batch.
      if (this.sparse && op.kind === 'dense' && (op as DenseOp).onData) forwardRows(op, first, count, this);
      else LAYER_KINDS[op.kind].forward(op, first, count, this);
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
