export { type GPTConfig, validateGPTConfig } from './config.js';
export {
  type GenerateOptions,
  type GPTDecodeState,
  type GPTNextTokenModel,
  generateTokens,
  gptNextTokenModel,
} from './decoding.js';
export { KVCache } from './kv-cache.js';
export { type ForwardCachedOptions, GPT, type GPTOptions } from './model.js';
