/**
 * chrF (Popović, 2015) and chrF++ (Popović, 2017) with sacreBLEU 2.x semantics
 * (`sacrebleu/metrics/chrf.py`): character n-grams of orders 1..charOrder (whitespace removed
 * by default) and, for chrF++, word n-grams of orders 1..wordOrder after splitting one
 * punctuation mark off each word's end or start. Per-order precision and recall are averaged
 * over the orders, then combined into F-beta; with several references, each segment keeps the
 * statistics of its best-scoring reference.
 */
import { assertReferenceStreams, referenceCountLabel, segmentReferences } from './errors.js';
import { codePoints, countItems, splitWhitespace, wordNgrams } from './text.js';
import { SIGNATURE_VERSION } from './version.js';

export interface ChrfOptions {
  /** Character n-gram order; default 6. */
  charOrder?: number;
  /** Word n-gram order; default 0 (chrF). Use 2 for chrF++. */
  wordOrder?: number;
  /** Recall weight; default 2. */
  beta?: number;
  /** Lowercase before scoring; default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams; default false. */
  whitespace?: boolean;
  /**
   * Epsilon smoothing as in chrF++.py, Moses and NLTK (every order counts, empty ones score
   * 1e-16). Default false: sacreBLEU's effective-order averaging over orders that occur.
   */
  epsSmoothing?: boolean;
}

export interface ChrfScore {
  /** chrF on a 0–100 scale. */
  score: number;
  /** `chrF2`, or `chrF2++` when wordOrder is 2. */
  name: string;
  /** Flattened [hyp, ref, match] counts per order: char orders first, then word orders. */
  statistics: number[];
  signature: string;
  formatted: string;
}

