import { describe, expect, it } from 'vitest';
import { greedy, sample } from '../src/index.js';
import { bigramModel, chiSquareCritical, chiSquareStatistic, constantModel } from './models.js';

/** Significance level of every sampling test: a correct sampler fails one in a thousand seeds. */
const ALPHA = 0.001;

function histogram(values: number[], bins: number): number[] {
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[v]++;
  return counts;
}

describe('sampling frequencies match the filtered distribution (χ², α = 0.001, fixed seed)', () => {
  const probs = [0.3, 0.25, 0.2, 0.15, 0.07, 0.03];
  const model = constantModel(probs.map(Math.log));

  it('temperature 2 → top-k 4 → top-p 0.7', async () => {
    // T = 2 turns p into √p / Σ√p. Top-4 renormalized: [0.291, 0.266, 0.238, 0.206]; the first
    // three reach 0.794 ≥ 0.7, so the kept set is {0, 1, 2} with probabilities √p_i / Σ_{j<3} √p_j.
    const norm = Math.sqrt(0.3) + Math.sqrt(0.25) + Math.sqrt(0.2);
    const expected = [
      Math.sqrt(0.3) / norm,
      Math.sqrt(0.25) / norm,
      Math.sqrt(0.2) / norm,
      0,
      0,
      0,
    ];
    const { sequences } = await sample(model, [0], {
      temperature: 2,
      topK: 4,
      topP: 0.7,
      maxLength: 1,
      numReturnSequences: 20000,
      seed: 1,
    });
    const counts = histogram(
      sequences.map((s) => s.tokens[0]),
      6,
    );
    expect(counts.slice(3)).toEqual([0, 0, 0]);
    const critical = chiSquareCritical(2, ALPHA); // 13.816
    expect(chiSquareStatistic(counts, expected)).toBeLessThan(critical);
    // Negative control: the same draws are rejected against the top-k-only distribution.
    const topKOnly = [0.3, 0.25, 0.2, 0.15].map(Math.sqrt);
    const topKNorm = topKOnly.reduce((a, b) => a + b);
    const wrong = [...topKOnly.map((x) => x / topKNorm), 0, 0];
    expect(chiSquareStatistic(counts, wrong)).toBeGreaterThan(chiSquareCritical(3, ALPHA));
    // Per-step scores: model log-probs and the log-probability under the filtered distribution.
    const first = sequences[0];
    expect(first.tokenLogProbs[0]).toBeCloseTo(Math.log(probs[first.tokens[0]]), 6);
    expect(first.stepScores[0]).toBeCloseTo(Math.log(expected[first.tokens[0]]), 6);
  });

  it('min-p 0.4 and typical 0.5 keep {0, 1} of [1/2, 1/4, 1/8, 1/8] in ratio 2 : 1', async () => {
    const dyadic = constantModel([0.5, 0.25, 0.125, 0.125].map(Math.log));
    for (const filter of [{ minP: 0.4 }, { typicalP: 0.5 }]) {
      const { sequences } = await sample(dyadic, [0], {
        ...filter,
        maxLength: 1,
        numReturnSequences: 6000,
        seed: 2,
      });
      const counts = histogram(
        sequences.map((s) => s.tokens[0]),
        4,
      );
      expect(counts.slice(2)).toEqual([0, 0]);
      expect(chiSquareStatistic(counts, [2 / 3, 1 / 3, 0, 0])).toBeLessThan(
        chiSquareCritical(1, ALPHA), // 10.828
      );
    }
  });

  it('two-step sequences from a bigram with top-k 2 follow the product of filtered conditionals', async () => {
    const table = [
      [0.1, 0.6, 0.25, 0.05],
      [0.45, 0.15, 0.05, 0.35],
      [0.25, 0.25, 0.25, 0.25],
      [0.5, 0.3, 0.2, 0],
    ];
    const { sequences } = await sample(bigramModel(table), [3], {
      topK: 2,
      maxLength: 2,
      numReturnSequences: 20000,
      seed: 3,
    });
    // Top-2 of row 3: {0: .5/.8, 1: .3/.8}; of row 0: {1: .6/.85, 2: .25/.85}; of row 1:
    // {0: .45/.8, 3: .35/.8}. Cells are first·4 + second.
    const expected = new Array(16).fill(0);
    expected[0 * 4 + 1] = (0.5 / 0.8) * (0.6 / 0.85);
    expected[0 * 4 + 2] = (0.5 / 0.8) * (0.25 / 0.85);
    expected[1 * 4 + 0] = (0.3 / 0.8) * (0.45 / 0.8);
    expected[1 * 4 + 3] = (0.3 / 0.8) * (0.35 / 0.8);
    const counts = histogram(
      sequences.map((s) => s.tokens[0] * 4 + s.tokens[1]),
      16,
    );
    expect(chiSquareStatistic(counts, expected)).toBeLessThan(chiSquareCritical(3, ALPHA)); // 16.266
  });
});

