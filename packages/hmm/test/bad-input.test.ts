import { describe, expect, it } from 'vitest';
import { CategoricalHMM, GaussianHMM, HmmInputError, ZeroProbabilityError } from '../src/index.js';
import { flat } from './helpers.js';

const chain = {
  startProbs: [0.5, 0.5],
  transitionMatrix: [
    [0.9, 0.1],
    [0.2, 0.8],
  ],
};

describe('bad input gets an error that names the fix, never NaN', () => {
  it('rejects probability rows that do not sum to one, and says to normalize', () => {
    expect(
      () =>
        new CategoricalHMM({
          numStates: 2,
          numSymbols: 2,
          ...chain,
          transitionMatrix: [
            [0.9, 0.1],
            [0.2, 0.7],
          ],
        }),
    ).toThrow(/transitionMatrix row 1 sums to 0\.8999.*normalize/);
    expect(
      () => new CategoricalHMM({ numStates: 2, numSymbols: 2, startProbs: [0.6, 0.6] }),
    ).toThrow(/startProbs sums to 1\.2/);
    expect(
      () => new CategoricalHMM({ numStates: 2, numSymbols: 2, startProbs: [1.5, -0.5] }),
    ).toThrow(/must lie in \[0, 1\]/);
    expect(
      () => new CategoricalHMM({ numStates: 2, numSymbols: 2, startProbs: [Number.NaN, 1] }),
    ).toThrow(/must be finite/);
  });

  it('rejects wrong shapes with the expected shape', () => {
    expect(
      () => new CategoricalHMM({ numStates: 2, numSymbols: 3, emissionMatrix: [[1, 0, 0]] }),
    ).toThrow(/expected 2 rows of 3/);
    expect(
      () =>
        new GaussianHMM({
          numStates: 2,
          featureSize: 2,
          covarianceType: 'full',
          covars: [
            [1, 1],
            [1, 1],
          ],
        }),
    ).toThrow(/expects shape \(2, 2, 2\)/);
  });

  it('rejects covariances that are not positive definite or symmetric', () => {
    const base = {
      numStates: 1,
      featureSize: 2,
      startProbs: [1],
      transitionMatrix: [[1]],
      means: [[0, 0]],
    };
    expect(() => new GaussianHMM({ ...base, covars: [[1, 0]] })).toThrow(
      /variance of feature 1 is 0/,
    );
    expect(
      () =>
        new GaussianHMM({
          ...base,
          covarianceType: 'full',
          covars: [
            [
              [1, 2],
              [2, 1],
            ],
          ],
        }),
    ).toThrow(/not positive definite.*minCovar/);
    expect(
      () =>
        new GaussianHMM({
          ...base,
          covarianceType: 'full',
          covars: [
            [
              [1, 0.5],
              [0.1, 1],
            ],
          ],
        }),
    ).toThrow(/not symmetric/);
  });

  it('rejects out-of-range, fractional and non-finite observations with their position', () => {
    const model = new CategoricalHMM({
      numStates: 2,
      numSymbols: 3,
      ...chain,
      emissionMatrix: [
        [0.5, 0.3, 0.2],
        [0.1, 0.1, 0.8],
      ],
    });
    expect(() =>
      model.logLikelihood([
        [0, 1],
        [2, 3],
      ]),
    ).toThrow(/sequence 1, step 1: observation 3 .*\[0, 3\)/);
    expect(() => model.viterbi([[0, 1.5]])).toThrow(HmmInputError);
    expect(() => model.viterbi([[-1]])).toThrow(/observation -1/);
    expect(() => model.logLikelihood([[]])).toThrow(/sequence 0 is empty/);
    expect(() => model.logLikelihood([])).toThrow(/at least one sequence/);
    const gaussian = new GaussianHMM({
      numStates: 2,
      featureSize: 2,
      ...chain,
      means: [
        [0, 0],
        [1, 1],
      ],
      covars: [
        [1, 1],
        [1, 1],
      ],
    });
    expect(() => gaussian.logLikelihood([[[0, Number.NaN]]])).toThrow(
      /step 0, feature 1.*not finite/,
    );
    expect(() => gaussian.logLikelihood([[[0, 1, 2]]])).toThrow(/vector of size 2, got size 3/);
  });

  it('zero-probability sequences: log-likelihood -Infinity, posteriors and Viterbi throw', () => {
    const model = new CategoricalHMM({
      numStates: 2,
      numSymbols: 3,
      startProbs: [1, 0],
      transitionMatrix: [
        [1, 0],
        [0, 1],
      ],
      // Symbol 2 only from state 1, which is unreachable.
      emissionMatrix: [
        [0.5, 0.5, 0],
        [0, 0, 1],
      ],
    });
    const sequences = [
      [0, 1],
      [0, 2, 1],
    ];
    for (const method of ['scaled', 'log'] as const) {
      const logLikelihood = model.logLikelihood(sequences, { method });
      expect(logLikelihood[0]).toBeCloseTo(2 * Math.log(0.5), 12);
      expect(logLikelihood[1]).toBe(Number.NEGATIVE_INFINITY);
      expect(() => model.posteriors(sequences, { method })).toThrow(ZeroProbabilityError);
      expect(() => model.posteriors(sequences, { method })).toThrow(/sequence 1 .*step 1/);
      const logAlpha = model.forward(sequences, { method }).logAlpha;
      expect(flat(logAlpha).some(Number.isNaN)).toBe(false);
    }
    expect(() => model.viterbi(sequences)).toThrow(/sequence 1 .*step 1/);
    expect(() => model.fit(sequences)).toThrow(ZeroProbabilityError);
    // The possible sequence alone is fine, including its posteriors.
    expect(flat(model.posteriors([sequences[0]]).gamma)).toEqual([1, 0, 1, 0]);
  });

  it('unset parameters say how to set them', () => {
    const model = new CategoricalHMM({ numStates: 2, numSymbols: 2 });
    expect(() => model.logLikelihood([[0]])).toThrow(
      /startProbs is not set: pass it to the constructor.*'s'/,
    );
  });
});
