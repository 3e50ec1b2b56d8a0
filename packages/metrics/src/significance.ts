/**
 * Confidence intervals and paired significance tests for corpus metrics (BLEU, chrF, or any
 * metric computed from summed segment statistics), seeded so results reproduce.
 *
 * - Bootstrap resampling (Koehn, 2004): resample segments with replacement; the 95% interval
 *   uses the same order statistics as sacreBLEU (index ⌊n/40⌋ and n−⌊n/40⌋−1 of the sorted
 *   scores).
 * - Paired bootstrap resampling (Koehn, 2004), shifted to the null hypothesis as in sacreBLEU:
 *   p = (#{|δ* − mean δ*| ≥ |δ|} + 1) / (n + 1).
 * - Approximate randomization (Riezler & Maxwell, 2005): swap each segment's statistics between
 *   the two systems with probability ½; p = (#{|δ*| ≥ |δ|} + 1) / (R + 1).
 *
 * The random generator is not NumPy's, so p-values and intervals are not bit-identical to
 * sacreBLEU's; they are statistically equivalent.
 */
import {
  type BleuOptions,
  bleuFromStatistics,
  bleuSegmentStatistics,
  sumBleuStatistics,
} from './bleu.js';
import { type ChrfOptions, chrfFromStatistics, chrfSegmentStatistics } from './chrf.js';
import { assertReferenceStreams, segmentReferences } from './errors.js';

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A metric as a pair: per-segment statistics (summable vectors) and a scorer of their sum. */
export interface SegmentMetric {
  /** One numeric vector per segment; corpus statistics are their elementwise sum. */
  segments: number[][];
  score: (summed: number[]) => number;
}

function sumRows(rows: readonly number[][], indices: ArrayLike<number>): number[] {
  const total = new Array<number>(rows[0].length).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const row = rows[indices[i]];
    for (let j = 0; j < row.length; j++) total[j] += row[j];
  }
  return total;
}

function sampleIndices(n: number, random: () => number): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
  return indices;
}

export interface ConfidenceInterval {
  score: number;
  /** Mean of the bootstrap scores. */
  mean: number;
  lower: number;
  upper: number;
  /** Half-width (upper − lower) / 2, sacreBLEU's "±". */
  halfWidth: number;
}

export interface ResamplingOptions {
  /** Number of resamples; default 1000 (sacreBLEU's default for bootstrap). */
  samples?: number;
  /** Seed; default 12345 (sacreBLEU's default seed). */
  seed?: number;
}

/** 95% bootstrap confidence interval of a corpus metric. */
export function bootstrapConfidenceInterval(
  metric: SegmentMetric,
  options: ResamplingOptions = {},
): ConfidenceInterval {
  const n = metric.segments.length;
  if (n === 0) throw new Error('bootstrapConfidenceInterval: no segments given.');
  const samples = options.samples ?? 1000;
  const random = seededRandom(options.seed ?? 12345);
  const all = Array.from({ length: n }, (_, i) => i);
  const score = metric.score(sumRows(metric.segments, all));
  const scores: number[] = [];
  for (let s = 0; s < samples; s++)
    scores.push(metric.score(sumRows(metric.segments, sampleIndices(n, random))));
  scores.sort((a, b) => a - b);
  const lowerIndex = Math.floor(samples / 40);
  const lower = scores[lowerIndex];
  const upper = scores[samples - lowerIndex - 1];
  const mean = scores.reduce((a, b) => a + b, 0) / samples;
  return { score, mean, lower, upper, halfWidth: (upper - lower) / 2 };
}

export interface PairedTestResult {
  baselineScore: number;
  systemScore: number;
  /** systemScore − baselineScore. */
  difference: number;
  pValue: number;
}

function checkPaired(baseline: SegmentMetric, system: SegmentMetric): void {
  if (baseline.segments.length !== system.segments.length) {
    throw new Error(
      `paired test: baseline has ${baseline.segments.length} segments but system has ${system.segments.length}; ` +
        `score both systems on the same test set.`,
    );
  }
  if (baseline.segments.length === 0) throw new Error('paired test: no segments given.');
}

