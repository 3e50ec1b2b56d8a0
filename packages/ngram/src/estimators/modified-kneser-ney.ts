import type { NgramCounts } from '../counts.js';
import { leftExtensionCounts } from './continuation.js';
import type { Estimator } from './estimator.js';

/** The three discounts of one order: D1, D2 and D3+ (Chen & Goodman 1999, eq. 26). */
export type Discounts = readonly [number, number, number];

export interface ModifiedKneserNeyOptions {
  /**
   * Discounts per n-gram length, index 0 for unigrams. Default: estimated from the
   * count-of-counts of each order's adjusted counts (Chen & Goodman 1999, eq. 26).
   */
  discounts?: readonly Discounts[];
  /**
   * Discounts used for an order whose count-of-counts cannot support the estimate (some of
   * n1..n4 is 0, typical of character unigrams), as KenLM's `--discount_fallback`
   * (whose default is 0.5 1 1.5). Default: none, so such data throws, as KenLM does.
   */
  discountFallback?: Discounts;
  /** Id of the start-of-sentence symbol, whose n-grams keep raw counts (as KenLM's lmplz). */
  startId?: number;
}

/**
 * Estimates D1, D2, D3+ from the numbers n1..n4 of n-grams whose (adjusted) count is 1..4:
 * Y = n1 / (n1 + 2 n2), D1 = 1 − 2Y n2/n1, D2 = 2 − 3Y n3/n2, D3+ = 3 − 4Y n4/n3
 * (Chen & Goodman 1999, eq. 26). Throws when the counts cannot support the estimate.
 */
export function estimateDiscounts(countOfCounts: readonly number[], order = 0): Discounts {
  const [n1, n2, n3, n4] = countOfCounts;
  const label = order > 0 ? ` for ${order}-grams` : '';
  if (!(n1 > 0 && n2 > 0 && n3 > 0 && n4 > 0)) {
    throw new RangeError(
      `modified Kneser-Ney needs n1..n4 > 0${label} to estimate its discounts, got n1=${n1} n2=${n2} n3=${n3} n4=${n4}; pass \`discountFallback: [0.5, 1, 1.5]\` (KenLM's --discount_fallback) or \`discounts\` explicitly, or train on more data`,
    );
  }
  const y = n1 / (n1 + 2 * n2);
  const discounts: Discounts = [
    1 - (2 * y * n2) / n1,
    2 - (3 * y * n3) / n2,
    3 - (4 * y * n4) / n3,
  ];
  discounts.forEach((discount, index) => {
    if (!(discount > 0 && discount < index + 1)) {
      throw new RangeError(
        `modified Kneser-Ney discount D${index + 1}${label} = ${discount} is outside (0, ${index + 1}) (n1=${n1} n2=${n2} n3=${n3} n4=${n4}); pass \`discountFallback: [0.5, 1, 1.5]\` or \`discounts\` explicitly, or train on more data`,
      );
    }
  });
  return discounts;
}

function estimateDiscountsOr(countOfCounts: readonly number[], fallback: Discounts): Discounts {
  try {
    return estimateDiscounts(countOfCounts);
  } catch {
    return fallback;
  }
}

/**
 * Interpolated modified Kneser-Ney (Chen & Goodman 1999, eqs. 25–26), as KenLM's `lmplz`:
 *
 *   P(w | h) = (a(h w) − D(a(h w))) / Σ_v a(h v) + γ(h) · P(w | h′),
 *   γ(h) = (D1 N1(h •) + D2 N2(h •) + D3+ N3+(h •)) / Σ_v a(h v),
 *
 * where a is the raw count at the highest order and the continuation count N1+(• h w)
 * below it, except for n-grams starting with `<s>`, which cannot be extended to the left
 * and keep their raw count (as in lmplz). D(a) is D1, D2 or D3+ by a = 1, 2, ≥ 3 (0 for
 * a = 0), and N_i(h •) counts the words after h with adjusted count i. The unigram level is
 * interpolated with the uniform distribution 1/|V|, so out-of-vocabulary words get mass.
 */
export class ModifiedKneserNeyEstimator implements Estimator {
  readonly name = 'modified-kneser-ney';
  readonly normalized = true;
  /** discounts[n − 1] are the discounts of n-grams of length n. */
  readonly discounts: Discounts[];
  /** adjusted[n][node]: a(·) for n-grams of length n (index 0 unused). */
  private readonly adjusted: Uint32Array[];
  /** Σ_v a(h v) for contexts at levels 0..order−1. */
  private readonly adjustedTotal: Float64Array[];
  /** γ(h) for contexts at levels 0..order−1. */
  private readonly gamma: Float64Array[];

