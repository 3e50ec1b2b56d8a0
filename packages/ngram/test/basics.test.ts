import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  everygrams,
  mulberry32,
  NgramCounts,
  NgramModel,
  namesSplit,
  ngramStepFunction,
  padSentence,
  shuffleInPlace,
  Vocabulary,
} from '../src/index.js';
import { syntheticCorpus } from './helpers.js';

describe('NLTK-compatible preprocessing', () => {
  it('pads like pad_both_ends and enumerates like everygrams (NLTK 3.8 docstrings)', () => {
    // nltk.util.everygrams docstring: list(everygrams('a b c'.split())).
    expect(everygrams(['a', 'b', 'c'], 3)).toEqual([
      ['a'],
      ['a', 'b'],
      ['a', 'b', 'c'],
      ['b'],
      ['b', 'c'],
      ['c'],
    ]);
    // list(everygrams(sent, max_len=2)).
    expect(everygrams(['a', 'b', 'c'], 2)).toEqual([['a'], ['a', 'b'], ['b'], ['b', 'c'], ['c']]);
    // nltk.lm.preprocessing.pad_both_ends(['a', 'b', 'c'], n=2) and n=3.
    expect(padSentence(['a', 'b', 'c'], 2, 'nltk')).toEqual(['<s>', 'a', 'b', 'c', '</s>']);
    expect(padSentence(['a', 'b'], 3, 'nltk')).toEqual(['<s>', '<s>', 'a', 'b', '</s>', '</s>']);
    expect(padSentence(['a', 'b'], 3, 'single-end')).toEqual(['<s>', '<s>', 'a', 'b', '</s>']);
  });

  it('applies the unknown cutoff like nltk.lm.Vocabulary (its docstring example)', () => {
    // Vocabulary(['a', 'c', '-', 'd', 'c', 'a', 'b', 'r', 'a', 'c', 'd'], unk_cutoff=2):
    // sorted(vocab) == ['<UNK>', 'a', 'c', 'd'], and lookup maps rare words to <UNK>.
    const vocabulary = Vocabulary.fromTokens([...'ac-dcabracd'], { unkCutoff: 2 });
    expect([...vocabulary.words].sort()).toEqual(['<UNK>', 'a', 'c', 'd']);
    expect(vocabulary.size).toBe(4);
    expect(Array.from(vocabulary.lookup(['a', 'b', 'd']), (id) => vocabulary.wordOf(id))).toEqual([
      'a',
      '<UNK>',
      'd',
    ]);
    expect(() => Vocabulary.fromTokens(['a'], { unkCutoff: 0 })).toThrow(
      /unkCutoff must be an integer ≥ 1/,
    );
  });
});

describe('compact counts', () => {
  it('equal a naive string-keyed count of every everygram', () => {
    const sentences = syntheticCorpus(300, 3);
    const order = 4;
    const vocabulary = Vocabulary.fromSentences(sentences, order, 'nltk');
    const padded = sentences.map((s) => padSentence(s, order, 'nltk'));
    const counts = NgramCounts.count(
      padded.map((s) => vocabulary.lookup(s)),
      order,
      vocabulary.size,
    );
    const naive = new Map<string, number>();
    for (const sentence of padded) {
      for (const gram of everygrams(sentence, order)) {
        naive.set(gram.join(' '), (naive.get(gram.join(' ')) ?? 0) + 1);
      }
    }
    const distinct = [0, 0, 0, 0, 0];
    for (const [key, count] of naive) {
      const gram = key.split(' ');
      distinct[gram.length]++;
      expect(counts.countOf(vocabulary.lookup(gram))).toBe(count);
    }
    expect(counts.distinctNgrams).toEqual(distinct);
    expect(counts.countOf(vocabulary.lookup(['a', 'a', 'a', 'zebra']))).toBe(0);
    // Bytes per n-gram stay small: word and count, plus a range start and total per context.
    const ngrams = distinct.reduce((a, b) => a + b, 0);
    expect(counts.byteLength / ngrams).toBeLessThan(40);
  });

  it('rejects ids outside the vocabulary with the fix', () => {
    expect(() => NgramCounts.count([[0, 5]], 2, 3)).toThrow(
      /token id 5 is outside the vocabulary.*Vocabulary.lookup/,
    );
  });
});

