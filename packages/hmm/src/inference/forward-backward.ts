import { ZeroProbabilityError } from '../errors.js';
import { type HmmLattice, logOf } from './lattice.js';

/**
 * Forward-backward over a batch, two ways (Rabiner 1989, section V.A):
 *
 * - scaled: alpha and beta renormalized at every step (eqs. 91-92 and 94), the log-likelihood
 *   recovered from the scaling terms (eq. 103). Fast; emission densities are divided by their
 *   per-step maximum before use, so Gaussian densities far below 1e-308 do not underflow.
 * - log-space: the same recursions (eqs. 19-20 and 24-25) with log-sum-exp. Slower, but
 *   stable with no scaling argument at all; the oracle for the scaled path.
 *
 * Neither throws for a zero-probability sequence: its log-likelihood is -Infinity and the
 * step where it became impossible is reported. Posteriors (below) do throw.
 */

/** Which forward-backward implementation to run. */
export type ForwardBackwardMethod = 'scaled' | 'log';

export interface ScaledForwardResult {
  /** alphaHat_t(i) = P(q_t = i | o_1..o_t): alpha normalized per step. (N, T, S) */
  readonly alpha: Float64Array;
  /** log P(o_t | o_1..o_{t-1}), the log of 1/c_t in Rabiner's notation. (N, T) */
  readonly logScales: Float64Array;
  /** log P(O | model) per sequence (eq. 103); -Infinity when impossible. (N) */
  readonly logLikelihood: Float64Array;
  /** First step with zero probability, or -1. (N) */
  readonly impossibleStep: Int32Array;
}

export interface LogForwardResult {
  /** log alpha_t(i) = log P(o_1..o_t, q_t = i). (N, T, S) */
  readonly logAlpha: Float64Array;
  /** log P(O | model) per sequence (eq. 21); -Infinity when impossible. (N) */
  readonly logLikelihood: Float64Array;
  /** First step with zero probability, or -1. (N) */
  readonly impossibleStep: Int32Array;
}

/** Scaled forward pass, Rabiner eqs. 19-20 with the scaling of eqs. 91-92. */
export function forwardScaled(lattice: HmmLattice): ScaledForwardResult {
  const { numSequences: N, maxLength: T, numStates: S, lengths } = lattice;
  const { startProbs, transitionMatrix, logEmissions } = lattice;
  const alpha = new Float64Array(N * T * S); // (N, T, S)
  const logScales = new Float64Array(N * T).fill(Number.NEGATIVE_INFINITY); // (N, T)
  const logLikelihood = new Float64Array(N);
  const impossibleStep = new Int32Array(N).fill(-1);
  const predicted = new Float64Array(S); // sum_i alphaHat_{t-1}(i) a_ij

  for (let n = 0; n < N; n++) {
    let total = 0;
    for (let t = 0; t < lengths[n]; t++) {
      const row = (n * T + t) * S;
      if (t === 0) {
        predicted.set(startProbs);
      } else {
        predicted.fill(0);
        const previous = row - S;
        for (let i = 0; i < S; i++) {
          const alphaI = alpha[previous + i];
          if (alphaI === 0) continue;
          const transitionRow = i * S;
          for (let j = 0; j < S; j++) predicted[j] += alphaI * transitionMatrix[transitionRow + j];
        }
      }
      // b_j(o_t) / max_j b_j(o_t) keeps tiny densities representable.
      let maxLogEmission = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < S; j++) maxLogEmission = Math.max(maxLogEmission, logEmissions[row + j]);
      let stepSum = 0;
      if (maxLogEmission !== Number.NEGATIVE_INFINITY) {
        for (let j = 0; j < S; j++) {
          const value = predicted[j] * Math.exp(logEmissions[row + j] - maxLogEmission);
          alpha[row + j] = value;
          stepSum += value;
        }
      }
      if (!(stepSum > 0) || maxLogEmission === Number.POSITIVE_INFINITY) {
        alpha.fill(0, row, row + S);
        impossibleStep[n] = t;
        total = Number.NEGATIVE_INFINITY;
        break;
      }
      const inverseSum = 1 / stepSum; // c_t, eq. 91
      for (let j = 0; j < S; j++) alpha[row + j] *= inverseSum;
      const logScale = Math.log(stepSum) + maxLogEmission;
      logScales[n * T + t] = logScale;
      total += logScale; // eq. 103: log P(O) = -sum_t log c_t
    }
    logLikelihood[n] = total;
  }
  return { alpha, logScales, logLikelihood, impossibleStep };
}

