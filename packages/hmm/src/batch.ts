import { HmmInputError } from './errors.js';

/**
 * The shared memory layout of every batched algorithm in this package (CPU now, GPU later):
 * N sequences padded to a common length T, S hidden states, row-major flat arrays.
 *
 *   per-step state quantities (log-emissions, alpha, beta, gamma)  (N, T, S)  index (n*T + t)*S + s
 *   per-step scalars (scaling terms, decoded paths)               (N, T)     index n*T + t
 *   per-sequence scalars (log-likelihoods)                        (N)
 *
 * Steps t >= lengths[n] are padding: inputs there are ignored, outputs there are filled with a
 * neutral value (-Infinity for log quantities, 0 for probabilities, -1 for paths).
 */
export interface BatchShape {
  /** N, the number of sequences. */
  readonly numSequences: number;
  /** T, the padded length: max over lengths. */
  readonly maxLength: number;
  /** lengths[n] is the true length of sequence n (1 <= lengths[n] <= T). */
  readonly lengths: Int32Array;
}

/** Discrete observations, (N, T) symbol ids; padding holds 0. */
export interface SymbolBatch extends BatchShape {
  readonly symbols: Int32Array;
}

/** Real-valued vector observations, (N, T, D); padding holds 0. */
export interface VectorBatch extends BatchShape {
  /** D, the size of each observation vector. */
  readonly featureSize: number;
  readonly values: Float64Array;
}

function batchShape(lengthsList: number[]): BatchShape {
  if (lengthsList.length === 0) {
    throw new HmmInputError('expected at least one sequence, got an empty list of sequences');
  }
  const lengths = Int32Array.from(lengthsList);
  let maxLength = 0;
  for (let n = 0; n < lengths.length; n++) {
    if (lengths[n] === 0) {
      throw new HmmInputError(`sequence ${n} is empty: drop empty sequences before calling`);
    }
    maxLength = Math.max(maxLength, lengths[n]);
  }
  return { numSequences: lengths.length, maxLength, lengths };
}

/**
 * Packs symbol sequences into the padded (N, T) layout, checking every symbol is an integer in
 * [0, numSymbols).
 */
export function packSymbols(
  sequences: readonly ArrayLike<number>[],
  numSymbols: number,
): SymbolBatch {
  const shape = batchShape(sequences.map((sequence) => sequence.length));
  const { numSequences, maxLength } = shape;
  const symbols = new Int32Array(numSequences * maxLength);
  for (let n = 0; n < numSequences; n++) {
    const sequence = sequences[n];
    for (let t = 0; t < sequence.length; t++) {
      const symbol = sequence[t];
      if (!Number.isInteger(symbol) || symbol < 0 || symbol >= numSymbols) {
        throw new HmmInputError(
          `sequence ${n}, step ${t}: observation ${symbol} is not a symbol id in [0, ${numSymbols}); ` +
            `map symbols to integers 0..${numSymbols - 1}, or create the model with a larger numSymbols`,
        );
      }
      symbols[n * maxLength + t] = symbol;
    }
  }
  return { ...shape, symbols };
}

/**
 * Packs vector sequences (each a list of T observations of size D) into the padded (N, T, D)
 * layout, checking sizes and finiteness.
 */
export function packVectors(
  sequences: readonly ArrayLike<ArrayLike<number>>[],
  featureSize: number,
): VectorBatch {
  const shape = batchShape(sequences.map((sequence) => sequence.length));
  const { numSequences, maxLength } = shape;
  const values = new Float64Array(numSequences * maxLength * featureSize);
  for (let n = 0; n < numSequences; n++) {
    const sequence = sequences[n];
    for (let t = 0; t < sequence.length; t++) {
      const observation = sequence[t];
      if (observation.length !== featureSize) {
        throw new HmmInputError(
          `sequence ${n}, step ${t}: expected an observation vector of size ${featureSize}, ` +
            `got size ${observation.length}; every observation must have featureSize entries`,
        );
      }
      const base = (n * maxLength + t) * featureSize;
      for (let d = 0; d < featureSize; d++) {
        const value = observation[d];
        if (!Number.isFinite(value)) {
          throw new HmmInputError(
            `sequence ${n}, step ${t}, feature ${d}: observation ${value} is not finite; ` +
              `remove or impute missing values before calling`,
          );
        }
        values[base + d] = value;
      }
    }
  }
  return { ...shape, featureSize, values };
}

/** Splits an (N, T, S) array into one (lengths[n], S) nested array per sequence. */
export function unpackStates(
  shape: BatchShape,
  numStates: number,
  data: Float64Array,
): number[][][] {
  const out: number[][][] = [];
  for (let n = 0; n < shape.numSequences; n++) {
    const rows: number[][] = [];
    for (let t = 0; t < shape.lengths[n]; t++) {
      const base = (n * shape.maxLength + t) * numStates;
      rows.push(Array.from(data.subarray(base, base + numStates)));
    }
    out.push(rows);
  }
  return out;
}

/** Splits an (N, T) array into one length-lengths[n] array per sequence. */
export function unpackSteps(shape: BatchShape, data: ArrayLike<number>): number[][] {
  const out: number[][] = [];
  for (let n = 0; n < shape.numSequences; n++) {
    const row: number[] = [];
    for (let t = 0; t < shape.lengths[n]; t++) row.push(data[n * shape.maxLength + t]);
    out.push(row);
  }
  return out;
}
