import { DEFAULT_SYMBOLS, type Padding, type PaddingSymbols, padSentence } from './padding.js';

export interface VocabularyOptions {
  /**
   * Words seen fewer than this many times are not in the vocabulary and map to the unknown
   * label (NLTK's `unk_cutoff`). Default 1: every seen word is kept.
   */
  unkCutoff?: number;
  /** Label of the unknown word. Default `<UNK>` as in NLTK (ARPA files use `<unk>`). */
  unkLabel?: string;
}

/**
 * Maps words to dense integer ids, with an unknown-word label.
 *
 * Semantics follow `nltk.lm.Vocabulary`: membership requires count ≥ cutoff, the unknown
 * label is always a member, and the size counts it. Ids follow NLTK's iteration order:
 * in-vocabulary words in first-seen order, then the unknown label last.
 */
export class Vocabulary {
  readonly unkLabel: string;
  readonly unkCutoff: number;
  readonly unkId: number;
  private readonly wordsById: string[];
  private readonly idsByWord: Map<string, number>;

  /** Words are taken in order; the unknown label keeps its place if listed, else goes last. */
  private constructor(words: readonly string[], unkLabel: string, unkCutoff: number) {
    this.unkLabel = unkLabel;
    this.unkCutoff = unkCutoff;
    this.wordsById = [...new Set(words)];
    if (!this.wordsById.includes(unkLabel)) this.wordsById.push(unkLabel);
    this.idsByWord = new Map(this.wordsById.map((word, id) => [word, id]));
    this.unkId = this.idsByWord.get(unkLabel)!;
  }

  /** Builds a vocabulary from a stream of tokens, applying the unknown cutoff. */
  static fromTokens(tokens: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
    const unkCutoff = options.unkCutoff ?? 1;
    const unkLabel = options.unkLabel ?? '<UNK>';
    if (!Number.isInteger(unkCutoff) || unkCutoff < 1) {
      throw new RangeError(`unkCutoff must be an integer ≥ 1 (NLTK's rule), got ${unkCutoff}`);
    }
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    const kept: string[] = [];
    for (const [word, count] of counts) {
      if (count >= unkCutoff && word !== unkLabel) kept.push(word);
    }
    return new Vocabulary(kept, unkLabel, unkCutoff);
  }

  /**
   * Builds a vocabulary from sentences padded as they will be for counting, which is what
   * NLTK's `padded_everygram_pipeline` feeds to `fit` (so `<s>` and `</s>` are words).
   */
  static fromSentences(
    sentences: Iterable<readonly string[]>,
    order: number,
    padding: Padding,
    options: VocabularyOptions & { symbols?: PaddingSymbols } = {},
  ): Vocabulary {
    const symbols = options.symbols ?? DEFAULT_SYMBOLS;
    function* tokens() {
      for (const sentence of sentences) yield* padSentence(sentence, order, padding, symbols);
    }
    return Vocabulary.fromTokens(tokens(), options);
  }

  /** A vocabulary holding exactly these words (plus the unknown label), ids in this order. */
  static fromWords(words: readonly string[], unkLabel = '<UNK>'): Vocabulary {
    return new Vocabulary(words, unkLabel, 1);
  }

  /** Number of words including the unknown label (NLTK's `len(vocab)`). */
  get size(): number {
    return this.wordsById.length;
  }

  /** All words, indexed by id. */
  get words(): readonly string[] {
    return this.wordsById;
  }

  has(word: string): boolean {
    return this.idsByWord.has(word);
  }

  /** Id of a word, or the unknown id for out-of-vocabulary words. */
  idOf(word: string): number {
    return this.idsByWord.get(word) ?? this.unkId;
  }

  /** Word of an id; throws for ids outside 0..size−1. */
  wordOf(id: number): string {
    const word = this.wordsById[id];
    if (word === undefined) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.size - 1})`);
    }
    return word;
  }

  /** Maps words to ids, out-of-vocabulary words to the unknown id. */
  lookup(words: readonly string[]): Int32Array {
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) ids[i] = this.idOf(words[i]);
    return ids;
  }
}
