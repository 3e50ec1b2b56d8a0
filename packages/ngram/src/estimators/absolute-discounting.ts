import type { NgramCounts } from '../counts.js';
import { childCount } from './estimator.js';
import { InterpolatedEstimator } from './interpolated.js';

/**
 * Interpolated absolute discounting (Ney, Essen & Kneser 1994; Chen & Goodman 1999,
 * eq. 19), as NLTK's `AbsoluteDiscountingInterpolated`:
 * α(w, h) = max(c(h w) − D, 0) / c(h •), γ(h) = D · N1+(h •) / c(h •), unigram level MLE.
 */
export class AbsoluteDiscountingEstimator extends InterpolatedEstimator {
  readonly name = 'absolute-discounting';
  readonly byteLength = 0;

  constructor(
    counts: NgramCounts,
    readonly discount = 0.75,
  ) {
    super(counts);
    if (!(discount >= 0 && discount <= 1)) {
      throw new RangeError(`absolute discount must be in [0, 1], got ${discount}`);
    }
  }

  protected unigram(word: number): number {
    return childCount(this.counts, 0, 0, word) / this.counts.childTotal[0][0];
  }

  protected weights(level: number, context: number, word: number): boolean {
    const total = this.counts.childTotal[level][context];
    if (total === 0) return false;
    const count = childCount(this.counts, level, context, word);
    this.alpha = Math.max(count - this.discount, 0) / total;
    this.gamma = (this.discount * this.counts.childTypeCount(level, context)) / total;
    return true;
  }
}
