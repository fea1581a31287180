// The public API: everything a user imports from 'mnist-wasm'. The rest of src/ is free to change.

export { init, kernelBuild, type InitOptions, type KernelBuild, type KernelSource } from './wasm/kernels.js';
export { loadMnist, MNIST_FILE_NAMES, type Dataset, type LoadMnistOptions, type MnistPart } from './data/mnist.js';
export { parseIdx, parseIdxBytes, type IdxArray, type IdxData, type IdxDType } from './data/idx.js';
export { toCategorical } from './data/categorical.js';
export {
  dense, relu, dropout, softmax,
  type DenseLayer, type DenseOptions, type DropoutLayer, type Initializer, type Layer, type ReluLayer, type SoftmaxLayer,
} from './network/layers.js';
export {
  conv2d, maxPooling2d, flatten,
  type Conv2dLayer, type Conv2dOptions, type FlattenLayer, type FlattenOptions, type MaxPooling2dLayer, type MaxPooling2dOptions, type Padding,
} from './network/image-layers.js';
export type { KerasObject, TfjsArtifacts, TfjsModelJson, TfjsWeightSpec, TfjsWeightsGroup } from './export/tfjs-write.js';
export { Sequential } from './model/sequential.js';
export { loadModel } from './model/load-model.js';
export type { CompileOptions, LossName, SequentialOptions } from './model/sequential-options.js';
export {
  sgd, adam, rmsprop,
  type AdamConfig, type AdamOptions, type LearningRateSchedule, type OptimizerConfig, type RmspropConfig, type RmspropOptions,
  type SgdConfig, type SgdOptions,
} from './train/optimizers.js';
export { cosineDecay, stepDecay, exponentialDecay } from './train/schedules.js';
export {
  earlyStopping, reduceLROnPlateau, csvLogger, jsonLogger,
  type EarlyStoppingOptions, type ReduceLROnPlateauOptions, type LoggerOptions, type Monitor,
} from './train/callbacks.js';
export type { AugmentOptions } from './train/augment.js';
export { augmentImages } from './train/augment-images.js';
export type { BatchLogs, Callbacks, CheckpointOptions, EpochLogs, FitOptions, History, TrainingContext } from './train/fit-types.js';
export type { Inputs } from './data/inputs.js';
export {
  MnistWasmError, IdxFormatError, DataNotFoundError, ShapeError, InvalidArgumentError, NotCompiledError,
  TrainingDivergedError, KernelsUnavailableError, ThreadsError, ModelFormatError, ModelMismatchError,
  TrainingInterruptedError, KernelFaultError, SaveFailedError, ModelBusyError, OutOfMemoryError,
} from './errors.js';
