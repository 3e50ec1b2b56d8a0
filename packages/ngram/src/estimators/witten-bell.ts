import type { NgramCounts } from '../counts.js';
import { childCount } from './estimator.js';
import { InterpolatedEstimator } from './interpolated.js';

/**
 * Interpolated Witten-Bell (Witten & Bell 1991; Chen & Goodman 1999, eq. 16), as NLTK's
 * `WittenBellInterpolated`: γ(h) = N1+(h •) / (N1+(h •) + c(h •)),
 * α(w, h) = (1 − γ(h)) · c(h w) / c(h •), and the unigram level is the MLE c(w) / N.
 */
export class WittenBellEstimator extends InterpolatedEstimator {
  readonly name = 'witten-bell';
  readonly byteLength = 0;

  constructor(counts: NgramCounts) {
    super(counts);
  }

  protected unigram(word: number): number {
    return childCount(this.counts, 0, 0, word) / this.counts.childTotal[0][0];
  }

  protected weights(level: number, context: number, word: number): boolean {
    const total = this.counts.childTotal[level][context];
    if (total === 0) return false;
    const types = this.counts.childTypeCount(level, context);
    this.gamma = types / (types + total);
    this.alpha = ((1 - this.gamma) * childCount(this.counts, level, context, word)) / total;
    return true;
  }
}
