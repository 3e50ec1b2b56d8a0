import { type BatchShape, unpackStates, unpackSteps } from './batch.js';
import { HmmInputError } from './errors.js';
import {
  type BackendOptions,
  type DeviceEmissionCounts,
  gpuLogLikelihoods,
  gpuPosteriors,
  gpuViterbi,
  selectDevice,
} from './gpu/gpu-inference.js';
import {
  backwardLog,
  backwardScaled,
  posteriors as batchPosteriors,
  transitionPosteriors as batchTransitionPosteriors,
  type ForwardBackwardMethod,
  forwardLog,
  forwardScaled,
} from './inference/forward-backward.js';
import type { HmmLattice } from './inference/lattice.js';
import { argmaxStates, viterbi as batchViterbi, type ViterbiResult } from './inference/viterbi.js';
import { SeededRandom } from './random.js';
import {
  type MatrixInput,
  parameterMask,
  positiveInteger,
  pseudocount,
  stochasticMatrix,
} from './validate.js';

/** Options shared by every HMM: the hidden Markov chain. */
export interface HmmOptions {
  /** S, the number of hidden states. */
  numStates: number;
  /** pi, (S): startProbs[i] = P(q_0 = i). Set here, or learned by fit() with 's' in initParams. */
  startProbs?: ArrayLike<number>;
  /** A, (S, S) nested or flat: transitionMatrix[i][j] = P(q_{t+1} = j | q_t = i). */
  transitionMatrix?: MatrixInput;
  /**
   * Forward-backward implementation for posteriors and training: 'scaled' (default, faster)
   * or 'log' (log-sum-exp). Both give the same numbers to ~1e-12.
   */
  forwardBackward?: ForwardBackwardMethod;
}

/** Options of `fit`. Letters follow hmmlearn: s start, t transitions, e emissions, m means, c covars, w weights. */
export interface FitOptions {
  /** 'baum-welch' (expectation-maximization, default) or 'viterbi' (hard-assignment training). */
  algorithm?: 'baum-welch' | 'viterbi';
  /** Iteration limit, default 100. */
  maxIterations?: number;
  /** Stop when the log-likelihood improves by less than this, default 1e-4. */
  tolerance?: number;
  /** Parameters to learn, e.g. 'st' keeps emissions fixed. Default: all. */
  params?: string;
  /**
   * Parameters to initialize (randomly, or by k-means for Gaussian means) before training.
   * Default: exactly the parameters not yet set. (hmmlearn's default re-initializes all.)
   */
  initParams?: string;
  /** Seed for initialization, default 0. */
  seed?: number;
  /** Dirichlet pseudocount added to expected start counts (prior alpha = 1 + pseudocount). */
  startPseudocount?: number;
  /** Dirichlet pseudocount added to expected transition counts. */
  transitionPseudocount?: number;
  /** Called after every iteration with the log-likelihood of the parameters before its M-step. */
  onIteration?: (iteration: number, logLikelihood: number) => void;
}

export interface FitResult {
  /**
   * Per iteration: total log-likelihood of the training data (Baum-Welch) or total Viterbi
   * path log-probability (Viterbi training) under the parameters entering that iteration.
   */
  readonly logLikelihoodHistory: number[];
  readonly iterations: number;
  /** Whether the improvement fell below the tolerance before the iteration limit. */
  readonly converged: boolean;
}

/** Options of `fitLabeled`: the masks, seed and pseudocounts of `fit`. */
export type LabeledFitOptions = Omit<
  FitOptions,
  'algorithm' | 'maxIterations' | 'tolerance' | 'onIteration'
>;

/** Options of inference methods. */
export interface InferenceOptions {
  /** Overrides the model's forwardBackward setting. */
  method?: ForwardBackwardMethod;
}

