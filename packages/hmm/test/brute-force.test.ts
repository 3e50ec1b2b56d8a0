import { describe, expect, it } from 'vitest';
import {
  type BatchShape,
  CategoricalHMM,
  GaussianHMM,
  GMMHMM,
  type HiddenMarkovModel,
} from '../src/index.js';
import {
  diagGaussianPdf,
  enumeratePaths,
  expectClose,
  flat,
  gaussian2Pdf,
  randomStochastic,
} from './helpers.js';

type Oracle = ReturnType<typeof enumeratePaths>;

/** Checks a whole padded batch against per-sequence enumeration, with both implementations. */
function checkAgainstEnumeration<Sequence>(
  model: HiddenMarkovModel<Sequence, BatchShape, unknown>,
  sequences: Sequence[],
  oracles: Oracle[],
): void {
  for (const method of ['scaled', 'log'] as const) {
    const label = (what: string, n: number) => `${method} ${what} of sequence ${n}`;
    const logLikelihood = model.logLikelihood(sequences, { method });
    const { gamma } = model.posteriors(sequences, { method });
    const xi = model.transitionPosteriors(sequences, { method });
    oracles.forEach((oracle, n) => {
      expectClose(logLikelihood[n], Math.log(oracle.likelihood), {
        rtol: 1e-12,
        label: label('log P', n),
      });
      expectClose(flat(gamma[n]), flat(oracle.gamma), { atol: 1e-12, label: label('gamma', n) });
      expectClose(flat(xi[n]), flat(oracle.xi), { atol: 1e-12, label: label('xi', n) });
    });
  }
  const { paths, logProbability } = model.viterbi(sequences);
  oracles.forEach((oracle, n) => {
    expect(paths[n]).toEqual(oracle.bestPath);
    expectClose(logProbability[n], Math.log(oracle.bestProbability), { rtol: 1e-12 });
  });
}

