/**
 * BLEU (Papineni et al., 2002) with sacreBLEU 2.x semantics (`sacrebleu/metrics/bleu.py`):
 * corpus statistics are summed over segments, n-gram matches are clipped by the maximum count
 * over the segment's references, and the brevity penalty uses the reference length closest to
 * the hypothesis length (the shorter one on ties).
 *
 * Smoothing methods are those of Chen & Cherry (2014), "A Systematic Comparison of Smoothing
 * Techniques for Sentence-Level BLEU": `floor` (method 1), `add-k` (method 2), `exp` (method 3,
 * NIST's, the default) and `none`.
 */
import { assertReferenceStreams, referenceCountLabel, segmentReferences } from './errors.js';
import { countItems, rstrip, splitWhitespace, wordNgrams } from './text.js';
import { type BleuTokenizerName, bleuTokenizer } from './tokenizers.js';
import { SIGNATURE_VERSION } from './version.js';

export type BleuSmoothing = 'none' | 'floor' | 'add-k' | 'exp';

/** Defaults for the smoothing value, from Chen & Cherry (2014), as in sacreBLEU. */
export const BLEU_SMOOTHING_DEFAULTS: Record<BleuSmoothing, number | null> = {
  none: null,
  floor: 0.1,
  'add-k': 1,
  exp: null,
};

export interface BleuOptions {
  /** Lowercase hypotheses and references before tokenizing. Default false. */
  lowercase?: boolean;
  /** Tokenizer; default `13a`. */
  tokenize?: BleuTokenizerName;
  /** Smoothing method; default `exp`. */
  smoothMethod?: BleuSmoothing;
  /** Value for `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number;
  /** Highest n-gram order; default 4. */
  maxNgramOrder?: number;
  /**
   * Average only over n-gram orders the hypothesis has (sacreBLEU's `effective_order`). Default
   * false for corpus BLEU and true for {@link sentenceBleu}, as sacreBLEU recommends.
   */
  effectiveOrder?: boolean;
}

/** Sufficient statistics of BLEU (one segment, or summed over a corpus). */
export interface BleuStatistics {
  hypothesisLength: number;
  referenceLength: number;
  /** Clipped n-gram matches, index 0 is unigrams. */
  counts: number[];
  /** Hypothesis n-gram totals, index 0 is unigrams. */
  totals: number[];
}

export interface BleuScore extends BleuStatistics {
  /** BLEU on a 0–100 scale, as sacreBLEU reports it. */
  score: number;
  /** Smoothed n-gram precisions on a 0–100 scale. */
  precisions: number[];
  brevityPenalty: number;
  /** hypothesisLength / referenceLength (0 when there is no reference length). */
  ratio: number;
  /** sacreBLEU signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:…`. */
  signature: string;
  /** sacreBLEU's one-line rendering: `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 …)`. */
  formatted: string;
}

interface ResolvedBleuOptions {
  lowercase: boolean;
  tokenize: BleuTokenizerName;
  smoothMethod: BleuSmoothing;
  smoothValue: number | undefined;
  maxNgramOrder: number;
  effectiveOrder: boolean;
}

function resolveOptions(options: BleuOptions, effectiveOrderDefault: boolean): ResolvedBleuOptions {
  const smoothMethod = options.smoothMethod ?? 'exp';
  if (!(smoothMethod in BLEU_SMOOTHING_DEFAULTS)) {
    throw new Error(
      `unknown BLEU smoothMethod ${JSON.stringify(smoothMethod)}; use one of none, floor, add-k, exp.`,
    );
  }
  const maxNgramOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
    throw new Error(`BLEU maxNgramOrder must be a positive integer, got ${maxNgramOrder}.`);
  }
  return {
    lowercase: options.lowercase ?? false,
    tokenize: options.tokenize ?? '13a',
    smoothMethod,
    smoothValue: options.smoothValue ?? BLEU_SMOOTHING_DEFAULTS[smoothMethod] ?? undefined,
    maxNgramOrder,
    effectiveOrder: options.effectiveOrder ?? effectiveOrderDefault,
  };
}

/** sacreBLEU's log, which maps 0 to a huge negative number instead of -Infinity. */
function sacreLog(value: number): number {
  return value === 0 ? -9999999999 : Math.log(value);
}

