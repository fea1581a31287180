// Sequential's files, apart from the class: the header a model file starts with, reading a model file
// or a checkpoint made for the model's network (and, for a checkpoint, for this fit), the save options'
// check, and the weights of a TensorFlow.js model as its reader takes them. The byte format itself is
// format.ts's.

import { InvalidArgumentError, ModelMismatchError, checkOptionKeys, describe } from '../errors.js';
import type { Layer } from '../network/layers.js';
import { resolveTopology, weightShapes, type Topology } from '../network/topology.js';
import { readFileBytes } from '../platform/files.js';
import type { FitOptions } from '../train/fit-types.js';
import { stateRegions, type OptimizerConfig } from '../train/optimizers.js';
import { layerDifference } from './compare.js';
import { decodeModel, type ModelHeader } from './format.js';

export function checkSaveOptions(where: string, options: { includeOptimizer?: boolean }): void {
  checkOptionKeys(where, options, ['includeOptimizer']);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
    throw new InvalidArgumentError(`${where}: includeOptimizer must be true or false, got ${describe(options.includeOptimizer)}`);
  }
}

/** The weight shapes a stack of layers has; checks that the layers fit together. */
export const shapesOf = (layers: Layer[]): number[][] => weightShapes(resolveTopology(layers));

/** What a model file says of the model before its weights. */
export function modelHeader(name: string, layers: readonly Layer[], topology: Topology): ModelHeader {
  return { name, layers: [...layers], weights: weightShapes(topology) };
}

/** Reads and checks a model file (a path, in Node) or its bytes, which must be made for a network of `layers`. */
export async function readModelFor(layers: readonly Layer[], source: string | Uint8Array, what: string, bytesName: string) {
  const name = typeof source === 'string' ? source : bytesName;
  const bytes = typeof source === 'string' ? await readFileBytes(source, what) : source;
  const decoded = decodeModel(bytes, shapesOf, name);
  const difference = layerDifference(decoded.header.layers, layers);
  if (difference) throw new ModelMismatchError(`${name}: made for another network: ${difference}`);
  return { name, ...decoded };
}

/** Reads and checks a checkpoint against a model's layers, the optimizer it is compiled with and the fit's options. */
export async function readCheckpoint(layers: readonly Layer[], compiled: OptimizerConfig, source: string | Uint8Array, options: FitOptions) {
  const { name, weights, extras } = await readModelFor(layers, source, 'fit: resume', 'checkpoint bytes');
  const { training, optimizer } = extras;
  if (!training || !optimizer) throw new ModelMismatchError(`${name}: not a checkpoint (it has no training state); load its weights with loadWeights instead`);
  if (optimizer.header.kind !== compiled.kind) {
    throw new ModelMismatchError(`${name}: trained with ${optimizer.header.kind}, but the model is compiled with ${compiled.kind}`);
  }
  const saved = stateRegions({ ...optimizer.header.config, kind: optimizer.header.kind });
  const expected = stateRegions(compiled);
  if (saved.join() !== expected.join()) {
    const differs = compiled.kind === 'rmsprop' ? 'momentum or centered differs' : 'momentum differs';
    throw new ModelMismatchError(`${name}: its optimizer keeps ${saved.length} state tensors per weight, the compiled one ${expected.length} (${differs})`);
  }
  const t = training.header;
  const mismatch = (what: string, saved: unknown, given: unknown) =>
    new ModelMismatchError(`${name}: the checkpoint was made with ${what} ${describe(saved)}, this fit has ${describe(given)}`);
  if (options.seed !== undefined && options.seed !== t.seed) throw mismatch('seed', t.seed, options.seed);
  if ((options.batchSize ?? 32) !== t.batchSize) throw mismatch('batchSize', t.batchSize, options.batchSize ?? 32);
  if ((options.epochs ?? 1) <= t.epoch) {
    throw new ModelMismatchError(`${name}: the checkpoint has done ${t.epoch} epochs already; ask for more than that (epochs: ${options.epochs ?? 1})`);
  }
  return { seed: t.seed, weights, optimizer, training };
}

/**
 * The weight files of a TensorFlow.js model as its reader asks for them, one path at a time. All files
 * one after the other are what reading each in turn gives: the first path gets them all.
 */
export function tfjsShardReader(
  weights: Uint8Array | ArrayBuffer | ((path: string) => Uint8Array | Promise<Uint8Array>),
): (path: string) => Uint8Array | Promise<Uint8Array> {
  const all = weights instanceof ArrayBuffer ? new Uint8Array(weights) : weights;
  let first = true;
  return typeof all === 'function' ? all : () => (first ? ((first = false), all) : new Uint8Array(0));
}
