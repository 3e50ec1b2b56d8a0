/**
 * sacreBLEU's BLEU tokenizers: `none`, `13a` (default), `intl`, `char`.
 *
 * Semantics follow sacreBLEU 2.x (`sacrebleu/tokenizers/tokenizer_13a.py`, `tokenizer_re.py`,
 * `tokenizer_intl.py`, `tokenizer_char.py`), which in turn follow mteval-v13a.pl and mteval-v14.pl.
 */
import { splitWhitespace, strip } from './text.js';

export type BleuTokenizerName = 'none' | '13a' | 'intl' | 'char';

export const BLEU_TOKENIZERS: readonly BleuTokenizerName[] = ['none', '13a', 'intl', 'char'];

/** Tokenizes one segment into a space-joined string, like sacreBLEU's tokenizers. */
export type Tokenizer = (line: string) => string;

// mteval-v13a's "language-dependent part": split off ASCII punctuation and symbols
// ({|}~ [\]^_` space !"#$%& ()*+ :;<=>?@ /), then periods/commas not between digits,
// then a dash after a digit.
const ASCII_PUNCTUATION = /([{-~[-` -&(-+:-@/])/gu;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** mteval-v13a tokenization (sacreBLEU's default `13a`). */
export function tokenize13a(line: string): string {
  line = line.replaceAll('<skipped>', '');
  line = line.replaceAll('-\n', '');
  line = line.replaceAll('\n', ' ');
  // mteval-v13a unescapes these four XML entities (and only these).
  line = line.replaceAll('&quot;', '"');
  line = line.replaceAll('&amp;', '&');
  line = line.replaceAll('&lt;', '<');
  line = line.replaceAll('&gt;', '>');
  // Padding with spaces is why "2019." splits here but not in `intl` (see below).
  line = ` ${line} `;
  line = line.replace(ASCII_PUNCTUATION, ' $1 ');
  line = line.replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return splitWhitespace(strip(line)).join(' ');
}

// mteval-v14's international tokenization, by Unicode category: punctuation (P) not between
// digits (N) is split off, and every symbol (S) is split off.
const PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const SYMBOL = /(\p{S})/gu;

/**
 * mteval-v14 international tokenization (`intl`). As in mteval-v14.pl and sacreBLEU, a number
 * followed by a sentence-final period keeps the period ("2019." stays one token), because no
 * padding space is added.
 */
export function tokenizeIntl(line: string): string {
  line = line.replace(PUNCT_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PUNCT_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(SYMBOL, ' $1 ');
  return splitWhitespace(line).join(' ');
}

/** Character-level tokenization (`char`): every code point becomes a token (spaces vanish later). */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(' ');
}

/** No tokenization (`none`): the input is assumed to be tokenized already. */
export function tokenizeNone(line: string): string {
  return line;
}

export function bleuTokenizer(name: BleuTokenizerName): Tokenizer {
  switch (name) {
    case 'none':
      return tokenizeNone;
    case '13a':
      return tokenize13a;
    case 'intl':
      return tokenizeIntl;
    case 'char':
      return tokenizeChar;
    default:
      throw new Error(
        `unknown BLEU tokenizer ${JSON.stringify(name)}; use one of ${BLEU_TOKENIZERS.join(', ')}.`,
      );
  }
}