/**
 * Scaled backward pass (eqs. 24-25 with the scaling of eq. 94), using the forward pass's
 * scaling terms so that gamma_t(i) = alphaHat_t(i) * betaHat_t(i) exactly (eq. 27).
 * Sequences the forward pass found impossible get beta = 0.
 */
export function backwardScaled(lattice: HmmLattice, forward: ScaledForwardResult): Float64Array {
  const { numSequences: N, maxLength: T, numStates: S, lengths } = lattice;
  const { transitionMatrix, logEmissions } = lattice;
  const beta = new Float64Array(N * T * S); // (N, T, S)
  const weighted = new Float64Array(S); // b_j(o_{t+1}) betaHat_{t+1}(j) / P(o_{t+1} | o_1..o_t)

  for (let n = 0; n < N; n++) {
    if (forward.impossibleStep[n] >= 0) continue;
    const last = (n * T + lengths[n] - 1) * S;
    beta.fill(1, last, last + S);
    for (let t = lengths[n] - 2; t >= 0; t--) {
      const row = (n * T + t) * S;
      const next = row + S;
      const nextLogScale = forward.logScales[n * T + t + 1];
      for (let j = 0; j < S; j++) {
        weighted[j] = Math.exp(logEmissions[next + j] - nextLogScale) * beta[next + j];
      }
      for (let i = 0; i < S; i++) {
        const transitionRow = i * S;
        let sum = 0;
        for (let j = 0; j < S; j++) sum += transitionMatrix[transitionRow + j] * weighted[j];
        beta[row + i] = sum;
      }
    }
  }
  return beta;
}

/** Log-space forward pass, Rabiner eqs. 19-21. */
export function forwardLog(lattice: HmmLattice): LogForwardResult {
  const { numSequences: N, maxLength: T, numStates: S, lengths, logEmissions } = lattice;
  const logStart = logOf(lattice.startProbs);
  const logTransition = logOf(lattice.transitionMatrix);
  const logAlpha = new Float64Array(N * T * S).fill(Number.NEGATIVE_INFINITY); // (N, T, S)
  const logLikelihood = new Float64Array(N);
  const impossibleStep = new Int32Array(N).fill(-1);

  for (let n = 0; n < N; n++) {
    for (let t = 0; t < lengths[n]; t++) {
      const row = (n * T + t) * S;
      let stepMax = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < S; j++) {
        const predicted =
          t === 0 ? logStart[j] : logSumExpColumn(logAlpha, row - S, logTransition, j, S);
        const value = predicted + logEmissions[row + j];
        logAlpha[row + j] = value;
        stepMax = Math.max(stepMax, value);
      }
      if (stepMax === Number.NEGATIVE_INFINITY && impossibleStep[n] < 0) {
        impossibleStep[n] = t;
        break;
      }
    }
    const last = (n * T + lengths[n] - 1) * S;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < S; j++) max = Math.max(max, logAlpha[last + j]);
    if (max === Number.NEGATIVE_INFINITY) {
      logLikelihood[n] = max;
      continue;
    }
    let sum = 0;
    for (let j = 0; j < S; j++) sum += Math.exp(logAlpha[last + j] - max);
    logLikelihood[n] = max + Math.log(sum);
  }
  return { logAlpha, logLikelihood, impossibleStep };
}

