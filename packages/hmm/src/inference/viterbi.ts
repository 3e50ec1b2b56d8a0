import { ZeroProbabilityError } from '../errors.js';
import { type HmmLattice, logOf } from './lattice.js';

export interface ViterbiResult {
  /** The most probable state path per sequence, -1 on padding. (N, T) */
  readonly paths: Int32Array;
  /** log P(O, Q* | model), the joint log-probability of each best path (eq. 34). (N) */
  readonly logProbability: Float64Array;
}

/**
 * Viterbi decoding in log space (Rabiner 1989 eqs. 32-35, with the logarithms of eq. 105a-c).
 * Ties go to the lowest state index. Throws ZeroProbabilityError when a sequence has no path
 * of non-zero probability.
 */
export function viterbi(lattice: HmmLattice): ViterbiResult {
  const { numSequences: N, maxLength: T, numStates: S, lengths, logEmissions } = lattice;
  const logStart = logOf(lattice.startProbs);
  const logTransition = logOf(lattice.transitionMatrix);
  const paths = new Int32Array(N * T).fill(-1);
  const logProbability = new Float64Array(N);
  const backPointers = new Int32Array(T * S); // psi_t(j), eq. 33b; reused per sequence
  let delta = new Float64Array(S); // delta_t(j), eq. 33a
  let nextDelta = new Float64Array(S);

  for (let n = 0; n < N; n++) {
    const length = lengths[n];
    for (let j = 0; j < S; j++) delta[j] = logStart[j] + logEmissions[n * T * S + j];
    throwIfAllImpossible(delta, n, 0);
    for (let t = 1; t < length; t++) {
      const row = (n * T + t) * S;
      for (let j = 0; j < S; j++) {
        let best = Number.NEGATIVE_INFINITY;
        let argBest = 0;
        for (let i = 0; i < S; i++) {
          const score = delta[i] + logTransition[i * S + j];
          if (score > best) {
            best = score;
            argBest = i;
          }
        }
        nextDelta[j] = best + logEmissions[row + j];
        backPointers[t * S + j] = argBest;
      }
      [delta, nextDelta] = [nextDelta, delta];
      throwIfAllImpossible(delta, n, t);
    }
    // Termination and backtracking, eqs. 34-35.
    let best = Number.NEGATIVE_INFINITY;
    let state = 0;
    for (let j = 0; j < S; j++) {
      if (delta[j] > best) {
        best = delta[j];
        state = j;
      }
    }
    logProbability[n] = best;
    for (let t = length - 1; t >= 0; t--) {
      paths[n * T + t] = state;
      state = backPointers[t * S + state];
    }
  }
  return { paths, logProbability };
}

function throwIfAllImpossible(delta: Float64Array, sequence: number, step: number): void {
  for (let j = 0; j < delta.length; j++) if (delta[j] > Number.NEGATIVE_INFINITY) return;
  throw new ZeroProbabilityError(sequence, step);
}

/**
 * Posterior (max-marginal) decoding: argmax_i gamma_t(i) at every step (Rabiner eq. 27's
 * individually most likely states). Ties go to the lowest index. (N, T), -1 on padding.
 */
export function argmaxStates(
  shape: { numSequences: number; maxLength: number; lengths: Int32Array },
  numStates: number,
  gamma: Float64Array,
): Int32Array {
  const { numSequences: N, maxLength: T, lengths } = shape;
  const out = new Int32Array(N * T).fill(-1);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < lengths[n]; t++) {
      const row = (n * T + t) * numStates;
      let best = 0;
      for (let i = 1; i < numStates; i++) if (gamma[row + i] > gamma[row + best]) best = i;
      out[n * T + t] = best;
    }
  }
  return out;
}