/** Expected counts of one E-step, the input of every M-step. */
export interface ExpectedCounts {
  /** P(q_t = i | O) or a one-hot Viterbi assignment. (N, T, S) */
  readonly gamma: Float64Array;
  /** Expected number of i -> j transitions, summed over the batch. (S, S) */
  readonly transitionCounts: Float64Array;
  /**
   * Expected symbol counts per state, no pseudocounts, when the E-step computed them on the
   * device (categorical emissions in `fitAsync`). (S, K)
   */
  readonly emissionCounts?: Float64Array;
}

/**
 * The hidden Markov chain shared by every emission model: parameters pi and A, batched
 * inference (forward-backward, posteriors, Viterbi), sampling and training. Subclasses supply
 * the emission model by turning observations into log-emission lattices and by re-estimating
 * their parameters from state posteriors.
 *
 * @typeParam Sequence one observation sequence as the user passes it
 * @typeParam Batch the packed (N, T, ...) observation layout
 * @typeParam Observation one observation, as `sample` returns it
 */
export abstract class HiddenMarkovModel<Sequence, Batch extends BatchShape, Observation> {
  /** S, the number of hidden states. */
  readonly numStates: number;
  /** Default forward-backward implementation. */
  forwardBackward: ForwardBackwardMethod;
  private startProbsValue: Float64Array | null = null;
  private transitionMatrixValue: Float64Array | null = null;

  /** hmmlearn letter -> property name of each emission parameter, e.g. { e: 'emissionMatrix' }. */
  protected abstract readonly emissionParameters: Readonly<Record<string, string>>;

  constructor(options: HmmOptions) {
    this.numStates = positiveInteger('numStates', options.numStates);
    this.forwardBackward = options.forwardBackward ?? 'scaled';
    if (options.startProbs !== undefined) this.startProbs = options.startProbs;
    if (options.transitionMatrix !== undefined) this.transitionMatrix = options.transitionMatrix;
  }

  /** pi, (S). A copy; assign to replace (checked to be a distribution). */
  get startProbs(): Float64Array {
    return Float64Array.from(this.require(this.startProbsValue, 'startProbs', 's'));
  }
  set startProbs(value: ArrayLike<number>) {
    this.startProbsValue = stochasticMatrix('startProbs', value, 1, this.numStates);
  }

  /** A, (S, S) row-major: [i*S + j] = P(j | i). A copy; assign nested or flat to replace. */
  get transitionMatrix(): Float64Array {
    return Float64Array.from(this.require(this.transitionMatrixValue, 'transitionMatrix', 't'));
  }
  set transitionMatrix(value: MatrixInput) {
    this.transitionMatrixValue = stochasticMatrix(
      'transitionMatrix',
      value,
      this.numStates,
      this.numStates,
    );
  }

  /** Packs sequences into the batch layout, validating every observation. */
  protected abstract packSequences(sequences: readonly Sequence[]): Batch;
  /** log b_i(o_t) for the batch, (N, T, S); padding may hold anything finite. */
  protected abstract computeLogEmissions(batch: Batch): Float64Array;
  /** Whether the emission parameter with this hmmlearn letter has a value. */
  protected abstract isEmissionParameterSet(letter: string): boolean;
  /** Initializes the emission parameters named in `letters` from the data. */
  protected abstract initializeEmissions(
    batch: Batch,
    letters: Set<string>,
    random: SeededRandom,
    options: FitOptions,
  ): void;
  /** M-step for the emission parameters named in `letters`. */
  protected abstract updateEmissions(
    batch: Batch,
    counts: ExpectedCounts,
    letters: Set<string>,
    options: FitOptions,
  ): void;
  /** Draws one observation from state `state`. */
  protected abstract sampleObservation(state: number, random: SeededRandom): Observation;

  /**
   * The batched inference input for these sequences: the layout every CPU (and GPU) algorithm
   * in this package consumes. See `HmmLattice`.
   */
  lattice(sequences: readonly Sequence[]): HmmLattice {
    const lattice = this.latticeOf(this.packSequences(sequences));
    // Copies, so that writing into the lattice cannot bypass the model's validation.
    return {
      ...lattice,
      startProbs: Float64Array.from(lattice.startProbs),
      transitionMatrix: Float64Array.from(lattice.transitionMatrix),
    };
  }

