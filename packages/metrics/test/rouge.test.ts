/**
 * ROUGE against rouge-score's own tests (google-research/google-research rouge/rouge_scorer_test.py,
 * whose "ground truth" comes from ROUGE-1.5.5) and the Porter stemmer against NLTK.
 */
import { describe, expect, it } from 'vitest';
import {
  lcsIndices,
  PorterStemmer,
  rouge,
  rougeLsum,
  rougeMulti,
  rougeTokenize,
  weightedLcs,
} from '../src/index.js';
import { loadFixture } from './fixtures.js';

const data = loadFixture<{
  targets: string[];
  predictions: string[];
  target_multi_0: string;
  prediction_multi_0: string;
}>('rouge_score_testdata.json');

const close = (actual: number, expected: number, places = 7) =>
  expect(Math.abs(actual - expected)).toBeLessThan(0.5 * 10 ** -places);

describe('rouge_scorer_test.py small cases', () => {
  it('testRouge1', () => {
    const r = rouge(
      { target: 'testing one two', prediction: 'testing' },
      { rougeTypes: ['rouge1'] },
    ).rouge1;
    close(r.precision, 1);
    close(r.recall, 1 / 3);
    close(r.fmeasure, 1 / 2);
  });
  it.each(['rouge1', 'rouge2', 'rougeL', 'rougeLsum'])('testRougeEmpty %s', (type) => {
    const r = rouge({ target: 'testing one two', prediction: '' }, { rougeTypes: [type] })[type];
    expect(r).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });
  it('testRouge2', () => {
    const r = rouge(
      { target: 'testing one two', prediction: 'testing one' },
      { rougeTypes: ['rouge2'] },
    ).rouge2;
    close(r.precision, 1);
    close(r.recall, 1 / 2);
    close(r.fmeasure, 2 / 3);
  });
  it.each([
    ['testing one', 'consecutive'],
    ['testing two', 'non-consecutive'],
  ])('testRougeL %s (%s)', (prediction) => {
    const r = rouge({ target: 'testing one two', prediction }, { rougeTypes: ['rougeL'] }).rougeL;
    close(r.precision, 1);
    close(r.recall, 2 / 3);
    close(r.fmeasure, 4 / 5);
  });
  it.each(['rougen', 'rouge0', 'rouge10'])('testInvalidRougeTypes %s', (type) => {
    expect(() =>
      rouge({ target: 'testing one two', prediction: 'testing' }, { rougeTypes: [type] }),
    ).toThrow(/invalid ROUGE type/);
  });
  it.each(['rouge1', 'rouge9', 'rougeL', 'rougeLsum'])('testValidRougeTypes %s', (type) => {
    expect(
      Object.keys(
        rouge({ target: 'testing one two', prediction: 'testing' }, { rougeTypes: [type] }),
      ),
    ).toEqual([type]);
  });
  it('testLcsTable / backtrack', () => {
    const ref = ['1', '2', '3', '4', '5'];
    expect(lcsIndices(ref, ['2', '5', '3', '4'])).toEqual([1, 2, 3]);
    expect(lcsIndices(ref, ['8', '9'])).toEqual([]);
  });
  it('testSummaryLevelLcs', () => {
    const score = rougeLsum(
      [['1', '2', '3', '4', '5']],
      [
        ['1', '2', '6', '7', '8'],
        ['1', '3', '8', '9', '5'],
      ],
    );
    expect(score.recall).toBe(0.8);
    expect(score.precision).toBe(0.4);
    close(score.fmeasure, 0.5333, 3);
    expect(rougeLsum([['reference']], [[]]).recall).toBe(0);
  });
  it('testRougeLsum', () => {
    const r = rouge(
      { target: 'w1 w2 w3 w4 w5', prediction: 'w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5' },
      { rougeTypes: ['rougeLsum'] },
    ).rougeLsum;
    close(r.recall, 0.8);
    close(r.precision, 0.4);
    close(r.fmeasure, 0.5333, 3);
    for (const [target, prediction] of [
      ['w1 w2 w3 w4 w5', ''],
      ['', 'w1'],
      ['w1 w2 w3 w4 w5', '/'],
    ]) {
      expect(rouge({ target, prediction }, { rougeTypes: ['rougeLsum'] }).rougeLsum.fmeasure).toBe(
        0,
      );
    }
  });
});

