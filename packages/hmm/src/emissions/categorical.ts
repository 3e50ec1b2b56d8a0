import { packSymbols, type SymbolBatch } from '../batch.js';
import type { DeviceEmissionCounts } from '../gpu/gpu-inference.js';
import {
  type ExpectedCounts,
  type FitOptions,
  HiddenMarkovModel,
  type HmmOptions,
  type LabeledFitOptions,
  normalizeRows,
} from '../hmm.js';
import type { SeededRandom } from '../random.js';
import { type MatrixInput, positiveInteger, pseudocount, stochasticMatrix } from '../validate.js';

export interface CategoricalHmmOptions extends HmmOptions {
  /** K, the number of distinct symbols; observations are integers in [0, K). */
  numSymbols: number;
  /** B, (S, K) nested or flat: emissionMatrix[i][k] = P(symbol k | state i). */
  emissionMatrix?: MatrixInput;
}

export interface CategoricalFitOptions extends FitOptions {
  /** Dirichlet pseudocount added to expected symbol counts; > 0 keeps unseen symbols possible. */
  emissionPseudocount?: number;
}

/**
 * HMM with discrete emissions: each state emits one of K symbols (Rabiner's b_j(k)).
 * Sequences are arrays of integer symbol ids. Emission parameter letter: 'e'.
 * Initialization ('e' in initParams) draws each row of B uniformly from the simplex.
 */
export class CategoricalHMM extends HiddenMarkovModel<ArrayLike<number>, SymbolBatch, number> {
  /** K, the number of symbols. */
  readonly numSymbols: number;
  protected readonly emissionParameters = { e: 'emissionMatrix' };
  private emissionMatrixValue: Float64Array | null = null;

  constructor(options: CategoricalHmmOptions) {
    super(options);
    this.numSymbols = positiveInteger('numSymbols', options.numSymbols);
    if (options.emissionMatrix !== undefined) this.emissionMatrix = options.emissionMatrix;
  }

  /** B, (S, K) row-major: [i*K + k] = P(k | i). A copy; assign nested or flat to replace. */
  get emissionMatrix(): Float64Array {
    return Float64Array.from(this.require(this.emissionMatrixValue, 'emissionMatrix', 'e'));
  }
  set emissionMatrix(value: MatrixInput) {
    this.emissionMatrixValue = stochasticMatrix(
      'emissionMatrix',
      value,
      this.numStates,
      this.numSymbols,
    );
  }

  override fit(sequences: readonly ArrayLike<number>[], options: CategoricalFitOptions = {}) {
    pseudocount('emissionPseudocount', options.emissionPseudocount);
    return super.fit(sequences, options);
  }

  override fitLabeled(
    sequences: readonly ArrayLike<number>[],
    stateSequences: readonly ArrayLike<number>[],
    options: LabeledFitOptions & { emissionPseudocount?: number } = {},
  ): void {
    pseudocount('emissionPseudocount', options.emissionPseudocount);
    super.fitLabeled(sequences, stateSequences, options);
  }

  protected packSequences(sequences: readonly ArrayLike<number>[]): SymbolBatch {
    return packSymbols(sequences, this.numSymbols);
  }

  protected computeLogEmissions(batch: SymbolBatch): Float64Array {
    const S = this.numStates;
    const K = this.numSymbols;
    const { numSequences: N, maxLength: T, lengths, symbols } = batch;
    const logB = Float64Array.from(this.emissionMatrixValue!, Math.log);
    const out = new Float64Array(N * T * S); // (N, T, S)
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < lengths[n]; t++) {
        const symbol = symbols[n * T + t];
        const row = (n * T + t) * S;
        for (let i = 0; i < S; i++) out[row + i] = logB[i * K + symbol];
      }
    }
    return out;
  }

  protected isEmissionParameterSet(): boolean {
    return this.emissionMatrixValue !== null;
  }

  protected initializeEmissions(
    _batch: SymbolBatch,
    letters: Set<string>,
    random: SeededRandom,
  ): void {
    if (!letters.has('e')) return;
    const matrix = new Float64Array(this.numStates * this.numSymbols);
    for (let i = 0; i < this.numStates; i++)
      matrix.set(random.simplex(this.numSymbols), i * this.numSymbols);
    this.emissionMatrixValue = matrix;
  }

  /** The device E-step of `fitAsync` also counts symbols per state (hmmEmissionCounts). */
  protected override deviceEmissionCounts(batch: SymbolBatch): DeviceEmissionCounts {
    return { batch, numSymbols: this.numSymbols };
  }

  /** Eq. 40c: expected times in state j observing k over expected times in state j. */
  protected updateEmissions(
    batch: SymbolBatch,
    counts: ExpectedCounts,
    letters: Set<string>,
    options: CategoricalFitOptions,
  ): void {
    if (!letters.has('e')) return;
    const S = this.numStates;
    const K = this.numSymbols;
    const { numSequences: N, maxLength: T, lengths, symbols } = batch;
    const emissionCounts = new Float64Array(S * K).fill(options.emissionPseudocount ?? 0);
    if (counts.emissionCounts) {
      // fitAsync counted them on the device (hmmEmissionCounts).
      for (let q = 0; q < S * K; q++) emissionCounts[q] += counts.emissionCounts[q];
    } else {
      for (let n = 0; n < N; n++) {
        for (let t = 0; t < lengths[n]; t++) {
          const symbol = symbols[n * T + t];
          const row = (n * T + t) * S;
          for (let i = 0; i < S; i++) emissionCounts[i * K + symbol] += counts.gamma[row + i];
        }
      }
    }
    normalizeRows(emissionCounts, S, K, this.emissionMatrixValue!);
    this.emissionMatrixValue = emissionCounts;
  }

  protected sampleObservation(state: number, random: SeededRandom): number {
    return random.categorical(this.emissionMatrixValue!, state * this.numSymbols, this.numSymbols);
  }
}
