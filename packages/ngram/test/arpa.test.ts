import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ArpaFormatError,
  type EstimatorSpec,
  formatArpa,
  NgramModel,
  parseArpa,
  readArpaFile,
  writeArpaFile,
} from '../src/index.js';

const train = [
  'the cat sat on the mat',
  'the dog sat on the log',
  'a cat and a dog',
  'the cat saw the dog',
  'a dog saw a cat on the mat',
].map((s) => s.split(' '));

/**
 * A hand-written trigram file in the shape KenLM writes (`<s>` at -99, `<unk>` listed).
 * Expected values below are worked by hand from the backoff rule, not by the reader.
 */
const HAND_ARPA = `This line is a comment, which SRILM allows before the header.

\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.30103
-0.5\ta\t-0.2
-0.69897\tb\t-0.1
-0.60206\t</s>

\\2-grams:
-0.3\t<s> a\t-0.15
-0.4\ta b\t-0.05
-0.2\tb </s>

\\3-grams:
-0.1\t<s> a b

\\end\\
`;

describe('ARPA reading (hand-checked)', () => {
  const model = parseArpa(HAND_ARPA);
  const log10 = (word: string, context: string[]) =>
    model.log10ProbabilityOfIds(model.vocabulary.idOf(word), model.vocabulary.lookup(context));

  it('uses the longest listed n-gram', () => {
    expect(model.order).toBe(3);
    expect(log10('b', ['<s>', 'a'])).toBeCloseTo(-0.1, 12);
    expect(log10('b', ['a'])).toBeCloseTo(-0.4, 12);
  });

  it('adds the backoff weights of listed contexts, 0 for unlisted ones', () => {
    // P(</s> | <s> a): no "<s> a </s>", bow(<s> a) = -0.15; no "a </s>", bow(a) = -0.2;
    // unigram </s> = -0.60206. Total -0.95206.
    expect(log10('</s>', ['<s>', 'a'])).toBeCloseTo(-0.95206, 12);
    // P(a | b a): "b a" is not listed (bow 0); "a a" not listed; bow(a) = -0.2; unigram -0.5.
    expect(log10('a', ['b', 'a'])).toBeCloseTo(-0.7, 12);
    // P(b | <s>): bigram "<s> b" missing, bow(<s>) = -0.30103, unigram b = -0.69897: -1.0
    expect(log10('b', ['<s>'])).toBeCloseTo(-1, 12);
  });

  it('scores out-of-vocabulary words as <unk>', () => {
    expect(model.vocabulary.has('zebra')).toBe(false);
    expect(log10('zebra', ['a'])).toBeCloseTo(-1.2, 12); // bow(a) -0.2 + <unk> -1.0
  });

  it('gives OOV words probability 0 when the file has no <unk>', () => {
    const noUnk = parseArpa('\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\ta\n-0.3\tb\n\n\\end\\\n');
    expect(noUnk.score('zebra')).toBe(0);
    expect(noUnk.score('a')).toBeCloseTo(10 ** -0.3, 12);
  });
});

