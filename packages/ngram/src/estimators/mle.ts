import type { NgramCounts } from '../counts.js';
import { childCount, type Estimator, hasContinuations } from './estimator.js';

export interface MleOptions {
  /**
   * What an unseen context (no continuations counted) gives. `'backoff'` (default) uses the
   * longest seen suffix of the context, so every context has a distribution that sums to 1.
   * `'zero'` is NLTK's behaviour: probability 0 for every word.
   */
  unseenContext?: 'backoff' | 'zero';
}

/** Maximum likelihood: P(w | h) = c(h w) / c(h •). */
export class MleEstimator implements Estimator {
  readonly name = 'mle';
  readonly normalized = true;
  readonly byteLength = 0;
  private readonly unseenContext: 'backoff' | 'zero';

  constructor(
    private readonly counts: NgramCounts,
    options: MleOptions = {},
  ) {
    this.unseenContext = options.unseenContext ?? 'backoff';
  }

  probability(word: number, chain: Int32Array, chainLength: number): number {
    for (let level = chainLength - 1; level >= 0; level--) {
      const context = chain[level];
      if (hasContinuations(this.counts, level, context)) {
        return (
          childCount(this.counts, level, context, word) / this.counts.childTotal[level][context]
        );
      }
      if (this.unseenContext === 'zero') return 0;
    }
    return 0;
  }
}