  /** log P(O | model) per sequence; -Infinity (never NaN) for a zero-probability sequence. */
  logLikelihood(sequences: readonly Sequence[], options: InferenceOptions = {}): number[] {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const method = options.method ?? this.forwardBackward;
    const result = method === 'scaled' ? forwardScaled(lattice) : forwardLog(lattice);
    return Array.from(result.logLikelihood);
  }

  /**
   * Forward variables as log alpha_t(i) = log P(o_1..o_t, q_t = i), per sequence (T_n, S),
   * whichever implementation computes them (the scaled one multiplies its scaling back in).
   */
  forward(
    sequences: readonly Sequence[],
    options: InferenceOptions = {},
  ): { logAlpha: number[][][]; logLikelihood: number[] } {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const S = this.numStates;
    if ((options.method ?? this.forwardBackward) === 'log') {
      const result = forwardLog(lattice);
      return {
        logAlpha: unpackStates(lattice, S, result.logAlpha),
        logLikelihood: Array.from(result.logLikelihood),
      };
    }
    const result = forwardScaled(lattice);
    const logAlpha = new Float64Array(result.alpha.length).fill(Number.NEGATIVE_INFINITY);
    for (let n = 0; n < lattice.numSequences; n++) {
      let cumulative = 0; // log P(o_1..o_t) = sum of log scales so far
      for (let t = 0; t < lattice.lengths[n]; t++) {
        cumulative += result.logScales[n * lattice.maxLength + t];
        const row = (n * lattice.maxLength + t) * S;
        for (let i = 0; i < S; i++)
          logAlpha[row + i] = Math.log(result.alpha[row + i]) + cumulative;
      }
    }
    return {
      logAlpha: unpackStates(lattice, S, logAlpha),
      logLikelihood: Array.from(result.logLikelihood),
    };
  }

  /** Backward variables log beta_t(i) = log P(o_{t+1}..o_T | q_t = i), per sequence (T_n, S). */
  backward(sequences: readonly Sequence[], options: InferenceOptions = {}): number[][][] {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const S = this.numStates;
    if ((options.method ?? this.forwardBackward) === 'log') {
      return unpackStates(lattice, S, backwardLog(lattice));
    }
    const forward = forwardScaled(lattice);
    const beta = backwardScaled(lattice, forward);
    const logBeta = new Float64Array(beta.length).fill(Number.NEGATIVE_INFINITY);
    for (let n = 0; n < lattice.numSequences; n++) {
      if (forward.impossibleStep[n] >= 0) continue;
      let cumulative = 0; // sum of log scales after step t
      for (let t = lattice.lengths[n] - 1; t >= 0; t--) {
        const row = (n * lattice.maxLength + t) * S;
        for (let i = 0; i < S; i++) logBeta[row + i] = Math.log(beta[row + i]) + cumulative;
        cumulative += forward.logScales[n * lattice.maxLength + t];
      }
    }
    return unpackStates(lattice, S, logBeta);
  }

  /**
   * State posteriors gamma_t(i) = P(q_t = i | O) (Rabiner eq. 27), per sequence (T_n, S).
   * Throws ZeroProbabilityError for a zero-probability sequence.
   */
  posteriors(
    sequences: readonly Sequence[],
    options: InferenceOptions = {},
  ): { gamma: number[][][]; logLikelihood: number[] } {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const result = batchPosteriors(lattice, options.method ?? this.forwardBackward);
    return {
      gamma: unpackStates(lattice, this.numStates, result.gamma),
      logLikelihood: Array.from(result.logLikelihood),
    };
  }

