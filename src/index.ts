// wasmlp: multilayer perceptrons trained by SIMD WebAssembly kernels. The public API.
export { Network, type FitOptions, type Rows } from './network.js';
export { tfjsManifest, type TfjsModelJson } from './io/tfjs.js';
export { Ensemble } from './ensemble.js';
export {
  containerOf,
  decodeEnsemble,
  isEnsembleFile,
  ENSEMBLE_MAX_MEMBERS,
  type EnsembleHeader,
} from './io/ensemble.js';
export {
  ACTIVATION_NAMES,
  DEFAULT_LEARNING_RATES,
  INIT_NAMES,
  LOSS_NAMES,
  OPTIMIZER_NAMES,
  SCALE_NAMES,
  SCHEDULE_NAMES,
  activationOf,
  classCount,
  classProbabilities,
  earlyStopReached,
  type ActivationName,
  type BatchLog,
  type EarlyStopped,
  type EpochProgress,
  type EarlyStopping,
  type EpochLog,
  type ThreadCounts,
  type FitSettings,
  type History,
  type InitName,
  type LayerSpec,
  type LossName,
  type NetworkConfig,
  type OptimizerConfig,
  type OptimizerName,
  type Parameters,
  type ColumnScaling,
  type Evaluation,
  type ScaleName,
  type Scaling,
  type Schedule,
  type ScheduleName,
} from './config.js';
export { learningRateAt } from './schedule.js';
export { validateSchedule } from './config.js';
export { DIAGNOSTIC_NAMES, SATURATION, type LayerDiagnostics } from './diagnostics.js';
export { ACTIVATIONS, activationCurve, type ActivationInfo } from './activations.js';
export { gradientCheck, type GradientCheck, type GradientCheckOptions, type LayerCheck } from './gradcheck.js';
export { Dataset } from './data/dataset.js';
export type { RawRow } from './data/rows.js';
export { mnistDigit } from './data/digit.js';
export {
  parseCsv,
  readCsv,
  type CsvTextStream,
  formatCsv,
  checkSchema,
  schemaWidth,
  TABLE_TASKS,
  type CsvOptions,
  type FeatureColumn,
  type Table,
  type TableSchema,
  type TableTask,
} from './data/table.js';
export { parseIdx, parseIdxImages, parseIdxLabels } from './data/idx.js';
export { loadMnist, MNIST_FILES, type LoadMnistUrlOptions, type MnistProgress } from './data/mnist.js';
export {
  ModelFileError,
  readModelHeader,
  readModelPreamble,
  readModelJson,
  MODEL_PREAMBLE,
  MODEL_FORMAT_VERSION,
  MODEL_MAX_BYTES,
  type ModelHeader,
  type ModelErrorCode,
} from './io/model.js';
export { VERSION } from './io/version.js';
export { crc32 } from './io/crc32.js';
export { simdSupported } from './wasm.js';
export { kFolds, foldSplit, takeRows, hash32 } from './search/folds.js';
export {
  crossValidate,
  foldSeed,
  metricOf,
  type CrossValidateOptions,
  type CrossValidation,
  type Metric,
} from './search/cv.js';
export {
  applySettings,
  drawFrom,
  gridOf,
  trialKey,
  SETTING_NAMES,
  type SearchSpace,
  type TrialSettings,
} from './search/space.js';
export {
  bestTrial,
  planTrials,
  scoreTrial,
  search,
  trainBest,
  trainEnsemble,
  type SearchBase,
  type SearchOptions,
  type SearchResult,
  type Trial,
  type TrialResult,
} from './search/search.js';
