import { describe, expect, it } from 'vitest';
import {
  beamSearch,
  diverseBeamSearch,
  greedy,
  type NextTokenModel,
  sample,
} from '../src/index.js';
import { bigramModel, mutableHistoryModel } from './models.js';

const table = [
  [0.25, 0.25, 0.25, 0.25, 0],
  [0.3, 0.1, 0.4, 0.2, 0],
  [0.2, 0.35, 0.15, 0.3, 0],
  [0.45, 0.25, 0.2, 0.1, 0],
  [0.1, 0.5, 0.3, 0.1, 0],
];
type Scored = { tokens: number[]; score: number }[];
/** Same hypotheses in the same order, scores equal up to float32 round-off. */
const expectSameHypotheses = (actual: Scored, reference: Scored) =>
  expect(actual.map((h) => [h.tokens.join(' '), h.score])).toEqual(
    reference.map((h) => [h.tokens.join(' '), expect.closeTo(h.score, 5)]),
  );

describe('the model interface', () => {
  const beamOptions = { numBeams: 4, eosTokenId: 0, maxLength: 6, lengthPenalty: 0.7 };
  // topP 0.87 sits clear of every row's cumulative masses (0.7, 0.8, 0.85, 0.9), so float32
  // round-off in the logits variant cannot move a nucleus boundary.
  const sampleOptions = {
    numReturnSequences: 20,
    eosTokenId: 0,
    maxLength: 6,
    seed: 4,
    topP: 0.87,
  };

  it('async step functions and logits (any per-row offset) give the same results as sync log-probs', async () => {
    const reference = await beamSearch(bigramModel(table), [4], beamOptions);
    for (const variant of [{ async: true }, { kind: 'logits' as const }]) {
      const other = await beamSearch(bigramModel(table, variant), [4], beamOptions);
      expectSameHypotheses(other.hypotheses, reference.hypotheses);
      const samples = await sample(bigramModel(table, variant), [4], sampleOptions);
      const referenceSamples = await sample(bigramModel(table), [4], sampleOptions);
      expect(samples.sequences.map((s) => s.tokens)).toEqual(
        referenceSamples.sequences.map((s) => s.tokens),
      );
    }
  });

  it('reorderStates lets mutable states follow forks and pruning exactly', async () => {
    const immutable = await beamSearch(bigramModel(table), [4], beamOptions);
    const model = mutableHistoryModel(table, true);
    const mutable = await beamSearch(model, [4], beamOptions);
    expectSameHypotheses(mutable.hypotheses, immutable.hypotheses);
    // The first reorder duplicates the prompt state into the first beams.
    expect(model.reorderCalls[0].every((i) => i === 0)).toBe(true);
    const diverse = await diverseBeamSearch(mutableHistoryModel(table, true), [4], {
      ...beamOptions,
      numBeamGroups: 2,
    });
    expect(diverse.hypotheses.length).toBeGreaterThan(0);
    const sampled = await sample(mutableHistoryModel(table, true), [4], sampleOptions);
    const reference = await sample(bigramModel(table), [4], sampleOptions);
    expect(sampled.sequences.map((s) => s.tokens)).toEqual(
      reference.sequences.map((s) => s.tokens),
    );
  });

  it('without reorderStates, shared mutable states are caught by the checking model', async () => {
    // Control for the test above: the library falls back to picking states by reference, which
    // is wrong for in-place states, and the model's history check notices.
    await expect(beamSearch(mutableHistoryModel(table, false), [4], beamOptions)).rejects.toThrow(
      /state \[/,
    );
  });

  it('rejects malformed step outputs with messages that name the fix', async () => {
    const base = bigramModel(table);
    const wrongSize: NextTokenModel<number> = {
      ...base,
      step: () => ({ scores: new Float32Array(3), kind: 'logprobs', states: [0] }),
    };
    await expect(greedy(wrongSize, [4])).rejects.toThrow(/expected shape \(1, 5\)/);
    const plainArray = {
      ...base,
      start: () => ({ scores: [0, 0, 0, 0, 0], kind: 'logprobs', states: [0] }),
    } as unknown as NextTokenModel<number>;
    await expect(greedy(plainArray, [4])).rejects.toThrow(/new Float32Array/);
    const missingStates: NextTokenModel<number> = {
      ...base,
      start: () => ({ scores: new Float32Array(5), kind: 'logits', states: [] }),
    };
    await expect(greedy(missingStates, [4])).rejects.toThrow(/one state per row/);
    const badKind = {
      ...base,
      start: () => ({ scores: new Float32Array(5), kind: 'probs', states: [0] }),
    } as unknown as NextTokenModel<number>;
    await expect(greedy(badKind, [4])).rejects.toThrow(/'logits' or 'logprobs'/);
  });
});
