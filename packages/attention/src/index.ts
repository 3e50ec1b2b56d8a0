/**
 * @scratchseq/attention — scaled dot-product attention (fused FlashAttention-style kernel on
 * WebGPU, composed reference path) and multi-head attention with PyTorch's parameter names.
 */
export { scaledDotProductAttention } from './attention.js';
export { attentionMap, attentionMapSvg } from './attention-map.js';
export type { MultiheadAttentionOptions, MultiheadForwardOptions } from './multihead.js';
export { MultiheadAttention } from './multihead.js';
export type { AttentionOptions, AttentionResult } from './sdpa.js';
export { causalBias, composedAttention } from './sdpa.js';
