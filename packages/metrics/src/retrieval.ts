/**
 * Retrieval metrics: recall@k and mean reciprocal rank (MRR), from ranked result lists or from
 * a query×candidate score matrix (as produced by dual encoders such as CLIP).
 */
import { assertSameLength } from './errors.js';

export type Id = string | number;

/**
 * Fraction of queries with at least one relevant item in the top k (the "recall@k" of
 * image-text retrieval papers; with one relevant item per query it is also top-k accuracy).
 */
export function recallAtK(
  rankings: readonly (readonly Id[])[],
  relevant: readonly (readonly Id[])[],
  k: number,
): number {
  assertSameLength(
    'recallAtK',
    { name: 'rankings', length: rankings.length },
    { name: 'relevant', length: relevant.length },
  );
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`recallAtK: k must be a positive integer, got ${k}.`);
  if (rankings.length === 0) throw new Error('recallAtK: no queries given.');
  let hits = 0;
  rankings.forEach((ranking, q) => {
    const wanted = new Set(relevant[q]);
    if (ranking.slice(0, k).some((id) => wanted.has(id))) hits++;
  });
  return hits / rankings.length;
}

/** Mean over queries of 1 / rank of the first relevant item (0 when none is retrieved). */
export function meanReciprocalRank(
  rankings: readonly (readonly Id[])[],
  relevant: readonly (readonly Id[])[],
): number {
  assertSameLength(
    'meanReciprocalRank',
    { name: 'rankings', length: rankings.length },
    { name: 'relevant', length: relevant.length },
  );
  if (rankings.length === 0) throw new Error('meanReciprocalRank: no queries given.');
  let total = 0;
  rankings.forEach((ranking, q) => {
    const wanted = new Set(relevant[q]);
    const position = ranking.findIndex((id) => wanted.has(id));
    if (position >= 0) total += 1 / (position + 1);
  });
  return total / rankings.length;
}

/**
 * Candidate indices of each row of a score matrix, best first. Equal scores keep the lower
 * index first, so with ties the result depends on candidate order: pass distinct scores where
 * that matters.
 */
export function rankByScore(scores: readonly (readonly number[])[]): number[][] {
  return scores.map((row) =>
    row
      .map((score, index) => ({ score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .map((entry) => entry.index),
  );
}

/**
 * recall@k and MRR for a square score matrix whose diagonal holds the matching pairs
 * (row i's relevant candidate is column i), e.g. image→text similarities.
 */
export function retrievalFromScores(
  scores: readonly (readonly number[])[],
  ks: readonly number[] = [1, 5, 10],
): { recall: Record<number, number>; mrr: number } {
  scores.forEach((row, i) => {
    if (row.length !== scores.length) {
      throw new Error(
        `retrievalFromScores: row ${i} has ${row.length} scores but there are ${scores.length} rows; ` +
          `pass a square matrix whose diagonal holds the matching pairs.`,
      );
    }
  });
  const rankings = rankByScore(scores);
  const relevant = scores.map((_, i) => [i]);
  const recall: Record<number, number> = {};
  for (const k of ks) recall[k] = recallAtK(rankings, relevant, k);
  return { recall, mrr: meanReciprocalRank(rankings, relevant) };
}
