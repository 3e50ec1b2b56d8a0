export * from './bleu.js';
export * from './chrf.js';
export * from './ter.js';
export * from './tokenizers.js';
