// The forward-only kernels: what `mnist-wasm/infer` needs to run a trained model, and nothing it
// does not (no gradients, optimizers or augmentation). A mostly-zero input (MNIST: 81% of its pixels)
// takes the sparse first-layer kernel after a sparse gather, as `Sequential.predict` does; a conv2d
// layer is im2col then denseForward, max pooling maxPoolForward. The functions are the training
// build's own, imported rather than copied, so a prediction here adds the same products in the same
// order as `Sequential.predict` and gives the same bits.
//
// Built to build/kernels-infer.wasm by asconfig.json's "infer" target.

export { denseForward } from "./dense";
export { denseForwardSparse } from "./sparse";
export { gatherSparseU8, gatherSparseF32 } from "./gather";
export { reluForward } from "./activations";
export { softmax } from "./loss";
export { im2col } from "./conv";
export { maxPoolForward } from "./pool";

/** First byte past the module's static data: everything above it belongs to the caller. */
export function heapBase(): usize {
  return __heap_base;
}
