/**
 * Small text helpers shared by the metric modules.
 *
 * The reference implementations are Python, so "split on whitespace" and "a character" mean what
 * Python means by them: `str.split()` splits on every code point for which `str.isspace()` is true
 * (a wider set than JavaScript's `\s`: it includes U+001C..U+001F and U+0085), and strings are
 * indexed by code point, not by UTF-16 unit.
 */

/** Every code point for which Python's `str.isspace()` is true. */
const PYTHON_WHITESPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

export const PYTHON_WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE}]+`, 'gu');
const LEADING_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE}]+`, 'u');
const TRAILING_WHITESPACE = new RegExp(`[${PYTHON_WHITESPACE}]+$`, 'u');

/** Python's `s.split()` with no argument: split on whitespace runs, drop empty pieces. */
export function splitWhitespace(text: string): string[] {
  const parts = text.split(PYTHON_WHITESPACE_RUN);
  return parts.filter((part) => part.length > 0);
}

/** Python's `s.rstrip()`. */
export function rstrip(text: string): string {
  return text.replace(TRAILING_WHITESPACE, '');
}

/** Python's `s.strip()`. */
export function strip(text: string): string {
  return text.replace(LEADING_WHITESPACE, '').replace(TRAILING_WHITESPACE, '');
}

/** The code points of `text` (Python's `list(s)`), so astral characters count as one. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Multiset of items, the counterpart of Python's `collections.Counter`. */
export function countItems(items: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Size of the multiset intersection (sum of min counts). */
export function overlapCount(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  for (const [item, count] of a) {
    const other = b.get(item);
    if (other !== undefined) total += Math.min(count, other);
  }
  return total;
}

/** Sum of all counts of a multiset. */
export function totalCount(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

/** Word n-grams of one order, joined with a separator that cannot occur inside a token. */
export function wordNgrams(tokens: readonly string[], order: number): string[] {
  const grams: string[] = [];
  for (let i = 0; i + order <= tokens.length; i++)
    grams.push(tokens.slice(i, i + order).join('\u0000'));
  return grams;
}
