// What a layer kind's module provides (one module per kind in this folder): the plan's buffers and
// operations for a node of its kind, and the kernel calls that run them on a thread's share of a batch.

import type { Node } from '../../network/topology.js';
import type { Kernels } from '../../wasm/kernels.js';
import type { ForwardOp, MaskSpec, Op, Plan } from '../plan-types.js';

/** The plan being laid out, one node after another (see plan.ts). */
export interface PlanBuilder {
  capacity: number;
  /** False for an inference-only plan: no masks, gradients or updates. */
  training: boolean;
  /** The parameter region's byte address. */
  params: number;
  /** Takes `bytes` (or `count` floats) of the call's memory; returns the address. */
  take(bytes: number): number;
  floats(count: number): number;
  /** The batch's inputs. */
  x: number;
  /** The current activations in training and in inference, and the training gradient's buffer for them (0: none, the data). */
  act: number;
  inferAct: number;
  gradient: number;
  forward: ForwardOp[];
  inference: ForwardOp[];
  /** In the order they run; a layer puts its own in front. */
  backward: Op[];
  updates: Op[];
  masks: MaskSpec[];
  /** The most scratch any operation needs per thread, in bytes. */
  scratchBytes: number;
  /** Rows per item of a dense batch's training phase (Plan.rowsPerItem). */
  rowsPerItem: number;
}

/** What a module's operations run with on one thread: the plan, and a program to write kernel calls into (see runner.ts). */
export interface StepContext {
  readonly plan: Plan;
  /** Kernel calls written into the program being built, their arguments bound: they run when the program does. */
  readonly emit: Kernels;
  /** Writes a step into the program that computes its arguments as it runs (from the control block). */
  later(step: () => void): void;
  /** The kernels themselves, for the steps given to `later`. */
  readonly kernels: Kernels;
  /** This thread's working space (Plan.scratchBytes). */
  readonly scratch: number;
  /** Whether this batch goes through the sparse first-layer kernels. */
  readonly sparse: boolean;
  /** Rows of the whole batch. */
  readonly rows: number;
  /** Parts of a sparse batch's CSC, and the input units [from, to) of part `part` (see dense-sparse.ts). */
  readonly cscParts: number;
  cscUnits(part: number): [number, number];
  /** Writes into the program the update of `count` parameters from float offset `offset`, at each step's learning rate. */
  optimize(offset: number, count: number): void;
  /** This step's learning rate, as the program runs. */
  learningRate(): number;
  /** Word `index` of the control block (arguments.ts), as the program runs. */
  word(index: number): number;
  /** The memory as floats and as words (valid while the program runs). */
  f32(): Float32Array;
  i32(): Int32Array;
  /** The thread this program runs on. */
  readonly thread: number;
}

/** A layer kind: how it plans a node, and how its operations run over rows [first, first + count). */
export interface LayerKind<N extends Node = Node> {
  plan(node: N, builder: PlanBuilder): void;
  forward(op: ForwardOp, first: number, count: number, context: StepContext): void;
  backward?(op: Op, first: number, count: number, context: StepContext): void;
  /** The work items of a layer's update (update ops only), and what item `item` does. */
  updateItems?(op: Op): number;
  update?(op: Op, item: number, context: StepContext): void;
}
