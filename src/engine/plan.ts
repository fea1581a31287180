// The memory layout of one fit, evaluate or predict call, and the operations that run a model over
// it, as plain numbers: a Plan is posted as it is to every worker thread, and every thread runs its
// claims of each phase from it (see runner.ts). Nothing here touches memory.
//
// One pass over the network's nodes: each layer kind's module (layers/) takes its buffers and emits
// its forward operations (training and inference) and its backward operations together. Backward
// operations run in the reverse order, so each layer puts its own in front of those of the layers
// below it, where a dense layer's transposed input gradient can take the dropout and ReLU below it
// into its epilogue (layers/dense.ts).

import type { Topology } from '../network/topology.js';
import { alignUp } from '../wasm/arena.js';
import { MAX_THREADS } from '../threads/control.js';
import { augmentScratchBytes, paramStride, type AugmentConfig } from './augment.js';
import { LAYER_KINDS } from './layers/index.js';
import type { PlanBuilder } from './layers/kind.js';
import { SPARSE_ENTRY_BYTES, firstLayerGradient } from './layers/dense-sparse.js';
import type { AugmentPlan, ModelRegions, Plan, UpdateRule } from './plan-types.js';

/**
 * Rows per item of a dense batch's training phase: a dense layer's item streams its weights through
 * the cache once, so items are larger; a convolution's items are smaller, since a few large items
 * share badly between threads, and each item's partial weight gradient is small.
 */
const DENSE_ROWS_PER_ITEM = 64;
const CONV_ROWS_PER_ITEM = 16;

/**
 * Lays out a plan for batches of up to `capacity` rows from address `base`; returns it and the bytes
 * it takes. `optimizer` is undefined for an inference-only plan.
 */
export function buildPlan(
  topology: Topology, regions: ModelRegions, optimizer: UpdateRule | undefined, capacity: number, base: number,
  augmentConfig?: AugmentConfig,
): { plan: Plan; bytes: number } {
  let cursor = base;
  const take = (bytes: number): number => {
    const at = cursor;
    cursor = alignUp(cursor + bytes);
    return at;
  };
  const floats = (count: number): number => take(count * 4);
  const { inputDim, outputDim } = topology;
  const training = optimizer !== undefined;
  const nonzeros = capacity * inputDim;
  const table = floats(256);
  const x = floats(capacity * inputDim);
  const targets = floats(capacity * outputDim);
  const rowStats = take(capacity * 16);
  const rowRange = take(capacity * 8);
  const csrEntries = take(nonzeros * SPARSE_ENTRY_BYTES);
  const cscStart = training ? floats(inputDim + MAX_THREADS + 1) : 0;
  const cscEntries = training ? take(nonzeros * SPARSE_ENTRY_BYTES) : 0;
  const augment = augmentConfig && augmentPlan(augmentConfig, capacity, inputDim, take);

  const rowsPerItem = topology.nodes.some((node) => node.kind === 'conv2d') ? CONV_ROWS_PER_ITEM : DENSE_ROWS_PER_ITEM;
  const builder: PlanBuilder = {
    capacity, training, params: regions.params, take, floats, x, rowsPerItem,
    act: x, inferAct: x, gradient: 0, forward: [], inference: [], backward: [], updates: [], masks: [], scratchBytes: 0,
  };
  for (const node of topology.nodes) LAYER_KINDS[node.kind].plan(node as never, builder);
  const last = builder.inference[builder.inference.length - 1];

  // A 64-byte line per row of W1 (forward) or of the batch (weight gradient), or what a layer asked for.
  const scratchBytes = alignUp(Math.max(64 * Math.max(inputDim, training ? capacity : 0), builder.scratchBytes));
  const scratch = take(MAX_THREADS * scratchBytes);

  const plan: Plan = {
    capacity, inputDim, outputDim, params: regions.params, grads: training ? regions.grads : 0,
    state: training ? regions.state : [0, 0, 0], optimizer, control: regions.control,
    table, x, targets, rowStats, rowRange, csrEntries, cscStart, cscEntries, scratch, scratchBytes, augment, rowsPerItem,
    training: builder.forward, inference: builder.inference, backward: builder.backward, updates: builder.updates, masks: builder.masks,
    // An inference plan's loss (evaluate) writes a gradient too, which nothing reads.
    trainingLogits: builder.act, dlogits: training ? builder.gradient : floats(capacity * outputDim),
    inferenceLogits: last.kind === 'softmax' ? last.input : last.output, output: last.output, firstLayerGradient: -1,
  };
  plan.firstLayerGradient = firstLayerGradient(plan);
  return { plan, bytes: cursor - base };
}

function augmentPlan(config: AugmentConfig, capacity: number, inputDim: number, take: (bytes: number) => number): AugmentPlan {
  const { height, width, translate, rotate, scale, shear, cutoff, k, stride } = config;
  const scratchBytes = alignUp(augmentScratchBytes(config));
  const floats = (count: number): number => take(count * 4);
  return {
    height, width, translate, rotate, scale, shear, cutoff, k, stride, paramStride: paramStride(k),
    images: take(capacity * inputDim), identity: floats(capacity), params: floats(capacity * paramStride(k)),
    basisX: floats(k * stride), basisY: floats(height * k), scratch: take(MAX_THREADS * scratchBytes), scratchBytes,
  };
}
