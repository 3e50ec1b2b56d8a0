import { describe, expect, it } from 'vitest';
import { CategoricalHMM, GaussianHMM, GMMHMM, HmmInputError } from '../src/index.js';
import { expectClose } from './helpers.js';

const casinoTruth = {
  numStates: 2,
  numSymbols: 6,
  startProbs: [0.5, 0.5],
  transitionMatrix: [
    [0.95, 0.05],
    [0.1, 0.9],
  ],
  emissionMatrix: [
    [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.5],
  ],
};

function casinoData(count: number, length: number): number[][] {
  const truth = new CategoricalHMM(casinoTruth);
  return Array.from(
    { length: count },
    (_, k) => truth.sample(length, { seed: 100 + k }).observations,
  );
}

/** Non-decreasing up to rounding: EM's defining property (Rabiner 1989, section III-C). */
function expectNonDecreasing(history: number[]): void {
  for (let k = 1; k < history.length; k++) {
    expect(history[k] - history[k - 1], `iteration ${k}`).toBeGreaterThan(
      -1e-8 * Math.abs(history[k]),
    );
  }
}

describe('Baum-Welch', () => {
  it('learns the dishonest casino back from sampled rolls', () => {
    const data = casinoData(20, 300);
    const model = new CategoricalHMM({
      numStates: 2,
      numSymbols: 6,
      startProbs: [0.5, 0.5],
      transitionMatrix: [
        [0.8, 0.2],
        [0.2, 0.8],
      ],
      // Break the symmetry: state 1 leans a little toward six.
      emissionMatrix: [
        [0.17, 0.17, 0.17, 0.17, 0.16, 0.16],
        [0.15, 0.15, 0.15, 0.15, 0.15, 0.25],
      ],
    });
    const result = model.fit(data, { maxIterations: 200, tolerance: 1e-6 });
    expect(result.converged).toBe(true);
    expectNonDecreasing(result.logLikelihoodHistory);
    const B = model.emissionMatrix;
    const A = model.transitionMatrix;
    expect(Math.abs(B[6 + 5] - 0.5)).toBeLessThan(0.05); // loaded six
    expect(Math.abs(B[5] - 1 / 6)).toBeLessThan(0.03); // fair six
    expect(Math.abs(A[1] - 0.05)).toBeLessThan(0.025); // fair -> loaded
    expect(Math.abs(A[2] - 0.1)).toBeLessThan(0.05); // loaded -> fair
    // The learned model explains the data at least as well as the generating one.
    const learned = model.logLikelihood(data).reduce((a, b) => a + b, 0);
    const generating = new CategoricalHMM(casinoTruth)
      .logLikelihood(data)
      .reduce((a, b) => a + b, 0);
    expect(learned).toBeGreaterThanOrEqual(generating - 1e-6);
  });

  it('is reproducible for a seed and records one history entry per iteration', () => {
    const data = casinoData(5, 100);
    const fitOnce = (seed: number) => {
      const model = new CategoricalHMM({ numStates: 2, numSymbols: 6 });
      const result = model.fit(data, { seed, maxIterations: 15, tolerance: 0 });
      return { model, result };
    };
    const a = fitOnce(3);
    const b = fitOnce(3);
    const c = fitOnce(4);
    expect(a.result.iterations).toBe(15);
    expect(a.result.logLikelihoodHistory).toHaveLength(15);
    expect(a.result.converged).toBe(false);
    expect(Array.from(a.model.emissionMatrix)).toEqual(Array.from(b.model.emissionMatrix));
    expect(Array.from(a.model.emissionMatrix)).not.toEqual(Array.from(c.model.emissionMatrix));
    expectNonDecreasing(a.result.logLikelihoodHistory);
  });

  it('learns only the parameters named in params', () => {
    const data = casinoData(3, 80);
    const model = new CategoricalHMM(casinoTruth);
    model.fit(data, { params: 't', maxIterations: 5 });
    expect(Array.from(model.startProbs)).toEqual([0.5, 0.5]);
    expect(Array.from(model.emissionMatrix)).toEqual(casinoTruth.emissionMatrix.flat());
    expect(Array.from(model.transitionMatrix)).not.toEqual(casinoTruth.transitionMatrix.flat());
  });

  it('initParams re-initializes set parameters; unset parameters must be initialized', () => {
    const data = casinoData(2, 50);
    const model = new CategoricalHMM({ ...casinoTruth });
    model.fit(data, { initParams: 'e', params: '', maxIterations: 1 });
    expect(Array.from(model.emissionMatrix)).not.toEqual(casinoTruth.emissionMatrix.flat());
    expect(Array.from(model.transitionMatrix)).toEqual(casinoTruth.transitionMatrix.flat());
    const unset = new CategoricalHMM({ numStates: 2, numSymbols: 6 });
    expect(() => unset.fit(data, { initParams: 'st' })).toThrow(
      /emissionMatrix is not set.*'e' in initParams/,
    );
    expect(() => unset.fit(data, { params: 'x' })).toThrow(/unknown parameter letter 'x'.*'ste'/);
  });

  it('Dirichlet pseudocounts equal adding the counts by hand', () => {
    // With gamma one-hot (one state) the expected counts are plain symbol counts.
    const model = new CategoricalHMM({
      numStates: 1,
      numSymbols: 3,
      startProbs: [1],
      transitionMatrix: [[1]],
      emissionMatrix: [[0.2, 0.3, 0.5]],
    });
    model.fit([[0, 0, 1, 0]], { emissionPseudocount: 1, maxIterations: 1 });
    // counts (3, 1, 0) + 1 each = (4, 2, 1) / 7
    expectClose(model.emissionMatrix, [4 / 7, 2 / 7, 1 / 7], { atol: 1e-15 });
    // Without a pseudocount the unseen symbol becomes impossible, and then the error says so.
    model.fit([[0, 0, 1, 0]], { maxIterations: 1 });
    expectClose(model.emissionMatrix, [3 / 4, 1 / 4, 0], { atol: 1e-15 });
    expect(model.logLikelihood([[2]])[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(() => model.posteriors([[0, 2]])).toThrow(/sequence 0 .*step 1.*emissionPseudocount/);
  });

  it('Viterbi training: never decreases the best-path log-probability (hard EM)', () => {
    const data = casinoData(10, 200);
    const model = new CategoricalHMM({
      ...casinoTruth,
      transitionMatrix: [
        [0.7, 0.3],
        [0.3, 0.7],
      ],
      emissionMatrix: [
        [0.17, 0.17, 0.17, 0.17, 0.16, 0.16],
        [0.14, 0.14, 0.14, 0.14, 0.14, 0.3],
      ],
    });
    // Without priors each M-step maximizes log P(O, Q*) for the fixed paths and each E-step
    // maximizes it over paths, so the sequence is monotone.
    const result = model.fit(data, { algorithm: 'viterbi' });
    expect(result.converged).toBe(true);
    expectNonDecreasing(result.logLikelihoodHistory);
    const B = model.emissionMatrix;
    expect(B[6 + 5]).toBeGreaterThan(B[5] + 0.1); // the second state is the loaded die
  });

  it('Viterbi training: one step re-estimates by counting along the decoded path', () => {
    // Emissions so peaked that the Viterbi path is the symbol sequence itself.
    const model = new CategoricalHMM({
      numStates: 2,
      numSymbols: 2,
      startProbs: [0.5, 0.5],
      transitionMatrix: [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
      emissionMatrix: [
        [0.99, 0.01],
        [0.01, 0.99],
      ],
    });
    const sequences = [
      [0, 0, 1, 1, 1, 0],
      [1, 1, 0],
    ];
    expect(model.viterbi(sequences).paths).toEqual(sequences);
    model.fit(sequences, { algorithm: 'viterbi', maxIterations: 1 });
    // Starts: one in 0, one in 1. Transitions 0->0: 1, 0->1: 1, 1->1: 3, 1->0: 2.
    expectClose(model.startProbs, [0.5, 0.5], { atol: 1e-15 });
    expectClose(model.transitionMatrix, [1 / 2, 1 / 2, 2 / 5, 3 / 5], { atol: 1e-15 });
    expectClose(model.emissionMatrix, [1, 0, 0, 1], { atol: 1e-15 });
  });
});

describe('supervised estimation from labeled states', () => {
  it('fitLabeled equals counting by hand, with pseudocounts', () => {
    const model = new CategoricalHMM({ numStates: 2, numSymbols: 3 });
    model.fitLabeled(
      [
        [0, 1, 2, 2],
        [1, 0],
      ],
      [
        [0, 0, 1, 1],
        [1, 0],
      ],
      { emissionPseudocount: 1, transitionPseudocount: 0.5 },
    );
    expectClose(model.startProbs, [0.5, 0.5], { atol: 1e-15 });
    // Transitions: 0->0 once, 0->1 once, 1->1 once, 1->0 once; each + 0.5.
    expectClose(model.transitionMatrix, [0.5, 0.5, 0.5, 0.5], { atol: 1e-15 });
    // State 0 emits 0, 1, 0 -> (2, 1, 0) + 1 = (3, 2, 1)/6; state 1 emits 2, 2, 1 -> (0, 1, 2) + 1.
    expectClose(model.emissionMatrix, [3 / 6, 2 / 6, 1 / 6, 1 / 6, 2 / 6, 3 / 6], { atol: 1e-15 });
    expect(() => model.fitLabeled([[0, 1]], [[0]])).toThrow(/state sequence 0 has length 1/);
  });

  it('fitLabeled on Gaussians gives per-state sample means and variances', () => {
    const model = new GaussianHMM({ numStates: 2, featureSize: 1, minCovar: 0 });
    model.fitLabeled([[[1], [3], [10], [14]]], [[0, 0, 1, 1]]);
    expectClose(model.means, [2, 12], { atol: 1e-12 });
    expectClose(model.covars, [1, 4], { atol: 1e-12 });
  });
});

describe('Gaussian training', () => {
  const truth = new GaussianHMM({
    numStates: 3,
    featureSize: 2,
    startProbs: [0.4, 0.3, 0.3],
    transitionMatrix: [
      [0.9, 0.05, 0.05],
      [0.05, 0.9, 0.05],
      [0.05, 0.05, 0.9],
    ],
    means: [
      [0, 0],
      [5, 5],
      [-5, 5],
    ],
    covars: [
      [1, 1],
      [0.5, 2],
      [2, 0.5],
    ],
  });
  const data = Array.from({ length: 8 }, (_, k) => truth.sample(120, { seed: k }).observations);

  /** Matches learned states to true states by nearest mean. */
  function matchedMeans(means: Float64Array): number[][] {
    const learned = [0, 1, 2].map((s) => [means[2 * s], means[2 * s + 1]]);
    return [
      [0, 0],
      [5, 5],
      [-5, 5],
    ].map((m) =>
      learned.reduce((best, l) =>
        Math.hypot(l[0] - m[0], l[1] - m[1]) < Math.hypot(best[0] - m[0], best[1] - m[1])
          ? l
          : best,
      ),
    );
  }

  for (const covarianceType of ['diag', 'full'] as const) {
    for (const meansInit of ['kmeans', 'random'] as const) {
      it(`recovers well-separated means (${covarianceType}, ${meansInit} init)`, () => {
        const model = new GaussianHMM({ numStates: 3, featureSize: 2, covarianceType });
        const result = model.fit(data, { meansInit, seed: 1, maxIterations: 100 });
        expectNonDecreasing(result.logLikelihoodHistory);
        const means = matchedMeans(model.means);
        expectClose(means.flat(), [0, 0, 5, 5, -5, 5], { atol: 0.3 });
      });
    }
  }

  it('k-means initialization alone lands near the true means', () => {
    const model = new GaussianHMM({ numStates: 3, featureSize: 2 });
    model.fit(data, { maxIterations: 1, params: '' }); // initialize, no learning
    expectClose(matchedMeans(model.means).flat(), [0, 0, 5, 5, -5, 5], { atol: 0.5 });
  });

  it('Gaussian-mixture HMM training never decreases the likelihood', () => {
    const model = new GMMHMM({ numStates: 2, numComponents: 2, featureSize: 2 });
    const result = model.fit(data, { seed: 2, maxIterations: 30 });
    expectNonDecreasing(result.logLikelihoodHistory);
    expect(result.logLikelihoodHistory.every(Number.isFinite)).toBe(true);
    for (const w of model.weights) expect(w).toBeGreaterThan(0);
  });

  it('rejects too few observations for the number of means', () => {
    const model = new GaussianHMM({ numStates: 3, featureSize: 1 });
    expect(() => model.fit([[[1], [2]]])).toThrow(HmmInputError);
  });
});

describe('sampling', () => {
  it('is reproducible per seed and follows the emission distribution', () => {
    const model = new CategoricalHMM(casinoTruth);
    const a = model.sample(50, { seed: 9 });
    expect(model.sample(50, { seed: 9 })).toEqual(a);
    expect(model.sample(50, { seed: 10 })).not.toEqual(a);
    const long = model.sample(20000, { seed: 1 });
    let sixesWhenLoaded = 0;
    let loaded = 0;
    long.states.forEach((s, t) => {
      if (s === 1) {
        loaded++;
        if (long.observations[t] === 5) sixesWhenLoaded++;
      }
    });
    // Stationary share of the loaded state is 0.05 / (0.05 + 0.1) = 1/3.
    expect(Math.abs(loaded / 20000 - 1 / 3)).toBeLessThan(0.03);
    expect(Math.abs(sixesWhenLoaded / loaded - 0.5)).toBeLessThan(0.03);
  });

  it('draws full-covariance Gaussians with the stated covariance', () => {
    const model = new GaussianHMM({
      numStates: 1,
      featureSize: 2,
      covarianceType: 'full',
      startProbs: [1],
      transitionMatrix: [[1]],
      means: [[1, -1]],
      covars: [
        [
          [2, 0.8],
          [0.8, 1],
        ],
      ],
    });
    const { observations } = model.sample(20000, { seed: 5 });
    const mean = [0, 1].map(
      (d) => observations.reduce((s, x) => s + x[d], 0) / observations.length,
    );
    const cov01 =
      observations.reduce((s, x) => s + (x[0] - mean[0]) * (x[1] - mean[1]), 0) /
      observations.length;
    const var0 = observations.reduce((s, x) => s + (x[0] - mean[0]) ** 2, 0) / observations.length;
    expectClose(mean, [1, -1], { atol: 0.05 });
    expectClose([var0, cov01], [2, 0.8], { atol: 0.08 });
  });
});