describe('brute-force enumeration of all state paths', () => {
  it('categorical HMM, a padded batch of unequal lengths', () => {
    const S = 3;
    const K = 4;
    const startProbs = randomStochastic(1, S, 1)[0];
    const transitionMatrix = randomStochastic(S, S, 2);
    const emissionMatrix = randomStochastic(S, K, 3);
    const model = new CategoricalHMM({
      numStates: S,
      numSymbols: K,
      startProbs,
      transitionMatrix,
      emissionMatrix,
    });
    const sequences = [[0, 3, 1, 1, 2, 0], [2], [3, 3, 0, 1], [1, 0, 2, 3, 3, 2, 1]];
    const oracles = sequences.map((seq) =>
      enumeratePaths(
        startProbs,
        transitionMatrix,
        seq.map((o) => emissionMatrix.map((row) => row[o])),
      ),
    );
    checkAgainstEnumeration(model, sequences, oracles);
  });

  it('categorical HMM with structural zeros (a left-to-right chain)', () => {
    const startProbs = [1, 0, 0];
    const transitionMatrix = [
      [0.6, 0.4, 0],
      [0, 0.7, 0.3],
      [0, 0, 1],
    ];
    const emissionMatrix = [
      [0.7, 0.3, 0],
      [0.2, 0.5, 0.3],
      [0, 0.1, 0.9],
    ];
    const model = new CategoricalHMM({
      numStates: 3,
      numSymbols: 3,
      startProbs,
      transitionMatrix,
      emissionMatrix,
    });
    const sequences = [
      [0, 1, 1, 2, 2],
      [0, 0, 1],
    ];
    const oracles = sequences.map((seq) =>
      enumeratePaths(
        startProbs,
        transitionMatrix,
        seq.map((o) => emissionMatrix.map((row) => row[o])),
      ),
    );
    checkAgainstEnumeration(model, sequences, oracles);
  });

  it('Gaussian HMM, diagonal covariance', () => {
    const startProbs = [0.2, 0.5, 0.3];
    const transitionMatrix = randomStochastic(3, 3, 7);
    const means = [
      [0, 1],
      [2, -1],
      [-1, 0.5],
    ];
    const covars = [
      [1, 0.5],
      [0.3, 2],
      [0.8, 0.8],
    ];
    const model = new GaussianHMM({
      numStates: 3,
      featureSize: 2,
      startProbs,
      transitionMatrix,
      means,
      covars,
    });
    const sequences = [
      [
        [0.1, 0.9],
        [1.8, -0.7],
        [-1.2, 0.4],
        [2.5, -1.5],
        [0.3, 0.2],
      ],
      [
        [-0.5, 0.1],
        [1.0, 0.0],
      ],
    ];
    const oracles = sequences.map((seq) =>
      enumeratePaths(
        startProbs,
        transitionMatrix,
        seq.map((x) => means.map((mean, i) => diagGaussianPdf(x, mean, covars[i]))),
      ),
    );
    checkAgainstEnumeration(model, sequences, oracles);
  });

  it('Gaussian HMM, full covariance', () => {
    const startProbs = [0.6, 0.4];
    const transitionMatrix = [
      [0.8, 0.2],
      [0.35, 0.65],
    ];
    const means = [
      [0, 0],
      [1.5, 1],
    ];
    const sigmas = [
      [
        [1, 0.6],
        [0.6, 0.9],
      ],
      [
        [0.5, -0.2],
        [-0.2, 1.3],
      ],
    ];
    const model = new GaussianHMM({
      numStates: 2,
      featureSize: 2,
      covarianceType: 'full',
      startProbs,
      transitionMatrix,
      means,
      covars: sigmas,
    });
    const sequence = [
      [0.2, 0.3],
      [1.4, 0.1],
      [1.9, 1.7],
      [-0.4, -0.8],
      [0.9, 1.1],
      [1.2, 0.4],
    ];
    const oracle = enumeratePaths(
      startProbs,
      transitionMatrix,
      sequence.map((x) => means.map((mean, i) => gaussian2Pdf(x, mean, sigmas[i]))),
    );
    checkAgainstEnumeration(model, [sequence], [oracle]);
  });

  it('Gaussian-mixture HMM, full covariance', () => {
    const startProbs = [0.3, 0.7];
    const transitionMatrix = [
      [0.75, 0.25],
      [0.4, 0.6],
    ];
    const weights = [
      [0.3, 0.7],
      [0.5, 0.5],
    ];
    const means = [
      [
        [0, 0],
        [1, 2],
      ],
      [
        [2, 0],
        [-1, -1],
      ],
    ];
    const sigmas = [
      [
        [
          [1, 0.2],
          [0.2, 0.5],
        ],
        [
          [0.7, 0],
          [0, 0.7],
        ],
      ],
      [
        [
          [2, -0.5],
          [-0.5, 1],
        ],
        [
          [0.4, 0.1],
          [0.1, 0.3],
        ],
      ],
    ];
    const model = new GMMHMM({
      numStates: 2,
      numComponents: 2,
      featureSize: 2,
      covarianceType: 'full',
      startProbs,
      transitionMatrix,
      weights,
      means,
      covars: sigmas,
    });
    const sequence = [
      [0.5, 1.2],
      [1.8, 0.1],
      [-0.9, -1.1],
      [0.0, 0.3],
      [1.1, 2.2],
    ];
    const oracle = enumeratePaths(
      startProbs,
      transitionMatrix,
      sequence.map((x) =>
        [0, 1].map((i) =>
          [0, 1].reduce(
            (sum, m) => sum + weights[i][m] * gaussian2Pdf(x, means[i][m], sigmas[i][m]),
            0,
          ),
        ),
      ),
    );
    checkAgainstEnumeration(model, [sequence], [oracle]);
  });

  it('tiny densities do not underflow the scaled path (observations 40 standard deviations out)', () => {
    const model = new GaussianHMM({
      numStates: 2,
      featureSize: 1,
      startProbs: [0.5, 0.5],
      transitionMatrix: [
        [0.9, 0.1],
        [0.1, 0.9],
      ],
      means: [[0], [1]],
      covars: [[0.01], [0.01]],
    });
    const far = [[4], [4.1], [-3], [5]];
    const [scaled] = model.logLikelihood([far], { method: 'scaled' });
    const [logSpace] = model.logLikelihood([far], { method: 'log' });
    expect(Number.isFinite(scaled)).toBe(true);
    expectClose(scaled, logSpace, { rtol: 1e-12 });
    const { gamma } = model.posteriors([far]);
    expect(flat(gamma).every(Number.isFinite)).toBe(true);
  });
});
