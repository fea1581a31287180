// The inference entry for edge runtimes (Cloudflare Workers, workerd), chosen by the "workerd" and
// "worker" export conditions of 'mnist-wasm/infer'. As the main entry's edge.ts does, it imports the
// kernels as a .wasm module, which the runtime's bundler compiles ahead of time: those runtimes may
// not compile WebAssembly from bytes.

import kernels from '../../build/kernels-infer.wasm';
import { loadKernels, type KernelSource } from './kernels.js';
import { openModel, type InferenceModel, type ModelSource } from './model.js';

export * from './index.js';

/**
 * Loads the forward-only kernels: by default the ones this package's bundle brought in as a compiled
 * module; any source `init` accepts elsewhere works too.
 *
 * @example
 * import { init } from 'mnist-wasm/infer';
 * await init();
 */
export function init(source?: KernelSource): Promise<void> {
  return loadKernels(source, () => kernels);
}

/**
 * Reads a model file's bytes (or a Response of them), checked as `Sequential.fromBytes` checks them,
 * and loads the precompiled kernels if init has not.
 *
 * @example
 * import { loadModel, predict } from 'mnist-wasm/infer';
 * import modelBytes from './model.bin';
 * const model = await loadModel(modelBytes);
 * const probabilities = predict(model, pixels);
 */
export function loadModel(source: ModelSource): Promise<InferenceModel> {
  return openModel(source, () => init());
}
