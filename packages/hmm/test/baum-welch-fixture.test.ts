import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { CategoricalHMM, GaussianHMM, GMMHMM } from '../src/index.js';
import { expectClose, flat } from './helpers.js';

// One Baum-Welch step computed by an independent NumPy script written from Rabiner (1989):
// fixtures/generate.py. Regenerate with /usr/bin/python3 fixtures/generate.py.
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/baum-welch-step.json', import.meta.url), 'utf8'),
);
const tolerance = { atol: 1e-10, rtol: 1e-9 };

describe('one Baum-Welch step equals the NumPy reference', () => {
  for (const method of ['scaled', 'log'] as const) {
    it(`categorical emissions, three sequences (${method})`, () => {
      const c = fixture.categorical;
      const model = new CategoricalHMM({
        numStates: 3,
        numSymbols: 4,
        startProbs: c.startProbs,
        transitionMatrix: c.transitionMatrix,
        emissionMatrix: c.emissionMatrix,
        forwardBackward: method,
      });
      const result = model.fit(c.sequences, { maxIterations: 1 });
      expectClose(result.logLikelihoodHistory, [c.logLikelihood], { ...tolerance, label: 'log P' });
      expectClose(model.startProbs, c.expected.startProbs, { ...tolerance, label: 'pi' });
      expectClose(model.transitionMatrix, flat(c.expected.transitionMatrix), {
        ...tolerance,
        label: 'A',
      });
      expectClose(model.emissionMatrix, flat(c.expected.emissionMatrix), {
        ...tolerance,
        label: 'B',
      });
    });
  }

  for (const key of ['gaussianDiag', 'gaussianFull'] as const) {
    it(`Gaussian emissions, ${fixture[key].covarianceType} covariance`, () => {
      const c = fixture[key];
      const model = new GaussianHMM({
        numStates: 2,
        featureSize: 2,
        covarianceType: c.covarianceType,
        minCovar: c.minCovar,
        startProbs: c.startProbs,
        transitionMatrix: c.transitionMatrix,
        means: c.means,
        covars: c.covars,
      });
      const result = model.fit(c.sequences, { maxIterations: 1 });
      expectClose(result.logLikelihoodHistory, [c.logLikelihood], { ...tolerance, label: 'log P' });
      expectClose(model.startProbs, c.expected.startProbs, { ...tolerance, label: 'pi' });
      expectClose(model.transitionMatrix, flat(c.expected.transitionMatrix), {
        ...tolerance,
        label: 'A',
      });
      expectClose(model.means, flat(c.expected.means), { ...tolerance, label: 'means' });
      expectClose(model.covars, flat(c.expected.covars), { ...tolerance, label: 'covars' });
    });
  }

  it('Gaussian-mixture emissions, diagonal covariance (eqs. 52-54)', () => {
    const c = fixture.gmmDiag;
    const model = new GMMHMM({
      numStates: 2,
      numComponents: 2,
      featureSize: 2,
      minCovar: c.minCovar,
      startProbs: c.startProbs,
      transitionMatrix: c.transitionMatrix,
      weights: c.weights,
      means: c.means,
      covars: c.covars,
    });
    const result = model.fit(c.sequences, { maxIterations: 1 });
    expectClose(result.logLikelihoodHistory, [c.logLikelihood], { ...tolerance, label: 'log P' });
    expectClose(model.startProbs, c.expected.startProbs, { ...tolerance, label: 'pi' });
    expectClose(model.transitionMatrix, flat(c.expected.transitionMatrix), {
      ...tolerance,
      label: 'A',
    });
    expectClose(model.weights, flat(c.expected.weights), { ...tolerance, label: 'weights' });
    expectClose(model.means, flat(c.expected.means), { ...tolerance, label: 'means' });
    expectClose(model.covars, flat(c.expected.covars), { ...tolerance, label: 'covars' });
  });
});