  /** xi_t(i, j) = P(q_t = i, q_{t+1} = j | O) (eq. 37), per sequence (T_n - 1, S, S). */
  transitionPosteriors(
    sequences: readonly Sequence[],
    options: InferenceOptions = {},
  ): number[][][][] {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const xi = batchTransitionPosteriors(lattice, options.method ?? this.forwardBackward);
    const S = this.numStates;
    const steps = Math.max(lattice.maxLength - 1, 0);
    const out: number[][][][] = [];
    for (let n = 0; n < lattice.numSequences; n++) {
      const perStep: number[][][] = [];
      for (let t = 0; t < lattice.lengths[n] - 1; t++) {
        const base = (n * steps + t) * S * S;
        const matrix: number[][] = [];
        for (let i = 0; i < S; i++)
          matrix.push(Array.from(xi.subarray(base + i * S, base + (i + 1) * S)));
        perStep.push(matrix);
      }
      out.push(perStep);
    }
    return out;
  }

  /** Most probable state paths and their joint log-probabilities log P(O, Q*) (eqs. 32-35). */
  viterbi(sequences: readonly Sequence[]): { paths: number[][]; logProbability: number[] } {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const result = batchViterbi(lattice);
    return {
      paths: unpackSteps(lattice, result.paths),
      logProbability: Array.from(result.logProbability),
    };
  }

  /** Posterior (max-marginal) decoding: the individually most likely state at every step. */
  posteriorDecode(sequences: readonly Sequence[], options: InferenceOptions = {}): number[][] {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const { gamma } = batchPosteriors(lattice, options.method ?? this.forwardBackward);
    return unpackSteps(lattice, argmaxStates(lattice, this.numStates, gamma));
  }

  /** Draws a state path and its observations, reproducibly for a given seed. */
  sample(
    numSteps: number,
    options: { seed?: number } = {},
  ): { observations: Observation[]; states: number[] } {
    positiveInteger('numSteps', numSteps);
    const startProbs = this.require(this.startProbsValue, 'startProbs', 's');
    const transitions = this.require(this.transitionMatrixValue, 'transitionMatrix', 't');
    this.requireEmissions();
    const random = new SeededRandom(options.seed ?? 0);
    const states: number[] = [];
    const observations: Observation[] = [];
    let state = random.categorical(startProbs);
    for (let t = 0; t < numSteps; t++) {
      if (t > 0) state = random.categorical(transitions, state * this.numStates, this.numStates);
      states.push(state);
      observations.push(this.sampleObservation(state, random));
    }
    return { observations, states };
  }

  /**
   * Learns parameters from many sequences by Baum-Welch (Rabiner 1989 eqs. 40a-c, 52-54,
   * summed over sequences as in eqs. 109-110) or by Viterbi training. Log-likelihood never
   * decreases under Baum-Welch (up to rounding).
   */
  fit(sequences: readonly Sequence[], options: FitOptions = {}): FitResult {
    const run = this.startFit(sequences, options);
    while (!run.done()) {
      const lattice = run.lattice();
      run.update(
        run.algorithm === 'viterbi' ? viterbiCounts(lattice) : this.expectedCounts(lattice),
      );
    }
    return run.result();
  }

  /**
   * `fit` with each E-step on the GPU when the batch is large enough (see `selectDevice`):
   * forward-backward (or Viterbi) for all sequences in one dispatch per pass on
   * `@scratchseq/gpu`, float32; the M-step stays on the host. Same options and result.
   */
  async fitAsync(
    sequences: readonly Sequence[],
    options: FitOptions & BackendOptions = {},
  ): Promise<FitResult> {
    const run = this.startFit(sequences, options);
    while (!run.done()) {
      const lattice = run.lattice();
      const device = selectDevice(
        lattice,
        options,
        run.algorithm === 'viterbi' ? 'viterbi' : 'posteriors',
      );
      if (!device) {
        run.update(
          run.algorithm === 'viterbi' ? viterbiCounts(lattice) : this.expectedCounts(lattice),
        );
      } else if (run.algorithm === 'viterbi') {
        run.update(countsFromPaths(lattice, await gpuViterbi(lattice, device)));
      } else {
        const result = await gpuPosteriors(lattice, device, this.deviceEmissionCounts(run.batch));
        let total = 0;
        for (const value of result.logLikelihood) total += value;
        run.update({ counts: result, logLikelihood: total });
      }
    }
    return run.result();
  }

