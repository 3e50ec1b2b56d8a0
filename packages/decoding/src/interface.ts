/**
 * How a model plugs into every decoding strategy.
 *
 * The library drives a batch of hypotheses. Each step it hands the model the last token of every
 * hypothesis plus that hypothesis's opaque state (a hidden state, a KV cache handle, an n-gram
 * context), and gets back next-token scores for the whole batch as one row-major
 * `Float32Array` of shape (batch, vocabSize) and one new state per row. The model never learns
 * which strategy is running.
 */

import type { Tensor } from '@scratchseq/gpu';

/** Whether scores are unnormalized logits or log-probabilities (log-softmax already applied). */
export type ScoreKind = 'logits' | 'logprobs';

/**
 * Scores that stay on the device: a `@scratchseq/gpu` f32 tensor of shape (batch, vocabSize).
 * `sample` filters and draws from them on the device (above `deviceVocabThreshold`); every other
 * path reads them back. The library disposes the tensor once it has used it.
 */
export type DeviceScores = Tensor;

export interface StepOutput<S> {
  /**
   * Next-token scores, shape (batch, vocabSize): a row-major Float32Array, or a device tensor
   * (`DeviceScores`) for models that run on `@scratchseq/gpu`.
   */
  scores: Float32Array | DeviceScores;
  /** `'logits'` or `'logprobs'`; the library applies log-softmax where needed. */
  kind: ScoreKind;
  /** The state after consuming each row's token, one per row, in row order. */
  states: S[];
}

export interface NextTokenModel<S = unknown> {
  /** Number of scores per row. */
  readonly vocabSize: number;
  /**
   * Consume the prompt (batch of one). Returns the scores for the first generated token and the
   * state after the prompt. A transformer fills its KV cache here; an RNN runs over the prompt.
   */
  start(prompt: readonly number[]): StepOutput<S> | Promise<StepOutput<S>>;
  /**
   * Advance every hypothesis by its last token. `lastTokens[i]` and `states[i]` belong to row i;
   * `sequences[i]` is that hypothesis's full sequence (prompt + generated, ending in
   * `lastTokens[i]`) for models that prefer to recompute from tokens. May be async: a device
   * model reads its scores back asynchronously.
   */
  step(
    lastTokens: Int32Array,
    states: readonly S[],
    sequences: readonly (readonly number[])[],
  ): StepOutput<S> | Promise<StepOutput<S>>;
  /**
   * Build the states for the next batch: row i of the new batch continues row `indices[i]` of
   * the old one. An index may repeat (a beam that forks, or `numReturnSequences` copies of the
   * prompt state) or be missing (a hypothesis that finished or was pruned). Models with mutable
   * states (an in-place KV cache) must copy repeated ones and may free the missing ones: after
   * this call the library never touches the old states again. When omitted, the library picks
   * `states[indices[i]]` by reference, which is right for immutable states.
   */
  reorderStates?(states: readonly S[], indices: Int32Array): S[] | Promise<S[]>;
}

/** Why a hypothesis stopped growing. */
export type FinishReason = 'eos' | 'length';

/**
 * One decoded hypothesis. Lengths count generated tokens only (the prompt is not included), and
 * a terminating EOS token is part of `tokens` and counts in the length.
 */
export interface Hypothesis {
  /** Generated tokens (the prompt excluded), ending with the EOS token when finishReason is 'eos'. */
  tokens: number[];
  /**
   * Per-step log-probability of each token under the model itself: log-softmax of the model's
   * scores, before any penalty, constraint, temperature or filter.
   */
  tokenLogProbs: number[];
  /**
   * Per-step log-probability of each token under the distribution the strategy actually chose
   * from: after penalties and constraints (greedy, beam), and also after temperature and filters
   * (sampling). See the README's "Scores" section.
   */
  stepScores: number[];
  /** Sum of `tokenLogProbs`: the model's log-probability of the sequence given the prompt. */
  logProb: number;
  /** The strategy's ranking score: sum of `stepScores`, length-normalized for beam search. */
  score: number;
  finishReason: FinishReason;
}

/** Options shared by every strategy. Lengths count generated tokens, EOS included. */
export interface GenerationOptions {
  /** Stop after this many generated tokens. Default 20. */
  maxLength?: number;
  /** EOS is masked until this many tokens (EOS included) can be reached. Default 0. */
  minLength?: number;
  /** One or more end-of-sequence ids. Default none: every hypothesis runs to `maxLength`. */
  eosTokenId?: number | readonly number[];
  /** CTRL repetition penalty θ (Keskar et al. 2019, HF sign convention). Default 1 (off). */
  repetitionPenalty?: number;
  /** Forbid any n-gram of this size from occurring twice. Default 0 (off). */
  noRepeatNgramSize?: number;
  /** Token sequences that must never be generated. Default none. */
  bannedSequences?: readonly (readonly number[])[];
}

export function eosList(eosTokenId: number | readonly number[] | undefined): number[] {
  if (eosTokenId === undefined) return [];
  return typeof eosTokenId === 'number' ? [eosTokenId] : [...eosTokenId];
}

/** Resolved, validated shared options. */
export interface ResolvedGenerationOptions {
  maxLength: number;
  minLength: number;
  eosTokenIds: number[];
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  bannedSequences: (readonly number[])[];
}

export function resolveGenerationOptions(
  options: GenerationOptions,
  vocabSize: number,
): ResolvedGenerationOptions {
  const maxLength = options.maxLength ?? 20;
  const minLength = options.minLength ?? 0;
  const eosTokenIds = eosList(options.eosTokenId);
  const repetitionPenalty = options.repetitionPenalty ?? 1;
  const noRepeatNgramSize = options.noRepeatNgramSize ?? 0;
  const bannedSequences = [...(options.bannedSequences ?? [])];
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new Error(`maxLength must be a positive integer, got ${maxLength}`);
  }
  if (!Number.isInteger(minLength) || minLength < 0 || minLength > maxLength) {
    throw new Error(
      `minLength must be an integer in [0, maxLength=${maxLength}], got ${minLength}; raise maxLength or lower minLength`,
    );
  }
  for (const id of eosTokenIds) checkTokenId(id, vocabSize, 'eosTokenId');
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) {
    throw new Error(
      `repetitionPenalty must be a positive finite number (1 = off), got ${repetitionPenalty}`,
    );
  }
  if (!Number.isInteger(noRepeatNgramSize) || noRepeatNgramSize < 0) {
    throw new Error(
      `noRepeatNgramSize must be a non-negative integer (0 = off), got ${noRepeatNgramSize}`,
    );
  }
  for (const banned of bannedSequences) {
    if (banned.length === 0) {
      throw new Error('bannedSequences contains an empty sequence; remove it');
    }
    for (const id of banned) checkTokenId(id, vocabSize, 'bannedSequences');
  }
  return {
    maxLength,
    minLength,
    eosTokenIds,
    repetitionPenalty,
    noRepeatNgramSize,
    bannedSequences,
  };
}

export function checkTokenId(id: number, vocabSize: number, name: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new Error(`${name}: token id ${id} is outside the vocabulary [0, ${vocabSize})`);
  }
}
