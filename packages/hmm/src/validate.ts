import { HmmInputError } from './errors.js';

/** A matrix given either nested (rows of columns) or flat row-major. */
export type MatrixInput = ArrayLike<ArrayLike<number>> | ArrayLike<number>;

/** How far a probability row may be from summing to one. */
export const SUM_TOLERANCE = 1e-6;

/** Flattens a nested or flat matrix to row-major (rows, cols), checking the shape. */
export function flattenMatrix(
  name: string,
  input: MatrixInput,
  rows: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  const first = input.length > 0 ? input[0] : undefined;
  if (typeof first === 'object' && first !== null) {
    const nested = input as ArrayLike<ArrayLike<number>>;
    if (nested.length !== rows) {
      throw new HmmInputError(
        `${name}: expected ${rows} rows of ${cols}, got ${nested.length} rows`,
      );
    }
    for (let r = 0; r < rows; r++) {
      if (nested[r].length !== cols) {
        throw new HmmInputError(
          `${name}: expected shape (${rows}, ${cols}), but row ${r} has ${nested[r].length} entries`,
        );
      }
      for (let c = 0; c < cols; c++) out[r * cols + c] = nested[r][c];
    }
  } else {
    const flat = input as ArrayLike<number>;
    if (flat.length !== rows * cols) {
      throw new HmmInputError(
        `${name}: expected shape (${rows}, ${cols}) = ${rows * cols} values, got ${flat.length}`,
      );
    }
    for (let k = 0; k < flat.length; k++) out[k] = flat[k];
  }
  for (let k = 0; k < out.length; k++) {
    if (!Number.isFinite(out[k])) {
      throw new HmmInputError(
        `${name}: entry (${Math.floor(k / cols)}, ${k % cols}) is ${out[k]}; every entry must be finite`,
      );
    }
  }
  return out;
}

/**
 * Checks that every row of a flat (rows, cols) matrix is a probability distribution: entries
 * in [0, 1] and a sum within SUM_TOLERANCE of one.
 */
export function checkStochasticRows(
  name: string,
  matrix: Float64Array,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const p = matrix[r * cols + c];
      if (!(p >= 0 && p <= 1)) {
        throw new HmmInputError(
          `${name}: entry (${r}, ${c}) is ${p}; probabilities must lie in [0, 1]`,
        );
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      const where = rows === 1 ? '' : ` row ${r}`;
      throw new HmmInputError(
        `${name}${where} sums to ${sum}, not 1 (tolerance ${SUM_TOLERANCE}); normalize it, ` +
          `e.g. row.map((p) => p / sum)`,
      );
    }
  }
}

/** Flattens and checks a probability matrix (each row a distribution). */
export function stochasticMatrix(
  name: string,
  input: MatrixInput,
  rows: number,
  cols: number,
): Float64Array {
  const matrix = flattenMatrix(name, input, rows, cols);
  checkStochasticRows(name, matrix, rows, cols);
  return matrix;
}

/** Checks a count-like option: a positive integer. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new HmmInputError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Checks a pseudocount: finite and >= 0 (a Dirichlet prior with alpha = 1 + pseudocount). */
export function pseudocount(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new HmmInputError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return v;
}

/** Parses an hmmlearn-style parameter mask such as 'ste', rejecting unknown letters. */
export function parameterMask(name: string, mask: string, allowed: string): Set<string> {
  for (const letter of mask) {
    if (!allowed.includes(letter)) {
      throw new HmmInputError(
        `${name}: unknown parameter letter '${letter}' in '${mask}'; this model accepts ` +
          `letters from '${allowed}'`,
      );
    }
  }
  return new Set(mask);
}
