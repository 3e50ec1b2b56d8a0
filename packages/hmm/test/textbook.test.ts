import { describe, expect, it } from 'vitest';
import { CategoricalHMM } from '../src/index.js';
import { enumeratePaths, expectClose, flat } from './helpers.js';

describe('published textbook examples', () => {
  // Wikipedia, "Viterbi algorithm": states Healthy(0)/Fever(1), observations normal(0),
  // cold(1), dizzy(2). The article's answer: Healthy, Healthy, Fever with probability 0.01512.
  const doctor = new CategoricalHMM({
    numStates: 2,
    numSymbols: 3,
    startProbs: [0.6, 0.4],
    transitionMatrix: [
      [0.7, 0.3],
      [0.4, 0.6],
    ],
    emissionMatrix: [
      [0.5, 0.4, 0.1],
      [0.1, 0.3, 0.6],
    ],
  });

  it('Wikipedia healthy/fever Viterbi: path H,H,F with probability 0.01512', () => {
    const { paths, logProbability } = doctor.viterbi([[0, 1, 2]]);
    expect(paths[0]).toEqual([0, 0, 1]);
    expectClose(Math.exp(logProbability[0]), 0.01512, { atol: 1e-12 });
  });

  // Tufts COMP 250P worked example: uniform start, A = [[1/3, 2/3], [3/4, 1/4]], symbols
  // (+, 0, -) with probabilities (1/4, 1/2, 1/4) and (1/3, 1/3, 1/3). For "+ - 0" the page
  // gives alpha_3 = (13/576, 11/864), beta_1 = (29/216, 1/9) and P = 61/1728.
  const tufts = new CategoricalHMM({
    numStates: 2,
    numSymbols: 3,
    startProbs: [0.5, 0.5],
    transitionMatrix: [
      [1 / 3, 2 / 3],
      [3 / 4, 1 / 4],
    ],
    emissionMatrix: [
      [1 / 4, 1 / 2, 1 / 4],
      [1 / 3, 1 / 3, 1 / 3],
    ],
  });
  const plusMinusZero = [0, 2, 1];

  for (const method of ['scaled', 'log'] as const) {
    it(`worked forward/backward example, exact fractions (${method})`, () => {
      const forward = tufts.forward([plusMinusZero], { method });
      expectClose(Math.exp(forward.logLikelihood[0]), 61 / 1728, { atol: 1e-15 });
      expectClose(forward.logAlpha[0][2].map(Math.exp), [13 / 576, 11 / 864], { atol: 1e-15 });
      const logBeta = tufts.backward([plusMinusZero], { method });
      expectClose(logBeta[0][0].map(Math.exp), [29 / 216, 1 / 9], { atol: 1e-15 });
      expectClose(logBeta[0][1].map(Math.exp), [7 / 18, 11 / 24], { atol: 1e-15 });
    });
  }

  // Russell & Norvig, AIMA ch. 15: Rain(0)/no rain(1), P(R_t | R_{t-1}) = 0.7, P(R_t | ¬R_{t-1})
  // = 0.3, P(umbrella | rain) = 0.9, P(umbrella | ¬rain) = 0.2, P(R_0) = 0.5, so the first day
  // starts from (0.5, 0.5). Symbols: umbrella(0), no umbrella(1).
  const umbrella = new CategoricalHMM({
    numStates: 2,
    numSymbols: 2,
    startProbs: [0.5, 0.5],
    transitionMatrix: [
      [0.7, 0.3],
      [0.3, 0.7],
    ],
    emissionMatrix: [
      [0.9, 0.1],
      [0.2, 0.8],
    ],
  });

  for (const method of ['scaled', 'log'] as const) {
    it(`umbrella world: AIMA's filtered and smoothed values (${method})`, () => {
      // Filtering P(R1 | u1) = <0.818, 0.182>; smoothing P(R1 | u1, u2) = <0.883, 0.117>.
      const filtered = umbrella.posteriors([[0]], { method }).gamma[0][0];
      expectClose(filtered, [0.818, 0.182], { atol: 5e-4 });
      const smoothed = umbrella.posteriors([[0, 0]], { method }).gamma[0];
      expectClose(smoothed[0], [0.883, 0.117], { atol: 5e-4 });
      expectClose(smoothed[1], [0.883, 0.117], { atol: 5e-4 }); // = filtered P(R2 | u1, u2)
    });

    it(`umbrella world: Wikipedia's five-day smoothed posteriors (${method})`, () => {
      // Wikipedia "Forward-backward algorithm", observations u, u, ¬u, u, u.
      const { gamma } = umbrella.posteriors([[0, 0, 1, 0, 0]], { method });
      expectClose(
        flat(gamma[0]),
        [0.8673, 0.1327, 0.8204, 0.1796, 0.3075, 0.6925, 0.8204, 0.1796, 0.8673, 0.1327],
        { atol: 1e-4 },
      );
    });
  }

  // Durbin et al., "Biological Sequence Analysis" §3.2: the occasionally dishonest casino.
  // Fair die uniform, loaded die shows six half the time; switching 0.05 (F->L), 0.1 (L->F).
  const casino = new CategoricalHMM({
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
  });

  it('dishonest casino: a run of sixes decodes as the loaded die, the rest as fair', () => {
    const rolls = [0, 2, 3, 1, 4, 2, 0, 3, 5, 5, 5, 5, 5, 5, 5, 5, 2, 3, 0, 1, 4, 2, 3, 1];
    const { paths } = casino.viterbi([rolls]);
    const expected = rolls.map((_, t) => (t >= 8 && t < 16 ? 1 : 0));
    expect(paths[0]).toEqual(expected);
    expect(casino.posteriorDecode([rolls])[0]).toEqual(expected);
  });

  it('dishonest casino: likelihood, posteriors and Viterbi equal brute-force enumeration', () => {
    const rolls = [5, 5, 0, 5, 5, 5, 2, 5, 1, 5];
    const B = [
      [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.5],
    ];
    const oracle = enumeratePaths(
      [0.5, 0.5],
      [
        [0.95, 0.05],
        [0.1, 0.9],
      ],
      rolls.map((r) => [B[0][r], B[1][r]]),
    );
    expectClose(casino.logLikelihood([rolls]), [Math.log(oracle.likelihood)], { rtol: 1e-12 });
    expectClose(flat(casino.posteriors([rolls]).gamma), flat(oracle.gamma), { atol: 1e-12 });
    const best = casino.viterbi([rolls]);
    expect(best.paths[0]).toEqual(oracle.bestPath);
    expectClose(best.logProbability, [Math.log(oracle.bestProbability)], { rtol: 1e-12 });
  });
});
