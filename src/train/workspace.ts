// The scratch layout for batches of up to `capacity` rows, and the plans that run a model over it:
// one kernel call per layer, pointers and shapes only. The layout is made once per capacity; a
// training step then writes nothing into the arena but its input rows, targets and dropout masks.
//
// Aliasing keeps the plans short: a ReLU right after a dense layer is fused into it and shares its
// output; dropout at inference is the identity and shares its input; element-wise gradients are
// computed in place. A batch loaded as sparse (its nonzeros only) takes the sparse kernels in the
// first layer, which read nothing else of the input.

import type { Random } from '../random.js';
import { gatherRows, gatherSparseRows, transposeSparse, type Compressed, type Inputs } from './batches.js';
import type { DenseNode, Topology } from '../model/topology.js';
import { alignUp, type Arena } from '../wasm/arena.js';

type ForwardOp =
  | { kind: 'dense'; node: DenseNode; input: number; output: number; relu: boolean }
  | { kind: 'relu'; input: number; output: number; dim: number }
  | { kind: 'dropout'; input: number; output: number; mask: number; dim: number; scale: number; threshold: number }
  | { kind: 'softmax'; input: number; output: number; dim: number };

type BackwardOp =
  | { kind: 'dense'; node: DenseNode; dout: number; input: number; dinput: number }
  | { kind: 'relu'; dout: number; output: number; dim: number }
  | { kind: 'dropout'; dout: number; mask: number; dim: number; scale: number };

export class Workspace {
  readonly capacity: number;
  /** The arena's layout version this workspace was made for. */
  readonly version: number;
  /** Input rows (capacity, inputDim) f32. */
  readonly x: number;
  /** One-hot targets (capacity, outputDim) f32. */
  readonly targets: number;
  /** Where `forwardInference` leaves the model's output (capacity, outputDim). */
  readonly output: number;
  private readonly dlogits: number;
  private readonly stats: number;
  /** The batch by rows and by columns, when it is loaded sparse (word indices). */
  private readonly csr: Compressed;
  private readonly csc: Compressed;
  private sparse = false;
  private transposed = false;
  private rows = 0;
  private readonly logits: number;
  private readonly training: ForwardOp[] = [];
  private readonly inference: ForwardOp[] = [];
  private readonly backward: BackwardOp[] = [];
  private readonly arena: Arena;
  private readonly topology: Topology;
  private readonly params: number;
  private readonly grads: number;

