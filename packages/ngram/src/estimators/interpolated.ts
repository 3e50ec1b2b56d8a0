import type { NgramCounts } from '../counts.js';
import type { Estimator } from './estimator.js';

/**
 * Interpolated smoothing in the common form of Chen & Goodman (1999, eq. 12):
 * P(w | h) = α(w, h) + γ(h) · P(w | h′), where h′ drops the oldest word of h, and where a
 * context with no usable statistics backs off entirely (α = 0, γ = 1), as NLTK does.
 *
 * Since α(w, h) = 0 for every w never seen after h, the model is also in backoff form with
 * bow(h) = γ(h), which is how it is written to ARPA files.
 */
export abstract class InterpolatedEstimator implements Estimator {
  abstract readonly name: string;
  readonly normalized = true;
  abstract readonly byteLength: number;
  /** Set by {@link weights}: the discounted higher-order term α(w, h). */
  protected alpha = 0;
  /** Set by {@link weights}: the weight γ(h) of the lower-order distribution. */
  protected gamma = 1;

  constructor(protected readonly counts: NgramCounts) {}

  /** P(w) at the bottom of the recursion. */
  protected abstract unigram(word: number): number;

  /**
   * Sets {@link alpha} and {@link gamma} for word w after context node `context` at `level`
   * (the context's length); returns false when the context has no usable statistics.
   */
  protected abstract weights(level: number, context: number, word: number): boolean;

  probability(word: number, chain: Int32Array, chainLength: number): number {
    let probability = this.unigram(word);
    for (let level = 1; level < chainLength; level++) {
      const context = chain[level];
      if (context < 0 || !this.weights(level, context, word)) {
        // Longer contexts extend this one, so they are unseen as well.
        break;
      }
      probability = this.alpha + this.gamma * probability;
    }
    return probability;
  }

  backoffWeight(level: number, node: number): number {
    if (level === 0 || level >= this.counts.order) return 1;
    // Any word gives the same γ(h); use the first child's word, or report "no statistics".
    return this.weights(level, node, -1) ? this.gamma : 1;
  }
}
