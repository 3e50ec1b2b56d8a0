import type { NgramCounts } from '../counts.js';

/**
 * An estimator turns counts into P(word | context).
 *
 * Contexts arrive as a chain of trie nodes: `chain[j]` is the node of the context's last j
 * words at level j (chain[0] is the root, the empty context), −1 once a suffix is unseen.
 * `chainLength` is 1 + the number of context words used (at most order − 1).
 */
export interface Estimator {
  /** Short name used in reports and errors. */
  readonly name: string;
  /**
   * Whether scores are probabilities that sum to 1 over the vocabulary for every context.
   * False only for stupid backoff (Brants et al. 2007), whose scores are not probabilities.
   */
  readonly normalized: boolean;
  probability(word: number, chain: Int32Array, chainLength: number): number;
  /**
   * Backoff weight of a context node at `level` (n-gram length), for estimators in backoff
   * form (P(w | h) = bow(h) · P(w | h′) for every w never seen after h): 1 for contexts with
   * no continuations. Undefined for estimators that cannot be written as ARPA.
   */
  backoffWeight?(level: number, node: number): number;
  /** Bytes of estimator-specific tables (on top of the counts). */
  readonly byteLength: number;
}

/** c(h w) for a context node h at level `level`, 0 if (h w) was never counted. */
export function childCount(counts: NgramCounts, level: number, context: number, word: number) {
  const child = counts.levels[level + 1].find(context, word);
  return child < 0 ? 0 : counts.levels[level + 1].count[child];
}

/** Whether context node `node` at `level` exists and has at least one continuation. */
export function hasContinuations(counts: NgramCounts, level: number, node: number): boolean {
  return node >= 0 && counts.childTotal[level][node] > 0;
}

/** The vocabulary id of a unigram node (level-1 node). */
export function unigramNode(counts: NgramCounts, word: number): number {
  return counts.levels[1].find(0, word);
}
