import { describe, expect, it } from 'vitest';
import {
  type EstimatorSpec,
  estimateDiscounts,
  NgramModel,
  type Padding,
  ZeroProbabilityError,
} from '../src/index.js';
import { syntheticCorpus } from './helpers.js';

const corpus = syntheticCorpus(400);

const probabilistic: EstimatorSpec[] = [
  { kind: 'mle' },
  { kind: 'laplace' },
  { kind: 'lidstone', gamma: 0.3 },
  { kind: 'witten-bell' },
  { kind: 'absolute-discounting', discount: 0.6 },
  { kind: 'kneser-ney', discount: 0.75 },
  // Eight letters: every unigram is frequent, so n1..n4 of unigrams are 0 (KenLM's fallback).
  { kind: 'modified-kneser-ney', discountFallback: [0.5, 1, 1.5] },
  { kind: 'katz' },
];

/** Seen contexts (from the training data), partially seen ones, and fully unseen ones. */
function contextsFor(model: NgramModel): string[][] {
  const length = model.order - 1;
  const contexts: string[][] = [[], ['zebra'], Array(length).fill('zebra')];
  for (const sentence of corpus.slice(0, 25)) {
    const padded = model.pad(sentence);
    for (let end = length; end <= padded.length; end += 3)
      contexts.push(padded.slice(end - length, end));
  }
  contexts.push(['zebra', ...model.pad(corpus[0]).slice(0, length - 1)]);
  contexts.push([...model.pad(['a', 'a', 'h', 'b']).slice(-length)]);
  return contexts;
}

describe('every probabilistic estimator sums to 1 over the vocabulary', () => {
  for (const padding of ['nltk', 'single-end', 'none'] as Padding[]) {
    for (const order of [1, 2, 3, 4]) {
      for (const estimator of probabilistic) {
        it(`${estimator.kind}, order ${order}, ${padding} padding`, () => {
          const model = NgramModel.fit(corpus, { order, estimator, padding });
          for (const context of contextsFor(model)) {
            let sum = 0;
            for (const p of model.distribution(context)) {
              expect(p).toBeGreaterThanOrEqual(0);
              sum += p;
            }
            if (Math.abs(sum - 1) > 1e-10) {
              throw new Error(`Σ P(· | ${context.join(' ')}) = ${sum}`);
            }
          }
        });
      }
    }
  }

  it("NLTK's Kneser-Ney (nltkCompatible) sums above 1 after <s> <s>, which the default fixes", () => {
    // Why: with pad_both_ends at order 3 the bigram "<s> <s>" is never preceded by anything,
    // so its continuation count is 0, yet NLTK's γ(<s>) still counts it as a seen type.
    const nltk = NgramModel.fit(corpus, {
      order: 3,
      estimator: { kind: 'kneser-ney', nltkCompatible: true },
    });
    const fixed = NgramModel.fit(corpus, { order: 3, estimator: { kind: 'kneser-ney' } });
    const sum = (model: NgramModel) =>
      model.distribution(['<s>', '<s>']).reduce((a, b) => a + b, 0);
    expect(sum(nltk)).toBeGreaterThan(1 + 1e-6);
    expect(sum(fixed)).toBeCloseTo(1, 12);
  });

  it('stupid backoff says its scores are not probabilities', () => {
    const model = NgramModel.fit(corpus, { order: 3, estimator: { kind: 'stupid-backoff' } });
    expect(model.normalized).toBe(false);
    const sum = model.distribution(['a', 'b']).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeGreaterThan(1e-6);
  });
});

