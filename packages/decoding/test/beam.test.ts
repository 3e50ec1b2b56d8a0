import { describe, expect, it } from 'vitest';
import { beamSearch, greedy, type Hypothesis, lengthNormalizer } from '../src/index.js';
import { bigramModel } from './models.js';

// Tokens: 0 = EOS, 1..3 = words, 4 = BOS (never generated).
const EOS = 0;
const BOS = 4;
const table = [
  [0.25, 0.25, 0.25, 0.25, 0],
  [0.3, 0.1, 0.4, 0.2, 0],
  [0.2, 0.35, 0.15, 0.3, 0],
  [0.45, 0.25, 0.2, 0.1, 0],
  [0.1, 0.5, 0.3, 0.1, 0],
];

interface Enumerated {
  tokens: number[];
  logProb: number;
}

/** Every complete output up to maxLength: EOS-terminated ones of any length, and the rest at maxLength. */
function enumerate(maxLength: number): Enumerated[] {
  const out: Enumerated[] = [];
  const grow = (tokens: number[], previous: number, logProb: number) => {
    for (let t = 0; t < table.length; t++) {
      const p = table[previous][t];
      if (p === 0) continue;
      const next = { tokens: [...tokens, t], logProb: logProb + Math.log(p) };
      if (t === EOS || next.tokens.length === maxLength) out.push(next);
      else grow(next.tokens, t, next.logProb);
    }
  };
  grow([], BOS, 0);
  return out;
}

const key = (tokens: readonly number[]) => tokens.join(' ');

describe('beam search with a width that covers every hypothesis equals brute-force enumeration', () => {
  const maxLength = 4;
  // At step 4 there are 3³ open prefixes × 4 tokens = 108 candidates; width 108 never prunes.
  const numBeams = 108;
  const all = enumerate(maxLength);

  it.each([
    ['power', 0],
    ['power', 1],
    ['power', -0.5],
    ['gnmt', 0.6],
  ] as const)('%s normalization, α = %f', async (style, alpha) => {
    expect(all).toHaveLength(1 + 3 + 9 + 27 + 81);
    const { hypotheses, sequences } = await beamSearch(bigramModel(table), [BOS], {
      numBeams,
      eosTokenId: EOS,
      maxLength,
      lengthPenalty: alpha,
      lengthNormalization: style,
      numReturnSequences: 3,
    });
    // Normalizers straight from the definitions: L^α, and GNMT's ((5 + L) / 6)^α.
    const normalizer = (length: number) =>
      style === 'gnmt' ? ((5 + length) / 6) ** alpha : length ** alpha;
    const expected = new Map(all.map((e) => [key(e.tokens), e]));
    expect(hypotheses).toHaveLength(expected.size);
    for (const h of hypotheses) {
      const e = expected.get(key(h.tokens));
      expect(e, key(h.tokens)).toBeDefined();
      expected.delete(key(h.tokens));
      expect(h.logProb).toBeCloseTo(e!.logProb, 5);
      expect(h.score).toBeCloseTo(e!.logProb / normalizer(h.tokens.length), 5);
      expect(h.finishReason).toBe(h.tokens[h.tokens.length - 1] === EOS ? 'eos' : 'length');
      h.stepScores.forEach((s, i) => {
        const previous = i === 0 ? BOS : h.tokens[i - 1];
        expect(Math.exp(s)).toBeCloseTo(table[previous][h.tokens[i]], 6);
      });
    }
    expect(expected.size).toBe(0);
    // Best first, and the returned sequences are the top of that list.
    for (let i = 1; i < hypotheses.length; i++) {
      expect(hypotheses[i - 1].score).toBeGreaterThanOrEqual(hypotheses[i].score);
    }
    const bruteBest = [...all].sort(
      (a, b) => b.logProb / normalizer(b.tokens.length) - a.logProb / normalizer(a.tokens.length),
    );
    expect(sequences.map((s) => key(s.tokens))).toEqual(
      bruteBest.slice(0, 3).map((b) => key(b.tokens)),
    );
  });
});

