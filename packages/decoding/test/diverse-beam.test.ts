import { describe, expect, it } from 'vitest';
import { beamSearch, diverseBeamSearch } from '../src/index.js';
import { bigramModel, constantModel } from './models.js';

const EOS = 0;
const BOS = 4;
const table = [
  [0.25, 0.25, 0.25, 0.25, 0],
  [0.3, 0.1, 0.4, 0.2, 0],
  [0.2, 0.35, 0.15, 0.3, 0],
  [0.45, 0.25, 0.2, 0.1, 0],
  [0.1, 0.5, 0.3, 0.1, 0],
];
const tokensOf = (hs: { tokens: number[] }[]) => hs.map((h) => h.tokens.join(' '));

describe('diverse beam search (Vijayakumar et al. 2016)', () => {
  it('with λ = 0 every group is an independent beam search of width numBeams / G', async () => {
    const options = { eosTokenId: EOS, maxLength: 5, lengthPenalty: 1 };
    const plain = await beamSearch(bigramModel(table), [BOS], { ...options, numBeams: 2 });
    const diverse = await diverseBeamSearch(bigramModel(table), [BOS], {
      ...options,
      numBeams: 6,
      numBeamGroups: 3,
      diversityPenalty: 0,
    });
    expect(diverse.groups).toHaveLength(3);
    for (const group of diverse.groups) expect(tokensOf(group)).toEqual(tokensOf(plain.hypotheses));
  });

  it('one group is plain beam search', async () => {
    const options = { eosTokenId: EOS, maxLength: 5, numBeams: 3 };
    const plain = await beamSearch(bigramModel(table), [BOS], options);
    const diverse = await diverseBeamSearch(bigramModel(table), [BOS], {
      ...options,
      numBeamGroups: 1,
      diversityPenalty: 3,
    });
    expect(tokensOf(diverse.hypotheses)).toEqual(tokensOf(plain.hypotheses));
  });

  it('penalizes a token by λ times the number of earlier groups that chose it this step', async () => {
    // p = [.5, .3, .2] (A, B, C), three groups of width 1, one step. Group 0 takes A.
    // λ = 0.3: group 1 compares ln .5 − 0.3 = −0.993 with ln .3 = −1.204 → A; group 2 compares
    //   ln .5 − 0.6 = −1.293 (A chosen twice) with ln .3 = −1.204 → B.
    // λ = 0.6: group 1: ln .5 − 0.6 = −1.293 < ln .3 → B; group 2: A −1.293, B −1.804,
    //   C ln .2 = −1.609 → A.
    const model = constantModel([0.5, 0.3, 0.2].map(Math.log));
    const firstTokens = async (diversityPenalty: number) => {
      const { groups } = await diverseBeamSearch(model, [0], {
        numBeams: 3,
        numBeamGroups: 3,
        diversityPenalty,
        maxLength: 1,
      });
      return groups.map((g) => g[0].tokens[0]);
    };
    expect(await firstTokens(0.3)).toEqual([0, 0, 1]);
    expect(await firstTokens(0.6)).toEqual([0, 1, 0]);
    expect(await firstTokens(0)).toEqual([0, 0, 0]);
  });

  it('keeps plain log-probabilities as scores (the penalty only steers selection)', async () => {
    const model = constantModel([0.5, 0.3, 0.2].map(Math.log));
    const { groups, hypotheses } = await diverseBeamSearch(model, [0], {
      numBeams: 2,
      numBeamGroups: 2,
      diversityPenalty: 10,
      maxLength: 1,
    });
    expect(groups[1][0].tokens).toEqual([1]);
    expect(groups[1][0].score).toBeCloseTo(Math.log(0.3), 6);
    expect(tokensOf(hypotheses)).toEqual(['0', '1']);
  });

  it('rejects a group count that does not divide numBeams', async () => {
    await expect(
      diverseBeamSearch(bigramModel(table), [BOS], { numBeams: 4, numBeamGroups: 3 }),
    ).rejects.toThrow(/dividing numBeams/);
  });
});
