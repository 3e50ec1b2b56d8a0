import { HmmInputError } from '../errors.js';
import { SeededRandom } from '../random.js';

/**
 * Linear-chain conditional random field over K tags, the structured output layer of neural
 * taggers (Lafferty et al. 2001). Parameters and semantics follow pytorch-crf's `CRF` with
 * `batch_first=True`:
 *
 *   start_transitions  (K)     score of starting in tag k
 *   end_transitions    (K)     score of ending in tag k
 *   transitions        (K, K)  transitions[i*K + j] = score of tag i followed by tag j
 *   emissions          (B, T, K) per-step tag scores (e.g. a BiLSTM's outputs)
 *   mask               (B, T)  1 for real steps; each row a prefix of ones, mask[b][0] = 1
 *
 * score(y) = start[y_0] + sum_t emissions[t][y_t] + sum_{t>0} transitions[y_{t-1}][y_t] + end[y_last]
 * log p(y | x) = score(y) - log Z, with log Z by the forward algorithm in log space.
 *
 * This is the CPU math: values, Viterbi decoding, and analytic gradients from the marginals
 * (d log p / d score-part = observed count - expected count). The autograd layer on the GPU
 * runtime will use these as its forward and backward.
 */

/** How per-sequence log-likelihoods combine, as in pytorch-crf. */
export type CrfReduction = 'none' | 'sum' | 'mean' | 'token_mean';

/** A (B, T, K) array given nested or flat with its shape. */
export type Emissions =
  | ArrayLike<ArrayLike<ArrayLike<number>>>
  | { data: ArrayLike<number>; shape: readonly [number, number, number] };

/** A (B, T) array of tags or mask values, nested. */
export type BatchMatrix = ArrayLike<ArrayLike<number | boolean>>;

interface PackedEmissions {
  B: number;
  T: number;
  data: Float64Array; // (B, T, K)
}

export interface CrfGradients {
  /** d/d emissions, (B, T, K); zero at masked steps. */
  emissions: Float64Array;
  /** (K) */
  start_transitions: Float64Array;
  /** (K) */
  end_transitions: Float64Array;
  /** (K, K) */
  transitions: Float64Array;
}

export class LinearChainCRF {
  /** K, the number of tags. */
  readonly numTags: number;
  /** (K) */
  start_transitions: Float64Array;
  /** (K) */
  end_transitions: Float64Array;
  /** (K, K): transitions[i*K + j] scores tag i followed by tag j. */
  transitions: Float64Array;

  /** Parameters start uniform in [-0.1, 0.1], as pytorch-crf's reset_parameters, seeded. */
  constructor(numTags: number, options: { seed?: number } = {}) {
    if (!Number.isInteger(numTags) || numTags < 1) {
      throw new HmmInputError(`numTags must be a positive integer, got ${numTags}`);
    }
    this.numTags = numTags;
    const random = new SeededRandom(options.seed ?? 0);
    const init = (size: number) =>
      Float64Array.from({ length: size }, () => random.uniform() * 0.2 - 0.1);
    this.start_transitions = init(numTags);
    this.end_transitions = init(numTags);
    this.transitions = init(numTags * numTags);
  }

  /**
   * log p(tags | emissions), reduced as pytorch-crf's forward(): 'sum' (default), 'mean' over
   * the batch, 'token_mean' over unmasked steps, or 'none' (one value per sequence).
   */
  logLikelihood(
    emissions: Emissions,
    tags: BatchMatrix,
    mask?: BatchMatrix,
    reduction: CrfReduction = 'sum',
  ): number | Float64Array {
    return this.logLikelihoodAndGradients(emissions, tags, mask, reduction, false).logLikelihood;
  }

  /**
   * The reduced log-likelihood and its analytic gradients with respect to every parameter and
   * the emissions. With reduction 'none' the gradients are those of the sum.
   */
  logLikelihoodWithGradients(
    emissions: Emissions,
    tags: BatchMatrix,
    mask?: BatchMatrix,
    reduction: CrfReduction = 'sum',
  ): { logLikelihood: number | Float64Array; gradients: CrfGradients } {
    const result = this.logLikelihoodAndGradients(emissions, tags, mask, reduction, true);
    return { logLikelihood: result.logLikelihood, gradients: result.gradients! };
  }