/** Log-space backward pass, Rabiner eqs. 24-25; log beta_T(i) = 0. (N, T, S) */
export function backwardLog(lattice: HmmLattice): Float64Array {
  const { numSequences: N, maxLength: T, numStates: S, lengths, logEmissions } = lattice;
  const logTransition = logOf(lattice.transitionMatrix);
  const logBeta = new Float64Array(N * T * S).fill(Number.NEGATIVE_INFINITY); // (N, T, S)
  const terms = new Float64Array(S); // log b_j(o_{t+1}) + log beta_{t+1}(j)

  for (let n = 0; n < N; n++) {
    const last = (n * T + lengths[n] - 1) * S;
    logBeta.fill(0, last, last + S);
    for (let t = lengths[n] - 2; t >= 0; t--) {
      const row = (n * T + t) * S;
      const next = row + S;
      for (let j = 0; j < S; j++) terms[j] = logEmissions[next + j] + logBeta[next + j];
      for (let i = 0; i < S; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < S; j++) max = Math.max(max, logTransition[i * S + j] + terms[j]);
        if (max === Number.NEGATIVE_INFINITY) {
          logBeta[row + i] = max;
          continue;
        }
        let sum = 0;
        for (let j = 0; j < S; j++) sum += Math.exp(logTransition[i * S + j] + terms[j] - max);
        logBeta[row + i] = max + Math.log(sum);
      }
    }
  }
  return logBeta;
}

/** log sum_i exp(logAlpha[previous + i] + logTransition[i*S + j]). */
function logSumExpColumn(
  logAlpha: Float64Array,
  previous: number,
  logTransition: Float64Array,
  j: number,
  S: number,
): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < S; i++)
    max = Math.max(max, logAlpha[previous + i] + logTransition[i * S + j]);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < S; i++)
    sum += Math.exp(logAlpha[previous + i] + logTransition[i * S + j] - max);
  return max + Math.log(sum);
}

/** Sequence log-likelihoods log P(O | model), -Infinity for impossible sequences. (N) */
export function logLikelihoods(
  lattice: HmmLattice,
  method: ForwardBackwardMethod = 'scaled',
): Float64Array {
  return method === 'scaled'
    ? forwardScaled(lattice).logLikelihood
    : forwardLog(lattice).logLikelihood;
}

/** Posterior quantities of one E-step. */
export interface Posteriors {
  /** log P(O_n | model). (N) */
  readonly logLikelihood: Float64Array;
  /** gamma_t(i) = P(q_t = i | O), eq. 27; 0 on padding. (N, T, S) */
  readonly gamma: Float64Array;
  /** sum over sequences and steps of xi_t(i, j) (eq. 37), the expected transition counts. (S, S) */
  readonly transitionCounts: Float64Array;
}

/**
 * State posteriors gamma and summed transition posteriors xi for a batch (eqs. 27 and 37).
 * Throws ZeroProbabilityError for a sequence with probability zero.
 */
export function posteriors(
  lattice: HmmLattice,
  method: ForwardBackwardMethod = 'scaled',
): Posteriors {
  return method === 'scaled'
    ? posteriorsScaled(lattice, undefined)
    : posteriorsLog(lattice, undefined);
}

/**
 * Full transition posteriors xi_t(i, j) = P(q_t = i, q_{t+1} = j | O) (eq. 37), laid out
 * (N, T-1, S, S) with index ((n*(T-1) + t)*S + i)*S + j; 0 on padding.
 */
export function transitionPosteriors(
  lattice: HmmLattice,
  method: ForwardBackwardMethod = 'scaled',
): Float64Array {
  const { numSequences: N, maxLength: T, numStates: S } = lattice;
  const xi = new Float64Array(N * Math.max(T - 1, 0) * S * S);
  if (method === 'scaled') posteriorsScaled(lattice, xi);
  else posteriorsLog(lattice, xi);
  return xi;
}