/**
 * BLEU from its sufficient statistics (sacreBLEU's `BLEU.compute_bleu`). Exposed so that
 * resampling tests and users holding precomputed counts get exactly the same arithmetic.
 */
export function bleuFromStatistics(
  stats: BleuStatistics,
  options: BleuOptions = {},
): { score: number; precisions: number[]; brevityPenalty: number } {
  const opts = resolveOptions(options, false);
  const order = opts.maxNgramOrder;
  const counts = stats.counts.slice(0, order);
  const totals = stats.totals.slice(0, order);
  const { hypothesisLength: sysLen, referenceLength: refLen } = stats;

  let brevityPenalty = 1;
  if (sysLen < refLen) brevityPenalty = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;

  const precisions = new Array<number>(order).fill(0);
  // No matching n-gram of any order: BLEU is 0 whatever the smoothing (sacreBLEU issue #141).
  if (!counts.some((c) => c > 0)) return { score: 0, precisions, brevityPenalty };

  const smoothValue = opts.smoothValue ?? 0;
  let expSmoothingFactor = 1;
  let effectiveOrder = order;
  for (let n = 1; n <= order; n++) {
    let correct = counts[n - 1];
    let total = totals[n - 1];
    if (opts.smoothMethod === 'add-k' && n > 1) {
      correct += smoothValue;
      total += smoothValue;
    }
    if (total === 0) break;
    if (opts.effectiveOrder) effectiveOrder = n;
    if (correct === 0) {
      if (opts.smoothMethod === 'exp') {
        expSmoothingFactor *= 2;
        precisions[n - 1] = 100 / (expSmoothingFactor * total);
      } else if (opts.smoothMethod === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total;
      }
    } else {
      precisions[n - 1] = (100 * correct) / total;
    }
  }
  let logSum = 0;
  for (let n = 0; n < effectiveOrder; n++) logSum += sacreLog(precisions[n]);
  return { score: brevityPenalty * Math.exp(logSum / effectiveOrder), precisions, brevityPenalty };
}

/** The reference length closest to the hypothesis length; the shorter one on ties (sacreBLEU). */
function closestReferenceLength(hypothesisLength: number, referenceLengths: number[]): number {
  let bestDiff = -1;
  let bestLength = -1;
  for (const length of referenceLengths) {
    const diff = Math.abs(hypothesisLength - length);
    if (bestDiff === -1 || diff < bestDiff) {
      bestDiff = diff;
      bestLength = length;
    } else if (diff === bestDiff && length < bestLength) {
      bestLength = length;
    }
  }
  return bestLength;
}

function allNgrams(tokens: string[], maxOrder: number): Map<string, number>[] {
  const byOrder: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) byOrder.push(countItems(wordNgrams(tokens, n)));
  return byOrder;
}

function preprocess(line: string, opts: ResolvedBleuOptions): string[] {
  const text = opts.lowercase ? line.toLowerCase() : line;
  return splitWhitespace(bleuTokenizer(opts.tokenize)(rstrip(text)));
}

/** Per-segment BLEU statistics (sacreBLEU's `_compute_segment_statistics`). */
export function bleuSegmentStatistics(
  hypothesis: string,
  references: readonly string[],
  options: BleuOptions = {},
): BleuStatistics {
  const opts = resolveOptions(options, false);
  const order = opts.maxNgramOrder;
  // Clip each hypothesis n-gram by its maximum count in any single reference.
  const maxRefCounts: Map<string, number>[] = Array.from({ length: order }, () => new Map());
  const referenceLengths: number[] = [];
  for (const reference of references) {
    const tokens = preprocess(reference, opts);
    referenceLengths.push(tokens.length);
    allNgrams(tokens, order).forEach((grams, n) => {
      for (const [gram, count] of grams) {
        if ((maxRefCounts[n].get(gram) ?? 0) < count) maxRefCounts[n].set(gram, count);
      }
    });
  }
  const hypTokens = preprocess(hypothesis, opts);
  const counts = new Array<number>(order).fill(0);
  const totals = new Array<number>(order).fill(0);
  allNgrams(hypTokens, order).forEach((grams, n) => {
    for (const [gram, count] of grams) {
      totals[n] += count;
      counts[n] += Math.min(count, maxRefCounts[n].get(gram) ?? 0);
    }
  });
  return {
    hypothesisLength: hypTokens.length,
    referenceLength: closestReferenceLength(hypTokens.length, referenceLengths),
    counts,
    totals,
  };
}

