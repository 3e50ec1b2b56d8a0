export { type GPTConfig, validateGPTConfig } from './config.js';
export { KVCache } from './kv-cache.js';
export { type ForwardCachedOptions, GPT, type GPTOptions } from './model.js';
