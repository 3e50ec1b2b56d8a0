/**
 * Simple Good-Turing (Gale & Sampson 1995, "Good-Turing frequency estimation without
 * tears"). From the count-of-counts n_r it returns smoothed adjusted counts r* and the
 * renormalized probability p_r of one item seen r times; the unseen mass is P0 = n1 / N.
 *
 * Steps, as in the paper: Z_r = n_r / (0.5 (t − q)) averages n_r over the gap to its
 * neighbouring non-zero counts q < r < t (q = 0 for the first, t = 2r − q for the last);
 * fit log Z_r = a + b log r by least squares; use the Turing estimate
 * x = (r + 1) n_{r+1} / n_r while it differs from the smoothed y = (r + 1) S(r + 1) / S(r)
 * by more than 1.96 standard deviations, and y from then on (or from the first gap on).
 */
export class SimpleGoodTuring {
  /** Total count N = Σ r n_r. */
  readonly total: number;
  /** P0 = n1 / N, the probability mass of all unseen items together. */
  readonly unseenMass: number;
  /** Slope b of the log-log fit; Gale & Sampson require b < −1. */
  readonly slope: number;
  readonly intercept: number;
  private readonly countOfCounts: Map<number, number>;
  /** Counts below this use the Turing estimate, the rest the smoothed one. */
  private readonly switchAt: number;
  private readonly renormalization: number;

  /** @param countOfCounts pairs (r, n_r) with r ≥ 1 and n_r > 0, any order. */
  constructor(countOfCounts: Iterable<readonly [number, number]>) {
    const pairs = [...countOfCounts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
    if (pairs.length === 0) throw new RangeError('Simple Good-Turing needs at least one count');
    this.countOfCounts = new Map(pairs);
    const r = pairs.map(([count]) => count);
    const n = pairs.map(([, items]) => items);
    this.total = pairs.reduce((sum, [count, items]) => sum + count * items, 0);
    this.unseenMass = (this.countOfCounts.get(1) ?? 0) / this.total;

    const logR: number[] = [];
    const logZ: number[] = [];
    for (let j = 0; j < r.length; j++) {
      const previous = j > 0 ? r[j - 1] : 0;
      const next = j === r.length - 1 ? 2 * r[j] - previous : r[j + 1];
      logR.push(Math.log(r[j]));
      logZ.push(Math.log((2 * n[j]) / (next - previous)));
    }
    const meanX = logR.reduce((a, b) => a + b, 0) / logR.length;
    const meanY = logZ.reduce((a, b) => a + b, 0) / logZ.length;
    let covariance = 0;
    let variance = 0;
    for (let j = 0; j < logR.length; j++) {
      covariance += (logR[j] - meanX) * (logZ[j] - meanY);
      variance += (logR[j] - meanX) ** 2;
    }
    this.slope = variance === 0 ? 0 : covariance / variance;
    this.intercept = meanY - this.slope * meanX;

    let switchAt = r[r.length - 1];
    for (let j = 0; j < r.length; j++) {
      if (j === r.length - 1 || r[j + 1] !== r[j] + 1) {
        switchAt = r[j];
        break;
      }
      const turing = ((r[j] + 1) * n[j + 1]) / n[j];
      const deviation = Math.sqrt((r[j] + 1) ** 2 * (n[j + 1] / n[j] ** 2) * (1 + n[j + 1] / n[j]));
      if (Math.abs(turing - this.smoothedAdjustedCount(r[j])) <= 1.96 * deviation) {
        switchAt = r[j];
        break;
      }
    }
    this.switchAt = switchAt;
    let unnormalizedSeenMass = 0;
    for (const [count, items] of pairs) unnormalizedSeenMass += items * this.adjustedCount(count);
    this.renormalization = ((1 - this.unseenMass) * this.total) / unnormalizedSeenMass;
  }

  /** S(r) = exp(a + b log r), the smoothed count-of-counts. */
  smoothedCountOfCounts(r: number): number {
    return Math.exp(this.intercept + this.slope * Math.log(r));
  }

  /** r* before renormalization: Turing below the switch point, smoothed from it on. */
  adjustedCount(r: number): number {
    if (r < this.switchAt) {
      return ((r + 1) * (this.countOfCounts.get(r + 1) ?? 0)) / (this.countOfCounts.get(r) ?? 1);
    }
    return this.smoothedAdjustedCount(r);
  }

  /** Probability of one item seen r times (r ≥ 1); all seen items sum to 1 − P0. */
  probability(r: number): number {
    return (this.adjustedCount(r) * this.renormalization) / this.total;
  }

  /** Katz's discount ratio d_r = p_r N / r ≤ 1 (clamped: a discount never adds mass). */
  discountRatio(r: number): number {
    return Math.min(1, (this.probability(r) * this.total) / r);
  }

  private smoothedAdjustedCount(r: number): number {
    return ((r + 1) * this.smoothedCountOfCounts(r + 1)) / this.smoothedCountOfCounts(r);
  }
}
