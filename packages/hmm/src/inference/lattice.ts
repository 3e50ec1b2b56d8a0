import type { BatchShape } from '../batch.js';

/**
 * Everything the batched inference algorithms need: the batch layout, the Markov chain, and
 * the emission log-densities already evaluated at every observation. Emission models of any
 * kind (categorical, Gaussian, mixtures) reduce to this.
 */
export interface HmmLattice extends BatchShape {
  /** S, the number of hidden states. */
  readonly numStates: number;
  /** pi: startProbs[i] = P(state i at step 0). (S) */
  readonly startProbs: Float64Array;
  /** A: transitionMatrix[i*S + j] = P(state j at t+1 | state i at t). (S, S) */
  readonly transitionMatrix: Float64Array;
  /** logEmissions[(n*T + t)*S + i] = log b_i(o_t) for sequence n. (N, T, S) */
  readonly logEmissions: Float64Array;
}

/** log of every entry (log 0 = -Infinity). */
export function logOf(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = Math.log(values[k]);
  return out;
}

/** log(sum(exp(values[offset .. offset+count)))) without overflow; -Infinity for all -Infinity. */
export function logSumExp(values: ArrayLike<number>, offset = 0, count = values.length): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < count; k++) max = Math.max(max, values[offset + k]);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let k = 0; k < count; k++) sum += Math.exp(values[offset + k] - max);
  return max + Math.log(sum);
}
