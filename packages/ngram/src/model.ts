import { NgramCounts } from './counts.js';
import { AbsoluteDiscountingEstimator } from './estimators/absolute-discounting.js';
import { AdditiveEstimator } from './estimators/additive.js';
import type { Estimator } from './estimators/estimator.js';
import { KatzEstimator } from './estimators/katz.js';
import { KneserNeyEstimator } from './estimators/kneser-ney.js';
import { MleEstimator } from './estimators/mle.js';
import { type Discounts, ModifiedKneserNeyEstimator } from './estimators/modified-kneser-ney.js';
import { StupidBackoffEstimator } from './estimators/stupid-backoff.js';
import { WittenBellEstimator } from './estimators/witten-bell.js';
import { LanguageModel } from './language-model.js';
import { DEFAULT_SYMBOLS, type Padding, type PaddingSymbols, padSentence } from './padding.js';
import { Vocabulary } from './vocabulary.js';

/** Which estimator turns counts into probabilities, with its parameters. */
export type EstimatorSpec =
  | { kind: 'mle'; unseenContext?: 'backoff' | 'zero' }
  | { kind: 'laplace' }
  | { kind: 'lidstone'; gamma: number }
  | { kind: 'witten-bell' }
  | { kind: 'absolute-discounting'; discount?: number }
  | { kind: 'kneser-ney'; discount?: number; nltkCompatible?: boolean }
  | {
      kind: 'modified-kneser-ney';
      discounts?: readonly Discounts[];
      discountFallback?: Discounts;
    }
  | { kind: 'katz' }
  | { kind: 'stupid-backoff'; alpha?: number };

export interface FitOptions {
  /** Longest n-gram length (2 for bigrams). */
  order: number;
  estimator: EstimatorSpec;
  /** Default `'nltk'` (n−1 start and end symbols, as `pad_both_ends`). */
  padding?: Padding;
  symbols?: PaddingSymbols;
  /** Use this vocabulary instead of building one from the training sentences. */
  vocabulary?: Vocabulary;
  /** Unknown-word cutoff when the vocabulary is built here (NLTK's `unk_cutoff`). Default 1. */
  unkCutoff?: number;
  /** Unknown-word label when the vocabulary is built here. Default `<UNK>`. */
  unkLabel?: string;
}

/** A count-based n-gram language model: counts plus an estimator. */
export class NgramModel extends LanguageModel {
  readonly order: number;
  readonly vocabulary: Vocabulary;
  readonly padding: Padding;
  readonly symbols: PaddingSymbols;
  readonly counts: NgramCounts;
  readonly estimator: Estimator;
  private readonly chain: Int32Array;

  private constructor(
    order: number,
    vocabulary: Vocabulary,
    padding: Padding,
    symbols: PaddingSymbols,
    counts: NgramCounts,
    estimator: Estimator,
  ) {
    super();
    this.order = order;
    this.vocabulary = vocabulary;
    this.padding = padding;
    this.symbols = symbols;
    this.counts = counts;
    this.estimator = estimator;
    this.chain = new Int32Array(order);
  }

  /** Trains on tokenized sentences (each an array of words). */
  static fit(sentences: readonly (readonly string[])[], options: FitOptions): NgramModel {
    const { order } = options;
    if (!Number.isInteger(order) || order < 1) {
      throw new RangeError(`order must be an integer ≥ 1 (2 for bigrams), got ${order}`);
    }
    const padding = options.padding ?? 'nltk';
    const symbols = options.symbols ?? DEFAULT_SYMBOLS;
    const vocabulary =
      options.vocabulary ??
      Vocabulary.fromSentences(sentences, order, padding, {
        unkCutoff: options.unkCutoff,
        unkLabel: options.unkLabel,
        symbols,
      });
    const padded = sentences.map((sentence) =>
      vocabulary.lookup(padSentence(sentence, order, padding, symbols)),
    );
    const counts = NgramCounts.count(padded, order, vocabulary.size);
    if (counts.childTotal[0][0] === 0) {
      throw new RangeError('cannot fit an n-gram model on no tokens: pass at least one sentence');
    }
    const estimator = createEstimator(options.estimator, counts, vocabulary, symbols);
    return new NgramModel(order, vocabulary, padding, symbols, counts, estimator);
  }

  get name(): string {
    return `${this.order}-gram ${this.estimator.name}`;
  }

  get normalized(): boolean {
    return this.estimator.normalized;
  }

  /** Bytes held by counts and estimator tables. */
  get byteLength(): number {
    return this.counts.byteLength + this.estimator.byteLength;
  }

  probabilityOfIds(word: number, context: ArrayLike<number>): number {
    if (!(word >= 0 && word < this.vocabulary.size)) {
      throw new RangeError(
        `token id ${word} is outside the vocabulary (0..${this.vocabulary.size - 1})`,
      );
    }
    const chainLength = this.counts.contextChain(context, this.chain);
    return this.estimator.probability(word, this.chain, chainLength);
  }

  /** Count of an n-gram of words (0 if never counted; unknown words count as `<UNK>`). */
  count(ngram: readonly string[]): number {
    return this.counts.countOf(this.vocabulary.lookup(ngram));
  }
}

function createEstimator(
  spec: EstimatorSpec,
  counts: NgramCounts,
  vocabulary: Vocabulary,
  symbols: PaddingSymbols,
): Estimator {
  switch (spec.kind) {
    case 'mle':
      return new MleEstimator(counts, { unseenContext: spec.unseenContext });
    case 'laplace':
      return new AdditiveEstimator(counts, vocabulary.size, 1);
    case 'lidstone':
      return new AdditiveEstimator(counts, vocabulary.size, spec.gamma);
    case 'witten-bell':
      return new WittenBellEstimator(counts);
    case 'absolute-discounting':
      return new AbsoluteDiscountingEstimator(counts, spec.discount);
    case 'kneser-ney':
      return new KneserNeyEstimator(counts, {
        discount: spec.discount,
        nltkCompatible: spec.nltkCompatible,
      });
    case 'modified-kneser-ney':
      return new ModifiedKneserNeyEstimator(counts, vocabulary.size, {
        discounts: spec.discounts,
        discountFallback: spec.discountFallback,
        startId: vocabulary.has(symbols.start) ? vocabulary.idOf(symbols.start) : -1,
      });
    case 'katz':
      return new KatzEstimator(counts, vocabulary.size);
    case 'stupid-backoff':
      return new StupidBackoffEstimator(counts, spec.alpha);
    default: {
      const unknown: never = spec;
      throw new RangeError(
        `unknown estimator ${JSON.stringify(unknown)}; use one of mle, laplace, lidstone, witten-bell, absolute-discounting, kneser-ney, modified-kneser-ney, katz, stupid-backoff`,
      );
    }
  }
}
