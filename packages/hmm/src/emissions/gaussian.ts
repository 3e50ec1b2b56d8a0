import { HmmInputError } from '../errors.js';
import { cholesky, forwardSubstituteSquaredNorm } from '../linalg.js';
import type { SeededRandom } from '../random.js';

/** 'diag': one variance per feature, (K, D). 'full': a full covariance matrix, (K, D, D). */
export type CovarianceType = 'diag' | 'full';

const LOG_2PI = Math.log(2 * Math.PI);

/** Number of values one component's covariance takes in the flat layout. */
export function covarianceSize(type: CovarianceType, D: number): number {
  return type === 'diag' ? D : D * D;
}

/**
 * K Gaussian components over D features: means (K, D) and covars ((K, D) or (K, D, D)),
 * with the Cholesky factors cached for density evaluation. GaussianHMM uses K = S;
 * GMMHMM uses K = S * M (component m of state s at index s*M + m).
 */
export class GaussianComponents {
  private readonly factors: Float64Array[]; // full: Cholesky L per component
  private readonly logNormalizers: Float64Array; // -0.5 (D log 2pi + log |Sigma_k|)

  constructor(
    readonly numComponents: number,
    readonly featureSize: number,
    readonly covarianceType: CovarianceType,
    readonly means: Float64Array,
    readonly covars: Float64Array,
    label: (k: number) => string,
  ) {
    const K = numComponents;
    const D = featureSize;
    this.logNormalizers = new Float64Array(K);
    this.factors = [];
    for (let k = 0; k < K; k++) {
      let logDet = 0;
      if (covarianceType === 'diag') {
        for (let d = 0; d < D; d++) {
          const variance = covars[k * D + d];
          if (!(variance > 0 && Number.isFinite(variance))) {
            throw new HmmInputError(
              `covars of ${label(k)}: variance of feature ${d} is ${variance}; variances must be ` +
                `finite and > 0 (raise minCovar if fitting produced it)`,
            );
          }
          logDet += Math.log(variance);
        }
      } else {
        checkSymmetric(covars, k * D * D, D, `covars of ${label(k)}`);
        const L = cholesky(covars, k * D * D, D, `covars of ${label(k)}`);
        for (let d = 0; d < D; d++) logDet += 2 * Math.log(L[d * D + d]);
        this.factors.push(L);
      }
      this.logNormalizers[k] = -0.5 * (D * LOG_2PI + logDet);
    }
  }

  /**
   * log N(x_v; mu_k, Sigma_k) for V vectors `values` (V, D), written to `out` at
   * out[v * stride + offset + k]. Rows where `skip(v)` is true are left untouched.
   */
  logDensities(
    values: Float64Array,
    V: number,
    out: Float64Array,
    stride: number,
    offset: number,
    skip: (v: number) => boolean,
  ): void {
    const { numComponents: K, featureSize: D, means, covars } = this;
    const residual = new Float64Array(D);
    for (let v = 0; v < V; v++) {
      if (skip(v)) continue;
      for (let k = 0; k < K; k++) {
        let squared = 0;
        if (this.covarianceType === 'diag') {
          for (let d = 0; d < D; d++) {
            const r = values[v * D + d] - means[k * D + d];
            squared += (r * r) / covars[k * D + d];
          }
        } else {
          for (let d = 0; d < D; d++) residual[d] = values[v * D + d] - means[k * D + d];
          squared = forwardSubstituteSquaredNorm(this.factors[k], residual, D);
        }
        out[v * stride + offset + k] = this.logNormalizers[k] - 0.5 * squared;
      }
    }
  }

  /** One draw from component k: mu_k + L_k z with z standard normal. */
  sample(k: number, random: SeededRandom): number[] {
    const D = this.featureSize;
    const z = Array.from({ length: D }, () => random.normal());
    const x = new Array<number>(D);
    for (let i = 0; i < D; i++) {
      let value = this.means[k * D + i];
      if (this.covarianceType === 'diag') {
        value += Math.sqrt(this.covars[k * D + i]) * z[i];
      } else {
        const L = this.factors[k];
        for (let j = 0; j <= i; j++) value += L[i * D + j] * z[j];
      }
      x[i] = value;
    }
    return x;
  }
}

function checkSymmetric(matrix: Float64Array, offset: number, D: number, what: string): void {
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < i; j++) {
      const a = matrix[offset + i * D + j];
      const b = matrix[offset + j * D + i];
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new HmmInputError(
          `${what} is not symmetric: entry (${i}, ${j}) = ${a} but (${j}, ${i}) = ${b}; ` +
            `symmetrize it, e.g. (S + S^T) / 2`,
        );
      }
    }
  }
}

/**
 * Weighted maximum-likelihood update of K Gaussians from V vectors (Rabiner 1989 eq. 53 with
 * gamma_t(j, k) as the weights): mu_k = sum_v w_vk x_v / sum_v w_vk and
 * Sigma_k = sum_v w_vk (x_v - mu_k)(x_v - mu_k)^T / sum_v w_vk + minCovar * I, with mu_k the
 * updated mean when means are learned. A component with total weight below 1e-10 keeps its
 * previous parameters (it explains no data, so the data say nothing about it).
 */
