import type { NgramCounts } from '../counts.js';
import { childCount, type Estimator, hasContinuations } from './estimator.js';

/**
 * Stupid backoff (Brants et al. 2007, eq. 5): S(w | h) = c(h w) / c(h •) if c(h w) > 0,
 * else α · S(w | h′); S(w) = c(w) / N. These are scores, not probabilities: they do not sum
 * to 1, so perplexities computed from them are not perplexities.
 */
export class StupidBackoffEstimator implements Estimator {
  readonly name = 'stupid-backoff';
  readonly normalized = false;
  readonly byteLength = 0;

  constructor(
    private readonly counts: NgramCounts,
    readonly alpha = 0.4,
  ) {}

  probability(word: number, chain: Int32Array, chainLength: number): number {
    let scale = 1;
    for (let level = chainLength - 1; level >= 0; level--) {
      const context = chain[level];
      if (hasContinuations(this.counts, level, context)) {
        const count = childCount(this.counts, level, context, word);
        if (count > 0 || level === 0) {
          return (scale * count) / this.counts.childTotal[level][context];
        }
      }
      scale *= this.alpha;
    }
    return 0;
  }
}
