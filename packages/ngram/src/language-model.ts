import { leftPadLength, type Padding, type PaddingSymbols, padSentence } from './padding.js';
import { mulberry32 } from './random.js';
import type { Vocabulary } from './vocabulary.js';

/** One predicted token of an evaluation. */
export interface TokenScore {
  /** Index of the sentence in the evaluated list. */
  sentence: number;
  /** The predicted word as written in the input (or the end symbol). */
  word: string;
  /** The order−1 words before it (padded), as written in the input. */
  context: string[];
  /** Whether the word is outside the vocabulary (scored as the unknown word). */
  oov: boolean;
  probability: number;
  /** Natural log of the probability. */
  logProb: number;
}

export interface EvaluationOptions {
  /**
   * Out-of-vocabulary words: `'score-as-unk'` (default, NLTK) scores them as the unknown
   * word; `'skip'` leaves them out of the totals (SRILM/KenLM report OOVs separately).
   */
  oov?: 'score-as-unk' | 'skip';
  /**
   * A token with probability 0 (possible with MLE and NLTK-style Witten-Bell, absolute
   * discounting and Kneser-Ney for never-seen words): `'throw'` (default) stops with an
   * error naming the token; `'infinity'` returns infinite cross-entropy as NLTK does.
   */
  zeroProbability?: 'throw' | 'infinity';
  /** Whether to return the per-token breakdown. Default true. */
  breakdown?: boolean;
}

export interface Evaluation {
  /** Per-token scores (empty when `breakdown: false`). */
  tokens: TokenScore[];
  /** Number of tokens in the totals (OOVs excluded under `oov: 'skip'`). */
  tokenCount: number;
  oovCount: number;
  /** Σ ln P over the counted tokens. */
  logProb: number;
  /** −(1/T) Σ ln P: nats per token. */
  crossEntropyNats: number;
  /** −(1/T) Σ log2 P: bits per token (NLTK's `entropy`). */
  crossEntropyBits: number;
  /** 2^bits = e^nats (NLTK's `perplexity`). */
  perplexity: number;
}

export interface GenerateOptions {
  /** Seed of the mulberry32 sampler. Default 0. */
  seed?: number;
  /** Words the generated text continues (not repeated in the output). */
  prefix?: readonly string[];
  /** Maximum number of words to generate. Default 100. */
  maxLength?: number;
  /** Sampling temperature: P^(1/T), renormalized; 0 picks the most probable word. Default 1. */
  temperature?: number;
  /** Whether the unknown word may be generated. Default false. */
  allowUnknown?: boolean;
}

/** The error thrown when a token has probability 0 under `zeroProbability: 'throw'`. */
export class ZeroProbabilityError extends Error {
  constructor(
    readonly word: string,
    readonly context: readonly string[],
    modelName: string,
  ) {
    super(
      `${modelName} gives probability 0 to "${word}" after [${context.join(' ')}], so cross-entropy is infinite; use a smoothed estimator (e.g. modified Kneser-Ney), or pass { zeroProbability: 'infinity' } for NLTK's behaviour`,
    );
    this.name = 'ZeroProbabilityError';
  }
}

/**
 * What every n-gram model offers once it can give P(word id | context ids): scoring,
 * evaluation, generation. Count-based models and ARPA files both implement it.
 */
export abstract class LanguageModel {
  abstract readonly order: number;
  abstract readonly vocabulary: Vocabulary;
  /** How sentences are padded for training and evaluation. */
  abstract readonly padding: Padding;
  abstract readonly symbols: PaddingSymbols;
  /** False when scores are not probabilities (stupid backoff). */
  abstract readonly normalized: boolean;
  /** Short description used in errors and reports. */
  abstract readonly name: string;

  /**
   * P(word | context) on vocabulary ids. Only the last order−1 context ids matter; longer
   * contexts are truncated (NLTK would instead look up a never-counted longer n-gram).
   */
  abstract probabilityOfIds(word: number, context: ArrayLike<number>): number;

  /** P(word | context); out-of-vocabulary words are scored as the unknown word. */
  score(word: string, context: readonly string[] = []): number {
    return this.probabilityOfIds(this.vocabulary.idOf(word), this.vocabulary.lookup(context));
  }

  /** log2 P(word | context), as NLTK's `logscore` (−Infinity for probability 0). */
  logScore(word: string, context: readonly string[] = []): number {
    return Math.log2(this.score(word, context));
  }

  /** Natural log of P(word | context). */
  logProb(word: string, context: readonly string[] = []): number {
    return Math.log(this.score(word, context));
  }

  /** P(· | context) over the vocabulary, indexed by id. */
  distributionOfIds(context: ArrayLike<number>, out = new Float64Array(this.vocabulary.size)) {
    for (let word = 0; word < out.length; word++) out[word] = this.probabilityOfIds(word, context);
    return out;
  }

  /** P(· | context) over the vocabulary, indexed by id (see `vocabulary.words`). */
  distribution(context: readonly string[] = []): Float64Array {
    return this.distributionOfIds(this.vocabulary.lookup(context));
  }

  /** Pads a sentence the way this model was trained. */
  pad(sentence: readonly string[]): string[] {
    return padSentence(sentence, this.order, this.padding, this.symbols);
  }