  constructor(
    private readonly counts: NgramCounts,
    private readonly vocabularySize: number,
    options: ModifiedKneserNeyOptions = {},
  ) {
    const order = counts.order;
    const extensions = leftExtensionCounts(counts);
    const startId = options.startId ?? -1;
    this.adjusted = [new Uint32Array(0)];
    // firstWord[node] tracks the first word of each n-gram to find those starting with <s>.
    let firstWord = new Int32Array(0);
    for (let n = 1; n <= order; n++) {
      const level = counts.levels[n];
      const nextFirstWord = new Int32Array(level.size);
      const starts = level.firstChild;
      for (let context = 0; context + 1 < starts.length; context++) {
        for (let node = starts[context]; node < starts[context + 1]; node++) {
          nextFirstWord[node] = n === 1 ? level.word[node] : firstWord[context];
        }
      }
      firstWord = nextFirstWord;
      if (n === order) {
        this.adjusted.push(level.count);
        continue;
      }
      const adjusted = new Uint32Array(level.size);
      for (let node = 0; node < level.size; node++) {
        adjusted[node] = firstWord[node] === startId ? level.count[node] : extensions[n][node];
      }
      this.adjusted.push(adjusted);
    }

    this.discounts = [];
    for (let n = 1; n <= order; n++) {
      const given = options.discounts?.[n - 1];
      if (given) {
        this.discounts.push([given[0], given[1], given[2]]);
        continue;
      }
      const countOfCounts = [0, 0, 0, 0];
      for (const value of this.adjusted[n])
        if (value >= 1 && value <= 4) countOfCounts[value - 1]++;
      this.discounts.push(
        options.discountFallback
          ? estimateDiscountsOr(countOfCounts, options.discountFallback)
          : estimateDiscounts(countOfCounts, n),
      );
    }

    this.adjustedTotal = [];
    this.gamma = [];
    for (let level = 0; level < order; level++) {
      const children = counts.levels[level + 1];
      const adjusted = this.adjusted[level + 1];
      const [d1, d2, d3] = this.discounts[level];
      const total = new Float64Array(counts.levels[level].size);
      const gamma = new Float64Array(counts.levels[level].size);
      const starts = children.firstChild;
      for (let context = 0; context < total.length; context++) {
        let discountMass = 0;
        for (let child = starts[context]; child < starts[context + 1]; child++) {
          const value = adjusted[child];
          total[context] += value;
          discountMass += value === 0 ? 0 : value === 1 ? d1 : value === 2 ? d2 : d3;
        }
        gamma[context] = total[context] > 0 ? discountMass / total[context] : 1;
      }
      this.adjustedTotal.push(total);
      this.gamma.push(gamma);
    }
  }

  get byteLength(): number {
    let bytes = 0;
    for (let n = 1; n < this.counts.order; n++) bytes += this.adjusted[n].byteLength;
    for (const array of [...this.adjustedTotal, ...this.gamma]) bytes += array.byteLength;
    return bytes;
  }

  private discounted(n: number, node: number): number {
    if (node < 0) return 0;
    const value = this.adjusted[n][node];
    if (value === 0) return 0;
    const [d1, d2, d3] = this.discounts[n - 1];
    return value - (value === 1 ? d1 : value === 2 ? d2 : d3);
  }

  probability(word: number, chain: Int32Array, chainLength: number): number {
    const counts = this.counts;
    const unigram = counts.levels[1].find(0, word);
    let probability =
      this.discounted(1, unigram) / this.adjustedTotal[0][0] +
      this.gamma[0][0] / this.vocabularySize;
    for (let level = 1; level < chainLength; level++) {
      const context = chain[level];
      if (context < 0 || this.adjustedTotal[level][context] === 0) break;
      const child = counts.levels[level + 1].find(context, word);
      probability =
        this.discounted(level + 1, child) / this.adjustedTotal[level][context] +
        this.gamma[level][context] * probability;
    }
    return probability;
  }

  backoffWeight(level: number, node: number): number {
    if (level === 0 || level >= this.counts.order) return 1;
    return this.adjustedTotal[level][node] > 0 ? this.gamma[level][node] : 1;
  }
}