describe('rouge_scorer_test.py against ROUGE-1.5.5 (testdata files)', () => {
  // [type, stemmer, line, recall, precision, fmeasure], 5 decimal places as in the source.
  const cases: [string, boolean, number, number, number, number][] = [
    ['rouge1', false, 0, 0.40741, 0.6875, 0.51163],
    ['rouge1', false, 1, 0.40476, 0.65385, 0.5],
    ['rouge1', true, 0, 0.40741, 0.6875, 0.51163],
    ['rouge1', true, 1, 0.42857, 0.69231, 0.52941],
    ['rouge2', false, 0, 0.30769, 0.53333, 0.39024],
    ['rouge2', false, 1, 0.29268, 0.48, 0.36364],
    ['rouge2', true, 0, 0.30769, 0.53333, 0.39024],
    ['rouge2', true, 1, 0.29268, 0.48, 0.36364],
    ['rougeL', false, 0, 0.40741, 0.6875, 0.51163],
    ['rougeL', false, 1, 0.40476, 0.65385, 0.5],
  ];
  it.each(cases)('%s stemmer=%s line %i', (type, useStemmer, line, recall, precision, f) => {
    const r = rouge(
      { target: data.targets[line], prediction: data.predictions[line] },
      { rougeTypes: [type], useStemmer },
    )[type];
    close(r.recall, recall, 5);
    close(r.precision, precision, 5);
    close(r.fmeasure, f, 5);
  });
  it('testRougeLSumAgainstRouge155WithStemming', () => {
    const r = rouge(
      { target: data.target_multi_0, prediction: data.prediction_multi_0 },
      { rougeTypes: ['rougeLsum'], useStemmer: true },
    ).rougeLsum;
    close(r.recall, 0.36538, 5);
    close(r.precision, 0.66667, 5);
    close(r.fmeasure, 0.47205, 5);
  });
});

describe('ROUGE extras', () => {
  it('rougeMulti keeps the best-F target per type (rouge-score score_multi)', () => {
    const r = rougeMulti(
      { prediction: 'testing one', targets: ['nothing here', 'testing one two'] },
      { rougeTypes: ['rouge1'] },
    );
    close(r.rouge1.fmeasure, 4 / 5);
  });
  it('tokenizer drops non-ASCII letters, as rouge-score does (CJK scores 0; accents split words)', () => {
    expect(rougeTokenize('日本語のテキスト')).toEqual([]);
    expect(rougeTokenize('Café crème brûlée')).toEqual(['caf', 'cr', 'me', 'br', 'l', 'e']);
    expect(
      rouge({ target: '猫が好き', prediction: '猫が好き' }, { rougeTypes: ['rouge1'] }).rouge1
        .fmeasure,
    ).toBe(0);
    // A custom tokenizer makes other scripts scorable.
    const chars = (text: string) => Array.from(text.replace(/\s+/g, ''));
    expect(
      rouge(
        { target: '猫が好き', prediction: '猫が好き' },
        { rougeTypes: ['rouge1'], tokenizer: chars },
      ).rouge1.fmeasure,
    ).toBe(1);
  });
  it('weighted LCS values from Lin (2004) §3.3 example with f(k) = k²', () => {
    // X = A B C D E F G; Y1 = A B C D H I K (one run of 4); Y2 = A H B K C I D (four runs of 1).
    const X = 'A B C D E F G'.split(' ');
    expect(weightedLcs(X, 'A B C D H I K'.split(' '), 2)).toBe(16);
    expect(weightedLcs(X, 'A H B K C I D'.split(' '), 2)).toBe(4);
    // ROUGE-W then prefers Y1 while ROUGE-L cannot tell them apart.
    const w1 = rouge(
      { target: X.join(' '), prediction: 'A B C D H I K' },
      { rougeTypes: ['rougeW', 'rougeL'] },
    );
    const w2 = rouge(
      { target: X.join(' '), prediction: 'A H B K C I D' },
      { rougeTypes: ['rougeW', 'rougeL'] },
    );
    expect(w1.rougeL.fmeasure).toBe(w2.rougeL.fmeasure);
    expect(w1.rougeW.fmeasure).toBeGreaterThan(w2.rougeW.fmeasure);
    // Recall f⁻¹(16 / f(7)) = 4/7 with weight 2.
    close(
      rouge(
        { target: X.join(' '), prediction: 'A B C D H I K' },
        { rougeTypes: ['rougeW'], rougeWWeight: 2 },
      ).rougeW.recall,
      4 / 7,
    );
  });
});

describe('Porter stemmer against NLTK (fixtures/porter.json from generate.py)', () => {
  const fixture = loadFixture<{
    words: string[];
    nltk_extensions: string[];
    original_algorithm: string[];
  }>('porter.json');
  it(`NLTK_EXTENSIONS mode (rouge-score's stemmer), ${fixture.words.length} words`, () => {
    const stemmer = new PorterStemmer('nltk');
    const mismatches = fixture.words.filter(
      (w, i) => stemmer.stem(w) !== fixture.nltk_extensions[i],
    );
    expect(mismatches).toEqual([]);
  });
  it(`ORIGINAL_ALGORITHM mode, ${fixture.words.length} words`, () => {
    const stemmer = new PorterStemmer('original');
    const mismatches = fixture.words.filter(
      (w, i) => stemmer.stem(w) !== fixture.original_algorithm[i],
    );
    expect(mismatches).toEqual([]);
  });
});
