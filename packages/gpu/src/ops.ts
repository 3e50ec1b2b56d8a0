/**
 * Every tensor op, in one import. Each lives in its kernel family's folder (WGSL, launcher,
 * CPU reference and derivative together); views need no kernel and live in `views.ts`.
 */
export {
  ATTN_MAX_HEAD_DIM,
  attention,
  type FusedAttentionOptions,
} from './kernels/attention/attention.js';
export * from './kernels/conv1d/conv1d.js';
export * from './kernels/elementwise/arith.js';
export * from './kernels/hmm/hmm.js';
export * from './kernels/indexing/indexing.js';
export * from './kernels/loss/loss.js';
export * from './kernels/lstm/recurrent.js';
export { matmul, tuneMatmul } from './kernels/matmul/matmul.js';
export * from './kernels/norm/norm.js';
export {
  defaultGenerator,
  dropout,
  Generator,
  manualSeed,
  rand,
  randn,
} from './kernels/random/random.js';
export { argmax, argmin, logsumexp, max, mean, min, sum } from './kernels/reduce/reduce.js';
export * from './kernels/rnn/rnn.js';
export * from './kernels/sampling/sampling.js';
export { logSoftmax, softmax } from './kernels/softmax/softmax.js';
export {
  contiguous,
  expand,
  flatten,
  permute,
  reshape,
  slice,
  squeeze,
  sumTo,
  transpose,
  unsqueeze,
} from './views.js';
