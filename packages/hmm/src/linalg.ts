import { HmmInputError } from './errors.js';

/**
 * Cholesky factor L (lower triangular, row-major D x D) of a symmetric positive-definite
 * matrix, read from `matrix[offset ..]`. Throws naming `what` when the matrix is not positive
 * definite.
 */
export function cholesky(
  matrix: Float64Array,
  offset: number,
  D: number,
  what: string,
): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[offset + i * D + j];
      for (let k = 0; k < j; k++) sum -= L[i * D + k] * L[j * D + k];
      if (i === j) {
        if (!(sum > 0)) {
          throw new HmmInputError(
            `${what} is not positive definite; make it symmetric with a positive diagonal ` +
              `(e.g. add a small multiple of the identity, or raise minCovar)`,
          );
        }
        L[i * D + i] = Math.sqrt(sum);
      } else {
        L[i * D + j] = sum / L[j * D + j];
      }
    }
  }
  return L;
}

/** Solves L z = r in place (forward substitution) for lower-triangular L; returns |z|^2. */
export function forwardSubstituteSquaredNorm(L: Float64Array, r: Float64Array, D: number): number {
  let norm = 0;
  for (let i = 0; i < D; i++) {
    let value = r[i];
    for (let k = 0; k < i; k++) value -= L[i * D + k] * r[k];
    value /= L[i * D + i];
    r[i] = value;
    norm += value * value;
  }
  return norm;
}
