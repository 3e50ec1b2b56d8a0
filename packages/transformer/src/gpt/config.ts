/**
 * The GPT configuration, nanoGPT's `GPTConfig` with typed names. The optional fields cover what
 * differs between nanoGPT and the original GPT-2 checkpoints.
 */
export interface GPTConfig {
  /** Number of token ids (nanoGPT pads GPT-2's 50,257 to 50,304 for speed; any size works). */
  vocabSize: number;
  /** Longest context: the number of learned position embeddings. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Model width C; must be divisible by nHead (head size C / nHead). */
  nEmbd: number;
  /** Dropout after the embeddings, on attention weights and on both residual branches. */
  dropout: number;
  /** Biases in the Linear layers and LayerNorms (GPT-2: true; nanoGPT's faster option: false). */
  bias: boolean;
  /** lm_head shares its weight with the token embedding (GPT-2 and nanoGPT do). */
  tieWeights: boolean;
  /**
   * GELU form: 'exact' (erf, nanoGPT's nn.GELU(); the default) or 'tanh' (the approximation
   * GPT-2 was trained with, Hugging Face's `gelu_new`).
   */
  gelu?: 'exact' | 'tanh';
  /** LayerNorm epsilon. Default 1e-5 (nanoGPT and GPT-2). */
  layerNormEps?: number;
}

/** Throws an error naming the field and the fix when a config cannot build a GPT. */
export function validateGPTConfig(config: GPTConfig): void {
  const positive = ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const;
  for (const key of positive) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`GPTConfig.${key} must be a positive integer, got ${value}`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new Error(
      `GPTConfig: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead}); e.g. nEmbd ${config.nHead * Math.max(1, Math.round(config.nEmbd / config.nHead))}`,
    );
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new Error(`GPTConfig.dropout must be in [0, 1), got ${config.dropout}`);
  }
  if (typeof config.bias !== 'boolean' || typeof config.tieWeights !== 'boolean') {
    throw new Error('GPTConfig.bias and GPTConfig.tieWeights must be booleans');
  }
  if (config.gelu !== undefined && config.gelu !== 'exact' && config.gelu !== 'tanh') {
    throw new Error(`GPTConfig.gelu must be 'exact' or 'tanh', got '${config.gelu}'`);
  }
  const eps = config.layerNormEps;
  if (eps !== undefined && !(eps > 0)) {
    throw new Error(`GPTConfig.layerNormEps must be positive, got ${eps}`);
  }
}