  /** log Z per sequence: log-sum-exp of the scores of all tag sequences. (B) */
  logPartition(emissions: Emissions, mask?: BatchMatrix): Float64Array {
    const packed = this.packEmissions(emissions);
    const lengths = maskLengths(mask, packed.B, packed.T);
    const out = new Float64Array(packed.B);
    for (let b = 0; b < packed.B; b++) out[b] = this.forwardPass(packed, b, lengths[b]).logZ;
    return out;
  }

  /** Unnormalized score of the given tag sequences. (B) */
  score(emissions: Emissions, tags: BatchMatrix, mask?: BatchMatrix): Float64Array {
    const packed = this.packEmissions(emissions);
    const lengths = maskLengths(mask, packed.B, packed.T);
    const tagArray = packTags(tags, packed.B, packed.T, lengths, this.numTags);
    const out = new Float64Array(packed.B);
    for (let b = 0; b < packed.B; b++) out[b] = this.pathScore(packed, tagArray, b, lengths[b]);
    return out;
  }

  /** Marginals P(y_t = k | x) per sequence, (B, T, K); zero at masked steps. */
  marginals(emissions: Emissions, mask?: BatchMatrix): Float64Array {
    const packed = this.packEmissions(emissions);
    const lengths = maskLengths(mask, packed.B, packed.T);
    const K = this.numTags;
    const out = new Float64Array(packed.B * packed.T * K);
    for (let b = 0; b < packed.B; b++) {
      const { logAlpha, logZ } = this.forwardPass(packed, b, lengths[b]);
      const logBeta = this.backwardPass(packed, b, lengths[b]);
      for (let t = 0; t < lengths[b]; t++) {
        for (let k = 0; k < K; k++) {
          out[(b * packed.T + t) * K + k] = Math.exp(
            logAlpha[t * K + k] + logBeta[t * K + k] - logZ,
          );
        }
      }
    }
    return out;
  }

  /** Viterbi decoding: the highest-scoring tag sequence for each unmasked prefix. */
  decode(emissions: Emissions, mask?: BatchMatrix): number[][] {
    const packed = this.packEmissions(emissions);
    const lengths = maskLengths(mask, packed.B, packed.T);
    const K = this.numTags;
    const out: number[][] = [];
    for (let b = 0; b < packed.B; b++) {
      const L = lengths[b];
      const backPointers = new Int32Array(L * K);
      let delta = new Float64Array(K);
      let next = new Float64Array(K);
      for (let k = 0; k < K; k++)
        delta[k] = this.start_transitions[k] + packed.data[b * packed.T * K + k];
      for (let t = 1; t < L; t++) {
        const row = (b * packed.T + t) * K;
        for (let j = 0; j < K; j++) {
          let best = Number.NEGATIVE_INFINITY;
          let argBest = 0;
          for (let i = 0; i < K; i++) {
            const s = delta[i] + this.transitions[i * K + j];
            if (s > best) {
              best = s;
              argBest = i;
            }
          }
          next[j] = best + packed.data[row + j];
          backPointers[t * K + j] = argBest;
        }
        [delta, next] = [next, delta];
      }
      let tag = 0;
      for (let k = 1; k < K; k++) {
        if (delta[k] + this.end_transitions[k] > delta[tag] + this.end_transitions[tag]) tag = k;
      }
      const path = new Array<number>(L);
      for (let t = L - 1; t >= 0; t--) {
        path[t] = tag;
        tag = backPointers[t * K + tag];
      }
      out.push(path);
    }
    return out;
  }

