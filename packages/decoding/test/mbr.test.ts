import { describe, expect, it } from 'vitest';
import { beamSearch, type MbrCandidate, mbrDecode, mbrSelect, type Utility } from '../src/index.js';
import { bigramModel } from './models.js';

/** Fraction of positions (over the longer length) where the two sequences agree. */
const positionalMatch: Utility = (h, r) => {
  let same = 0;
  for (let i = 0; i < Math.min(h.length, r.length); i++) if (h[i] === r[i]) same++;
  return same / Math.max(h.length, r.length);
};

describe('MBR selection', () => {
  const candidates: MbrCandidate[] = [
    { tokens: [1, 2, 3], logProb: Math.log(0.1) },
    { tokens: [1, 2, 4], logProb: Math.log(0.1) },
    { tokens: [1, 5, 4], logProb: Math.log(0.1) },
    { tokens: [6, 6, 6], logProb: Math.log(0.7) },
  ];

  it('uniform evidence: picks the consensus candidate (hand-computed expected utilities)', () => {
    // Utility rows (against candidates 0..3): c0 [1, 2/3, 1/3, 0], c1 [2/3, 1, 2/3, 0],
    // c2 [1/3, 2/3, 1, 0], c3 [0, 0, 0, 1]; expected = row sum / 4.
    const result = mbrSelect(candidates, { utility: positionalMatch });
    expect(result.bestIndex).toBe(1);
    expect(result.expectedUtilities).toEqual(
      [2 / 4, 7 / 3 / 4, 2 / 4, 1 / 4].map((u) => expect.closeTo(u, 12)),
    );
  });

  it('probability-weighted evidence: the dominant sequence wins', () => {
    // Weights [.1, .1, .1, .7]: c0 = .1 + .1·2/3 + .1/3 = .2, c1 = .2333, c2 = .2, c3 = .7.
    const result = mbrSelect(candidates, { utility: positionalMatch, evidence: 'probability' });
    expect(result.bestIndex).toBe(3);
    expect(result.expectedUtilities).toEqual(
      [0.2, 0.7 / 3, 0.2, 0.7].map((u) => expect.closeTo(u, 12)),
    );
  });

  it('breaks ties toward the lowest index', () => {
    const tied = [{ tokens: [1] }, { tokens: [2] }];
    expect(mbrSelect(tied, { utility: () => 1 }).bestIndex).toBe(0);
  });

  it('uniform evidence counts duplicates (Monte Carlo); probability evidence counts a sequence once', () => {
    const duplicated = [...candidates, candidates[3], candidates[3]];
    // Uniform over 6 entries: c3 now agrees with half the evidence → 3/6 beats c1's 7/3/6.
    expect(
      mbrSelect(candidates, { utility: positionalMatch, evidenceSet: duplicated }).bestIndex,
    ).toBe(3);
    const weighted = mbrSelect(candidates, {
      utility: positionalMatch,
      evidence: 'probability',
      evidenceSet: duplicated,
    });
    expect(weighted.expectedUtilities).toEqual(
      [0.2, 0.7 / 3, 0.2, 0.7].map((u) => expect.closeTo(u, 12)),
    );
  });

  it('agrees with brute force on random candidate sets', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + Math.floor(random() * 6);
      // One probability per distinct sequence, as a model would give; duplicates are likely.
      const logProbOf = new Map<string, number>();
      const set = Array.from({ length: n }, () => {
        const tokens = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
          Math.floor(random() * 2),
        );
        if (!logProbOf.has(tokens.join())) logProbOf.set(tokens.join(), Math.log(0.01 + random()));
        return { tokens, logProb: logProbOf.get(tokens.join()) as number };
      });
      for (const evidence of ['uniform', 'probability'] as const) {
        // Brute force: distinct evidence with probabilities normalized over it, or every entry
        // weighted 1/n; expected utility of each candidate; first maximum.
        const distinct = new Map(set.map((c) => [c.tokens.join(), c]));
        const refs = evidence === 'uniform' ? set : [...distinct.values()];
        const z = refs.reduce((a, r) => a + Math.exp(r.logProb), 0);
        const weight = (r: (typeof set)[number]) =>
          evidence === 'uniform' ? 1 / set.length : Math.exp(r.logProb) / z;
        const expected = set.map((c) =>
          refs.reduce((a, r) => a + weight(r) * positionalMatch(c.tokens, r.tokens), 0),
        );
        const best = expected.indexOf(Math.max(...expected));
        const result = mbrSelect(set, { utility: positionalMatch, evidence });
        expect(result.bestIndex).toBe(best);
        expect(result.expectedUtilities).toEqual(expected.map((u) => expect.closeTo(u, 12)));
      }
    }
  });

  it('needs logProb for probability weighting, and says so', () => {
    expect(() =>
      mbrSelect([{ tokens: [1] }], { utility: positionalMatch, evidence: 'probability' }),
    ).toThrow(/logProb/);
  });
});

describe('mbrDecode over beam candidates', () => {
  it('picks the beam hypothesis with the highest probability-weighted expected utility', async () => {
    const table = [
      [0.25, 0.25, 0.25, 0.25, 0],
      [0.3, 0.1, 0.4, 0.2, 0],
      [0.2, 0.35, 0.15, 0.3, 0],
      [0.45, 0.25, 0.2, 0.1, 0],
      [0.1, 0.5, 0.3, 0.1, 0],
    ];
    const options = { numBeams: 6, eosTokenId: 0, maxLength: 4 };
    const result = await mbrDecode(bigramModel(table), [4], {
      candidates: { strategy: 'beam', ...options },
      utility: positionalMatch,
      evidence: 'probability',
    });
    const { hypotheses } = await beamSearch(bigramModel(table), [4], options);
    expect(result.candidates.map((c) => c.tokens)).toEqual(hypotheses.map((h) => h.tokens));
    // Brute force with probabilities recomputed from the table, not from the decoder.
    const prob = (tokens: number[]) =>
      tokens.reduce((p, t, i) => p * table[i === 0 ? 4 : tokens[i - 1]][t], 1);
    const z = hypotheses.reduce((a, h) => a + prob(h.tokens), 0);
    const expected = hypotheses.map((c) =>
      hypotheses.reduce(
        (a, r) => a + (prob(r.tokens) / z) * positionalMatch(c.tokens, r.tokens),
        0,
      ),
    );
    expect(result.bestIndex).toBe(expected.indexOf(Math.max(...expected)));
    expect(result.expectedUtilities).toEqual(expected.map((u) => expect.closeTo(u, 5)));
  });

  it('samples candidates when asked, reproducibly', async () => {
    const table = [
      [0.5, 0.5, 0],
      [0.5, 0.5, 0],
      [0.3, 0.7, 0],
    ];
    const run = () =>
      mbrDecode(bigramModel(table), [2], {
        candidates: {
          strategy: 'sample',
          numReturnSequences: 16,
          maxLength: 3,
          eosTokenId: 0,
          seed: 9,
        },
        utility: positionalMatch,
      });
    const a = await run();
    expect(a.candidates).toHaveLength(16);
    expect((await run()).best.tokens).toEqual(a.best.tokens);
  });
});
