/**
 * Sentence padding and everygrams.
 *
 * `'nltk'` reproduces `nltk.lm.preprocessing.pad_both_ends(sentence, n=order)`: order−1 start
 * symbols and order−1 end symbols. Every n-gram of every length 1..order inside the padded
 * sentence is counted, as `nltk.util.everygrams(padded, max_len=order)` does, so counts (and
 * hence scores) agree with `nltk.lm` trained through `padded_everygram_pipeline`.
 *
 * `'single-end'` pads order−1 start symbols but only one end symbol: each real token and the
 * end of the sentence are predicted exactly once, the usual convention for per-token loss
 * (and what KenLM's scoring amounts to, since contexts made only of `<s>` back off to `<s>`).
 *
 * `'none'` adds nothing; the first tokens of a sentence are predicted from shorter contexts.
 */
export type Padding = 'nltk' | 'single-end' | 'none';

export interface PaddingSymbols {
  start: string;
  end: string;
}

export const DEFAULT_SYMBOLS: PaddingSymbols = { start: '<s>', end: '</s>' };

/** How many start symbols precede the sentence. */
export function leftPadLength(order: number, padding: Padding): number {
  return padding === 'none' ? 0 : order - 1;
}

/** How many end symbols follow the sentence. */
export function rightPadLength(order: number, padding: Padding): number {
  if (padding === 'none') return 0;
  return padding === 'nltk' ? order - 1 : 1;
}

/** Pads one sentence. */
export function padSentence(
  sentence: readonly string[],
  order: number,
  padding: Padding,
  symbols: PaddingSymbols = DEFAULT_SYMBOLS,
): string[] {
  const left = new Array<string>(leftPadLength(order, padding)).fill(symbols.start);
  const right = new Array<string>(rightPadLength(order, padding)).fill(symbols.end);
  return [...left, ...sentence, ...right];
}

/**
 * All n-grams of lengths minLength..maxLength of a sequence, in the order NLTK 3.8's
 * `everygrams` yields them: by start position, then by increasing length.
 */
export function everygrams<T>(sequence: readonly T[], maxLength: number, minLength = 1): T[][] {
  const grams: T[][] = [];
  for (let start = 0; start < sequence.length; start++) {
    for (
      let length = minLength;
      length <= maxLength && start + length <= sequence.length;
      length++
    ) {
      grams.push(sequence.slice(start, start + length));
    }
  }
  return grams;
}
