import { packVectors, type VectorBatch } from '../batch.js';
import { HmmInputError } from '../errors.js';
import {
  type ExpectedCounts,
  type FitOptions,
  HiddenMarkovModel,
  type HmmOptions,
  type LabeledFitOptions,
  normalizeRows,
} from '../hmm.js';
import { logSumExp } from '../inference/lattice.js';
import type { SeededRandom } from '../random.js';
import { flattenMatrix, positiveInteger, pseudocount, stochasticMatrix } from '../validate.js';
import {
  type CovarianceType,
  flattenCovars,
  GaussianComponents,
  pooledCovariance,
  weightedGaussianUpdate,
} from './gaussian.js';
import { kMeans } from './kmeans.js';

/** One sequence of D-dimensional observations: T rows of D numbers. */
export type VectorSequence = ArrayLike<ArrayLike<number>>;

interface GaussianOptionsBase extends HmmOptions {
  /** D, the size of each observation vector. */
  featureSize: number;
  /** 'diag' (default): covars (.., D) of variances; 'full': covars (.., D, D). */
  covarianceType?: CovarianceType;
  /** Added to the diagonal of every re-estimated covariance so none collapses, default 1e-3. */
  minCovar?: number;
}

export interface GaussianFitOptions extends FitOptions {
  /** How 'm' in initParams places the means: 'kmeans' (default, k-means++ then Lloyd) or 'random' frames. */
  meansInit?: 'kmeans' | 'random';
}

export interface GaussianHmmOptions extends GaussianOptionsBase {
  /** (S, D): mean of each state's Gaussian. */
  means?: ArrayLike<ArrayLike<number>> | ArrayLike<number>;
  /** (S, D) variances for 'diag', (S, D, D) covariance matrices for 'full'. */
  covars?: ArrayLike<unknown>;
}

/** Packs once; the real (non-padding) frames are needed for initialization. */
function realFrames(batch: VectorBatch): { values: Float64Array; count: number } {
  const { numSequences: N, maxLength: T, lengths, featureSize: D } = batch;
  let count = 0;
  for (let n = 0; n < N; n++) count += lengths[n];
  const values = new Float64Array(count * D);
  let v = 0;
  for (let n = 0; n < N; n++) {
    values.set(batch.values.subarray(n * T * D, (n * T + lengths[n]) * D), v * D);
    v += lengths[n];
  }
  return { values, count };
}

function isPadding(batch: VectorBatch): (v: number) => boolean {
  return (v) => v % batch.maxLength >= batch.lengths[Math.floor(v / batch.maxLength)];
}

/** K initial means: k-means centers or K distinct random frames. */
function initialMeans(
  batch: VectorBatch,
  K: number,
  random: SeededRandom,
  how: string | undefined,
): Float64Array {
  const { values, count } = realFrames(batch);
  const D = batch.featureSize;
  if (count < K) {
    throw new HmmInputError(
      `cannot initialize ${K} Gaussian means from ${count} observations; pass more data, ` +
        `fewer states/components, or set the means yourself`,
    );
  }
  if (how === 'random') {
    const means = new Float64Array(K * D);
    const chosen = new Set<number>();
    for (let k = 0; k < K; k++) {
      let v = random.integer(count);
      while (chosen.has(v)) v = (v + 1) % count;
      chosen.add(v);
      means.set(values.subarray(v * D, (v + 1) * D), k * D);
    }
    return means;
  }
  if (how !== undefined && how !== 'kmeans') {
    throw new HmmInputError(`meansInit must be 'kmeans' or 'random', got '${how}'`);
  }
  return kMeans(values, count, D, K, random);
}

/**
 * HMM with one Gaussian per state: b_j(o) = N(o; mu_j, Sigma_j), diagonal or full covariance.
 * Sequences are arrays of observation vectors. Emission parameter letters: 'm' means,
 * 'c' covars. Initialization: means by seeded k-means (or random frames), covariances equal to
 * the pooled data covariance plus minCovar.
 */
export class GaussianHMM extends HiddenMarkovModel<VectorSequence, VectorBatch, number[]> {
  readonly featureSize: number;
  readonly covarianceType: CovarianceType;
  readonly minCovar: number;
  protected readonly emissionParameters = { m: 'means', c: 'covars' };
  private meansValue: Float64Array | null = null;
  private covarsValue: Float64Array | null = null;
  private components: GaussianComponents | null = null;

