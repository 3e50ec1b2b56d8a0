/**
 * Penalties and hard constraints that depend on the sequence so far. They act on one row of raw
 * model scores (logits or log-probabilities, as the model returned them) before normalization.
 * Every check looks at the full sequence, prompt included, as Hugging Face transformers does.
 */
import type { ResolvedGenerationOptions } from './interface.js';
import { copyRow, logSoftmaxInPlace } from './step.js';

const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * CTRL repetition penalty (Keskar et al. 2019, "CTRL: A Conditional Transformer Language Model",
 * eq. after §4.1) with Hugging Face's sign fix: the score of every token already in the sequence
 * is divided by θ when positive and multiplied by θ when negative, so θ > 1 always makes
 * repeats less likely. On log-probabilities (all ≤ 0) this multiplies each seen token's score by θ.
 */
export function applyRepetitionPenalty(
  scores: Float64Array,
  sequence: readonly number[],
  penalty: number,
): Float64Array {
  if (penalty === 1) return scores;
  const seen = new Set(sequence);
  for (const token of seen) {
    const value = scores[token];
    scores[token] = value > 0 ? value / penalty : value * penalty;
  }
  return scores;
}

/**
 * Forbid the next token from completing an n-gram that already occurs in the sequence
 * (Paulus et al. 2018, "A Deep Reinforced Model for Abstractive Summarization", trigram blocking).
 */
export function banRepeatedNgrams(
  scores: Float64Array,
  sequence: readonly number[],
  n: number,
): Float64Array {
  if (n <= 0 || sequence.length + 1 < n) return scores;
  const prefixStart = sequence.length - (n - 1);
  for (let start = 0; start + n <= sequence.length; start++) {
    let matches = true;
    for (let j = 0; j < n - 1; j++) {
      if (sequence[start + j] !== sequence[prefixStart + j]) {
        matches = false;
        break;
      }
    }
    if (matches) scores[sequence[start + n - 1]] = NEG_INF;
  }
  return scores;
}

/**
 * Forbid the next token from completing any banned sequence: a banned sequence of length m bans
 * its last token whenever the sequence ends with its first m − 1 tokens (length 1: always).
 */
export function banSequences(
  scores: Float64Array,
  sequence: readonly number[],
  banned: readonly (readonly number[])[],
): Float64Array {
  for (const bannedSequence of banned) {
    const m = bannedSequence.length;
    if (m - 1 > sequence.length) continue;
    let matches = true;
    for (let j = 0; j < m - 1; j++) {
      if (sequence[sequence.length - (m - 1) + j] !== bannedSequence[j]) {
        matches = false;
        break;
      }
    }
    if (matches) scores[bannedSequence[m - 1]] = NEG_INF;
  }
  return scores;
}

/**
 * Apply every sequence-dependent processor in a fixed order: repetition penalty, then the hard
 * masks (minimum length, banned sequences, no-repeat n-grams). `generatedLength` is the number of
 * tokens generated before the one being chosen.
 */
export function applyProcessors(
  scores: Float64Array,
  sequence: readonly number[],
  generatedLength: number,
  options: ResolvedGenerationOptions,
): void {
  applyRepetitionPenalty(scores, sequence, options.repetitionPenalty);
  // The token being chosen would make the output generatedLength + 1 long, EOS included.
  if (generatedLength + 1 < options.minLength) {
    for (const eos of options.eosTokenIds) scores[eos] = NEG_INF;
  }
  banSequences(scores, sequence, options.bannedSequences);
  banRepeatedNgrams(scores, sequence, options.noRepeatNgramSize);
}

/** Model log-probs and processed (penalized, constrained, renormalized) log-probs of one row. */
export function scoreRow(
  scores: Float32Array,
  row: number,
  vocabSize: number,
  sequence: readonly number[],
  generatedLength: number,
  options: ResolvedGenerationOptions,
): { modelLogProbs: Float64Array; processedLogProbs: Float64Array } {
  const processed = copyRow(scores, row, vocabSize);
  const modelLogProbs = logSoftmaxInPlace(Float64Array.from(processed));
  applyProcessors(processed, sequence, generatedLength, options);
  return { modelLogProbs, processedLogProbs: logSoftmaxInPlace(processed) };
}
