// The kernels' public surface. The TypeScript side reserves regions of this module's linear memory
// above `heapBase()` and passes their addresses; the kernels themselves never allocate.

export {
  denseForward, denseForwardReference, denseInputGradient, denseInputGradientReference, denseInputGradientTransposed,
  denseInputGradientTransposedReference, transpose,
  denseWeightGradient, denseWeightGradientReference, denseBiasGradient, denseBiasGradientReference,
} from "./dense";
export { denseForwardSparse, denseWeightGradientSparse, denseWeightUpdateSparse, transposeSparse } from "./sparse";
export { gatherRowsU8, gatherRowsF32, gatherSparseU8, gatherSparseF32, gatherSparseRows } from "./gather";
export {
  reluForward, reluForwardReference, reluBackward, reluBackwardReference, dropoutApply, dropoutApplyReference,
} from "./activations";
export { softmaxCrossEntropy, softmax } from "./loss";
export { augmentRows } from "./augment";
export { im2col, im2colReference, col2im, col2imReference } from "./conv";
export { maxPoolForward, maxPoolForwardReference, maxPoolBackward, maxPoolBackwardReference } from "./pool";
export {
  sgdUpdate, sgdUpdateReference, sgdMomentumUpdate, sgdMomentumUpdateReference, adamUpdate, adamUpdateReference,
  rmspropUpdate, rmspropUpdateReference,
} from "./optimizers";

/** First byte past the module's static data: everything above it belongs to the caller. */
export function heapBase(): usize {
  return __heap_base;
}
