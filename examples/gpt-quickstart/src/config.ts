import { readFileSync } from 'node:fs';
import type { GPTConfig, TrainingConfig } from '@scratchseq/transformer';

/** Everything a training run is made of; a JSON config file has this shape (any part optional). */
export interface RunConfig {
  model: Omit<GPTConfig, 'vocabSize'>;
  training: TrainingConfig;
  tokenizer: { type: 'char' } | { type: 'bpe'; vocabSize: number };
  /** Fraction of the text used for training; the rest is validation. */
  trainFraction: number;
  /** Seeds the weights, the data sampler and the device's random stream. */
  seed: number;
}

/**
 * The quickstart's defaults: a 2-layer, 64-wide character model that learns the shipped
 * chronicle in about a minute on a software GPU (Mesa lavapipe, 2 cores).
 */
export const DEFAULTS: RunConfig = {
  model: {
    blockSize: 32,
    nLayer: 2,
    nHead: 4,
    nEmbd: 64,
    dropout: 0,
    bias: true,
    tieWeights: true,
  },
  training: {
    maxIters: 150,
    batchSize: 32,
    blockSize: 32,
    learningRate: 1e-2,
    minLr: 1e-3,
    warmupIters: 15,
    weightDecay: 0.1,
    betas: [0.9, 0.99],
    gradClip: 1,
    evalInterval: 50,
    evalIters: 4,
    sampleInterval: 0,
  },
  tokenizer: { type: 'char' },
  trainFraction: 0.9,
  seed: 1337,
};

/** Command-line options that override the config (commander's camelCase names). */
export interface ConfigFlags {
  config?: string;
  layers?: number;
  heads?: number;
  width?: number;
  context?: number;
  dropout?: number;
  batch?: number;
  accum?: number;
  iters?: number;
  lr?: number;
  minLr?: number;
  warmup?: number;
  weightDecay?: number;
  gradClip?: number;
  evalInterval?: number;
  evalIters?: number;
  sampleInterval?: number;
  tokenizer?: string;
  vocabSize?: number;
  seed?: number;
}

const KNOWN = new Set(['model', 'training', 'tokenizer', 'trainFraction', 'seed']);

function readJson(path: string): Partial<RunConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the config file ${path}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      `config file ${path} must hold a JSON object like { "model": {...}, "training": {...} }`,
    );
  }
  const unknown = Object.keys(parsed).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new Error(
      `config file ${path}: unknown keys ${unknown.join(', ')}; expected ${[...KNOWN].join(', ')}`,
    );
  }
  return parsed as Partial<RunConfig>;
}

/** Defaults ← JSON config file ← flags. The model's context and the training context agree. */
export function resolveRunConfig(flags: ConfigFlags): RunConfig {
  const file = flags.config ? readJson(flags.config) : {};
  const model = { ...DEFAULTS.model, ...file.model };
  const training = { ...DEFAULTS.training, ...file.training };
  let tokenizer = { ...DEFAULTS.tokenizer, ...file.tokenizer } as RunConfig['tokenizer'];
  const set = <T, K extends keyof T>(target: T, key: K, value: T[K] | undefined) => {
    if (value !== undefined) target[key] = value;
  };
  set(model, 'nLayer', flags.layers);
  set(model, 'nHead', flags.heads);
  set(model, 'nEmbd', flags.width);
  set(model, 'dropout', flags.dropout);
  if (flags.context !== undefined) {
    model.blockSize = flags.context;
    training.blockSize = flags.context;
  } else if (file.model?.blockSize !== undefined && file.training?.blockSize === undefined) {
    training.blockSize = file.model.blockSize;
  }
  set(training, 'batchSize', flags.batch);
  set(training, 'gradAccumSteps', flags.accum);
  set(training, 'maxIters', flags.iters);
  set(training, 'learningRate', flags.lr);
  set(training, 'minLr', flags.minLr);
  set(training, 'warmupIters', flags.warmup);
  set(training, 'weightDecay', flags.weightDecay);
  set(training, 'gradClip', flags.gradClip);
  set(training, 'evalInterval', flags.evalInterval);
  set(training, 'evalIters', flags.evalIters);
  set(training, 'sampleInterval', flags.sampleInterval);
  if (flags.lr !== undefined && flags.minLr === undefined && file.training?.minLr === undefined) {
    training.minLr = flags.lr / 10;
  }
  if (training.warmupIters !== undefined && training.warmupIters >= training.maxIters) {
    training.warmupIters = Math.floor(training.maxIters / 10);
  }
  if (flags.tokenizer !== undefined) {
    if (flags.tokenizer === 'char') tokenizer = { type: 'char' };
    else if (flags.tokenizer === 'bpe')
      tokenizer = { type: 'bpe', vocabSize: flags.vocabSize ?? 512 };
    else throw new Error(`--tokenizer must be 'char' or 'bpe', got '${flags.tokenizer}'`);
  } else if (flags.vocabSize !== undefined) {
    tokenizer = { type: 'bpe', vocabSize: flags.vocabSize };
  }
  if (training.blockSize > model.blockSize) {
    throw new Error(
      `training.blockSize (${training.blockSize}) exceeds the model's context (${model.blockSize}); use --context to set both`,
    );
  }
  return {
    model,
    training,
    tokenizer,
    trainFraction: file.trainFraction ?? DEFAULTS.trainFraction,
    seed: flags.seed ?? file.seed ?? DEFAULTS.seed,
  };
}