describe('malformed ARPA files fail with the line number and the problem', () => {
  const cases: [string, string, RegExp][] = [
    ['no header', 'hello\nworld\n', /line 1: no "\\data\\" header/],
    ['bad count line', '\\data\\\nngram one=2\n', /line 2: expected "ngram N=count"/],
    [
      'non-numeric probability',
      '\\data\\\nngram 1=1\n\n\\1-grams:\nabc\ta\n\n\\end\\\n',
      /line 5: log10 probability "abc" is not a number/,
    ],
    [
      'positive log probability',
      '\\data\\\nngram 1=1\n\n\\1-grams:\n0.5\ta\n\n\\end\\\n',
      /line 5: log10 probability 0.5 is positive/,
    ],
    [
      'count mismatch',
      '\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\ta\n-0.5\tb\n\n\\end\\\n',
      /line 7: the \\data\\ section declares 3 1-grams but the section lists 2/,
    ],
    [
      'wrong number of words',
      '\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-0.5\ta\t0\n\n\\2-grams:\n-0.5\ta\n\n\\end\\\n',
      /line 9: a 2-gram line needs/,
    ],
    [
      'word missing from unigrams',
      '\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-0.5\ta\t0\n\n\\2-grams:\n-0.5\ta b\n\n\\end\\\n',
      /line 9: "b" is not listed among the unigrams/,
    ],
    [
      'backoff on the highest order',
      '\\data\\\nngram 1=1\n\n\\1-grams:\n-0.5\ta\t-0.1\n\n\\end\\\n',
      /line 5: the highest order \(1-grams\) cannot have backoff weights/,
    ],
    ['truncated', '\\data\\\nngram 1=1\n\n\\1-grams:\n-0.5\ta\n', /file ends without "\\end\\"/],
    [
      'duplicate n-gram',
      '\\data\\\nngram 1=2\n\n\\1-grams:\n-0.5\ta\n-0.5\ta\n\n\\end\\\n',
      /line 6: duplicate 1-gram "a"/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      expect(() => parseArpa(text)).toThrow(ArpaFormatError);
      expect(() => parseArpa(text)).toThrow(message);
    });
  }
});

describe('ARPA round trip', () => {
  const estimators: EstimatorSpec[] = [
    { kind: 'katz' },
    { kind: 'kneser-ney', discount: 0.75 },
    { kind: 'kneser-ney', discount: 0.1, nltkCompatible: true },
    {
      kind: 'modified-kneser-ney',
      discounts: [
        [0.5, 1, 1.5],
        [0.6, 1.1, 1.4],
        [0.7, 1.2, 1.6],
      ],
    },
    { kind: 'witten-bell' },
    { kind: 'absolute-discounting' },
  ];
  const probes = [
    [],
    ['<s>', '<s>'],
    ['the', 'cat'],
    ['cat', 'sat'],
    ['the', 'zebra'],
    ['zebra', 'the'],
    ['on', 'the'],
    ['mat', '</s>'],
  ];
  for (const padding of ['nltk', 'single-end'] as const) {
    for (const estimator of estimators) {
      it(`${estimator.kind}${JSON.stringify(estimator).length > 40 ? ' (given discounts)' : ''} with ${padding} padding: the file scores every word like the model`, () => {
        const model = NgramModel.fit(train, { order: 3, estimator, padding });
        const arpa = parseArpa(formatArpa(model), { padding });
        for (const context of probes) {
          for (const word of [...model.vocabulary.words, 'zebra']) {
            const asUnk = word === model.vocabulary.unkLabel ? '<unk>' : word;
            const expected = model.score(word, context);
            const actual = arpa.score(
              asUnk,
              context.map((w) => (w === '<UNK>' ? '<unk>' : w)),
            );
            expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
              1e-12 * Math.max(1e-3, expected),
            );
          }
        }
        const test = [
          ['the', 'cat', 'sat', 'on', 'a', 'log'],
          ['a', 'dog'],
        ];
        expect(arpa.perplexity(test)).toBeCloseTo(model.perplexity(test), 9);
      });
    }
  }

  it('refuses estimators that have no backoff form', () => {
    const model = NgramModel.fit(train, { order: 2, estimator: { kind: 'laplace' } });
    expect(() => formatArpa(model)).toThrow(/not a backoff-form model/);
  });

  it('writes and reads gzip-compressed files', async () => {
    const model = NgramModel.fit(train, { order: 3, estimator: { kind: 'kneser-ney' } });
    const dir = mkdtempSync(join(tmpdir(), 'ngram-arpa-'));
    const path = join(dir, 'model.arpa.gz');
    await writeArpaFile(path, model);
    const bytes = readFileSync(path);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const read = await readArpaFile(path);
    expect(read.score('sat', ['the', 'cat'])).toBeCloseTo(model.score('sat', ['the', 'cat']), 12);
  });
});
