export {
  type BeamSearchOptions,
  type BeamSearchResult,
  beamSearch,
  type EarlyStopping,
  type LengthNormalization,
  lengthNormalizer,
} from './beam.js';
export { type DeviceChooser, deviceIncompatibility, deviceSampler } from './device-sampling.js';
export {
  type DiverseBeamSearchOptions,
  type DiverseBeamSearchResult,
  diverseBeamSearch,
} from './diverse-beam.js';
export {
  applyFilters,
  applyTemperature,
  DEFAULT_FILTER_ORDER,
  type FilterName,
  type FilterOptions,
  MASS_TOLERANCE,
  minPFilter,
  topKFilter,
  topPFilter,
  typicalFilter,
} from './filters.js';
export type {
  DeviceScores,
  FinishReason,
  GenerationOptions,
  Hypothesis,
  NextTokenModel,
  ScoreKind,
  StepOutput,
} from './interface.js';
export {
  type EvidenceWeighting,
  type MbrCandidate,
  type MbrCandidateSource,
  type MbrDecodeOptions,
  type MbrDecodeResult,
  type MbrOptions,
  type MbrResult,
  mbrDecode,
  mbrSelect,
  type Utility,
} from './mbr.js';
export { applyRepetitionPenalty, banRepeatedNgrams, banSequences } from './processors.js';
export { createRng, type Rng, xoshiro128ss } from './rng.js';
export {
  DEFAULT_DEVICE_VOCAB_THRESHOLD,
  type GenerationResult,
  type GreedyOptions,
  greedy,
  type SamplingOptions,
  sample,
  sampleIndex,
} from './sampling.js';
export { logSoftmaxInPlace, logSumExp } from './step.js';
