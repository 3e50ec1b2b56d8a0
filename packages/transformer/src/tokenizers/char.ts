import type { CharTokenizerJSON, Tokenizer } from './types.js';

function describe(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(ch)} (U+${hex})`;
}

/**
 * One token per Unicode code point, as nanoGPT's shakespeare_char: the vocabulary is the
 * sorted set of code points of the training text. Strings are iterated by code point, so an
 * astral character (an emoji) is one token; a lone surrogate is its own code point.
 */
export class CharTokenizer implements Tokenizer {
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    const seen = new Map<string, number>();
    for (const [i, ch] of chars.entries()) {
      if ([...ch].length !== 1) {
        throw new Error(
          `CharTokenizer: vocabulary entry ${i} is ${JSON.stringify(ch)}; each entry must be exactly one code point`,
        );
      }
      if (seen.has(ch))
        throw new Error(`CharTokenizer: ${describe(ch)} appears twice in the vocabulary`);
      seen.set(ch, i);
    }
    if (chars.length === 0)
      throw new Error('CharTokenizer: the vocabulary is empty; build it from non-empty text');
    this.chars = [...chars];
    this.ids = seen;
  }

  /** The vocabulary of `text`: its distinct code points, sorted by code point. */
  static fromText(text: string): CharTokenizer {
    if (text.length === 0) throw new Error('CharTokenizer.fromText: the text is empty');
    const unique = [...new Set(text)];
    unique.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(unique);
  }

  static fromJSON(json: CharTokenizerJSON): CharTokenizer {
    if (json?.type !== 'char' || !Array.isArray(json.chars)) {
      throw new Error('CharTokenizer.fromJSON: expected { type: "char", chars: [...] }');
    }
    return new CharTokenizer(json.chars);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let offset = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new Error(
          `CharTokenizer: character ${describe(ch)} at index ${offset} is not in the vocabulary of ${this.chars.length} characters; build the tokenizer from text that contains it (CharTokenizer.fromText(corpus + extraChars)) or remove it from the input`,
        );
      }
      out.push(id);
      offset += ch.length;
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    let text = '';
    for (const id of ids) {
      const ch = this.chars[id];
      if (ch === undefined || !Number.isInteger(id)) {
        throw new Error(
          `CharTokenizer: token id ${id} is outside the vocabulary [0, ${this.chars.length})`,
        );
      }
      text += ch;
    }
    return text;
  }

  toJSON(): CharTokenizerJSON {
    return { type: 'char', chars: [...this.chars] };
  }
}