  /** `grads` is 0 for a model that is not compiled: such a workspace can only run inference. */
  constructor(arena: Arena, topology: Topology, params: number, grads: number, capacity: number) {
    this.arena = arena;
    this.topology = topology;
    this.params = params;
    this.grads = grads;
    this.capacity = capacity;

    const regions: number[] = [];
    let bytes = 0;
    // Offsets are relative until the scratch region's address is known; `at` resolves them below.
    const take = (floats: number): number => {
      regions.push(bytes);
      bytes = alignUp(bytes + floats * 4);
      return regions.length - 1;
    };
    const { inputDim, outputDim, nodes } = topology;
    const x = take(capacity * inputDim);
    const targets = take(capacity * outputDim);
    const dlogits = take(capacity * outputDim);
    const stats = take(4);
    const nonzeros = capacity * inputDim;
    const csr = { start: take(capacity + 1), index: take(nonzeros), values: take(nonzeros) };
    const csc = { start: take(inputDim + 1), index: take(nonzeros), values: take(nonzeros) };

    type Pending<T> = { op: T; refs: Record<string, number> };
    const training: Pending<ForwardOp>[] = [];
    const inference: Pending<ForwardOp>[] = [];
    const backward: Pending<BackwardOp>[] = [];
    // Per node, in training mode: what it reads, what it writes, and dropout's mask.
    const inputs: number[] = [];
    const outputs: number[] = [];
    const masks: number[] = [];
    let trainCursor = x;
    let inferCursor = x;
    nodes.forEach((node, i) => {
      inputs[i] = trainCursor;
      if (node.kind === 'dense') {
        const output = take(capacity * node.outDim);
        const relu = nodes[i + 1]?.kind === 'relu';
        training.push({ op: { kind: 'dense', node, input: 0, output: 0, relu }, refs: { input: trainCursor, output } });
        inference.push({ op: { kind: 'dense', node, input: 0, output: 0, relu }, refs: { input: inferCursor, output } });
        trainCursor = inferCursor = output;
      } else if (node.kind === 'relu' && nodes[i - 1]?.kind !== 'dense') {
        const output = take(capacity * node.dim);
        training.push({ op: { kind: 'relu', input: 0, output: 0, dim: node.dim }, refs: { input: trainCursor, output } });
        inference.push({ op: { kind: 'relu', input: 0, output: 0, dim: node.dim }, refs: { input: inferCursor, output } });
        trainCursor = inferCursor = output;
      } else if (node.kind === 'dropout') {
        const output = take(capacity * node.dim);
        masks[i] = take(Math.ceil((capacity * node.dim) / 4) + 1);
        const threshold = Math.round(node.rate * 65536);
        const op = { kind: 'dropout', input: 0, output: 0, mask: 0, dim: node.dim, scale: dropoutScale(node.rate), threshold } as const;
        training.push({ op, refs: { input: trainCursor, output, mask: masks[i] } });
        trainCursor = output;
      } else if (node.kind === 'softmax') {
        const output = take(capacity * node.dim);
        inference.push({ op: { kind: 'softmax', input: 0, output: 0, dim: node.dim }, refs: { input: inferCursor, output } });
        inferCursor = output;
      }
      outputs[i] = trainCursor;
    });
    // Without a final softmax the loss reads the last output directly.
    const logits = nodes[nodes.length - 1].kind === 'softmax' ? inputs[nodes.length - 1] : trainCursor;

    // Gradients flow backwards from dlogits; a dense layer hands its input gradient to the layer
    // before it, except the first, whose input is the data.
    let gradient = dlogits;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node.kind === 'dense') {
        const dinput = i === 0 ? -1 : take(capacity * node.inDim);
        backward.push({ op: { kind: 'dense', node, dout: 0, input: 0, dinput: 0 }, refs: { dout: gradient, input: inputs[i], dinput } });
        gradient = dinput;
      } else if (node.kind === 'relu') {
        backward.push({ op: { kind: 'relu', dout: 0, output: 0, dim: node.dim }, refs: { dout: gradient, output: outputs[i] } });
      } else if (node.kind === 'dropout') {
        const op = { kind: 'dropout', dout: 0, mask: 0, dim: node.dim, scale: dropoutScale(node.rate) } as const;
        backward.push({ op, refs: { dout: gradient, mask: masks[i] } });
      }
    }

    const base = arena.scratch(bytes);
    const at = (ref: number): number => (ref < 0 ? 0 : base + regions[ref]);
    const resolve = <T extends ForwardOp | BackwardOp>({ op, refs }: Pending<T>): T => {
      const resolved = { ...op } as Record<string, unknown>;
      for (const [field, ref] of Object.entries(refs)) resolved[field] = at(ref);
      return resolved as T;
    };
    this.training = training.map(resolve);
    this.inference = inference.map(resolve);
    this.backward = backward.map(resolve);
    this.x = at(x);
    this.targets = at(targets);
    this.dlogits = at(dlogits);
    this.stats = at(stats);
    const words = (ref: Compressed): Compressed => ({ start: at(ref.start) >> 2, index: at(ref.index) >> 2, values: at(ref.values) >> 2 });
    this.csr = words(csr);
    this.csc = words(csc);
    this.logits = at(logits);
    const last = this.inference[this.inference.length - 1];
    this.output = last.output;
    this.version = arena.version;
  }

  /**
   * Copies rows of x (and of the targets y, if given) into the workspace: rows `order[from..from+count)`,
   * or `from..from+count` without an order. `sparse` stores only x's nonzeros, for the sparse kernels.
   */
  loadBatch(x: Inputs, y: Float32Array | undefined, order: Uint32Array | undefined, from: number, count: number, sparse: boolean): void {
    const { inputDim, outputDim } = this.topology;
    const f32 = this.arena.f32;
    if (sparse) gatherSparseRows(this.arena.i32, f32, this.csr, x, inputDim, order, from, count);
    else gatherRows(f32, this.x >> 2, x, inputDim, order, from, count);
    if (y) gatherRows(f32, this.targets >> 2, y, outputDim, order, from, count);
    this.sparse = sparse;
    this.transposed = false;
    this.rows = count;
  }

  /** Draws fresh dropout masks for `rows` rows: one byte per unit, 1 to keep. */
  sampleMasks(random: Random, rows: number): void {
    const u8 = this.arena.u8;
    for (const op of this.training) {
      if (op.kind !== 'dropout') continue;
      // Two 16-bit draws per 32 random bits: the rate is honoured to 1/65536.
      const end = op.mask + rows * op.dim;
      for (let i = op.mask; i < end; i += 2) {
        const r = random.nextUint32();
        u8[i] = (r & 0xffff) >= op.threshold ? 1 : 0;
        u8[i + 1] = r >>> 16 >= op.threshold ? 1 : 0;
      }
    }
  }

  /** Runs the training-mode forward pass (dropout on, softmax left to the loss) over `rows` rows of x. */
  forwardTraining(rows: number): void {
    this.run(this.training, rows);
  }

  /** Runs the inference forward pass; the result is at `output`. */
  forwardInference(rows: number): void {
    this.run(this.inference, rows);
  }

  /**
   * Softmax cross-entropy of the last training forward pass against `targets`: returns the summed loss
   * and the number of correct rows, and leaves the gradient of the mean loss for `backwardPass`.
   */
  loss(rows: number, logits = this.logits): { lossSum: number; correct: number } {
    const f64 = this.arena.f64;
    const s = this.stats >> 3;
    f64[s] = 0;
    f64[s + 1] = 0;
    this.arena.kernels.softmaxCrossEntropy(this.dlogits, this.stats, logits, this.targets, rows, this.topology.outputDim, 1 / rows);
    return { lossSum: f64[s], correct: f64[s + 1] };
  }

  /** Loss of the last inference pass: its logits are the input of the final softmax. */
  inferenceLoss(rows: number): { lossSum: number; correct: number } {
    const last = this.inference[this.inference.length - 1];
    return this.loss(rows, last.kind === 'softmax' ? last.input : last.output);
  }

  /** Gradients of the mean loss with respect to every parameter, into the gradient region. */
  backwardPass(rows: number): void {
    const k = this.arena.kernels;
    for (const op of this.backward) {
      if (op.kind === 'dense') {
        const { node } = op;
        const dweight = this.grads + node.weight * 4;
        const dbias = node.bias < 0 ? 0 : this.grads + node.bias * 4;
        if (this.sparse && op.input === this.x) {
          this.transpose(rows);
          const { start, index, values } = this.csc;
          k.denseWeightGradientSparse(dweight, start * 4, index * 4, values * 4, op.dout, node.inDim, node.outDim);
          if (dbias) k.denseBackwardBias(dbias, op.dout, rows, node.outDim);
          continue;
        }
        k.denseBackward(op.dinput, dweight, dbias, op.dout, op.input, this.params + node.weight * 4, rows, node.inDim, node.outDim);
      } else if (op.kind === 'relu') {
        k.reluBackward(op.dout, op.dout, op.output, rows * op.dim);
      } else {
        k.dropoutApply(op.dout, op.dout, op.mask, rows * op.dim, op.scale);
      }
    }
  }

  private transpose(rows: number): void {
    if (this.transposed) return;
    if (rows !== this.rows) throw new RangeError(`the sparse batch holds ${this.rows} rows, not ${rows}`);
    transposeSparse(this.arena.i32, this.arena.f32, this.csr, this.csc, rows, this.topology.inputDim);
    this.transposed = true;
  }

  private run(ops: ForwardOp[], rows: number): void {
    const k = this.arena.kernels;
    for (const op of ops) {
      switch (op.kind) {
        case 'dense': {
          const { node } = op;
          const weight = this.params + node.weight * 4;
          const bias = node.bias < 0 ? 0 : this.params + node.bias * 4;
          if (this.sparse && op.input === this.x) {
            const { start, index, values } = this.csr;
            k.denseForwardSparse(op.output, start * 4, index * 4, values * 4, weight, bias, rows, node.outDim, op.relu);
          } else {
            k.denseForward(op.output, op.input, weight, bias, rows, node.inDim, node.outDim, op.relu);
          }
          break;
        }
        case 'relu':
          k.reluForward(op.output, op.input, rows * op.dim);
          break;
        case 'dropout':
          k.dropoutApply(op.output, op.input, op.mask, rows * op.dim, op.scale);
          break;
        case 'softmax':
          k.softmax(op.output, op.input, rows, op.dim);
      }
    }
  }
}

function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}
