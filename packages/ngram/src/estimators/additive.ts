import type { NgramCounts } from '../counts.js';
import type { Estimator } from './estimator.js';
import { childCount } from './estimator.js';

/**
 * Additive smoothing (Lidstone 1920; Laplace when γ = 1):
 * P(w | h) = (c(h w) + γ) / (c(h •) + |V| γ). An unseen context gives the uniform 1/|V|,
 * which is what the formula yields with zero counts (as in NLTK).
 */
export class AdditiveEstimator implements Estimator {
  readonly name: string;
  readonly normalized = true;
  readonly byteLength = 0;

  constructor(
    private readonly counts: NgramCounts,
    private readonly vocabularySize: number,
    readonly gamma: number,
  ) {
    if (!(gamma > 0)) {
      throw new RangeError(`Lidstone γ must be > 0 (use MLE for γ = 0), got ${gamma}`);
    }
    this.name = gamma === 1 ? 'laplace' : `lidstone(${gamma})`;
  }

  probability(word: number, chain: Int32Array, chainLength: number): number {
    const level = chainLength - 1;
    const context = chain[level];
    const count = context < 0 ? 0 : childCount(this.counts, level, context, word);
    const total = context < 0 ? 0 : this.counts.childTotal[level][context];
    return (count + this.gamma) / (total + this.vocabularySize * this.gamma);
  }
}
