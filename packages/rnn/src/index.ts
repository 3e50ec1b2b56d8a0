/**
 * @scratchseq/rnn — Elman, Jordan and PyTorch-style RNNs on WebGPU, BPTT and truncated BPTT,
 * the vanishing-gradient lab (gradient norms through time, spectral radius, long-range tasks),
 * and echo state networks. The sequence utilities are model-agnostic and shared with
 * `@scratchseq/lstm`.
 */

export {
  type CellOptions,
  ElmanCell,
  ElmanRNN,
  type ElmanRNNOptions,
  JordanCell,
  type JordanOptions,
  JordanRNN,
  type OutputActivation,
} from './cells.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export {
  type RecurrentDecodeState,
  type RecurrentLanguageModel,
  type RecurrentNextTokenModel,
  type RecurrentState,
  recurrentNextTokenModel,
} from './decoding.js';
export {
  type GradientNormsThroughTime,
  gradientNormsThroughTime,
  type HiddenTap,
  spectralRadius,
  spectralRadiusOf,
} from './diagnostics.js';
export { choleskySolve, EchoStateNetwork, type EchoStateOptions } from './esn.js';
export { RNN, type RNNForwardOptions, type RNNOptions } from './rnn.js';
export {
  checkLengths,
  type DirectionRun,
  lengthsToMask,
  type MaskOptions,
  maskPadded,
  padSequences,
  reversalIndices,
  reversePadded,
  runStacked,
  type StackedOptions,
  swapBatchTime,
} from './sequence.js';
export { gradientNormChartSvg } from './svg.js';
export {
  type AddingProblemData,
  type AddingProblemOptions,
  addingProblem,
  addingProblemData,
  type CopyMemoryData,
  type CopyMemoryOptions,
  copyMemory,
  copyMemoryData,
  seededRandom,
} from './tasks.js';
export {
  batchifyStream,
  detachState,
  disposeState,
  StateCarrier,
  type TbpttChunk,
  type TruncatedBpttOptions,
  truncatedBPTT,
} from './tbptt.js';
