/** What every tokenizer offers: text ↔ token ids, and a JSON form to save next to a model. */
export interface Tokenizer {
  /** Number of distinct token ids (ids are 0 … vocabSize − 1). */
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  toJSON(): TokenizerJSON;
}

export interface CharTokenizerJSON {
  type: 'char';
  /** The vocabulary: one code point (or lone surrogate) per id, in id order. */
  chars: string[];
}

export interface BpeTokenizerJSON {
  type: 'bpe';
  version: 1;
  /** Pre-tokenization: 'gpt2' (the GPT-2 regex) or 'none' (the whole text is one chunk). */
  pretokenizer: 'gpt2' | 'none';
  /** Merge i creates token 256 + i from the pair [left, right]. */
  merges: [number, number][];
}

export type TokenizerJSON = CharTokenizerJSON | BpeTokenizerJSON;