  /** log P(O | model) per sequence, on the GPU above the size threshold (float32 there). */
  async logLikelihoodAsync(
    sequences: readonly Sequence[],
    options: InferenceOptions & BackendOptions = {},
  ): Promise<number[]> {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const device = selectDevice(lattice, options);
    if (!device) return this.logLikelihood(sequences, options);
    return Array.from(await gpuLogLikelihoods(lattice, device));
  }

  /** `posteriors`, on the GPU above the size threshold. */
  async posteriorsAsync(
    sequences: readonly Sequence[],
    options: InferenceOptions & BackendOptions = {},
  ): Promise<{ gamma: number[][][]; logLikelihood: number[] }> {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const device = selectDevice(lattice, options);
    if (!device) return this.posteriors(sequences, options);
    const result = await gpuPosteriors(lattice, device);
    return {
      gamma: unpackStates(lattice, this.numStates, result.gamma),
      logLikelihood: Array.from(result.logLikelihood),
    };
  }

  /** `viterbi`, on the GPU above the size threshold (ties in float32: see the README). */
  async viterbiAsync(
    sequences: readonly Sequence[],
    options: BackendOptions = {},
  ): Promise<{ paths: number[][]; logProbability: number[] }> {
    const lattice = this.latticeOf(this.packSequences(sequences));
    const device = selectDevice(lattice, options, 'viterbi');
    if (!device) return this.viterbi(sequences);
    const result = await gpuViterbi(lattice, device);
    return {
      paths: unpackSteps(lattice, result.paths),
      logProbability: Array.from(result.logProbability),
    };
  }

  /** Validates options, initializes parameters, and returns the iteration state of a fit. */
  private startFit(sequences: readonly Sequence[], options: FitOptions) {
    const batch = this.packSequences(sequences);
    const letters = `st${Object.keys(this.emissionParameters).join('')}`;
    const learn = parameterMask('params', options.params ?? letters, letters);
    const unset = [...letters].filter((letter) => !this.isSet(letter)).join('');
    const initialize = parameterMask('initParams', options.initParams ?? unset, letters);
    const maxIterations = positiveInteger('maxIterations', options.maxIterations ?? 100);
    const tolerance = options.tolerance ?? 1e-4;
    if (!(tolerance >= 0)) {
      throw new HmmInputError(`tolerance must be >= 0, got ${options.tolerance}`);
    }
    const startPrior = pseudocount('startPseudocount', options.startPseudocount);
    const transitionPrior = pseudocount('transitionPseudocount', options.transitionPseudocount);
    const algorithm = options.algorithm ?? 'baum-welch';
    if (algorithm !== 'baum-welch' && algorithm !== 'viterbi') {
      throw new HmmInputError(`algorithm must be 'baum-welch' or 'viterbi', got '${algorithm}'`);
    }

    const random = new SeededRandom(options.seed ?? 0);
    const S = this.numStates;
    if (initialize.has('s')) this.startProbsValue = new Float64Array(S).fill(1 / S);
    if (initialize.has('t')) {
      const matrix = new Float64Array(S * S);
      for (let i = 0; i < S; i++) matrix.set(random.simplex(S), i * S);
      this.transitionMatrixValue = matrix;
    }
    this.initializeEmissions(batch, initialize, random, options);

    const history: number[] = [];
    let converged = false;
    let iteration = 0;
    let current: HmmLattice | null = null;
    return {
      algorithm,
      batch,
      done: () => converged || iteration >= maxIterations,
      lattice: () => {
        current = this.latticeOf(batch);
        return current;
      },
      /** M-step from one E-step's counts, then the convergence test. */
      update: ({ counts, logLikelihood }: { counts: ExpectedCounts; logLikelihood: number }) => {
        history.push(logLikelihood);
        options.onIteration?.(iteration, logLikelihood);
        this.updateChain(current!, counts, learn, startPrior, transitionPrior);
        this.updateEmissions(batch, counts, learn, options);
        iteration++;
        if (history.length > 1 && logLikelihood - history[history.length - 2] < tolerance) {
          converged = true;
        }
      },
      result: (): FitResult => ({
        logLikelihoodHistory: history,
        iterations: iteration,
        converged,
      }),
    };
  }