  /**
   * Scores held-out sentences: each is padded as in training and every position after the
   * left padding is predicted from the order−1 words before it (NLTK: the n-grams of the
   * padded sentence).
   */
  evaluate(sentences: Iterable<readonly string[]>, options: EvaluationOptions = {}): Evaluation {
    const skipOov = options.oov === 'skip';
    const throwOnZero = (options.zeroProbability ?? 'throw') === 'throw';
    const breakdown = options.breakdown ?? true;
    const contextLength = this.order - 1;
    const firstTarget = leftPadLength(this.order, this.padding);
    const tokens: TokenScore[] = [];
    let tokenCount = 0;
    let oovCount = 0;
    let logProb = 0;
    let sentenceIndex = 0;
    for (const sentence of sentences) {
      const padded = this.pad(sentence);
      const ids = this.vocabulary.lookup(padded);
      for (let position = firstTarget; position < padded.length; position++) {
        const word = padded[position];
        const oov = !this.vocabulary.has(word);
        if (oov) oovCount++;
        if (oov && skipOov) continue;
        const contextStart = Math.max(0, position - contextLength);
        const probability = this.probabilityOfIds(
          ids[position],
          ids.subarray(contextStart, position),
        );
        if (probability === 0 && throwOnZero) {
          throw new ZeroProbabilityError(word, padded.slice(contextStart, position), this.name);
        }
        const tokenLogProb = Math.log(probability);
        logProb += tokenLogProb;
        tokenCount++;
        if (breakdown) {
          tokens.push({
            sentence: sentenceIndex,
            word,
            context: padded.slice(contextStart, position),
            oov,
            probability,
            logProb: tokenLogProb,
          });
        }
      }
      sentenceIndex++;
    }
    const crossEntropyNats = tokenCount === 0 ? 0 : -logProb / tokenCount;
    return {
      tokens,
      tokenCount,
      oovCount,
      logProb,
      crossEntropyNats,
      crossEntropyBits: crossEntropyNats / Math.LN2,
      perplexity: Math.exp(crossEntropyNats),
    };
  }

  /** Natural-log probability of one sentence, padding included. */
  sentenceLogProb(sentence: readonly string[], options: EvaluationOptions = {}): number {
    return this.evaluate([sentence], { ...options, breakdown: false }).logProb;
  }

  /** Cross-entropy in bits per token over held-out sentences (NLTK's `entropy`). */
  crossEntropy(sentences: Iterable<readonly string[]>, options: EvaluationOptions = {}): number {
    return this.evaluate(sentences, { ...options, breakdown: false }).crossEntropyBits;
  }

  /** Perplexity over held-out sentences: 2^crossEntropy. */
  perplexity(sentences: Iterable<readonly string[]>, options: EvaluationOptions = {}): number {
    return this.evaluate(sentences, { ...options, breakdown: false }).perplexity;
  }

  /**
   * Samples words after the left padding and a prefix, until the end symbol (not returned)
   * or `maxLength` words. The start symbol is never sampled. Same seed, same words.
   */
  generate(options: GenerateOptions = {}): string[] {
    const temperature = options.temperature ?? 1;
    if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
    const random = mulberry32(options.seed ?? 0);
    const maxLength = options.maxLength ?? 100;
    const vocabulary = this.vocabulary;
    const startId = vocabulary.has(this.symbols.start) ? vocabulary.idOf(this.symbols.start) : -1;
    const endId = vocabulary.has(this.symbols.end) ? vocabulary.idOf(this.symbols.end) : -1;
    const history = Array.from(
      vocabulary.lookup(this.pad([]).slice(0, leftPadLength(this.order, this.padding))),
    );
    for (const word of options.prefix ?? []) history.push(vocabulary.idOf(word));
    const generated: string[] = [];
    const weights = new Float64Array(vocabulary.size);
    while (generated.length < maxLength) {
      const context = history.slice(Math.max(0, history.length - (this.order - 1)));
      this.distributionOfIds(context, weights);
      if (startId >= 0) weights[startId] = 0;
      if (!options.allowUnknown) weights[vocabulary.unkId] = 0;
      const next = sampleIndex(weights, temperature, random);
      if (next < 0 || next === endId) break;
      history.push(next);
      generated.push(vocabulary.wordOf(next));
    }
    return generated;
  }
}

/** Index drawn from weights^(1/T); argmax for T = 0; −1 when every weight is 0. */
function sampleIndex(weights: Float64Array, temperature: number, random: () => number): number {
  if (temperature === 0) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] > 0 && (best < 0 || weights[i] > weights[best])) best = i;
    }
    return best;
  }
  // Work in log space so small temperatures do not underflow every weight to zero.
  let maxLog = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] > 0) maxLog = Math.max(maxLog, Math.log(weights[i]) / temperature);
  }
  if (maxLog === Number.NEGATIVE_INFINITY) return -1;
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    weights[i] = weights[i] > 0 ? Math.exp(Math.log(weights[i]) / temperature - maxLog) : 0;
    total += weights[i];
  }
  let threshold = random() * total;
  for (let i = 0; i < weights.length; i++) {
    threshold -= weights[i];
    if (threshold < 0 && weights[i] > 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return -1;
}