  private logLikelihoodAndGradients(
    emissions: Emissions,
    tags: BatchMatrix,
    mask: BatchMatrix | undefined,
    reduction: CrfReduction,
    withGradients: boolean,
  ): { logLikelihood: number | Float64Array; gradients?: CrfGradients } {
    const packed = this.packEmissions(emissions);
    const { B, T } = packed;
    const K = this.numTags;
    const lengths = maskLengths(mask, B, T);
    const tagArray = packTags(tags, B, T, lengths, K);
    const perSequence = new Float64Array(B);
    const gradients: CrfGradients | undefined = withGradients
      ? {
          emissions: new Float64Array(B * T * K),
          start_transitions: new Float64Array(K),
          end_transitions: new Float64Array(K),
          transitions: new Float64Array(K * K),
        }
      : undefined;

    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const { logAlpha, logZ } = this.forwardPass(packed, b, L);
      perSequence[b] = this.pathScore(packed, tagArray, b, L) - logZ;
      if (!gradients) continue;
      // Observed counts minus expected counts under the model.
      const logBeta = this.backwardPass(packed, b, L);
      for (let t = 0; t < L; t++) {
        const row = (b * T + t) * K;
        gradients.emissions[row + tagArray[b * T + t]] += 1;
        for (let k = 0; k < K; k++) {
          const marginal = Math.exp(logAlpha[t * K + k] + logBeta[t * K + k] - logZ);
          gradients.emissions[row + k] -= marginal;
          if (t === 0) gradients.start_transitions[k] -= marginal;
          if (t === L - 1) gradients.end_transitions[k] -= marginal;
        }
        if (t === 0) continue;
        gradients.transitions[tagArray[b * T + t - 1] * K + tagArray[b * T + t]] += 1;
        for (let i = 0; i < K; i++) {
          for (let j = 0; j < K; j++) {
            const logPair =
              logAlpha[(t - 1) * K + i] +
              this.transitions[i * K + j] +
              packed.data[row + j] +
              logBeta[t * K + j];
            gradients.transitions[i * K + j] -= Math.exp(logPair - logZ);
          }
        }
      }
      gradients.start_transitions[tagArray[b * T]] += 1;
      gradients.end_transitions[tagArray[b * T + L - 1]] += 1;
    }

    let total = 0;
    for (const value of perSequence) total += value;
    let scale = 1;
    let logLikelihood: number | Float64Array = total;
    if (reduction === 'none') logLikelihood = perSequence;
    else if (reduction === 'mean') scale = 1 / B;
    else if (reduction === 'token_mean') scale = 1 / lengths.reduce((a, b) => a + b, 0);
    else if (reduction !== 'sum') {
      throw new HmmInputError(
        `reduction must be 'none', 'sum', 'mean' or 'token_mean', got '${reduction}'`,
      );
    }
    if (typeof logLikelihood === 'number') logLikelihood *= scale;
    if (gradients && scale !== 1) {
      for (const array of Object.values(gradients))
        for (let k = 0; k < array.length; k++) array[k] *= scale;
    }
    return { logLikelihood, gradients };
  }

  /** log alpha_t(k) for t < L, (L, K), and log Z. */
  private forwardPass(
    packed: PackedEmissions,
    b: number,
    L: number,
  ): { logAlpha: Float64Array; logZ: number } {
    const K = this.numTags;
    const { T, data } = packed;
    const logAlpha = new Float64Array(L * K);
    const terms = new Float64Array(K);
    for (let k = 0; k < K; k++) logAlpha[k] = this.start_transitions[k] + data[b * T * K + k];
    for (let t = 1; t < L; t++) {
      const row = (b * T + t) * K;
      for (let j = 0; j < K; j++) {
        for (let i = 0; i < K; i++)
          terms[i] = logAlpha[(t - 1) * K + i] + this.transitions[i * K + j];
        logAlpha[t * K + j] = logSumExpOf(terms) + data[row + j];
      }
    }
    for (let k = 0; k < K; k++) terms[k] = logAlpha[(L - 1) * K + k] + this.end_transitions[k];
    return { logAlpha, logZ: logSumExpOf(terms) };
  }

  /** log beta_t(k) = log-sum of scores of the continuations after step t from tag k, (L, K). */
  private backwardPass(packed: PackedEmissions, b: number, L: number): Float64Array {
    const K = this.numTags;
    const { T, data } = packed;
    const logBeta = new Float64Array(L * K);
    const terms = new Float64Array(K);
    for (let k = 0; k < K; k++) logBeta[(L - 1) * K + k] = this.end_transitions[k];
    for (let t = L - 2; t >= 0; t--) {
      const next = (b * T + t + 1) * K;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          terms[j] = this.transitions[i * K + j] + data[next + j] + logBeta[(t + 1) * K + j];
        }
        logBeta[t * K + i] = logSumExpOf(terms);
      }
    }
    return logBeta;
  }

  private pathScore(packed: PackedEmissions, tags: Int32Array, b: number, L: number): number {
    const K = this.numTags;
    const { T, data } = packed;
    let score = this.start_transitions[tags[b * T]];
    for (let t = 0; t < L; t++) {
      const tag = tags[b * T + t];
      score += data[(b * T + t) * K + tag];
      if (t > 0) score += this.transitions[tags[b * T + t - 1] * K + tag];
    }
    return score + this.end_transitions[tags[b * T + L - 1]];
  }

  private packEmissions(emissions: Emissions): PackedEmissions {
    const K = this.numTags;
    if ('shape' in emissions && 'data' in emissions) {
      const [B, T, k] = emissions.shape;
      if (k !== K || emissions.data.length !== B * T * K) {
        throw new HmmInputError(
          `expected emissions of shape (B, T, ${K}) with B*T*${K} values, got shape (${B}, ${T}, ${k}) ` +
            `and ${emissions.data.length} values`,
        );
      }
      return { B, T, data: checkFinite(Float64Array.from(emissions.data)) };
    }
    const nested = emissions as ArrayLike<ArrayLike<ArrayLike<number>>>;
    const B = nested.length;
    const T = B > 0 ? nested[0].length : 0;
    if (B === 0 || T === 0) {
      throw new HmmInputError('emissions must have shape (B, T, K) with B >= 1 and T >= 1');
    }
    const data = new Float64Array(B * T * K);
    for (let b = 0; b < B; b++) {
      if (nested[b].length !== T) {
        throw new HmmInputError(
          `emissions: sequence ${b} has ${nested[b].length} steps but sequence 0 has ${T}; pad to a ` +
            `common length T and pass a mask`,
        );
      }
      for (let t = 0; t < T; t++) {
        const row = nested[b][t];
        if (row.length !== K) {
          throw new HmmInputError(
            `expected emissions of shape (${B}, ${T}, ${K}), got ${row.length} tag scores at (${b}, ${t})`,
          );
        }
        for (let k = 0; k < K; k++) data[(b * T + t) * K + k] = row[k];
      }
    }
    return { B, T, data: checkFinite(data) };
  }
}

