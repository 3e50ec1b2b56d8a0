/** Runs the README snippet's code and checks the values its comments promise. */
import { expect, it } from 'vitest';
import { corpusBleu, corpusChrf, corpusTer, perplexity, rouge, seqevalF1 } from '../src/index.js';

it('README snippet runs and prints what it says', () => {
  const hypotheses = [
    'The dog bit the man.',
    "It wasn't surprising.",
    'The man had just bitten him.',
  ];
  const references = [
    ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
    ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
  ];
  const bleu = corpusBleu(hypotheses, references);
  expect(bleu.formatted).toBe(
    'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
  );
  expect(corpusChrf(hypotheses, references).formatted).toBe('chrF2 = 59.73');
  expect(corpusChrf(hypotheses, references, { wordOrder: 2 }).name).toBe('chrF2++');
  expect(Number.isFinite(corpusTer(hypotheses, references).score)).toBe(true);
  const scores = rouge(
    {
      prediction: 'The quick brown dog jumps on the log.',
      target: 'The quick brown fox jumps over the lazy dog',
    },
    { rougeTypes: ['rouge1', 'rougeL'], useStemmer: true },
  );
  expect(Object.keys(scores)).toEqual(['rouge1', 'rougeL']);
  expect(seqevalF1([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']])).toBe(1);
  expect(perplexity([Math.log(0.5), Math.log(0.25)])).toBeCloseTo(Math.SQRT2 * 2, 12);
});