export function weightedGaussianUpdate(options: {
  values: Float64Array; // (V, D)
  numVectors: number;
  weights: Float64Array; // (V, K) at weights[v * stride + offset + k]
  stride: number;
  offset: number;
  components: GaussianComponents;
  updateMeans: boolean;
  updateCovars: boolean;
  minCovar: number;
}): { means: Float64Array; covars: Float64Array } {
  const { values, numVectors: V, weights, stride, offset, components, minCovar } = options;
  const { numComponents: K, featureSize: D, covarianceType } = components;
  const means = Float64Array.from(components.means);
  const covars = Float64Array.from(components.covars);
  const totals = new Float64Array(K);
  const sums = new Float64Array(K * D);
  for (let v = 0; v < V; v++) {
    for (let k = 0; k < K; k++) {
      const w = weights[v * stride + offset + k];
      if (w === 0) continue;
      totals[k] += w;
      for (let d = 0; d < D; d++) sums[k * D + d] += w * values[v * D + d];
    }
  }
  const active = (k: number) => totals[k] > 1e-10;
  if (options.updateMeans) {
    for (let k = 0; k < K; k++) {
      if (!active(k)) continue;
      for (let d = 0; d < D; d++) means[k * D + d] = sums[k * D + d] / totals[k];
    }
  }
  if (!options.updateCovars) return { means, covars };
  const size = covarianceSize(covarianceType, D);
  const scatter = new Float64Array(K * size);
  const residual = new Float64Array(D);
  for (let v = 0; v < V; v++) {
    for (let k = 0; k < K; k++) {
      const w = weights[v * stride + offset + k];
      if (w === 0) continue;
      for (let d = 0; d < D; d++) residual[d] = values[v * D + d] - means[k * D + d];
      if (covarianceType === 'diag') {
        for (let d = 0; d < D; d++) scatter[k * D + d] += w * residual[d] * residual[d];
      } else {
        for (let i = 0; i < D; i++) {
          for (let j = 0; j <= i; j++)
            scatter[k * size + i * D + j] += w * residual[i] * residual[j];
        }
      }
    }
  }
  for (let k = 0; k < K; k++) {
    if (!active(k)) continue;
    if (covarianceType === 'diag') {
      for (let d = 0; d < D; d++) covars[k * D + d] = scatter[k * D + d] / totals[k] + minCovar;
    } else {
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) {
          const value = scatter[k * size + i * D + j] / totals[k] + (i === j ? minCovar : 0);
          covars[k * size + i * D + j] = value;
          covars[k * size + j * D + i] = value;
        }
      }
    }
  }
  return { means, covars };
}

/**
 * Covariance of all V vectors plus minCovar on the diagonal, repeated for K components: the
 * starting covariance for every state (as hmmlearn does).
 */
export function pooledCovariance(
  values: Float64Array,
  V: number,
  D: number,
  K: number,
  covarianceType: CovarianceType,
  minCovar: number,
): Float64Array {
  const mean = new Float64Array(D);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) mean[d] += values[v * D + d] / V;
  const full = new Float64Array(D * D);
  for (let v = 0; v < V; v++) {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        full[i * D + j] += ((values[v * D + i] - mean[i]) * (values[v * D + j] - mean[j])) / V;
      }
    }
  }
  const size = covarianceSize(covarianceType, D);
  const out = new Float64Array(K * size);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < D; i++) {
      if (covarianceType === 'diag') {
        out[k * D + i] = full[i * D + i] + minCovar;
      } else {
        for (let j = 0; j < D; j++)
          out[k * size + i * D + j] = full[i * D + j] + (i === j ? minCovar : 0);
      }
    }
  }
  return out;
}

/** Reads covariances given nested ((K, D) or (K, D, D)) or flat into the flat layout. */
export function flattenCovars(
  name: string,
  input: ArrayLike<unknown>,
  K: number,
  D: number,
  covarianceType: CovarianceType,
): Float64Array {
  const flat: number[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'number') flat.push(value);
    else if (value !== null && typeof value === 'object' && 'length' in value) {
      for (const item of Array.from(value as ArrayLike<unknown>)) visit(item);
    } else {
      throw new HmmInputError(`${name}: expected numbers, got ${String(value)}`);
    }
  };
  visit(input);
  const expected = K * covarianceSize(covarianceType, D);
  if (flat.length !== expected) {
    const shape = covarianceType === 'diag' ? `(${K}, ${D})` : `(${K}, ${D}, ${D})`;
    throw new HmmInputError(
      `${name}: covarianceType '${covarianceType}' expects shape ${shape} = ${expected} values, ` +
        `got ${flat.length}`,
    );
  }
  return Float64Array.from(flat);
}