describe('beam search on hand-traced tables', () => {
  it('width 1 is greedy decoding', async () => {
    for (const lengthPenalty of [0, 1, 2]) {
      const g = await greedy(bigramModel(table), [BOS], { eosTokenId: EOS, maxLength: 6 });
      const { sequences } = await beamSearch(bigramModel(table), [BOS], {
        numBeams: 1,
        eosTokenId: EOS,
        maxLength: 6,
        lengthPenalty,
      });
      expect(sequences[0].tokens).toEqual(g.tokens);
    }
  });

  it('width 2 finds the sequence that greedy misses', async () => {
    // Tokens 0 = EOS, 1 = A, 2 = B, 3 = BOS. Greedy: A (.6) then EOS (.35) → .21.
    // Beam 2: B EOS = .4 · .9 = .36 beats it. After step 2 both EOS hypotheses are in and the best
    // open beam A A (.198) cannot beat the worse of them (.21) with α = 0, so the search stops.
    const t = [
      [0.25, 0.25, 0.25, 0.25],
      [0.35, 0.33, 0.32, 0],
      [0.9, 0.05, 0.05, 0],
      [0, 0.6, 0.4, 0],
    ];
    const g = await greedy(bigramModel(t), [3], { eosTokenId: 0 });
    expect(g.tokens).toEqual([1, 0]);
    const model = bigramModel(t);
    const result = await beamSearch(model, [3], { numBeams: 2, eosTokenId: 0, lengthPenalty: 0 });
    expect(result.hypotheses.map((h) => h.tokens)).toEqual([
      [2, 0],
      [1, 0],
    ]);
    expect(result.sequences[0].score).toBeCloseTo(Math.log(0.36), 6);
    expect(model.batchSizes).toEqual([2]); // one step() after start(): the search stopped early
  });

  describe('early-stopping modes (numBeams 2, α = 1, maxLength 3)', () => {
    // Tokens 0 = EOS, 1 = A, 2 = B, 3 = BOS. Traces (probabilities of whole prefixes):
    //  step 1: EOS .5 finishes (score ln .5 = −0.693); open A .3, B .2.
    //  step 2: ranked A A .18, B EOS (.16 or .19), A EOS .09 (rank 2: dropped), A B .03.
    //  step 3: A A A .108, A A EOS .054, A B EOS (rank 2: dropped), A A B .018; then maxLength.
    const row = {
      A: [0.3, 0.6, 0.1, 0],
      BOS: [0.5, 0.3, 0.2, 0],
      unused: [0.25, 0.25, 0.25, 0.25],
    };
    const run = (bRow: number[], earlyStopping: boolean | 'never') =>
      beamSearch(bigramModel([row.unused, row.A, bRow, row.BOS]), [3], {
        numBeams: 2,
        eosTokenId: 0,
        maxLength: 3,
        lengthPenalty: 1,
        earlyStopping,
      });
    const summary = (hs: Hypothesis[]) => hs.map((h) => [h.tokens.join(' '), h.score]);
    const close = (entries: [string, number][]) =>
      entries.map(([tokens, score]) => [tokens, expect.closeTo(score, 5)]);
    const longer = (bEos: number): [string, number][] => [
      ['0', Math.log(0.5)],
      ['1 1 1', Math.log(0.3 * 0.6 * 0.6) / 3],
      ['2 0', Math.log(0.2 * bEos) / 2],
      ['1 1 0', Math.log(0.3 * 0.6 * 0.3) / 3],
      ['1 1 2', Math.log(0.3 * 0.6 * 0.1) / 3],
    ];

    it('true stops once numBeams hypotheses finished; false and never go on', async () => {
      // B EOS = .16 → ln(.16)/2 = −0.916. The best open A A is ln(.18)/2 = −0.857 at length 2:
      // false continues, and finds A A A = −0.742 at length 3.
      const bRow = [0.8, 0.1, 0.1, 0];
      const stopped: [string, number][] = [
        ['0', Math.log(0.5)],
        ['2 0', Math.log(0.16) / 2],
      ];
      expect(summary((await run(bRow, true)).hypotheses)).toEqual(close(stopped));
      expect(summary((await run(bRow, false)).hypotheses)).toEqual(close(longer(0.8)));
      expect(summary((await run(bRow, 'never')).hypotheses)).toEqual(close(longer(0.8)));
    });

    it("false stops on its heuristic where 'never' keeps the bound at maxLength", async () => {
      // B EOS = .19 → ln(.19)/2 = −0.830 ≥ ln(.18)/2 = −0.857: false stops at step 2. 'never'
      // bounds the open beam by ln(.18)/3 = −0.572 > −0.830 and continues to A A A (−0.742).
      const bRow = [0.95, 0.025, 0.025, 0];
      const stopped: [string, number][] = [
        ['0', Math.log(0.5)],
        ['2 0', Math.log(0.19) / 2],
      ];
      expect(summary((await run(bRow, false)).hypotheses)).toEqual(close(stopped));
      expect(summary((await run(bRow, true)).hypotheses)).toEqual(close(stopped));
      expect(summary((await run(bRow, 'never')).hypotheses)).toEqual(close(longer(0.95)));
    });
  });

  it('every hypothesis respects minLength and banned sequences', async () => {
    const { hypotheses } = await beamSearch(bigramModel(table), [BOS], {
      numBeams: 5,
      eosTokenId: EOS,
      maxLength: 6,
      minLength: 3,
      bannedSequences: [[2, 1], [3]],
    });
    expect(hypotheses.length).toBeGreaterThan(0);
    for (const h of hypotheses) {
      expect(h.tokens.length).toBeGreaterThanOrEqual(3);
      expect(h.tokens).not.toContain(3);
      expect(key(h.tokens)).not.toMatch(/(^| )2 1( |$)/);
    }
  });

  it('length normalizers follow their definitions', () => {
    expect(lengthNormalizer(3, 1, 'power')).toBe(3);
    expect(lengthNormalizer(4, 0.5, 'power')).toBe(2);
    expect(lengthNormalizer(1, 0.6, 'gnmt')).toBe(1); // ((5 + 1) / 6)^α = 1 at length 1
    expect(lengthNormalizer(7, 1, 'gnmt')).toBe(2);
  });

  it('rejects invalid options, naming the fix', async () => {
    const model = bigramModel(table);
    await expect(beamSearch(model, [BOS], { numBeams: 0 })).rejects.toThrow(/numBeams/);
    await expect(beamSearch(model, [BOS], { numBeams: 2, numReturnSequences: 3 })).rejects.toThrow(
      /raise numBeams/,
    );
    await expect(beamSearch(model, [BOS], { eosTokenId: 9 })).rejects.toThrow(
      /outside the vocabulary/,
    );
    await expect(beamSearch(model, [BOS], { minLength: 30 })).rejects.toThrow(/raise maxLength/);
  });
});
