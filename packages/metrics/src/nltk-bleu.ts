/**
 * BLEU exactly as NLTK computes it (`nltk.translate.bleu_score.corpus_bleu` / `sentence_bleu`
 * and `SmoothingFunction().method0`…`method7`, Chen & Cherry 2014), for users comparing against
 * NLTK. Inputs are already-tokenized token arrays; NLTK does no tokenization.
 *
 * NLTK quirks reproduced on purpose (see the README):
 * - without smoothing, an order with no match is replaced by the smallest positive double, so
 *   the score is a tiny positive number (≈1e-77 for 4-grams), not 0;
 * - the score is 0 only when there is no unigram match at all;
 * - in corpus_bleu, the smoothing function receives the *last* segment's references and
 *   hypothesis (methods 5 and 6 use them), because NLTK passes its loop variables;
 * - `hyp_len` given to methods 4–7 is the corpus hypothesis length;
 * - auto-reweighting applies only when the weights are exactly (0.25, 0.25, 0.25, 0.25).
 */
import { assertSameLength } from './errors.js';
import { countItems, wordNgrams } from './text.js';

export type NltkSmoothingMethod = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface NltkBleuOptions {
  /** n-gram weights; default [0.25, 0.25, 0.25, 0.25]. */
  weights?: number[];
  /** `SmoothingFunction().method<N>`; default 0 (NLTK's default). */
  smoothing?: NltkSmoothingMethod;
  /** SmoothingFunction(epsilon) for method 1; default 0.1. */
  epsilon?: number;
  /** SmoothingFunction(alpha) for method 6; default 5. */
  alpha?: number;
  /** SmoothingFunction(k) for method 4; default 5. */
  k?: number;
  /** Reweigh to uniform weights over the hypothesis length when it is shorter than 4. */
  autoReweigh?: boolean;
}

/** An unnormalized fraction, like NLTK's `Fraction(..., _normalize=False)`. */
interface Ratio {
  numerator: number;
  denominator: number;
}

/** Modified (clipped) n-gram precision, NLTK's `modified_precision`. */
export function nltkModifiedPrecision(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  n: number,
): Ratio {
  const counts = countItems(wordNgrams(hypothesis, n));
  const maxCounts = new Map<string, number>();
  for (const reference of references) {
    const refCounts = countItems(wordNgrams(reference, n));
    for (const gram of counts.keys()) {
      maxCounts.set(gram, Math.max(maxCounts.get(gram) ?? 0, refCounts.get(gram) ?? 0));
    }
  }
  let numerator = 0;
  let total = 0;
  for (const [gram, count] of counts) {
    numerator += Math.min(count, maxCounts.get(gram) ?? 0);
    total += count;
  }
  return { numerator, denominator: Math.max(1, total) };
}

/** The reference length closest to the hypothesis length, the shorter on ties. */
function closestReferenceLength(
  references: readonly (readonly string[])[],
  hypothesisLength: number,
): number {
  let best = references[0].length;
  for (const reference of references) {
    const length = reference.length;
    const diff = Math.abs(length - hypothesisLength);
    const bestDiff = Math.abs(best - hypothesisLength);
    if (diff < bestDiff || (diff === bestDiff && length < best)) best = length;
  }
  return best;
}

function brevityPenalty(closestRefLength: number, hypothesisLength: number): number {
  if (hypothesisLength > closestRefLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - closestRefLength / hypothesisLength);
}

/** Python's `sys.float_info.min`, the smallest positive normal double. */
const PYTHON_FLOAT_MIN = 2.2250738585072014e-308;

type Precision = Ratio | number;
const value = (p: Precision) => (typeof p === 'number' ? p : p.numerator / p.denominator);
const numeratorOf = (p: Precision) => (typeof p === 'number' ? p : p.numerator);

interface SmoothingContext {
  references: readonly (readonly string[])[];
  hypothesis: readonly string[];
  hypLength: number;
  epsilon: number;
  alpha: number;
  k: number;
}

function method4(p: Precision[], ctx: SmoothingContext): Precision[] {
  let incvnt = 1;
  const hypLength = ctx.hypLength || ctx.hypothesis.length;
  return p.map((pi) => {
    if (numeratorOf(pi) === 0 && hypLength > 1 && typeof pi !== 'number') {
      const numerator = 1 / ((2 ** incvnt * ctx.k) / Math.log(hypLength));
      incvnt++;
      return numerator / pi.denominator;
    }
    return pi;
  });
}

function method5(p: Precision[], ctx: SmoothingContext): Precision[] {
  const pPlus1: Precision[] = [...p, nltkModifiedPrecision(ctx.references, ctx.hypothesis, 5)];
  const out = [...p];
  let previous = value(p[0]) + 1;
  for (let i = 0; i < p.length; i++) {
    out[i] = (previous + value(p[i]) + value(pPlus1[i + 1])) / 3;
    previous = out[i] as number;
  }
  return out;
}

