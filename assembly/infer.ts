// The forward-only kernels: what `mnist-wasm/infer` needs to run a trained model, and nothing it
// does not (no gradients, optimizers, sparse first layer, gathers or augmentation). The functions are
// the training build's own, imported rather than copied, so a prediction here adds the same products
// in the same order as `Sequential.predict` and gives the same bits.
//
// Built to build/kernels-infer.wasm by asconfig.json's "infer" target.

export { denseForward } from "./dense";
export { reluForward } from "./activations";
export { softmax } from "./loss";

/** First byte past the module's static data: everything above it belongs to the caller. */
export function heapBase(): usize {
  return __heap_base;
}
