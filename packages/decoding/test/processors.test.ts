import { describe, expect, it } from 'vitest';
import {
  applyRepetitionPenalty,
  banRepeatedNgrams,
  banSequences,
  beamSearch,
  greedy,
} from '../src/index.js';
import { bigramModel, constantModel } from './models.js';

const NEG = Number.NEGATIVE_INFINITY;
const banned = (scores: Float64Array) => Array.from(scores.keys()).filter((i) => scores[i] === NEG);

describe('repetition penalty (CTRL, HF sign convention)', () => {
  it('divides positive and multiplies negative scores of seen tokens only', () => {
    const scores = Float64Array.from([2, -1, 0.5, 0]);
    applyRepetitionPenalty(scores, [0, 1, 1], 2);
    expect(Array.from(scores)).toEqual([1, -2, 0.5, 0]);
  });

  it('changes the greedy choice and the reported step score', async () => {
    // Logits [2, −1, 1.5, 0], prompt [0, 1], θ = 2 → [1, −2, 1.5, 0]: token 2 wins instead of 0.
    // Then seen = {0, 1, 2}: [1, −2, 0.75, 0] → token 0.
    const model = constantModel([2, -1, 1.5, 0]);
    const plain = await greedy(model, [0, 1], { maxLength: 2 });
    expect(plain.tokens).toEqual([0, 0]);
    const penalized = await greedy(model, [0, 1], { maxLength: 2, repetitionPenalty: 2 });
    expect(penalized.tokens).toEqual([2, 0]);
    const logZ = Math.log(Math.exp(1) + Math.exp(-2) + Math.exp(1.5) + Math.exp(0));
    expect(penalized.stepScores[0]).toBeCloseTo(1.5 - logZ, 10);
    const modelLogZ = Math.log(Math.exp(2) + Math.exp(-1) + Math.exp(1.5) + Math.exp(0));
    expect(penalized.tokenLogProbs[0]).toBeCloseTo(1.5 - modelLogZ, 10);
  });
});

describe('no-repeat n-gram', () => {
  it('bans the tokens that would complete an n-gram already in the sequence', () => {
    const row = () => new Float64Array(6);
    // Suffix (1, 2) began the trigram (1, 2, 3) and, in the second case, also (1, 2, 5).
    expect(banned(banRepeatedNgrams(row(), [1, 2, 3, 1, 2], 3))).toEqual([3]);
    expect(banned(banRepeatedNgrams(row(), [1, 2, 3, 1, 2, 5, 1, 2], 3))).toEqual([3, 5]);
    // Bigrams starting with the last token 2: (2, 3) and (2, 1).
    expect(banned(banRepeatedNgrams(row(), [2, 3, 4, 2, 1, 2], 2))).toEqual([1, 3]);
    // n = 1 bans every token seen; a sequence shorter than n − 1 bans nothing.
    expect(banned(banRepeatedNgrams(row(), [4, 0, 4], 1))).toEqual([0, 4]);
    expect(banned(banRepeatedNgrams(row(), [1], 3))).toEqual([]);
  });

  // Tokens: 0 = EOS, 1 = A, 2 = B, 3 = C, 4 = BOS. A and B call each other; C ends.
  const table = [
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0.05, 0, 0.8, 0.15, 0],
    [0.05, 0.8, 0, 0.15, 0],
    [0.9, 0.05, 0.05, 0, 0],
    [0.02, 0.9, 0.04, 0.04, 0],
  ];

  it('turns an A B A B loop into A B A C EOS under bigram blocking', async () => {
    const model = bigramModel(table);
    const loop = await greedy(model, [4], { eosTokenId: 0, maxLength: 6 });
    expect(loop.tokens).toEqual([1, 2, 1, 2, 1, 2]);
    // After BOS A B A, the bigram (A, B) already occurred, so the best allowed is C (.15).
    const blocked = await greedy(model, [4], { eosTokenId: 0, maxLength: 6, noRepeatNgramSize: 2 });
    expect(blocked.tokens).toEqual([1, 2, 1, 3, 0]);
    expect(Math.exp(blocked.stepScores[3])).toBeCloseTo(0.15 / 0.2, 6); // float32 scores
  });

  it('no beam hypothesis repeats a bigram, prompt included', async () => {
    const { hypotheses } = await beamSearch(bigramModel(table), [4], {
      numBeams: 6,
      eosTokenId: 0,
      maxLength: 8,
      noRepeatNgramSize: 2,
    });
    expect(hypotheses.length).toBeGreaterThan(3);
    for (const h of hypotheses) {
      const full = [4, ...h.tokens];
      const bigrams = full.slice(1).map((t, i) => `${full[i]},${t}`);
      expect(new Set(bigrams).size).toBe(bigrams.length);
    }
  });
});

describe('banned sequences', () => {
  it('bans single tokens always and longer sequences after their prefix', () => {
    const scores = new Float64Array(5);
    banSequences(scores, [4, 1], [[3], [1, 2], [4, 1, 0], [2, 2]]);
    expect(banned(scores)).toEqual([0, 2, 3]);
  });

  // Tokens: 0 = EOS, 1 = A, 2 = B, 3 = C, 4 = BOS.
  const table = [
    [0.25, 0.25, 0.25, 0.25, 0],
    [0.6, 0.1, 0.2, 0.1, 0],
    [0.7, 0.1, 0.1, 0.1, 0],
    [0.4, 0.2, 0.2, 0.2, 0],
    [0.5, 0.3, 0.1, 0.1, 0],
  ];
  const options = { eosTokenId: 0, minLength: 3 };

  it('steers greedy decoding around a banned bigram and a banned token', async () => {
    const model = bigramModel(table);
    expect((await greedy(model, [4], options)).tokens).toEqual([1, 2, 0]);
    // (A, B) banned: from A the allowed A and C tie at .1 → lowest id, A; then A → EOS.
    const noAB = await greedy(model, [4], { ...options, bannedSequences: [[1, 2]] });
    expect(noAB.tokens).toEqual([1, 1, 0]);
    // A banned everywhere: B and C tie at step 1 → B; from B (EOS masked) B and C tie → B.
    const noA = await greedy(model, [4], { ...options, bannedSequences: [[1]] });
    expect(noA.tokens).toEqual([2, 2, 0]);
  });

  it('reports when constraints forbid every token, naming what to relax', async () => {
    await expect(
      greedy(constantModel([0, 0]), [0], { bannedSequences: [[0], [1]] }),
    ).rejects.toThrow(/relax bannedSequences/);
  });
});