function smooth(method: NltkSmoothingMethod, p: Precision[], ctx: SmoothingContext): Precision[] {
  switch (method) {
    case 0:
      // NLTK warns and substitutes sys.float_info.min for zero-match orders.
      return p.map((pi) => (numeratorOf(pi) !== 0 ? pi : PYTHON_FLOAT_MIN));
    case 1:
      return p.map((pi) =>
        numeratorOf(pi) === 0 && typeof pi !== 'number'
          ? (pi.numerator + ctx.epsilon) / pi.denominator
          : pi,
      );
    case 2:
      return p.map((pi, i) =>
        i !== 0 && typeof pi !== 'number'
          ? { numerator: pi.numerator + 1, denominator: pi.denominator + 1 }
          : pi,
      );
    case 3: {
      let incvnt = 1;
      return p.map((pi) => {
        if (numeratorOf(pi) === 0 && typeof pi !== 'number') {
          const smoothed = 1 / (2 ** incvnt * pi.denominator);
          incvnt++;
          return smoothed;
        }
        return pi;
      });
    }
    case 4:
      return method4(p, ctx);
    case 5:
      return method5(p, ctx);
    case 6: {
      if (p.length < 3 || value(p[2]) === 0) {
        throw new Error(
          'NLTK smoothing method 6 requires a non-zero trigram precision (NLTK asserts p_n[2]).',
        );
      }
      const out = [...p];
      for (let i = 2; i < p.length; i++) {
        const previous2 = value(out[i - 2]);
        const pi0 = previous2 === 0 ? 0 : value(out[i - 1]) ** 2 / previous2;
        const m = numeratorOf(p[i]);
        const l = Math.max(0, ctx.hypothesis.length - i);
        out[i] = (m + ctx.alpha * pi0) / (l + ctx.alpha);
      }
      return out;
    }
    case 7:
      return method5(method4(p, ctx), ctx);
    default:
      throw new Error(`unknown NLTK smoothing method ${method}; use 0..7.`);
  }
}

/**
 * NLTK's `corpus_bleu(list_of_references, hypotheses, weights, smoothing_function, auto_reweigh)`.
 * Returns a 0–1 score (NLTK's scale, not sacreBLEU's 0–100).
 */
export function nltkCorpusBleu(
  listOfReferences: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  options: NltkBleuOptions = {},
): number {
  assertSameLength(
    'nltkCorpusBleu',
    { name: 'hypotheses', length: hypotheses.length },
    { name: 'listOfReferences', length: listOfReferences.length },
  );
  if (hypotheses.length === 0) throw new Error('nltkCorpusBleu: no hypotheses given.');
  listOfReferences.forEach((refs, i) => {
    if (refs.length === 0)
      throw new Error(
        `nltkCorpusBleu: segment ${i} has no references; give at least one token list.`,
      );
    if (typeof refs[0] === 'string') {
      throw new Error(
        'nltkCorpusBleu: references must be token arrays per segment: [[refTokens, ...], ...]; split strings first.',
      );
    }
  });
  let weights = options.weights ?? [0.25, 0.25, 0.25, 0.25];
  const maxOrder = weights.length;
  const numerators = new Array<number>(maxOrder).fill(0);
  const denominators = new Array<number>(maxOrder).fill(0);
  let hypLengths = 0;
  let refLengths = 0;
  hypotheses.forEach((hypothesis, s) => {
    for (let n = 1; n <= maxOrder; n++) {
      const p = nltkModifiedPrecision(listOfReferences[s], hypothesis, n);
      numerators[n - 1] += p.numerator;
      denominators[n - 1] += p.denominator;
    }
    hypLengths += hypothesis.length;
    refLengths += closestReferenceLength(listOfReferences[s], hypothesis.length);
  });
  const bp = brevityPenalty(refLengths, hypLengths);
  if (numerators[0] === 0) return 0;
  const last = hypotheses.length - 1;
  const precisions = smooth(
    options.smoothing ?? 0,
    numerators.map((numerator, i) => ({ numerator, denominator: denominators[i] })),
    {
      references: listOfReferences[last],
      hypothesis: hypotheses[last],
      hypLength: hypLengths,
      epsilon: options.epsilon ?? 0.1,
      alpha: options.alpha ?? 5,
      k: options.k ?? 5,
    },
  );
  if (
    options.autoReweigh &&
    hypLengths < 4 &&
    weights.length === 4 &&
    weights.every((w) => w === 0.25)
  ) {
    weights = new Array<number>(hypLengths).fill(1 / hypLengths);
  }
  let logSum = 0;
  for (let i = 0; i < Math.min(weights.length, precisions.length); i++) {
    const p = value(precisions[i]);
    if (p > 0) logSum += weights[i] * Math.log(p);
  }
  return bp * Math.exp(logSum);
}

/** NLTK's `sentence_bleu(references, hypothesis, ...)` (0–1). */
export function nltkSentenceBleu(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  options: NltkBleuOptions = {},
): number {
  return nltkCorpusBleu([references], [hypothesis], options);
}
