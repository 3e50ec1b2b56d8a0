import { describe, expect, it } from 'vitest';
import { mulberry32, NgramCounts } from '../src/index.js';

/** The oracle: every everygram of every sentence in a Map keyed by its ids joined with ','. */
function naiveCounts(sentences: number[][], order: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sentence of sentences) {
    for (let n = 1; n <= order; n++) {
      for (let i = 0; i + n <= sentence.length; i++) {
        const key = sentence.slice(i, i + n).join(',');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Random sentences (some empty) over a skewed vocabulary, so contexts have many children. */
function randomCorpus(seed: number, sentenceCount: number, vocabularySize: number): number[][] {
  const random = mulberry32(seed);
  const sentences: number[][] = [];
  for (let s = 0; s < sentenceCount; s++) {
    const length = Math.floor(random() * 12);
    const sentence: number[] = [];
    for (let i = 0; i < length; i++) {
      sentence.push(Math.floor(vocabularySize * random() ** 2));
    }
    sentences.push(sentence);
  }
  return sentences;
}

const CASES = [
  { seed: 1, sentences: 400, vocabulary: 5, order: 4 },
  { seed: 2, sentences: 300, vocabulary: 60, order: 3 },
  { seed: 3, sentences: 200, vocabulary: 1000, order: 5 },
  { seed: 4, sentences: 50, vocabulary: 3, order: 1 },
];

describe('compact counts against a naive Map-based counter', () => {
  for (const { seed, sentences: sentenceCount, vocabulary, order } of CASES) {
    it(`random corpus seed ${seed}, |V| ${vocabulary}, order ${order}`, () => {
      const sentences = randomCorpus(seed, sentenceCount, vocabulary);
      const counts = NgramCounts.count(sentences, order, vocabulary);
      const oracle = naiveCounts(sentences, order);

      // Every counted n-gram, and nothing else: the distinct numbers per length agree.
      const distinct = new Array(order + 1).fill(0);
      for (const [key, count] of oracle) {
        const ids = key.split(',').map(Number);
        distinct[ids.length]++;
        expect(counts.countOf(ids), key).toBe(count);
      }
      expect(counts.distinctNgrams).toEqual(distinct);

      // Context totals and N1+(h •) from the oracle, for every context node.
      const children = new Map<string, { total: number; types: number }>();
      for (const [key, count] of oracle) {
        const context = key.split(',').slice(0, -1).join(',');
        const entry = children.get(context) ?? { total: 0, types: 0 };
        entry.total += count;
        entry.types += 1;
        children.set(context, entry);
      }
      const types = counts.childTypes;
      for (let level = 0; level < order; level++) {
        const parent = counts.levels[level + 1].parent;
        for (let node = 0; node < counts.levels[level].size; node++) {
          const ids = idsOf(counts, level, node);
          const expected = children.get(ids.join(',')) ?? { total: 0, types: 0 };
          expect(counts.childTotal[level][node]).toBe(expected.total);
          expect(counts.childTypeCount(level, node)).toBe(expected.types);
          expect(types[level][node]).toBe(expected.types);
          // Each context's children are one range, sorted by word, whose parent is the context.
          const level1 = counts.levels[level + 1];
          for (let child = level1.firstChild[node]; child < level1.firstChild[node + 1]; child++) {
            expect(parent[child]).toBe(node);
            if (child > level1.firstChild[node]) {
              expect(level1.word[child]).toBeGreaterThan(level1.word[child - 1]);
            }
          }
        }
      }

      // Suffix links point at the node of w2..wn.
      const links = counts.suffixLinks();
      for (let n = 2; n <= order; n++) {
        for (let node = 0; node < counts.levels[n].size; node++) {
          const ids = idsOf(counts, n, node);
          expect(links[n][node]).toBe(counts.find(ids, 1, n - 1));
        }
      }

      // Unseen n-grams (random ones, mostly unseen at the higher orders) give 0 and −1.
      const random = mulberry32(seed + 100);
      for (let q = 0; q < 300; q++) {
        const length = 1 + Math.floor(random() * order);
        const ids = Array.from({ length }, () => Math.floor(random() * vocabulary));
        expect(counts.countOf(ids)).toBe(oracle.get(ids.join(',')) ?? 0);
      }
    });
  }

  it('context chains stop at the first unseen suffix', () => {
    const sentences = randomCorpus(5, 300, 40);
    const counts = NgramCounts.count(sentences, 4, 40);
    const oracle = naiveCounts(sentences, 4);
    const chain = new Int32Array(4);
    const random = mulberry32(9);
    for (let q = 0; q < 300; q++) {
      const context = Array.from({ length: 3 }, () => Math.floor(40 * random() ** 2));
      expect(counts.contextChain(context, chain)).toBe(4);
      for (let j = 1; j <= 3; j++) {
        const seen = oracle.has(context.slice(3 - j).join(','));
        expect(chain[j] >= 0).toBe(seen);
      }
    }
  });

  it('stores no more than 16 bytes per n-gram below the top order and 8 at it', () => {
    const counts = NgramCounts.count(randomCorpus(6, 2000, 500), 5, 500);
    const sizes = counts.distinctNgrams;
    const lower = sizes.slice(1, -1).reduce((a, b) => a + b, 0);
    // Plus the root, one extra range start per level, and the unigrams' index by word.
    const overhead = 64 + 4 * 500;
    expect(counts.byteLength).toBeLessThanOrEqual(16 * lower + 8 * sizes[5] + overhead);
  });
});

/** The ids of node `node` at level n, read by walking parents (the oracle's key). */
function idsOf(counts: NgramCounts, n: number, node: number): number[] {
  const ids: number[] = [];
  for (let level = n; level >= 1; level--) {
    ids.unshift(counts.levels[level].word[node]);
    node = counts.levels[level].parent[node];
  }
  return ids;
}