  /**
   * Supervised maximum-likelihood estimate from sequences whose hidden states are known (e.g.
   * a tagged corpus): the M-step with one-hot posteriors, so pseudocounts act as in fit().
   * Parameters not yet set are first initialized as fit() would, then all are re-estimated.
   */
  fitLabeled(
    sequences: readonly Sequence[],
    stateSequences: readonly ArrayLike<number>[],
    options: LabeledFitOptions = {},
  ): void {
    const batch = this.packSequences(sequences);
    if (stateSequences.length !== batch.numSequences) {
      throw new HmmInputError(
        `expected one state sequence per observation sequence (${batch.numSequences}), got ${stateSequences.length}`,
      );
    }
    const { numSequences: N, maxLength: T, lengths } = batch;
    const S = this.numStates;
    const gamma = new Float64Array(N * T * S);
    const transitionCounts = new Float64Array(S * S);
    for (let n = 0; n < N; n++) {
      const states = stateSequences[n];
      if (states.length !== lengths[n]) {
        throw new HmmInputError(
          `state sequence ${n} has length ${states.length} but its observation sequence has ${lengths[n]}`,
        );
      }
      for (let t = 0; t < lengths[n]; t++) {
        const state = states[t];
        if (!Number.isInteger(state) || state < 0 || state >= S) {
          throw new HmmInputError(
            `state sequence ${n}, step ${t}: ${state} is not a state in [0, ${S})`,
          );
        }
        gamma[(n * T + t) * S + state] = 1;
        if (t > 0) transitionCounts[states[t - 1] * S + state] += 1;
      }
    }
    const letters = `st${Object.keys(this.emissionParameters).join('')}`;
    const learn = parameterMask('params', options.params ?? letters, letters);
    const unset = [...letters].filter((letter) => !this.isSet(letter)).join('');
    const initialize = parameterMask('initParams', options.initParams ?? unset, letters);
    const random = new SeededRandom(options.seed ?? 0);
    if (initialize.has('s')) this.startProbsValue = new Float64Array(S).fill(1 / S);
    if (initialize.has('t')) this.transitionMatrixValue = new Float64Array(S * S).fill(1 / S);
    this.initializeEmissions(batch, initialize, random, options);
    const counts = { gamma, transitionCounts };
    this.updateChain(
      batch,
      counts,
      learn,
      pseudocount('startPseudocount', options.startPseudocount),
      pseudocount('transitionPseudocount', options.transitionPseudocount),
    );
    this.updateEmissions(batch, counts, learn, options);
  }

  /**
   * What `fitAsync`'s device E-step needs to count emissions on the GPU too (hmmEmissionCounts),
   * or undefined to count them on the host from gamma. Categorical emissions override this.
   */
  protected deviceEmissionCounts(_batch: Batch): DeviceEmissionCounts | undefined {
    return undefined;
  }

  /** E-step for a packed batch: gamma and summed xi (eqs. 27, 37). */
  protected expectedCounts(lattice: HmmLattice): { counts: ExpectedCounts; logLikelihood: number } {
    const result = batchPosteriors(lattice, this.forwardBackward);
    let total = 0;
    for (const value of result.logLikelihood) total += value;
    return { counts: result, logLikelihood: total };
  }

