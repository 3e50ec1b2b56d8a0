/**
 * @scratchseq/transformer — GPT on WebGPU: the model (nanoGPT names, KV cache), GPT-2 weight
 * loading, tokenizers, a text dataset and a training loop.
 */

export * from './data/index.js';
export * from './gpt/index.js';
export * from './pretrained/index.js';
export * from './tokenizers/index.js';
export * from './train/index.js';
