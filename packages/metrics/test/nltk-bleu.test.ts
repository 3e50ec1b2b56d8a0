/** NLTK BLEU (methods 0–7, custom weights, auto-reweigh) against fixtures/nltk_bleu.json from generate.py. */
import { describe, expect, it } from 'vitest';
import { type NltkSmoothingMethod, nltkCorpusBleu, nltkSentenceBleu } from '../src/index.js';
import { loadFixture } from './fixtures.js';

interface Corpus {
  name: string;
  references: string[][][];
  hypotheses: string[][];
}
const fixture = loadFixture<{
  corpora: Corpus[];
  cases: {
    corpus: number;
    weights: number[];
    smoothing: NltkSmoothingMethod;
    autoReweigh: boolean;
    expected: number | { error: string };
  }[];
  sentence: {
    references: string[][];
    hypothesis: string[];
    smoothing: NltkSmoothingMethod;
    expected: number;
  };
}>('nltk_bleu.json');

describe(`NLTK corpus_bleu, ${fixture.cases.length} cases`, () => {
  for (const method of [0, 1, 2, 3, 4, 5, 6, 7] as NltkSmoothingMethod[]) {
    it(`SmoothingFunction().method${method}`, () => {
      const cases = fixture.cases.filter((c) => c.smoothing === method);
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        const corpus = fixture.corpora[c.corpus];
        const run = () =>
          nltkCorpusBleu(corpus.references, corpus.hypotheses, {
            weights: c.weights,
            smoothing: method,
            autoReweigh: c.autoReweigh,
          });
        if (typeof c.expected === 'object') {
          expect(run, `${corpus.name} ${JSON.stringify(c.weights)}`).toThrow();
        } else {
          const actual = run();
          const tolerance = 1e-12 * Math.max(1, Math.abs(c.expected));
          expect(
            Math.abs(actual - c.expected),
            `${corpus.name} weights ${JSON.stringify(c.weights)} auto=${c.autoReweigh}: ${actual} vs ${c.expected}`,
          ).toBeLessThanOrEqual(tolerance);
          // Also match NLTK's tiny positive scores relative to their size (method 0 quirk).
          if (c.expected > 0 && c.expected < 1e-20) expect(actual / c.expected).toBeCloseTo(1, 10);
        }
      }
    });
  }
  it('sentence_bleu equals NLTK (docstring example, method1)', () => {
    const s = fixture.sentence;
    expect(nltkSentenceBleu(s.references, s.hypothesis, { smoothing: s.smoothing })).toBeCloseTo(
      s.expected,
      14,
    );
  });
  it('mismatched lengths name the fix', () => {
    expect(() => nltkCorpusBleu([[['a']]], [['a'], ['b']])).toThrow(
      /hypotheses has 2 items but listOfReferences has 1/,
    );
  });
});
