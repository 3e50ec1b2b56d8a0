import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type EstimatorSpec,
  NgramModel,
  SimpleGoodTuring,
  ZeroProbabilityError,
} from '../src/index.js';

/**
 * Every expected number comes from NLTK 3.8 through fixtures/generate.py; none from this
 * package. Tolerance: 1e-9 absolute on probabilities, 1e-9 relative on perplexities.
 */
interface Case {
  corpus: 'words' | 'chars';
  model: string;
  params: { gamma?: number; discount?: number; alpha?: number };
  order: number;
  unkCutoff: number;
  vocabularySize: number;
  queries: [string, string[], number][];
  entropyBits: number | 'inf';
  perplexity: number | 'inf';
  inVocabularySentences: number[];
  inVocabularyPerplexity: number | 'inf';
}
interface Fixture {
  nltkVersion: string;
  corpora: Record<string, { train: string[]; test: string[]; split: 'words' | 'chars' }>;
  cases: Case[];
  simpleGoodTuring: {
    countOfCounts: [number, number][];
    unseenMass: number;
    probabilities: [number, number][];
  };
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/nltk-lm.json', import.meta.url), 'utf8'),
);

function tokenize(sentence: string, split: 'words' | 'chars'): string[] {
  return split === 'words' ? sentence.split(' ') : [...sentence];
}

/** The NLTK class and parameters of a case, as an estimator run in NLTK-compatible mode. */
function estimatorOf(testCase: Case): EstimatorSpec {
  switch (testCase.model) {
    case 'MLE':
      return { kind: 'mle', unseenContext: 'zero' };
    case 'Laplace':
      return { kind: 'laplace' };
    case 'Lidstone':
      return { kind: 'lidstone', gamma: testCase.params.gamma! };
    case 'WittenBellInterpolated':
      return { kind: 'witten-bell' };
    case 'KneserNeyInterpolated':
      return { kind: 'kneser-ney', discount: testCase.params.discount, nltkCompatible: true };
    case 'AbsoluteDiscountingInterpolated':
      return { kind: 'absolute-discounting', discount: testCase.params.discount };
    case 'StupidBackoff':
      return { kind: 'stupid-backoff', alpha: testCase.params.alpha };
    default:
      throw new Error(`fixture names an unknown NLTK model ${testCase.model}`);
  }
}

function expectedNumber(value: number | 'inf'): number {
  return value === 'inf' ? Number.POSITIVE_INFINITY : value;
}

function expectClose(actual: number, expected: number, relative: boolean) {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const scale = relative ? Math.max(1, Math.abs(expected)) : 1;
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * scale);
}

describe(`agreement with NLTK ${fixture.nltkVersion} nltk.lm`, () => {
  it('covers every model at orders 2 and 3 on both corpora', () => {
    const covered = new Set(fixture.cases.map((c) => `${c.model}/${c.order}/${c.corpus}`));
    expect(covered.size).toBe(7 * 2 * 2);
  });

  for (const testCase of fixture.cases) {
    const label = `${testCase.corpus} ${testCase.model}(${JSON.stringify(testCase.params)}) order ${testCase.order} unk_cutoff ${testCase.unkCutoff}`;
    it(label, () => {
      const corpus = fixture.corpora[testCase.corpus];
      const train = corpus.train.map((s) => tokenize(s, corpus.split));
      const test = corpus.test.map((s) => tokenize(s, corpus.split));
      const model = NgramModel.fit(train, {
        order: testCase.order,
        estimator: estimatorOf(testCase),
        padding: 'nltk',
        unkCutoff: testCase.unkCutoff,
      });
      expect(model.vocabulary.size).toBe(testCase.vocabularySize);
      for (const [word, context, expected] of testCase.queries) {
        const actual = model.score(word, context);
        if (Math.abs(actual - expected) > 1e-9) {
          throw new Error(`P(${word} | ${context.join(' ')}) = ${actual}, NLTK says ${expected}`);
        }
      }
      const options = { zeroProbability: 'infinity' } as const;
      expectClose(model.perplexity(test, options), expectedNumber(testCase.perplexity), true);
      expectClose(model.crossEntropy(test, options), expectedNumber(testCase.entropyBits), true);
      const inVocabulary = testCase.inVocabularySentences.map((index) => test[index]);
      expectClose(
        model.perplexity(inVocabulary, options),
        expectedNumber(testCase.inVocabularyPerplexity),
        true,
      );
      if (testCase.perplexity === 'inf') {
        // Our default refuses to report an infinite perplexity silently.
        expect(() => model.perplexity(test)).toThrow(ZeroProbabilityError);
      }
    });
  }

  it('simple Good-Turing probabilities match NLTK SimpleGoodTuringProbDist', () => {
    const { countOfCounts, unseenMass, probabilities } = fixture.simpleGoodTuring;
    const sgt = new SimpleGoodTuring(countOfCounts);
    expect(sgt.unseenMass).toBeCloseTo(unseenMass, 15);
    for (const [r, expected] of probabilities) {
      expect(Math.abs(sgt.probability(r) - expected)).toBeLessThanOrEqual(1e-12);
    }
  });
});