describe('reproducibility', () => {
  const model = constantModel([0.1, 0.2, 0.3, 0.4].map(Math.log));
  it('the same seed gives the same samples; another seed gives others', async () => {
    const options = { maxLength: 6, numReturnSequences: 4 };
    const a = await sample(model, [0], { ...options, seed: 5 });
    const b = await sample(model, [0], { ...options, seed: 5 });
    const c = await sample(model, [0], { ...options, seed: 6 });
    expect(b.sequences.map((s) => s.tokens)).toEqual(a.sequences.map((s) => s.tokens));
    expect(c.sequences.map((s) => s.tokens)).not.toEqual(a.sequences.map((s) => s.tokens));
  });
});

// Tokens: 0 = EOS, 1 = A, 2 = B, 3 = C, 4 = BOS.
const table = [
  [0.25, 0.25, 0.25, 0.25, 0],
  [0.6, 0.1, 0.2, 0.1, 0],
  [0.7, 0.1, 0.1, 0.1, 0],
  [0.4, 0.2, 0.2, 0.2, 0],
  [0.5, 0.3, 0.1, 0.1, 0],
];
const EOS = 0;
const BOS = 4;

describe('greedy', () => {
  it('stops at EOS, which counts in the length', async () => {
    const h = await greedy(bigramModel(table), [BOS], { eosTokenId: EOS });
    expect(h).toMatchObject({ tokens: [EOS], finishReason: 'eos' });
    expect(h.logProb).toBeCloseTo(Math.log(0.5), 6);
  });

  it('minLength masks EOS until the output can reach that length', async () => {
    // Step 1: EOS masked, A/B/C renormalized to .6/.2/.2 → A. Step 2 (from A): EOS masked, A/B/C
    // = .1/.2/.1 → B (.5). Step 3 (from B): EOS allowed, .7 → EOS. Length 3, EOS included.
    const h = await greedy(bigramModel(table), [BOS], { eosTokenId: EOS, minLength: 3 });
    expect(h.tokens).toEqual([1, 2, EOS]);
    expect(h.stepScores.map(Math.exp)).toEqual([0.6, 0.5, 0.7].map((p) => expect.closeTo(p, 6)));
    expect(h.tokenLogProbs.map(Math.exp)).toEqual([0.3, 0.2, 0.7].map((p) => expect.closeTo(p, 6)));
  });

  it('runs to maxLength without an EOS id, and breaks ties toward the lowest token id', async () => {
    // Without eosTokenId, token 0 is ordinary; row 0 is uniform, so every step ties → token 0.
    const h = await greedy(bigramModel(table), [BOS], { maxLength: 3 });
    expect(h).toMatchObject({ tokens: [0, 0, 0], finishReason: 'length' });
  });

  it('stops on any of several EOS ids', async () => {
    for (const eos of [2, 3]) {
      const logits = [0, 0, 0, 0];
      logits[eos] = 5;
      const h = await greedy(constantModel(logits), [0], { eosTokenId: [2, 3] });
      expect(h).toMatchObject({ tokens: [eos], finishReason: 'eos' });
    }
  });
});

describe('sampling with EOS and several return sequences', () => {
  it('drops finished hypotheses from the batch and returns one result per sequence', async () => {
    const model = bigramModel(table);
    const { sequences } = await sample(model, [BOS], {
      eosTokenId: EOS,
      maxLength: 6,
      numReturnSequences: 50,
      seed: 11,
    });
    expect(sequences).toHaveLength(50);
    for (const s of sequences) {
      const ended = s.tokens[s.tokens.length - 1] === EOS;
      expect(s.finishReason).toBe(ended ? 'eos' : 'length');
      if (!ended) expect(s.tokens).toHaveLength(6);
      expect(s.tokens.slice(0, -1)).not.toContain(EOS);
    }
    // The t-th step call scores exactly the hypotheses that still had to produce token t + 1.
    const expectedBatches = [];
    for (let t = 1; t < 6; t++) {
      const live = sequences.filter((s) => s.tokens.length > t).length;
      if (live === 0) break;
      expectedBatches.push(live);
    }
    expect(model.batchSizes).toEqual(expectedBatches);
  });
});