export function sumBleuStatistics(all: readonly BleuStatistics[], order: number): BleuStatistics {
  const sum: BleuStatistics = {
    hypothesisLength: 0,
    referenceLength: 0,
    counts: new Array<number>(order).fill(0),
    totals: new Array<number>(order).fill(0),
  };
  for (const stats of all) {
    sum.hypothesisLength += stats.hypothesisLength;
    sum.referenceLength += stats.referenceLength;
    for (let n = 0; n < order; n++) {
      sum.counts[n] += stats.counts[n];
      sum.totals[n] += stats.totals[n];
    }
  }
  return sum;
}

/** sacreBLEU's BLEU signature string. */
export function bleuSignature(options: BleuOptions, numberOfReferences: string): string {
  const opts = resolveOptions(options, false);
  let smooth: string = opts.smoothMethod;
  const smoothDefault = BLEU_SMOOTHING_DEFAULTS[opts.smoothMethod];
  if (smoothDefault !== null) smooth += `[${(opts.smoothValue ?? smoothDefault).toFixed(2)}]`;
  return [
    `nrefs:${numberOfReferences}`,
    `case:${opts.lowercase ? 'lc' : 'mixed'}`,
    `eff:${opts.effectiveOrder ? 'yes' : 'no'}`,
    `tok:${opts.tokenize}`,
    `smooth:${smooth}`,
    `version:${SIGNATURE_VERSION}`,
  ].join('|');
}

function makeScore(stats: BleuStatistics, opts: ResolvedBleuOptions, signature: string): BleuScore {
  const { score, precisions, brevityPenalty } = bleuFromStatistics(stats, opts);
  const ratio = stats.referenceLength ? stats.hypothesisLength / stats.referenceLength : 0;
  const formatted =
    `BLEU = ${score.toFixed(2)} ${precisions.map((p) => p.toFixed(1)).join('/')} ` +
    `(BP = ${brevityPenalty.toFixed(3)} ratio = ${ratio.toFixed(3)} ` +
    `hyp_len = ${stats.hypothesisLength} ref_len = ${stats.referenceLength})`;
  return { ...stats, score, precisions, brevityPenalty, ratio, signature, formatted };
}

/**
 * Corpus BLEU, equal to sacreBLEU's `BLEU(...).corpus_score(hypotheses, references)`.
 *
 * @param hypotheses one detokenized string per segment.
 * @param references sacreBLEU's layout: `references[k][i]` is the k-th reference of segment i.
 *   Use `''` where a segment has fewer references than others.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  assertReferenceStreams('corpusBleu', hypotheses, references);
  const opts = resolveOptions(options, false);
  const referenceCounts: number[] = [];
  const segments = hypotheses.map((hypothesis, i) => {
    const refs = segmentReferences('corpusBleu', references, i);
    referenceCounts.push(refs.length);
    return bleuSegmentStatistics(hypothesis, refs, opts);
  });
  const total = sumBleuStatistics(segments, opts.maxNgramOrder);
  return makeScore(total, opts, bleuSignature(opts, referenceCountLabel(referenceCounts)));
}

/**
 * Sentence BLEU, equal to sacreBLEU's `sentence_bleu(hypothesis, references)`: effective order
 * on by default, `exp` smoothing.
 */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  options: BleuOptions = {},
): BleuScore {
  if (typeof hypothesis !== 'string' || !Array.isArray(references)) {
    throw new Error(
      'sentenceBleu: expected (hypothesis: string, references: string[]); wrap a single reference as [reference].',
    );
  }
  const opts = resolveOptions(options, true);
  const refs = segmentReferences(
    'sentenceBleu',
    references.map((reference) => [reference]),
    0,
  );
  const stats = bleuSegmentStatistics(hypothesis, refs, opts);
  return makeScore(stats, opts, bleuSignature(opts, String(refs.length)));
}