describe('unseen contexts and OOV words are handled explicitly', () => {
  const tiny = [
    ['a', 'b'],
    ['a', 'c'],
  ];

  it('MLE backs off from an unseen context by default, gives 0 under NLTK semantics', () => {
    const backoff = NgramModel.fit(tiny, { order: 2, estimator: { kind: 'mle' } });
    const nltk = NgramModel.fit(tiny, {
      order: 2,
      estimator: { kind: 'mle', unseenContext: 'zero' },
    });
    // Unigram counts with NLTK padding: <s> 2, a 2, b 1, c 1, </s> 2 (N = 8).
    expect(backoff.score('a', ['zebra'])).toBeCloseTo(2 / 8, 15);
    expect(nltk.score('a', ['zebra'])).toBe(0);
  });

  it('an OOV word is scored as <UNK> and flagged in the breakdown', () => {
    const model = NgramModel.fit(tiny, { order: 2, estimator: { kind: 'laplace' } });
    expect(model.score('zebra', ['a'])).toBe(model.score('<UNK>', ['a']));
    const evaluation = model.evaluate([['a', 'zebra']]);
    expect(evaluation.tokens.map((t) => [t.word, t.oov])).toEqual([
      ['a', false],
      ['zebra', true],
      ['</s>', false],
    ]);
    expect(evaluation.oovCount).toBe(1);
    const skipped = model.evaluate([['a', 'zebra']], { oov: 'skip' });
    expect(skipped.tokenCount).toBe(2);
  });

  it('a zero probability stops evaluation with a fix, or is infinite on request', () => {
    const model = NgramModel.fit(tiny, { order: 2, estimator: { kind: 'witten-bell' } });
    expect(() => model.perplexity([['a', 'zebra']])).toThrow(ZeroProbabilityError);
    expect(() => model.perplexity([['a', 'zebra']])).toThrow(
      /"zebra" after \[a\].*modified Kneser-Ney/,
    );
    expect(model.perplexity([['a', 'zebra']], { zeroProbability: 'infinity' })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('modified Kneser-Ney against Chen & Goodman (1999), worked by hand', () => {
  it('estimates D1, D2, D3+ from n1..n4 (eq. 26)', () => {
    // n1=10 n2=5 n3=3 n4=2: Y = 10/(10+2·5) = 0.5;
    // D1 = 1 − 2·0.5·5/10 = 0.5; D2 = 2 − 3·0.5·3/5 = 1.1; D3+ = 3 − 4·0.5·2/3 = 5/3.
    const [d1, d2, d3] = estimateDiscounts([10, 5, 3, 2]);
    expect(d1).toBeCloseTo(0.5, 14);
    expect(d2).toBeCloseTo(1.1, 14);
    expect(d3).toBeCloseTo(5 / 3, 14);
  });

  it('estimates discounts from the counts of a corpus', () => {
    // Unigram model of "a a a a b b b c c d e": counts a4 b3 c2 d1 e1, so n1=2 n2=1 n3=1
    // n4=1; Y = 2/(2+2) = 0.5; D1 = 1 − 2·0.5·1/2 = 0.5; D2 = 2 − 3·0.5·1 = 0.5;
    // D3+ = 3 − 4·0.5·1 = 1. γ = (0.5·2 + 0.5·1 + 1·2)/11 = 3.5/11, |V| = 6 (with <UNK>).
    // P(a) = (4 − 1)/11 + (3.5/11)/6 = 21.5/66; P(d) = (1 − 0.5)/11 + 3.5/66 = 6.5/66;
    // P(<UNK>) = 3.5/66.
    const model = NgramModel.fit([[...'aaaabbbccde']], {
      order: 1,
      padding: 'none',
      estimator: { kind: 'modified-kneser-ney' },
    });
    expect(model.score('a')).toBeCloseTo(21.5 / 66, 14);
    expect(model.score('d')).toBeCloseTo(6.5 / 66, 14);
    expect(model.score('zebra')).toBeCloseTo(3.5 / 66, 14);
  });

  it('interpolates adjusted counts as in eq. 25 and KenLM', () => {
    // Sentences "a b", "a b", "a c", "b", padded <s> … </s> (single-end), order 2,
    // discounts given: unigrams (0.4, 0.8, 1.2), bigrams (0.5, 1.0, 1.5).
    // Adjusted unigram counts: <s> keeps its raw count 4 (nothing precedes it); otherwise
    // N1+(• w): a ← {<s>} = 1, b ← {a, <s>} = 2, c ← {a} = 1, </s> ← {b, c} = 2. Total 10.
    // γ(ε) = (0.4·2 [a, c] + 0.8·2 [b, </s>] + 1.2·1 [<s>]) / 10 = 0.36; |V| = 6.
    // P(w) = (a(w) − D)/10 + 0.36/6: <s> 0.34, a 0.12, b 0.18, c 0.12, </s> 0.18, <UNK> 0.06.
    // Bigrams after "a": b 2, c 1 (total 3); γ(a) = (0.5 + 1.0)/3 = 0.5.
    //   P(b | a) = (2 − 1.0)/3 + 0.5·0.18 = 0.42333…; P(c | a) = 0.5/3 + 0.5·0.12 = 0.22666…
    //   P(</s> | a) = 0.5·0.18 = 0.09; P(zebra | a) = P(<UNK> | a) = 0.5·0.06 = 0.03.
    // Bigrams after "<s>": a 3, b 1 (total 4); γ(<s>) = (0.5 + 1.5)/4 = 0.5.
    //   P(a | <s>) = (3 − 1.5)/4 + 0.5·0.12 = 0.435; P(b | <s>) = 0.5/4 + 0.5·0.18 = 0.215.
    const model = NgramModel.fit([['a', 'b'], ['a', 'b'], ['a', 'c'], ['b']], {
      order: 2,
      padding: 'single-end',
      estimator: {
        kind: 'modified-kneser-ney',
        discounts: [
          [0.4, 0.8, 1.2],
          [0.5, 1.0, 1.5],
        ],
      },
    });
    const expectations: [string, string[], number][] = [
      ['<s>', [], 0.34],
      ['a', [], 0.12],
      ['b', [], 0.18],
      ['</s>', [], 0.18],
      ['<UNK>', [], 0.06],
      ['b', ['a'], 1 / 3 + 0.09],
      ['c', ['a'], 0.5 / 3 + 0.06],
      ['</s>', ['a'], 0.09],
      ['zebra', ['a'], 0.03],
      ['a', ['<s>'], 0.435],
      ['b', ['<s>'], 0.215],
      ['b', ['zebra'], 0.18],
    ];
    for (const [word, context, expected] of expectations) {
      expect(model.score(word, context)).toBeCloseTo(expected, 14);
    }
  });

  it('refuses to estimate discounts from counts that cannot support them, naming the fix', () => {
    // Adjusted unigram counts worked out above: 4, 1, 2, 1, 2, so n3 = n4 = 0.
    expect(() =>
      NgramModel.fit([['a', 'b'], ['a', 'b'], ['a', 'c'], ['b']], {
        order: 2,
        padding: 'single-end',
        estimator: { kind: 'modified-kneser-ney' },
      }),
    ).toThrow(/n1..n4 > 0 for 1-grams.*discountFallback: \[0.5, 1, 1.5\]/);
  });
});
