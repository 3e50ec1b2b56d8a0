export {
  type BatchShape,
  packSymbols,
  packVectors,
  type SymbolBatch,
  type VectorBatch,
} from './batch.js';
export {
  type BenchRecord,
  measureThroughput,
  randomLattice,
  type ThroughputOptions,
} from './bench.js';
export { CRF, type CrfLayerOptions } from './crf/crf-layer.js';
export {
  type BatchMatrix,
  type CrfGradients,
  type CrfReduction,
  type Emissions,
  LinearChainCRF,
} from './crf/linear-chain-crf.js';
export {
  type CategoricalFitOptions,
  CategoricalHMM,
  type CategoricalHmmOptions,
} from './emissions/categorical.js';
export type { CovarianceType } from './emissions/gaussian.js';
export {
  type GaussianFitOptions,
  GaussianHMM,
  type GaussianHmmOptions,
  GMMHMM,
  type GmmFitOptions,
  type GmmHmmOptions,
  type VectorSequence,
} from './emissions/gaussian-hmm.js';
export { HmmInputError, ZeroProbabilityError } from './errors.js';
export {
  type BackendOptions,
  type DeviceEmissionCounts,
  GPU_WORK_THRESHOLD,
  gpuEmissionCounts,
  gpuLogLikelihoods,
  gpuPosteriors,
  gpuViterbi,
  type HmmBackend,
  type HmmWorkload,
  isSoftwareAdapter,
  SOFTWARE_VITERBI_WORK_THRESHOLD,
  selectDevice,
} from './gpu/gpu-inference.js';
export {
  type ExpectedCounts,
  type FitOptions,
  type FitResult,
  HiddenMarkovModel,
  type HmmOptions,
  type InferenceOptions,
  type LabeledFitOptions,
} from './hmm.js';
export {
  backwardLog,
  backwardScaled,
  type ForwardBackwardMethod,
  forwardLog,
  forwardScaled,
  type LogForwardResult,
  logLikelihoods,
  type Posteriors,
  posteriors,
  type ScaledForwardResult,
  transitionPosteriors,
} from './inference/forward-backward.js';
export { type HmmLattice, logSumExp } from './inference/lattice.js';
export { argmaxStates, type ViterbiResult, viterbi } from './inference/viterbi.js';
export { SeededRandom } from './random.js';