function checkFinite(data: Float64Array): Float64Array {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new HmmInputError(
        `emissions contain ${data[k]} at flat index ${k}; scores must be finite`,
      );
    }
  }
  return data;
}

function logSumExpOf(values: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) max = Math.max(max, v);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** Sequence lengths from a (B, T) prefix mask; all T when no mask is given. */
function maskLengths(mask: BatchMatrix | undefined, B: number, T: number): number[] {
  if (mask === undefined) return new Array<number>(B).fill(T);
  if (mask.length !== B) {
    throw new HmmInputError(`expected a mask of shape (${B}, ${T}), got ${mask.length} rows`);
  }
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = mask[b];
    if (row.length !== T) {
      throw new HmmInputError(
        `expected a mask of shape (${B}, ${T}), got ${row.length} steps in row ${b}`,
      );
    }
    let length = 0;
    while (length < T && row[length]) length++;
    for (let t = length; t < T; t++) {
      if (row[t]) {
        throw new HmmInputError(
          `mask row ${b} is not a prefix of ones (step ${t} is on after step ${length} is off); ` +
            `left-align each sequence and pad at the end`,
        );
      }
    }
    if (length === 0) {
      throw new HmmInputError(
        `mask row ${b}: the first step must be on (as in pytorch-crf); drop empty sequences`,
      );
    }
    lengths.push(length);
  }
  return lengths;
}

function packTags(
  tags: BatchMatrix,
  B: number,
  T: number,
  lengths: number[],
  K: number,
): Int32Array {
  if (tags.length !== B)
    throw new HmmInputError(`expected tags of shape (${B}, ${T}), got ${tags.length} rows`);
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    if (tags[b].length < lengths[b]) {
      throw new HmmInputError(`tags row ${b} has ${tags[b].length} steps; expected ${T}`);
    }
    for (let t = 0; t < lengths[b]; t++) {
      const tag = Number(tags[b][t]);
      if (!Number.isInteger(tag) || tag < 0 || tag >= K) {
        throw new HmmInputError(
          `tags (${b}, ${t}) is ${tags[b][t]}; tags must be integers in [0, ${K})`,
        );
      }
      out[b * T + t] = tag;
    }
  }
  return out;
}
