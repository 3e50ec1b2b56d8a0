import type { NgramCounts } from '../counts.js';
import { leftExtensionCounts } from './continuation.js';
import { childCount } from './estimator.js';
import { InterpolatedEstimator } from './interpolated.js';

export interface KneserNeyOptions {
  /** The single discount D in [0, 1]. Default 0.1, NLTK's default. */
  discount?: number;
  /**
   * `false` (default): γ(h) counts the words whose continuation count after h is positive,
   * so every distribution sums to 1. `true`: γ(h) counts every word seen after h, as NLTK
   * 3.8 does; the two differ only after a context whose continuations include an n-gram
   * never preceded by anything (with NLTK padding at order ≥ 3: `<s>` after `<s>`…), where
   * NLTK's distribution sums to slightly more than 1.
   */
  nltkCompatible?: boolean;
}

/**
 * Interpolated Kneser-Ney with one discount, as NLTK's `KneserNeyInterpolated`
 * (Kneser & Ney 1995; Chen & Goodman 1999, eq. 21 with interpolation):
 * the highest order uses raw counts, α = max(c(h w) − D, 0) / c(h •), γ = D·N1+(h •)/c(h •);
 * lower orders use continuation counts N1+(• h w) in place of c(h w); the unigram level is
 * N1+(• w) / N1+(• •) with no uniform floor (so never-continued words get probability 0).
 */
export class KneserNeyEstimator extends InterpolatedEstimator {
  readonly name = 'kneser-ney';
  readonly discount: number;
  private readonly nltkCompatible: boolean;
  private readonly leftExtensions: Uint32Array[];
  /** Σ_w N1+(• h w) for contexts h at levels 0..order−2. */
  private readonly continuationTotal: Float64Array[];
  /** |{w : N1+(• h w) > 0}| for contexts h at levels 0..order−2. */
  private readonly continuationTypes: Uint32Array[];

  constructor(counts: NgramCounts, options: KneserNeyOptions = {}) {
    super(counts);
    this.discount = options.discount ?? 0.1;
    this.nltkCompatible = options.nltkCompatible ?? false;
    if (!(this.discount >= 0 && this.discount <= 1)) {
      throw new RangeError(
        `Kneser-Ney discount must be in [0, 1] for probabilities to sum to 1, got ${this.discount}`,
      );
    }
    this.leftExtensions = leftExtensionCounts(counts);
    this.continuationTotal = [];
    this.continuationTypes = [];
    for (let level = 0; level + 1 < counts.order; level++) {
      const children = counts.levels[level + 1];
      const total = new Float64Array(counts.levels[level].size);
      const types = new Uint32Array(counts.levels[level].size);
      const extensions = this.leftExtensions[level + 1];
      const starts = children.firstChild;
      for (let context = 0; context < total.length; context++) {
        for (let child = starts[context]; child < starts[context + 1]; child++) {
          total[context] += extensions[child];
          if (extensions[child] > 0) types[context]++;
        }
      }
      this.continuationTotal.push(total);
      this.continuationTypes.push(types);
    }
  }

  get byteLength(): number {
    let bytes = 0;
    for (const array of [...this.leftExtensions, ...this.continuationTotal]) {
      bytes += array.byteLength;
    }
    for (const array of this.continuationTypes) bytes += array.byteLength;
    return bytes;
  }

  protected unigram(word: number): number {
    if (this.counts.order === 1) {
      return childCount(this.counts, 0, 0, word) / this.counts.childTotal[0][0];
    }
    const node = this.counts.levels[1].find(0, word);
    const continuation = node < 0 ? 0 : this.leftExtensions[1][node];
    return continuation / this.continuationTotal[0][0];
  }

  protected weights(level: number, context: number, word: number): boolean {
    const counts = this.counts;
    if (counts.childTotal[level][context] === 0) return false;
    if (level === counts.order - 1) {
      const total = counts.childTotal[level][context];
      this.alpha = Math.max(childCount(counts, level, context, word) - this.discount, 0) / total;
      this.gamma = (this.discount * counts.childTypeCount(level, context)) / total;
      return true;
    }
    const total = this.continuationTotal[level][context];
    // NLTK divides by zero here (a context seen only at the very start of sentences);
    // such a context carries no continuation statistics, so back off entirely.
    if (total === 0) return false;
    const child = counts.levels[level + 1].find(context, word);
    const continuation = child < 0 ? 0 : this.leftExtensions[level + 1][child];
    const types = this.nltkCompatible
      ? counts.childTypeCount(level, context)
      : this.continuationTypes[level][context];
    this.alpha = Math.max(continuation - this.discount, 0) / total;
    this.gamma = (this.discount * types) / total;
    return true;
  }
}
