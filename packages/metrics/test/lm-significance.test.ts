/**
 * Language-model metrics (checked against closed forms), significance tests (checked against
 * their defining properties), and cross-cutting edge cases from the issue: empty inputs, a
 * hypothesis longer than every reference, mismatched lengths, CJK and accented text through
 * every tokenizer.
 */
import { describe, expect, it } from 'vitest';
import {
  approximateRandomization,
  bitsPerCharacter,
  bleuSegmentMetric,
  bootstrapConfidenceInterval,
  chrfSegmentMetric,
  corpusBleu,
  corpusChrf,
  corpusRouge,
  corpusTer,
  languageModelScores,
  pairedBootstrap,
  perplexity,
  sentenceBleu,
  tokenize13a,
  tokenizeChar,
  tokenizeIntl,
} from '../src/index.js';

describe('language-model metrics', () => {
  it('a uniform model over V tokens has perplexity V and log2(V) bits per token', () => {
    const logProbs = new Array(50).fill(Math.log(1 / 17));
    const scores = languageModelScores(logProbs);
    expect(scores.perplexity).toBeCloseTo(17, 10);
    expect(scores.crossEntropyBits).toBeCloseTo(Math.log2(17), 12);
  });
  it('log base does not change perplexity', () => {
    const probs = [0.5, 0.25, 0.125, 0.9];
    const nats = perplexity(probs.map(Math.log));
    expect(perplexity(probs.map(Math.log2), 2)).toBeCloseTo(nats, 12);
    expect(perplexity(probs.map(Math.log10), 10)).toBeCloseTo(nats, 12);
    // geometric mean of 1/p: (2 · 4 · 8 · 1/0.9)^(1/4)
    expect(nats).toBeCloseTo((2 * 4 * 8 * (1 / 0.9)) ** 0.25, 12);
  });
  it('bits per character = total bits / characters', () => {
    // 4 tokens of probability 1/2 over 8 characters: 4 bits / 8 chars.
    expect(bitsPerCharacter(new Array(4).fill(Math.log(0.5)), 8)).toBeCloseTo(0.5, 12);
  });
  it('rejects probabilities passed instead of log-probabilities', () => {
    expect(() => perplexity([0.5, 0.2])).toThrow(/pass log p, not p/);
    expect(() => perplexity([])).toThrow(/no log-probabilities/);
  });
});

const REFS = [['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.']];
const GOOD = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'];
const BAD = ['A cat.', 'Nothing happened at all.', 'Dogs are nice.'];

describe('bootstrap and paired significance', () => {
  it('bootstrap CI contains the corpus score and is reproducible by seed', () => {
    const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const metric = bleuSegmentMetric(hyps, REFS);
    const ci = bootstrapConfidenceInterval(metric, { samples: 200, seed: 1 });
    expect(ci.score).toBeCloseTo(corpusBleu(hyps, REFS).score, 12);
    expect(ci.lower).toBeLessThanOrEqual(ci.upper);
    expect(bootstrapConfidenceInterval(metric, { samples: 200, seed: 1 })).toEqual(ci);
  });
  it('identical systems are never significantly different (p = 1)', () => {
    const metric = chrfSegmentMetric(GOOD, REFS);
    expect(approximateRandomization(metric, metric, { samples: 200 }).pValue).toBe(1);
    expect(pairedBootstrap(metric, metric, { samples: 200 }).difference).toBe(0);
  });
  it('a perfect system beats a bad one', () => {
    const bad = chrfSegmentMetric([...BAD, ...BAD, ...BAD], [[...REFS[0], ...REFS[0], ...REFS[0]]]);
    const good = chrfSegmentMetric(
      [...GOOD, ...GOOD, ...GOOD],
      [[...REFS[0], ...REFS[0], ...REFS[0]]],
    );
    const ar = approximateRandomization(bad, good, { samples: 500 });
    expect(ar.difference).toBeGreaterThan(50);
    // Only the all-swapped and identity permutations reach |δ|: p ≈ 2/2^9.
    expect(ar.pValue).toBeLessThan(0.05);
    expect(pairedBootstrap(bad, good, { samples: 500 }).pValue).toBeLessThan(0.05);
  });
  it('paired tests refuse systems scored on different test sets', () => {
    const a = chrfSegmentMetric(GOOD, REFS);
    const b = chrfSegmentMetric(GOOD.slice(0, 2), [REFS[0].slice(0, 2)]);
    expect(() => pairedBootstrap(a, b)).toThrow(/score both systems on the same test set/);
  });
});

describe('edge cases', () => {
  it('empty hypotheses score 0 (BLEU, chrF) and 100 (TER)', () => {
    expect(corpusBleu(['', ''], [['a b c', 'd e']]).score).toBe(0);
    expect(corpusChrf(['', ''], [['a b c', 'd e']]).score).toBe(0);
    expect(corpusTer([''], [['a b c']]).score).toBe(100);
  });
  it('empty references raise an error that says what to do', () => {
    expect(() => corpusBleu(['a'], [['']])).toThrow(/at least one non-empty reference/);
  });
  it('a hypothesis longer than every reference has brevity penalty 1', () => {
    const score = sentenceBleu('the cat sat on the mat today again', [
      'the cat sat',
      'the cat sat on',
    ]);
    expect(score.brevityPenalty).toBe(1);
    expect(score.referenceLength).toBe(4);
  });
  it('mismatched list lengths name the layout', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(
      /references\[0\] has 1 segments but there are 2 hypotheses/,
    );
    expect(() => corpusChrf(['a'], ['a'] as unknown as string[][])).toThrow(
      /wrap a single reference set/,
    );
    expect(() => corpusTer(['a', 'b'], [['a']])).toThrow(/sacreBLEU's layout/);
    expect(() => corpusRouge(['a'], [])).toThrow(/pass one target per prediction/);
  });
  it('13a keeps CJK runs and accented words whole, splits ASCII punctuation', () => {
    expect(tokenize13a('日本語のテキスト。Hello, 世界!')).toBe('日本語のテキスト。Hello , 世界 !');
    expect(tokenize13a('Ça coûte 3,50 €.')).toBe('Ça coûte 3,50 € .');
  });
  it('intl splits Unicode punctuation and symbols by category', () => {
    // 。 and ！ are Unicode punctuation (Po), € a currency symbol (Sc), « » quotation marks (Pi/Pf).
    expect(tokenizeIntl('日本語のテキスト。世界！')).toBe('日本語のテキスト 。 世界 ！');
    expect(tokenizeIntl('«Ça coûte 3,50€.»')).toBe('« Ça coûte 3,50 € . »');
  });
  it('char splits code points, including astral characters', () => {
    expect(tokenizeChar('𠮷野家 é')).toBe('𠮷 野 家   é');
  });
  it('CJK and accented text through BLEU and chrF', () => {
    expect(corpusBleu(['猫が好き'], [['猫が好き']], { tokenize: 'char' }).score).toBeCloseTo(
      100,
      10,
    );
    expect(corpusChrf(['crème brûlée'], [['crème brûlée']]).score).toBeCloseTo(100, 10);
    // 𠮷 is one character for chrF (Python counts code points), so a 1-char hypothesis has one unigram.
    expect(corpusChrf(['𠮷'], [['𠮷']]).statistics.slice(0, 3)).toEqual([1, 1, 1]);
  });
});