function throwIfImpossible(impossibleStep: Int32Array): void {
  for (let n = 0; n < impossibleStep.length; n++) {
    if (impossibleStep[n] >= 0) throw new ZeroProbabilityError(n, impossibleStep[n]);
  }
}

function posteriorsScaled(lattice: HmmLattice, xiOut: Float64Array | undefined): Posteriors {
  const { numSequences: N, maxLength: T, numStates: S, lengths } = lattice;
  const { transitionMatrix, logEmissions } = lattice;
  const forward = forwardScaled(lattice);
  throwIfImpossible(forward.impossibleStep);
  const beta = backwardScaled(lattice, forward);
  const { alpha, logScales } = forward;
  const gamma = new Float64Array(N * T * S);
  const transitionCounts = new Float64Array(S * S);
  const weighted = new Float64Array(S);

  for (let n = 0; n < N; n++) {
    for (let t = 0; t < lengths[n]; t++) {
      const row = (n * T + t) * S;
      let sum = 0;
      for (let i = 0; i < S; i++) sum += gamma[row + i] = alpha[row + i] * beta[row + i];
      for (let i = 0; i < S; i++) gamma[row + i] /= sum; // exactly 1 up to rounding
      if (t === lengths[n] - 1) continue;
      // xi_t(i,j) = alphaHat_t(i) a_ij b_j(o_{t+1}) betaHat_{t+1}(j) / P(o_{t+1} | o_1..o_t)
      const next = row + S;
      const nextLogScale = logScales[n * T + t + 1];
      for (let j = 0; j < S; j++) {
        weighted[j] = Math.exp(logEmissions[next + j] - nextLogScale) * beta[next + j];
      }
      const xiBase = xiOut ? (n * (T - 1) + t) * S * S : 0;
      for (let i = 0; i < S; i++) {
        const alphaI = alpha[row + i];
        if (alphaI === 0) continue;
        for (let j = 0; j < S; j++) {
          const value = alphaI * transitionMatrix[i * S + j] * weighted[j];
          transitionCounts[i * S + j] += value;
          if (xiOut) xiOut[xiBase + i * S + j] = value;
        }
      }
    }
  }
  return { logLikelihood: forward.logLikelihood, gamma, transitionCounts };
}

function posteriorsLog(lattice: HmmLattice, xiOut: Float64Array | undefined): Posteriors {
  const { numSequences: N, maxLength: T, numStates: S, lengths, logEmissions } = lattice;
  const forward = forwardLog(lattice);
  throwIfImpossible(forward.impossibleStep);
  const logBeta = backwardLog(lattice);
  const logTransition = logOf(lattice.transitionMatrix);
  const { logAlpha, logLikelihood } = forward;
  const gamma = new Float64Array(N * T * S);
  const transitionCounts = new Float64Array(S * S);

  for (let n = 0; n < N; n++) {
    const logP = logLikelihood[n];
    for (let t = 0; t < lengths[n]; t++) {
      const row = (n * T + t) * S;
      for (let i = 0; i < S; i++)
        gamma[row + i] = Math.exp(logAlpha[row + i] + logBeta[row + i] - logP);
      if (t === lengths[n] - 1) continue;
      const next = row + S;
      const xiBase = xiOut ? (n * (T - 1) + t) * S * S : 0;
      for (let i = 0; i < S; i++) {
        for (let j = 0; j < S; j++) {
          const logXi =
            logAlpha[row + i] +
            logTransition[i * S + j] +
            logEmissions[next + j] +
            logBeta[next + j] -
            logP;
          const value = logXi === Number.NEGATIVE_INFINITY ? 0 : Math.exp(logXi);
          transitionCounts[i * S + j] += value;
          if (xiOut) xiOut[xiBase + i * S + j] = value;
        }
      }
    }
  }
  return { logLikelihood, gamma, transitionCounts };
}