  /** M-step for pi and A (eqs. 40a-b) with Dirichlet pseudocounts. */
  private updateChain(
    lattice: BatchShape,
    counts: ExpectedCounts,
    learn: Set<string>,
    startPrior: number,
    transitionPrior: number,
  ): void {
    const S = this.numStates;
    const { numSequences: N, maxLength: T } = lattice;
    if (learn.has('s')) {
      const start = new Float64Array(S).fill(startPrior);
      for (let n = 0; n < N; n++)
        for (let i = 0; i < S; i++) start[i] += counts.gamma[n * T * S + i];
      normalizeRows(start, 1, S, this.startProbsValue!);
      this.startProbsValue = start;
    }
    if (learn.has('t')) {
      const transitions = Float64Array.from(counts.transitionCounts, (c) => c + transitionPrior);
      normalizeRows(transitions, S, S, this.transitionMatrixValue!);
      this.transitionMatrixValue = transitions;
    }
  }

  /** The lattice for an already packed batch. */
  protected latticeOf(batch: Batch): HmmLattice {
    const startProbs = this.require(this.startProbsValue, 'startProbs', 's');
    const transitionMatrix = this.require(this.transitionMatrixValue, 'transitionMatrix', 't');
    this.requireEmissions();
    return {
      numSequences: batch.numSequences,
      maxLength: batch.maxLength,
      lengths: batch.lengths,
      numStates: this.numStates,
      startProbs,
      transitionMatrix,
      logEmissions: this.computeLogEmissions(batch),
    };
  }

  private isSet(letter: string): boolean {
    if (letter === 's') return this.startProbsValue !== null;
    if (letter === 't') return this.transitionMatrixValue !== null;
    return this.isEmissionParameterSet(letter);
  }

  private requireEmissions(): void {
    for (const [letter, name] of Object.entries(this.emissionParameters)) {
      if (!this.isEmissionParameterSet(letter)) this.require(null, name, letter);
    }
  }

  protected require<T>(value: T | null, name: string, letter: string): T {
    if (value === null) {
      throw new HmmInputError(
        `${name} is not set: pass it to the constructor, assign it, or call fit() with ` +
          `'${letter}' in initParams`,
      );
    }
    return value;
  }
}

/**
 * Normalizes each row of counts to a distribution; a row with zero total (a state the data
 * never visit, with no pseudocount) keeps its previous values instead of becoming 0/0.
 */
export function normalizeRows(
  counts: Float64Array,
  rows: number,
  cols: number,
  previous: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < cols; c++) total += counts[r * cols + c];
    for (let c = 0; c < cols; c++) {
      counts[r * cols + c] = total > 0 ? counts[r * cols + c] / total : previous[r * cols + c];
    }
  }
}

/** Hard E-step of Viterbi training: one-hot gamma and transition counts along the best paths. */
function viterbiCounts(lattice: HmmLattice): { counts: ExpectedCounts; logLikelihood: number } {
  return countsFromPaths(lattice, batchViterbi(lattice));
}

function countsFromPaths(
  lattice: HmmLattice,
  { paths, logProbability }: ViterbiResult,
): { counts: ExpectedCounts; logLikelihood: number } {
  const { numSequences: N, maxLength: T, numStates: S, lengths } = lattice;
  const gamma = new Float64Array(N * T * S);
  const transitionCounts = new Float64Array(S * S);
  let total = 0;
  for (let n = 0; n < N; n++) {
    total += logProbability[n];
    for (let t = 0; t < lengths[n]; t++) {
      const state = paths[n * T + t];
      gamma[(n * T + t) * S + state] = 1;
      if (t > 0) transitionCounts[paths[n * T + t - 1] * S + state] += 1;
    }
  }
  return { counts: { gamma, transitionCounts }, logLikelihood: total };
}
