// The forward-only kernels (build/kernels-infer.wasm, from assembly/infer.ts): found and compiled
// once per process, instantiated once per model, each instance with a linear memory of its own.
//
// Instantiated directly, not through @assemblyscript/loader (2.4 KB gzipped, more than this whole
// entry's own code): the kernels take and return only numbers, and the one import AssemblyScript may
// ask for, `env.abort`, needs no decoding here, since none of these kernels asserts anything.

import { KernelFaultError, KernelsUnavailableError } from '../errors.js';
import { compileSource, type KernelSource } from '../wasm/source.js';
import type { Kernels } from '../wasm/kernels.js';

/** The forward-only kernels' exports, typed as the training build's; pointers are byte offsets into `memory`. */
export type InferenceKernels = Pick<
  Kernels,
  'memory' | 'heapBase' | 'denseForward' | 'denseForwardSparse' | 'gatherSparseU8' | 'gatherSparseF32' | 'reluForward' | 'softmax' | 'im2col' | 'maxPoolForward'
>;

export type { KernelSource };

let compiled: WebAssembly.Module | undefined;
let pending: Promise<void> | undefined;

/**
 * Compiles the kernels from `source`; without one, from `fallback()` unless a module is loaded or
 * loading already (so the plain init that loadModel makes keeps one given before).
 */
export function loadKernels(source: KernelSource | undefined, fallback: () => KernelSource): Promise<void> {
  if (source === undefined && compiled) return Promise.resolve();
  if (source === undefined && pending) return pending;
  const loading = compileSource(source ?? fallback(), kernelsUrl).then((module) => void (compiled = module));
  // A plain init() meanwhile waits for this one, whatever it loads; a failed load may be tried again.
  pending = loading;
  loading.catch(() => pending === loading && (pending = undefined));
  return loading;
}

/** Where the kernels sit beside this module, in dist/infer/ as in dist/cjs/: build/ is two folders up. */
export function kernelsUrl(): URL {
  return new URL('../../build/kernels-infer.wasm', import.meta.url);
}

/** A fresh instance of the kernels, with its own memory; a kernel loaded by init is needed. */
export function instantiate(): InferenceKernels {
  if (!compiled) throw new KernelsUnavailableError('the WebAssembly kernels are not loaded yet: await init() first');
  const abort = () => {
    throw new KernelFaultError('an inference kernel aborted');
  };
  return new WebAssembly.Instance(compiled, { env: { abort } }).exports as unknown as InferenceKernels;
}