/** Paired bootstrap resampling test of system vs baseline. */
export function pairedBootstrap(
  baseline: SegmentMetric,
  system: SegmentMetric,
  options: ResamplingOptions = {},
): PairedTestResult {
  checkPaired(baseline, system);
  const n = baseline.segments.length;
  const samples = options.samples ?? 1000;
  const random = seededRandom(options.seed ?? 12345);
  const all = Array.from({ length: n }, (_, i) => i);
  const baselineScore = baseline.score(sumRows(baseline.segments, all));
  const systemScore = system.score(sumRows(system.segments, all));
  const difference = systemScore - baselineScore;
  const deltas: number[] = [];
  for (let s = 0; s < samples; s++) {
    const indices = sampleIndices(n, random);
    deltas.push(
      system.score(sumRows(system.segments, indices)) -
        baseline.score(sumRows(baseline.segments, indices)),
    );
  }
  const meanDelta = deltas.reduce((a, b) => a + b, 0) / samples;
  const extreme = deltas.filter((d) => Math.abs(d - meanDelta) >= Math.abs(difference)).length;
  return { baselineScore, systemScore, difference, pValue: (extreme + 1) / (samples + 1) };
}

/** Approximate randomization test of system vs baseline (default 10,000 trials as in sacreBLEU). */
export function approximateRandomization(
  baseline: SegmentMetric,
  system: SegmentMetric,
  options: ResamplingOptions = {},
): PairedTestResult {
  checkPaired(baseline, system);
  const n = baseline.segments.length;
  const trials = options.samples ?? 10000;
  const random = seededRandom(options.seed ?? 12345);
  const all = Array.from({ length: n }, (_, i) => i);
  const baselineScore = baseline.score(sumRows(baseline.segments, all));
  const systemScore = system.score(sumRows(system.segments, all));
  const difference = systemScore - baselineScore;
  let extreme = 0;
  for (let t = 0; t < trials; t++) {
    const a = new Array<number>(baseline.segments[0].length).fill(0);
    const b = new Array<number>(system.segments[0].length).fill(0);
    for (let i = 0; i < n; i++) {
      const swap = random() < 0.5;
      const rowA = swap ? system.segments[i] : baseline.segments[i];
      const rowB = swap ? baseline.segments[i] : system.segments[i];
      for (let j = 0; j < a.length; j++) a[j] += rowA[j];
      for (let j = 0; j < b.length; j++) b[j] += rowB[j];
    }
    if (Math.abs(system.score(b) - baseline.score(a)) >= Math.abs(difference)) extreme++;
  }
  return { baselineScore, systemScore, difference, pValue: (extreme + 1) / (trials + 1) };
}

/** Corpus BLEU as a {@link SegmentMetric}, for the resampling functions. */
export function bleuSegmentMetric(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): SegmentMetric {
  assertReferenceStreams('bleuSegmentMetric', hypotheses, references);
  const order = options.maxNgramOrder ?? 4;
  const segments = hypotheses.map((hypothesis, i) => {
    const stats = bleuSegmentStatistics(
      hypothesis,
      segmentReferences('bleuSegmentMetric', references, i),
      options,
    );
    return [stats.hypothesisLength, stats.referenceLength, ...stats.counts, ...stats.totals];
  });
  const score = (v: number[]) =>
    bleuFromStatistics(
      sumBleuStatistics(
        [
          {
            hypothesisLength: v[0],
            referenceLength: v[1],
            counts: v.slice(2, 2 + order),
            totals: v.slice(2 + order),
          },
        ],
        order,
      ),
      options,
    ).score;
  return { segments, score };
}

/** Corpus chrF as a {@link SegmentMetric}, for the resampling functions. */
export function chrfSegmentMetric(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: ChrfOptions = {},
): SegmentMetric {
  assertReferenceStreams('chrfSegmentMetric', hypotheses, references);
  const segments = hypotheses.map((hypothesis, i) =>
    chrfSegmentStatistics(
      hypothesis,
      segmentReferences('chrfSegmentMetric', references, i),
      options,
    ),
  );
  return { segments, score: (v) => chrfFromStatistics(v, options) };
}
