// The public API: everything a user imports from 'mnist-wasm'. The rest of src/ is free to change.

export { init, kernelBuild, type InitOptions, type KernelBuild, type KernelSource } from './wasm/kernels.js';
export { loadMnist, MNIST_FILE_NAMES, type Dataset, type LoadMnistOptions, type MnistPart } from './data/mnist.js';
export { parseIdx, parseIdxBytes, type IdxArray, type IdxDType } from './data/idx.js';
export { toCategorical } from './data/categorical.js';
export {
  dense, relu, dropout, softmax,
  type DenseLayer, type DenseOptions, type DropoutLayer, type Initializer, type Layer, type ReluLayer, type SoftmaxLayer,
} from './model/layers.js';
export { Sequential, loadModel, type CompileOptions, type LossName, type SequentialOptions } from './model/sequential.js';
export {
  sgd, adam, cosineDecay,
  type AdamConfig, type AdamOptions, type LearningRateSchedule, type OptimizerConfig, type SgdConfig, type SgdOptions,
} from './train/optimizers.js';
export type { BatchLogs, Callbacks, CheckpointOptions, EpochLogs, FitOptions, History } from './train/loop.js';
export type { Inputs } from './train/batches.js';
export {
  MnistWasmError, IdxFormatError, DataNotFoundError, ShapeError, InvalidArgumentError, NotCompiledError,
  TrainingDivergedError, KernelsUnavailableError, ThreadsError, ModelFormatError, ModelMismatchError,
  TrainingInterruptedError, KernelFaultError, SaveFailedError,
} from './errors.js';
