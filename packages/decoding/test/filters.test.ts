import { describe, expect, it } from 'vitest';
import { resolveFilterOptions } from '../src/filters.js';
import { applyFilters, minPFilter, topKFilter, topPFilter, typicalFilter } from '../src/index.js';

/** Ids of the tokens a filter kept (not −∞). */
function kept(scores: Float64Array): number[] {
  return Array.from(scores.keys()).filter((i) => scores[i] !== Number.NEGATIVE_INFINITY);
}
const logs = (probs: number[]) => Float64Array.from(probs, Math.log);

describe('top-k', () => {
  it('keeps exactly the k highest scores', () => {
    expect(kept(topKFilter(Float64Array.from([1, 3, 2, 0.5, 0]), 2))).toEqual([1, 2]);
    expect(kept(topKFilter(Float64Array.from([1, 3, 2, 0.5, 0]), 3))).toEqual([0, 1, 2]);
  });
  it('keeps every token tied with the k-th score (may keep more than k)', () => {
    expect(kept(topKFilter(Float64Array.from([1, 3, 2, 3, 0]), 1))).toEqual([1, 3]);
    expect(kept(topKFilter(Float64Array.from([2, 1, 2, 2, 0]), 2))).toEqual([0, 2, 3]);
  });
  it('is a no-op for k = 0 or k ≥ vocabulary size', () => {
    expect(kept(topKFilter(Float64Array.from([1, 2, 3]), 0))).toEqual([0, 1, 2]);
    expect(kept(topKFilter(Float64Array.from([1, 2, 3]), 3))).toEqual([0, 1, 2]);
  });
});

describe('top-p', () => {
  const probs = [0.1, 0.4, 0.2, 0.3];
  it('keeps the smallest most-probable set whose mass reaches p', () => {
    expect(kept(topPFilter(logs(probs), 0.35))).toEqual([1]);
    expect(kept(topPFilter(logs(probs), 0.4))).toEqual([1]);
    expect(kept(topPFilter(logs(probs), 0.41))).toEqual([1, 3]);
    // 0.4 + 0.3 reaches 0.7 exactly: rounding must not pull in the 0.2 token.
    expect(kept(topPFilter(logs(probs), 0.7))).toEqual([1, 3]);
    expect(kept(topPFilter(logs(probs), 0.71))).toEqual([1, 2, 3]);
    expect(kept(topPFilter(logs(probs), 0.95))).toEqual([0, 1, 2, 3]);
  });
  it('keeps every token tied with the last one admitted', () => {
    expect(kept(topPFilter(logs([0.3, 0.1, 0.3, 0.3]), 0.2))).toEqual([0, 2, 3]);
    expect(kept(topPFilter(logs([0.3, 0.1, 0.3, 0.3]), 0.5))).toEqual([0, 2, 3]);
  });
  it('ignores tokens that are already removed and renormalizes over the rest', () => {
    const scores = Float64Array.from([Math.log(0.5), Number.NEGATIVE_INFINITY, Math.log(0.25)]);
    // Over the remaining tokens the masses are 2/3 and 1/3: p = 0.6 keeps only token 0.
    expect(kept(topPFilter(scores, 0.6))).toEqual([0]);
  });
});

describe('min-p', () => {
  it('keeps tokens with probability ≥ minP × the largest', () => {
    expect(kept(minPFilter(logs([0.5, 0.25, 0.15, 0.1]), 0.4))).toEqual([0, 1]);
    expect(kept(minPFilter(logs([0.5, 0.25, 0.15, 0.1]), 0.25))).toEqual([0, 1, 2]);
    expect(kept(minPFilter(logs([0.5, 0.25, 0.15, 0.1]), 0.1))).toEqual([0, 1, 2, 3]);
  });
});

describe('typical', () => {
  // p = [1/2, 1/4, 1/8, 1/8]: entropy H = 1.75 ln 2 and −log p = [1, 2, 3, 3] ln 2, so the
  // deviations |−log p − H| are [0.75, 0.25, 1.25, 1.25] ln 2: most typical is token 1, then 0.
  const probs = [0.5, 0.25, 0.125, 0.125];
  it('keeps the most typical tokens until their mass reaches τ', () => {
    expect(kept(typicalFilter(logs(probs), 0.2))).toEqual([1]);
    expect(kept(typicalFilter(logs(probs), 0.25))).toEqual([1]);
    expect(kept(typicalFilter(logs(probs), 0.5))).toEqual([0, 1]);
  });
  it('keeps ties with the last admitted token', () => {
    expect(kept(typicalFilter(logs(probs), 0.8))).toEqual([0, 1, 2, 3]);
  });
});

describe('composition', () => {
  it('applies temperature before top-p by default, and in the caller order when given', () => {
    // p = [0.5, 0.3, 0.2]. T = 0.5 squares probabilities: [0.25, 0.09, 0.04] / 0.38, so the top
    // token alone has 0.658 ≥ 0.6. Without temperature first, 0.5 < 0.6 needs two tokens.
    const defaults = resolveFilterOptions({ temperature: 0.5, topP: 0.6 });
    expect(kept(applyFilters(logs([0.5, 0.3, 0.2]), defaults))).toEqual([0]);
    const pFirst = resolveFilterOptions({
      temperature: 0.5,
      topP: 0.6,
      filterOrder: ['topP', 'temperature'],
    });
    expect(kept(applyFilters(logs([0.5, 0.3, 0.2]), pFirst))).toEqual([0, 1]);
  });
  it('top-p after top-k measures mass over the renormalized survivors', () => {
    // top-k 2 leaves [0.4, 0.3] → [0.571, 0.429]; 0.571 ≥ 0.5 so top-p keeps one token.
    const kThenP = resolveFilterOptions({ topK: 2, topP: 0.5 });
    expect(kept(applyFilters(logs([0.4, 0.3, 0.2, 0.1]), kThenP))).toEqual([0]);
    const pThenK = resolveFilterOptions({ topK: 2, topP: 0.5, filterOrder: ['topP', 'topK'] });
    expect(kept(applyFilters(logs([0.4, 0.3, 0.2, 0.1]), pThenK))).toEqual([0, 1]);
  });
  it('rejects invalid settings with a message that names the fix', () => {
    expect(() => resolveFilterOptions({ temperature: 0 })).toThrow(/greedy/);
    expect(() => resolveFilterOptions({ topP: 1.5 })).toThrow(/topP/);
    expect(() => resolveFilterOptions({ topK: 2, filterOrder: ['topP'] })).toThrow(
      /add 'topK' to filterOrder/,
    );
    expect(() => resolveFilterOptions({ filterOrder: ['topP', 'topP'] })).toThrow(/twice/);
  });
});
