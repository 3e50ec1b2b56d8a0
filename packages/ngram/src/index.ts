export {
  ARPA_LOG_ZERO,
  ArpaFormatError,
  ArpaModel,
  formatArpa,
  parseArpa,
  type ReadArpaOptions,
  readArpaFile,
  type WriteArpaOptions,
  writeArpaFile,
} from './arpa.js';
export { NgramCounts, NgramLevel } from './counts.js';
export { ngramStepFunction, type StepFunctionOptions } from './decoding-adapter.js';
export { AbsoluteDiscountingEstimator } from './estimators/absolute-discounting.js';
export { AdditiveEstimator } from './estimators/additive.js';
export type { Estimator } from './estimators/estimator.js';
export { SimpleGoodTuring } from './estimators/good-turing.js';
export { KatzEstimator } from './estimators/katz.js';
export { KneserNeyEstimator, type KneserNeyOptions } from './estimators/kneser-ney.js';
export { MleEstimator, type MleOptions } from './estimators/mle.js';
export {
  type Discounts,
  estimateDiscounts,
  ModifiedKneserNeyEstimator,
  type ModifiedKneserNeyOptions,
} from './estimators/modified-kneser-ney.js';
export { StupidBackoffEstimator } from './estimators/stupid-backoff.js';
export { WittenBellEstimator } from './estimators/witten-bell.js';
export {
  type Evaluation,
  type EvaluationOptions,
  type GenerateOptions,
  LanguageModel,
  type TokenScore,
  ZeroProbabilityError,
} from './language-model.js';
export { type EstimatorSpec, type FitOptions, NgramModel } from './model.js';
export { type NamesSplit, type NamesSplitOptions, namesSplit } from './names-split.js';
export {
  contextTargetPairs,
  NeuralNgramModel,
  type NeuralTrainOptions,
  type TrainingProgress,
} from './neural/bengio.js';
export {
  type NeuralDecodingOptions,
  type NeuralStepOutput,
  neuralNextTokenModel,
} from './neural/decoding.js';
export {
  type BengioConfig,
  BengioNetwork,
  type HostWeights,
  hostLogits,
  readHostWeights,
} from './neural/network.js';
export {
  DEFAULT_SYMBOLS,
  everygrams,
  leftPadLength,
  type Padding,
  type PaddingSymbols,
  padSentence,
  rightPadLength,
} from './padding.js';
export { mulberry32, type RandomSource, shuffleInPlace } from './random.js';
export { Vocabulary, type VocabularyOptions } from './vocabulary.js';