  constructor(options: GaussianHmmOptions) {
    super(options);
    this.featureSize = positiveInteger('featureSize', options.featureSize);
    this.covarianceType = checkCovarianceType(options.covarianceType);
    this.minCovar = pseudocount('minCovar', options.minCovar ?? 1e-3);
    if (options.means !== undefined) this.means = options.means;
    if (options.covars !== undefined) this.covars = options.covars;
  }

  /** (S, D) row-major means. A copy; assign nested or flat to replace. */
  get means(): Float64Array {
    return Float64Array.from(this.require(this.meansValue, 'means', 'm'));
  }
  set means(value: ArrayLike<ArrayLike<number>> | ArrayLike<number>) {
    this.meansValue = flattenMatrix('means', value, this.numStates, this.featureSize);
    this.components = null;
  }

  /** (S, D) variances ('diag') or (S, D, D) covariances ('full'), flat. Assign to replace. */
  get covars(): Float64Array {
    return Float64Array.from(this.require(this.covarsValue, 'covars', 'c'));
  }
  set covars(value: ArrayLike<unknown>) {
    const covars = flattenCovars(
      'covars',
      value,
      this.numStates,
      this.featureSize,
      this.covarianceType,
    );
    this.covarsValue = covars;
    this.components = null;
    if (this.meansValue) this.gaussians(); // validate now, not at first use
  }

  override fit(sequences: readonly VectorSequence[], options: GaussianFitOptions = {}) {
    return super.fit(sequences, options);
  }

  private gaussians(): GaussianComponents {
    if (!this.components) {
      this.components = new GaussianComponents(
        this.numStates,
        this.featureSize,
        this.covarianceType,
        this.require(this.meansValue, 'means', 'm'),
        this.require(this.covarsValue, 'covars', 'c'),
        (k) => `state ${k}`,
      );
    }
    return this.components;
  }

  protected packSequences(sequences: readonly VectorSequence[]): VectorBatch {
    return packVectors(sequences, this.featureSize);
  }

  protected computeLogEmissions(batch: VectorBatch): Float64Array {
    const S = this.numStates;
    const V = batch.numSequences * batch.maxLength;
    const out = new Float64Array(V * S); // (N, T, S)
    this.gaussians().logDensities(batch.values, V, out, S, 0, isPadding(batch));
    return out;
  }

  protected isEmissionParameterSet(letter: string): boolean {
    return (letter === 'm' ? this.meansValue : this.covarsValue) !== null;
  }

  protected initializeEmissions(
    batch: VectorBatch,
    letters: Set<string>,
    random: SeededRandom,
    options: GaussianFitOptions,
  ): void {
    if (letters.has('m')) {
      this.meansValue = initialMeans(batch, this.numStates, random, options.meansInit);
      this.components = null;
    }
    if (letters.has('c')) {
      const { values, count } = realFrames(batch);
      this.covarsValue = pooledCovariance(
        values,
        count,
        this.featureSize,
        this.numStates,
        this.covarianceType,
        this.minCovar,
      );
      this.components = null;
    }
  }

  /** Rabiner eq. 53 with one component per state: gamma-weighted means and covariances. */
  protected updateEmissions(
    batch: VectorBatch,
    counts: ExpectedCounts,
    letters: Set<string>,
  ): void {
    if (!letters.has('m') && !letters.has('c')) return;
    const updated = weightedGaussianUpdate({
      values: batch.values,
      numVectors: batch.numSequences * batch.maxLength,
      weights: counts.gamma,
      stride: this.numStates,
      offset: 0,
      components: this.gaussians(),
      updateMeans: letters.has('m'),
      updateCovars: letters.has('c'),
      minCovar: this.minCovar,
    });
    this.meansValue = updated.means;
    this.covarsValue = updated.covars;
    this.components = null;
  }

  protected sampleObservation(state: number, random: SeededRandom): number[] {
    return this.gaussians().sample(state, random);
  }
}

export interface GmmHmmOptions extends GaussianOptionsBase {
  /** M, the number of mixture components per state. */
  numComponents: number;
  /** (S, M): mixture weights c_jm, each row a distribution. */
  weights?: ArrayLike<ArrayLike<number>> | ArrayLike<number>;
  /** (S, M, D) component means, nested or flat. */
  means?: ArrayLike<unknown>;
  /** (S, M, D) variances ('diag') or (S, M, D, D) covariances ('full'), nested or flat. */
  covars?: ArrayLike<unknown>;
}

