export {
  gpt2FromSafetensors,
  type HFGPT2Config,
  type LoadGPT2Options,
  loadGPT2,
} from './gpt2.js';