describe('generation', () => {
  const corpus = syntheticCorpus(200, 11);
  const model = NgramModel.fit(corpus, {
    order: 3,
    estimator: { kind: 'kneser-ney', discount: 0.75 },
    padding: 'single-end',
  });

  it('is reproducible from a seed and varies across seeds', () => {
    const first = model.generate({ seed: 5 });
    expect(model.generate({ seed: 5 })).toEqual(first);
    const others = [1, 2, 3, 4].map((seed) => model.generate({ seed }).join(''));
    expect(new Set([first.join(''), ...others]).size).toBeGreaterThan(1);
    for (const word of first) expect(['<s>', '</s>', '<UNK>']).not.toContain(word);
  });

  it('temperature 0 follows the most probable word after the prefix', () => {
    const generated = model.generate({ prefix: ['a', 'b'], temperature: 0, maxLength: 1 });
    const distribution = model.distribution(['a', 'b']);
    const startAndUnk = [model.vocabulary.idOf('<s>'), model.vocabulary.unkId];
    let best = -1;
    distribution.forEach((p, id) => {
      if (!startAndUnk.includes(id) && (best < 0 || p > distribution[best])) best = id;
    });
    const expected = model.vocabulary.wordOf(best);
    expect(generated).toEqual(expected === '</s>' ? [] : [expected]);
  });

  it('low temperature concentrates samples on the mode, high temperature spreads them', () => {
    const firstWords = (temperature: number) =>
      new Set(
        Array.from(
          { length: 60 },
          (_, seed) => model.generate({ seed, temperature, maxLength: 1 })[0],
        ),
      ).size;
    expect(firstWords(0.05)).toBeLessThan(firstWords(5));
  });
});

describe('decoding adapter', () => {
  it('returns log-probabilities over the vocabulary for each context of a batch', () => {
    const model = NgramModel.fit(syntheticCorpus(100, 2), {
      order: 3,
      estimator: { kind: 'witten-bell' },
      padding: 'single-end',
    });
    const step = ngramStepFunction(model);
    const ids = (words: string[]) => Array.from(model.vocabulary.lookup(words));
    const [atStart, afterAB] = step([[], ids(['c', 'a', 'b'])]);
    expect(atStart).toBeInstanceOf(Float32Array);
    expect(atStart.length).toBe(model.vocabulary.size);
    const b = model.vocabulary.idOf('b');
    expect(atStart[b]).toBeCloseTo(Math.log(model.score('b', ['<s>', '<s>'])), 5);
    expect(afterAB[b]).toBeCloseTo(Math.log(model.score('b', ['a', 'b'])), 5);
    const total = Array.from(afterAB).reduce((sum, logP) => sum + Math.exp(logP), 0);
    expect(total).toBeCloseTo(1, 5);
  });
});

describe('names split', () => {
  const reference = JSON.parse(
    readFileSync(new URL('../fixtures/nltk-lm.json', import.meta.url), 'utf8'),
  ).namesSplit as { seed: number; draws: number[]; shuffledIndices: number[] };

  it('mulberry32 and the shuffle match an independent Python implementation', () => {
    const random = mulberry32(reference.seed);
    for (const draw of reference.draws) expect(random()).toBe(draw);
    const indices = Array.from({ length: 20 }, (_, i) => i);
    expect(shuffleInPlace(indices, mulberry32(reference.seed))).toEqual(reference.shuffledIndices);
  });

  it('holds out the first shuffled lines, trimmed, without empty lines', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `name${i}`);
    const { train, test } = namesSplit(`${lines.join('\n')}\n\n`, { testSize: 5 });
    expect(test).toEqual(reference.shuffledIndices.slice(0, 5).map((i) => `name${i}`));
    expect(train).toEqual(reference.shuffledIndices.slice(5).map((i) => `name${i}`));
    expect(() => namesSplit('a\nb', { testSize: 3 })).toThrow(/testSize 3 is outside 0..2/);
  });
});