export interface GmmFitOptions extends GaussianFitOptions {
  /** Dirichlet pseudocount added to expected component counts. */
  weightPseudocount?: number;
}

/**
 * HMM with Gaussian-mixture emissions (Rabiner 1989 eq. 49):
 * b_j(o) = sum_m c_jm N(o; mu_jm, Sigma_jm). Letters: 'w' weights, 'm' means, 'c' covars.
 * Initialization: uniform weights, means by k-means with S*M centers (center s*M + m to
 * component m of state s), covariances equal to the pooled data covariance plus minCovar.
 */
export class GMMHMM extends HiddenMarkovModel<VectorSequence, VectorBatch, number[]> {
  readonly featureSize: number;
  readonly numComponents: number;
  readonly covarianceType: CovarianceType;
  readonly minCovar: number;
  protected readonly emissionParameters = { w: 'weights', m: 'means', c: 'covars' };
  private weightsValue: Float64Array | null = null;
  private meansValue: Float64Array | null = null;
  private covarsValue: Float64Array | null = null;
  private components: GaussianComponents | null = null;

  constructor(options: GmmHmmOptions) {
    super(options);
    this.featureSize = positiveInteger('featureSize', options.featureSize);
    this.numComponents = positiveInteger('numComponents', options.numComponents);
    this.covarianceType = checkCovarianceType(options.covarianceType);
    this.minCovar = pseudocount('minCovar', options.minCovar ?? 1e-3);
    if (options.weights !== undefined) this.weights = options.weights;
    if (options.means !== undefined) this.means = options.means;
    if (options.covars !== undefined) this.covars = options.covars;
  }

  /** (S, M) mixture weights, flat. Assign nested or flat to replace. */
  get weights(): Float64Array {
    return Float64Array.from(this.require(this.weightsValue, 'weights', 'w'));
  }
  set weights(value: ArrayLike<ArrayLike<number>> | ArrayLike<number>) {
    this.weightsValue = stochasticMatrix('weights', value, this.numStates, this.numComponents);
  }

  /** (S, M, D) means, flat. */
  get means(): Float64Array {
    return Float64Array.from(this.require(this.meansValue, 'means', 'm'));
  }
  set means(value: ArrayLike<unknown>) {
    const K = this.numStates * this.numComponents;
    this.meansValue = flattenCovars('means', value, K, this.featureSize, 'diag');
    this.components = null;
  }

  /** (S, M, D) variances or (S, M, D, D) covariances, flat. */
  get covars(): Float64Array {
    return Float64Array.from(this.require(this.covarsValue, 'covars', 'c'));
  }
  set covars(value: ArrayLike<unknown>) {
    const K = this.numStates * this.numComponents;
    this.covarsValue = flattenCovars('covars', value, K, this.featureSize, this.covarianceType);
    this.components = null;
    if (this.meansValue) this.gaussians();
  }

  override fit(sequences: readonly VectorSequence[], options: GmmFitOptions = {}) {
    pseudocount('weightPseudocount', options.weightPseudocount);
    return super.fit(sequences, options);
  }

  override fitLabeled(
    sequences: readonly VectorSequence[],
    stateSequences: readonly ArrayLike<number>[],
    options: LabeledFitOptions & {
      weightPseudocount?: number;
      meansInit?: 'kmeans' | 'random';
    } = {},
  ): void {
    pseudocount('weightPseudocount', options.weightPseudocount);
    super.fitLabeled(sequences, stateSequences, options);
  }

  private gaussians(): GaussianComponents {
    if (!this.components) {
      const M = this.numComponents;
      this.components = new GaussianComponents(
        this.numStates * M,
        this.featureSize,
        this.covarianceType,
        this.require(this.meansValue, 'means', 'm'),
        this.require(this.covarsValue, 'covars', 'c'),
        (k) => `state ${Math.floor(k / M)}, component ${k % M}`,
      );
    }
    return this.components;
  }

  protected packSequences(sequences: readonly VectorSequence[]): VectorBatch {
    return packVectors(sequences, this.featureSize);
  }

