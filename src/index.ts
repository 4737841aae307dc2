// wasmlp: multilayer perceptrons trained by SIMD WebAssembly kernels. The public API.
export { Network, INIT_NAMES, type NetworkConfig, type LayerSpec, type InitName, type Parameters } from './network.js';
export type { FitOptions, History, EpochLog, BatchLog } from './train.js';
export type { OptimizerConfig, OptimizerName } from './optimizers.js';
export { OPTIMIZER_NAMES } from './optimizers.js';
export { ACTIVATIONS, ACTIVATION_NAMES, activationCurve, type ActivationName, type ActivationInfo } from './activations.js';
export { LOSS_NAMES, type LossName } from './losses.js';
export { Dataset } from './data/dataset.js';
export { mnistDigit } from './data/digit.js';
export { parseIdx, parseIdxImages, parseIdxLabels } from './data/idx.js';
export { loadMnist, MNIST_FILES, type LoadMnistUrlOptions, type MnistProgress } from './data/mnist.js';
export { ModelFileError, readModelHeader, MODEL_FORMAT_VERSION, MODEL_MAX_BYTES, type ModelHeader, type ModelErrorCode, type FitSettings } from './io/model.js';
export { VERSION } from './io/version.js';
export { simdSupported } from './wasm.js';
