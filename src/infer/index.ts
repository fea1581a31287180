// The inference entry, 'mnist-wasm/infer': load a trained model file and predict with it, in a few
// kilobytes. It has forward-only kernels of its own (build/kernels-infer.wasm) and none of the
// training code; its predictions are the same bits as Sequential.predict's for the same model.

import { kernelsUrl, loadKernels, type KernelSource } from './kernels.js';
import { openModel, type InferenceModel, type ModelSource } from './model.js';

export { predict, type InferenceInputs, type InferenceModel, type ModelSource } from './model.js';
export type { KernelSource } from './kernels.js';
export type { Layer } from '../network/layers.js';
export {
  MnistWasmError, ModelFormatError, ShapeError, InvalidArgumentError, KernelsUnavailableError, DataNotFoundError, OutOfMemoryError, KernelFaultError,
} from '../errors.js';

/**
 * Loads the forward-only kernels. Node finds the file beside the package by itself, and loadModel
 * calls this for you; call it yourself where the file is served from elsewhere (a bundler's asset URL,
 * a CDN) or comes precompiled.
 *
 * @example
 * import { init } from 'mnist-wasm/infer';
 * await init(new URL('/assets/kernels-infer.wasm', location.href));
 */
export function init(source?: KernelSource): Promise<void> {
  return loadKernels(source, kernelsUrl);
}

/**
 * Reads a model file written by `model.save` or `model.toBytes()`, checked as `Sequential.fromBytes`
 * checks it (a damaged file gives a ModelFormatError that says what is wrong), and loads the kernels
 * if init has not. Keras: `keras.models.load_model`.
 *
 * @example
 * import { loadModel, predict } from 'mnist-wasm/infer';
 * const model = await loadModel(await fetch('/mnist.mnwm')); // or bytes, or a path in Node
 * const probabilities = predict(model, pixels); // 784 grey levels per image
 */
export function loadModel(source: ModelSource): Promise<InferenceModel> {
  return openModel(source, () => init());
}