  /** log c_jm + log N(o_v; mu_jm, Sigma_jm) for every frame, (N*T, S*M). */
  private componentLogJoint(batch: VectorBatch): Float64Array {
    const K = this.numStates * this.numComponents;
    const V = batch.numSequences * batch.maxLength;
    const out = new Float64Array(V * K);
    const skip = isPadding(batch);
    this.gaussians().logDensities(batch.values, V, out, K, 0, skip);
    const logWeights = Float64Array.from(this.weightsValue!, Math.log);
    for (let v = 0; v < V; v++) {
      if (skip(v)) continue;
      for (let k = 0; k < K; k++) out[v * K + k] += logWeights[k];
    }
    return out;
  }

  protected computeLogEmissions(batch: VectorBatch): Float64Array {
    const S = this.numStates;
    const M = this.numComponents;
    const V = batch.numSequences * batch.maxLength;
    const joint = this.componentLogJoint(batch);
    const out = new Float64Array(V * S);
    const skip = isPadding(batch);
    for (let v = 0; v < V; v++) {
      if (skip(v)) continue;
      for (let s = 0; s < S; s++) out[v * S + s] = logSumExp(joint, (v * S + s) * M, M);
    }
    return out;
  }

  protected isEmissionParameterSet(letter: string): boolean {
    const value =
      letter === 'w' ? this.weightsValue : letter === 'm' ? this.meansValue : this.covarsValue;
    return value !== null;
  }

  protected initializeEmissions(
    batch: VectorBatch,
    letters: Set<string>,
    random: SeededRandom,
    options: GaussianFitOptions,
  ): void {
    const K = this.numStates * this.numComponents;
    if (letters.has('w')) this.weightsValue = new Float64Array(K).fill(1 / this.numComponents);
    if (letters.has('m')) this.meansValue = initialMeans(batch, K, random, options.meansInit);
    if (letters.has('c')) {
      const { values, count } = realFrames(batch);
      this.covarsValue = pooledCovariance(
        values,
        count,
        this.featureSize,
        K,
        this.covarianceType,
        this.minCovar,
      );
    }
    this.components = null;
  }

  /**
   * Rabiner eqs. 52-54: gamma_t(j, m) = gamma_t(j) c_jm N_jm(o_t) / b_j(o_t) weights the
   * component updates; c_jm = sum_t gamma_t(j, m) / sum_t gamma_t(j).
   */
  protected updateEmissions(
    batch: VectorBatch,
    counts: ExpectedCounts,
    letters: Set<string>,
    options: GmmFitOptions,
  ): void {
    const S = this.numStates;
    const M = this.numComponents;
    const K = S * M;
    const V = batch.numSequences * batch.maxLength;
    const joint = this.componentLogJoint(batch);
    const skip = isPadding(batch);
    const responsibilities = new Float64Array(V * K); // gamma_t(j, m), eq. 54
    for (let v = 0; v < V; v++) {
      if (skip(v)) continue;
      for (let s = 0; s < S; s++) {
        const gamma = counts.gamma[v * S + s];
        if (gamma === 0) continue;
        const logB = logSumExp(joint, (v * S + s) * M, M);
        for (let m = 0; m < M; m++) {
          const k = s * M + m;
          responsibilities[v * K + k] = gamma * Math.exp(joint[v * K + k] - logB);
        }
      }
    }
    if (letters.has('w')) {
      const componentCounts = new Float64Array(K).fill(options.weightPseudocount ?? 0);
      for (let v = 0; v < V; v++)
        for (let k = 0; k < K; k++) componentCounts[k] += responsibilities[v * K + k];
      normalizeRows(componentCounts, S, M, this.weightsValue!);
      this.weightsValue = componentCounts;
    }
    if (letters.has('m') || letters.has('c')) {
      const updated = weightedGaussianUpdate({
        values: batch.values,
        numVectors: V,
        weights: responsibilities,
        stride: K,
        offset: 0,
        components: this.gaussians(),
        updateMeans: letters.has('m'),
        updateCovars: letters.has('c'),
        minCovar: this.minCovar,
      });
      this.meansValue = updated.means;
      this.covarsValue = updated.covars;
    }
    this.components = null;
  }

  protected sampleObservation(state: number, random: SeededRandom): number[] {
    const M = this.numComponents;
    const component = random.categorical(this.weightsValue!, state * M, M);
    return this.gaussians().sample(state * M + component, random);
  }
}

function checkCovarianceType(value: CovarianceType | undefined): CovarianceType {
  const type = value ?? 'diag';
  if (type !== 'diag' && type !== 'full') {
    throw new HmmInputError(`covarianceType must be 'diag' or 'full', got '${type}'`);
  }
  return type;
}
