import type { NgramCounts } from '../counts.js';
import type { Estimator } from './estimator.js';
import { SimpleGoodTuring } from './good-turing.js';

/**
 * Katz backoff (Katz 1987) with simple Good-Turing discounts (Gale & Sampson 1995):
 *
 *   P(w | h) = d_r · c(h w) / c(h •)           if r = c(h w) > 0,
 *   P(w | h) = α(h) · P(w | h′)                otherwise,
 *   α(h) = (1 − Σ_{w seen after h} P(w | h)) / (1 − Σ_{w seen after h} P(w | h′)),
 *
 * with d_r = p_r N / r from simple Good-Turing on the count-of-counts of each order. At the
 * unigram level the Good-Turing mass is shared equally by the vocabulary words never seen
 * (including the unknown word), or, when every word was seen, the discounted unigrams are
 * renormalized. Likewise, when the words seen after h already hold (almost) all of the
 * lower-order mass (so α(h) would divide by ~0), the mass freed by discounting has nowhere
 * to go and the seen words of h are renormalized instead (as SRILM does).
 */
/** Below this lower-order mass left for unseen words, α(h) is numerically meaningless. */
const MIN_LOWER_MASS = 1e-6;

export class KatzEstimator implements Estimator {
  readonly name = 'katz';
  readonly normalized = true;
  /** goodTuring[n − 1] holds simple Good-Turing for n-grams of length n. */
  readonly goodTuring: SimpleGoodTuring[];
  /** α(h) for contexts at levels 1..order−1 (index 0 unused). */
  private readonly alpha: Float64Array[];
  /** Scale of the seen probabilities after h: 1, or 1/Σ when they are renormalized. */
  private readonly seenScale: Float64Array[];
  private readonly unseenUnigram: number;
  private readonly unigramScale: number;

  constructor(
    private readonly counts: NgramCounts,
    vocabularySize: number,
  ) {
    const order = counts.order;
    this.goodTuring = [];
    for (let n = 1; n <= order; n++) {
      const countOfCounts = new Map<number, number>();
      for (const count of counts.levels[n].count) {
        countOfCounts.set(count, (countOfCounts.get(count) ?? 0) + 1);
      }
      this.goodTuring.push(new SimpleGoodTuring(countOfCounts));
    }

    const seenWords = counts.childTypeCount(0, 0);
    const unseenWords = vocabularySize - seenWords;
    let seenMass = 0;
    for (let node = 0; node < counts.levels[1].size; node++) {
      seenMass += this.discountedFrequency(1, node, 0);
    }
    this.unigramScale = unseenWords > 0 ? 1 : 1 / seenMass;
    this.unseenUnigram = unseenWords > 0 ? (1 - seenMass) / unseenWords : 0;

    // α(h) needs, for each context, the mass of its seen words under h and under h′.
    const links = counts.suffixLinks();
    this.alpha = [new Float64Array(0)];
    this.seenScale = [new Float64Array(0)];
    for (let level = 1; level < order; level++) {
      const scale = new Float64Array(counts.levels[level].size).fill(1);
      this.seenScale.push(scale);
      const children = counts.levels[level + 1];
      const seenHigher = new Float64Array(counts.levels[level].size);
      const seenLower = new Float64Array(counts.levels[level].size);
      // The suffix w2..wn of a child w1..wn hangs off the suffix of its context w1..wn−1.
      const starts = children.firstChild;
      for (let context = 0; context < seenHigher.length; context++) {
        const suffixContext = links[level][context];
        for (let child = starts[context]; child < starts[context + 1]; child++) {
          seenHigher[context] += this.seenProbability(level + 1, child, context);
          const suffix = links[level + 1][child];
          seenLower[context] += this.seenProbability(level, suffix, suffixContext);
        }
      }
      const alpha = new Float64Array(counts.levels[level].size);
      for (let context = 0; context < alpha.length; context++) {
        const lowerLeft = 1 - seenLower[context];
        if (counts.childTotal[level][context] === 0) {
          alpha[context] = 1; // no continuation seen: back off entirely
        } else if (lowerLeft < MIN_LOWER_MASS) {
          scale[context] = 1 / seenHigher[context];
          alpha[context] = 0;
        } else {
          alpha[context] = Math.max(0, 1 - seenHigher[context]) / lowerLeft;
        }
      }
      this.alpha.push(alpha);
    }
  }

  get byteLength(): number {
    let bytes = 0;
    for (const array of [...this.alpha, ...this.seenScale]) bytes += array.byteLength;
    return bytes;
  }

  /** d_r · c(h w) / c(h •) for a counted n-gram node of length n whose context node is h. */
  private discountedFrequency(n: number, node: number, context: number): number {
    const count = this.counts.levels[n].count[node];
    return (
      (this.goodTuring[n - 1].discountRatio(count) * count) / this.counts.childTotal[n - 1][context]
    );
  }

  /** Katz probability of a counted n-gram node (its own word after its context node). */
  private seenProbability(n: number, node: number, context: number): number {
    const frequency = this.discountedFrequency(n, node, context);
    if (n === 1) return frequency * this.unigramScale;
    return frequency * this.seenScale[n - 1][context];
  }

  probability(word: number, chain: Int32Array, chainLength: number): number {
    const counts = this.counts;
    let scale = 1;
    for (let level = chainLength - 1; level >= 1; level--) {
      const context = chain[level];
      if (context < 0) continue;
      const child = counts.levels[level + 1].find(context, word);
      if (child >= 0) return scale * this.seenProbability(level + 1, child, context);
      scale *= this.alpha[level][context];
    }
    const unigram = counts.levels[1].find(0, word);
    return scale * (unigram >= 0 ? this.seenProbability(1, unigram, 0) : this.unseenUnigram);
  }

  backoffWeight(level: number, node: number): number {
    if (level === 0 || level >= this.counts.order) return 1;
    return this.alpha[level][node];
  }
}