interface ResolvedChrfOptions {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function resolve(options: ChrfOptions): ResolvedChrfOptions {
  return {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    lowercase: options.lowercase ?? false,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
}

// Python's string.punctuation, which chrF++ splits off word edges.
const ASCII_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/**
 * chrF++'s word splitting (after m-popovic/chrF): one punctuation mark is split off the end of a
 * word, or else off its start, so "(hi)" becomes "(hi" and ")" exactly as in sacreBLEU.
 */
export function chrfWords(sentence: string): string[] {
  const words: string[] = [];
  for (const word of splitWhitespace(sentence)) {
    const chars = codePoints(word);
    if (chars.length === 1) {
      words.push(word);
    } else if (ASCII_PUNCTUATION.has(chars[chars.length - 1])) {
      words.push(chars.slice(0, -1).join(''), chars[chars.length - 1]);
    } else if (ASCII_PUNCTUATION.has(chars[0])) {
      words.push(chars[0], chars.slice(1).join(''));
    } else {
      words.push(word);
    }
  }
  return words;
}

function charNgrams(text: string, order: number): Map<string, number> {
  const chars = codePoints(text);
  const grams: string[] = [];
  for (let i = 0; i + order <= chars.length; i++) grams.push(chars.slice(i, i + order).join(''));
  return countItems(grams);
}

function extractNgrams(sentence: string, opts: ResolvedChrfOptions): Map<string, number>[] {
  const text = opts.whitespace ? sentence : splitWhitespace(sentence).join('');
  const all: Map<string, number>[] = [];
  for (let n = 1; n <= opts.charOrder; n++) all.push(charNgrams(text, n));
  if (opts.wordOrder > 0) {
    const words = chrfWords(sentence);
    for (let n = 1; n <= opts.wordOrder; n++) all.push(countItems(wordNgrams(words, n)));
  }
  return all;
}

function matchStatistics(hyp: Map<string, number>, ref: Map<string, number>): number[] {
  let hypCount = 0;
  let matchCount = 0;
  for (const [gram, count] of hyp) {
    hypCount += count;
    const refCount = ref.get(gram);
    if (refCount !== undefined) matchCount += Math.min(count, refCount);
  }
  let refCount = 0;
  for (const count of ref.values()) refCount += count;
  // sacreBLEU counts no hypothesis n-grams for an order the reference lacks entirely.
  return [ref.size > 0 ? hypCount : 0, refCount, matchCount];
}

/** chrF from flattened [hyp, ref, match] statistics (sacreBLEU's `_compute_f_score`), 0–100. */
export function chrfFromStatistics(
  statistics: readonly number[],
  options: ChrfOptions = {},
): number {
  const opts = resolve(options);
  const order = opts.charOrder + opts.wordOrder;
  const eps = 1e-16;
  const factor = opts.beta ** 2;
  let epsScore = 0;
  let avgPrecision = 0;
  let avgRecall = 0;
  let effectiveOrder = 0;
  for (let i = 0; i < order; i++) {
    const [nHyp, nRef, nMatch] = statistics.slice(3 * i, 3 * i + 3);
    const precision = nHyp > 0 ? nMatch / nHyp : eps;
    const recall = nRef > 0 ? nMatch / nRef : eps;
    const denominator = factor * precision + recall;
    epsScore += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrecision += precision;
      avgRecall += recall;
      effectiveOrder++;
    }
  }
  if (opts.epsSmoothing) return (100 * epsScore) / order;
  if (effectiveOrder === 0) return 0;
  avgPrecision /= effectiveOrder;
  avgRecall /= effectiveOrder;
  if (avgPrecision + avgRecall === 0) return 0;
  return (100 * (1 + factor) * avgPrecision * avgRecall) / (factor * avgPrecision + avgRecall);
}

/** Statistics of one segment against its best reference (highest chrF; the first on ties). */
export function chrfSegmentStatistics(
  hypothesis: string,
  references: readonly string[],
  options: ChrfOptions = {},
): number[] {
  const opts = resolve(options);
  const prep = (s: string) => (opts.lowercase ? s.toLowerCase() : s);
  const hypNgrams = extractNgrams(prep(hypothesis), opts);
  let best: number[] = [];
  let bestScore = -1;
  for (const reference of references) {
    const refNgrams = extractNgrams(prep(reference), opts);
    const stats = hypNgrams.flatMap((hyp, i) => matchStatistics(hyp, refNgrams[i]));
    const score = chrfFromStatistics(stats, opts);
    if (score > bestScore) {
      bestScore = score;
      best = stats;
    }
  }
  return best;
}

function chrfName(opts: ResolvedChrfOptions): string {
  return `chrF${opts.beta}${'+'.repeat(opts.wordOrder)}`;
}

export function chrfSignature(options: ChrfOptions, numberOfReferences: string): string {
  const opts = resolve(options);
  return [
    `nrefs:${numberOfReferences}`,
    `case:${opts.lowercase ? 'lc' : 'mixed'}`,
    `eff:${opts.epsSmoothing ? 'no' : 'yes'}`,
    `nc:${opts.charOrder}`,
    `nw:${opts.wordOrder}`,
    `space:${opts.whitespace ? 'yes' : 'no'}`,
    `version:${SIGNATURE_VERSION}`,
  ].join('|');
}

function makeScore(statistics: number[], opts: ResolvedChrfOptions, signature: string): ChrfScore {
  const score = chrfFromStatistics(statistics, opts);
  const name = chrfName(opts);
  return { score, name, statistics, signature, formatted: `${name} = ${score.toFixed(2)}` };
}

/**
 * Corpus chrF / chrF++, equal to sacreBLEU's `CHRF(...).corpus_score(hypotheses, references)`.
 * `references[k][i]` is the k-th reference of segment i (sacreBLEU's layout).
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: ChrfOptions = {},
): ChrfScore {
  assertReferenceStreams('corpusChrf', hypotheses, references);
  const opts = resolve(options);
  const order = opts.charOrder + opts.wordOrder;
  const total = new Array<number>(3 * order).fill(0);
  const referenceCounts: number[] = [];
  hypotheses.forEach((hypothesis, i) => {
    const refs = segmentReferences('corpusChrf', references, i);
    referenceCounts.push(refs.length);
    chrfSegmentStatistics(hypothesis, refs, opts).forEach((value, j) => {
      total[j] += value;
    });
  });
  return makeScore(total, opts, chrfSignature(opts, referenceCountLabel(referenceCounts)));
}

/** Sentence chrF, equal to sacreBLEU's `sentence_chrf(hypothesis, references)`. */
export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  options: ChrfOptions = {},
): ChrfScore {
  if (typeof hypothesis !== 'string' || !Array.isArray(references)) {
    throw new Error(
      'sentenceChrf: expected (hypothesis: string, references: string[]); wrap a single reference as [reference].',
    );
  }
  const opts = resolve(options);
  const refs = segmentReferences(
    'sentenceChrf',
    references.map((reference) => [reference]),
    0,
  );
  return makeScore(
    chrfSegmentStatistics(hypothesis, refs, opts),
    opts,
    chrfSignature(opts, String(refs.length)),
  );
}
