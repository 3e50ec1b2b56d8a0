/**
 * Beam search (and the engine behind diverse beam search).
 *
 * Conventions, following Hugging Face transformers' BeamSearchScorer where it has one:
 * - Open beams compete on the raw sum of processed log-probabilities. At a given step they all
 *   have the same length, so length normalization would not change their order; it applies
 *   only to finished hypotheses (ranking them, and in the early-stopping test).
 * - Each step the best (1 + number of EOS ids) · numBeams (beam, token) extensions are ranked by
 *   score, ties by lower beam index, then lower token id. Walking that list, an EOS extension
 *   ranked below numBeams is dropped (it would not have made the beam); a higher one finishes a
 *   hypothesis; the first numBeams non-EOS extensions become the next beams.
 * - A finished hypothesis's length counts its generated tokens including the EOS token.
 * - Hypotheses still open at maxLength finish with reason 'length'; open beams of a search that
 *   stopped early are dropped.
 */
import type {
  GenerationOptions,
  Hypothesis,
  NextTokenModel,
  ResolvedGenerationOptions,
} from './interface.js';
import { resolveGenerationOptions } from './interface.js';
import { scoreRow } from './processors.js';
import { reorderStates, startModel, stepModel } from './step.js';

/**
 * - `'power'`: score / length^α (Hugging Face's `length_penalty`).
 * - `'gnmt'`: score / ((5 + length) / 6)^α (Wu et al. 2016, "Google's Neural Machine Translation
 *   System", eq. 14, without the coverage term).
 */
export type LengthNormalization = 'power' | 'gnmt';

/**
 * When a beam search stops before maxLength (Hugging Face's `early_stopping`), once at least
 * numBeams hypotheses have finished:
 * - `true`: stop at once.
 * - `false`: stop when the best open beam, normalized at its current length, cannot beat the
 *   numBeams-th best finished score (a heuristic: longer continuations may still score better
 *   when α > 0).
 * - `'never'`: stop only when no continuation can beat it: with α > 0 the best open sum is
 *   normalized at maxLength (sums only fall as tokens are added), otherwise at the current length.
 */
export type EarlyStopping = boolean | 'never';

export interface BeamSearchOptions extends GenerationOptions {
  /** Beam width. Default 4. */
  numBeams?: number;
  /** Length-normalization exponent α; 0 disables normalization. Default 1. */
  lengthPenalty?: number;
  /** Formula the exponent applies to. Default 'power'. */
  lengthNormalization?: LengthNormalization;
  /** Stopping rule, see EarlyStopping. Default false. */
  earlyStopping?: EarlyStopping;
  /** How many of the best hypotheses go in `sequences`, at most numBeams. Default 1. */
  numReturnSequences?: number;
}

export interface BeamSearchResult {
  /** The best `numReturnSequences` hypotheses, best first. */
  sequences: Hypothesis[];
  /** Every hypothesis that finished (EOS or maxLength), best first. */
  hypotheses: Hypothesis[];
}

/** The denominator that divides a finished hypothesis's summed log-probability. */
export function lengthNormalizer(
  length: number,
  lengthPenalty: number,
  style: LengthNormalization,
): number {
  if (style === 'gnmt') return ((5 + length) / 6) ** lengthPenalty;
  return length ** lengthPenalty;
}

export interface ResolvedBeamOptions extends ResolvedGenerationOptions {
  numBeams: number;
  lengthPenalty: number;
  lengthNormalization: LengthNormalization;
  earlyStopping: EarlyStopping;
  numReturnSequences: number;
}

export function resolveBeamOptions(
  options: BeamSearchOptions,
  vocabSize: number,
): ResolvedBeamOptions {
  const numBeams = options.numBeams ?? 4;
  const lengthPenalty = options.lengthPenalty ?? 1;
  const lengthNormalization = options.lengthNormalization ?? 'power';
  const earlyStopping = options.earlyStopping ?? false;
  const numReturnSequences = options.numReturnSequences ?? 1;
  if (!Number.isInteger(numBeams) || numBeams < 1) {
    throw new Error(`numBeams must be a positive integer, got ${numBeams}`);
  }
  if (!Number.isFinite(lengthPenalty)) {
    throw new Error(`lengthPenalty must be finite (0 = no normalization), got ${lengthPenalty}`);
  }
  if (lengthNormalization !== 'power' && lengthNormalization !== 'gnmt') {
    throw new Error(`lengthNormalization must be 'power' or 'gnmt', got '${lengthNormalization}'`);
  }
  if (earlyStopping !== true && earlyStopping !== false && earlyStopping !== 'never') {
    throw new Error(`earlyStopping must be true, false or 'never', got ${String(earlyStopping)}`);
  }
  if (!Number.isInteger(numReturnSequences) || numReturnSequences < 1) {
    throw new Error(`numReturnSequences must be a positive integer, got ${numReturnSequences}`);
  }
  if (numReturnSequences > numBeams) {
    throw new Error(
      `numReturnSequences (${numReturnSequences}) exceeds numBeams (${numBeams}); raise numBeams or read all of result.hypotheses`,
    );
  }
  return {
    ...resolveGenerationOptions(options, vocabSize),
    numBeams,
    lengthPenalty,
    lengthNormalization,
    earlyStopping,
    numReturnSequences,
  };
}

interface Beam {
  tokens: number[];
  tokenLogProbs: number[];
  stepScores: number[];
  /** Sum of stepScores: the processed log-probability of the prefix. */
  sum: number;
  /** Row of this beam in the current model output. */
  row: number;
}

interface Candidate {
  beam: number;
  token: number;
  /** Ranking value: sum + processed log-prob (− diversity penalty, in diverse beam search). */
  rank: number;
  logProb: number;
  modelLogProb: number;
}

/** Ranking order: higher value first, then lower beam index, then lower token id. */
function before(a: Candidate, b: Candidate): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.beam !== b.beam) return a.beam < b.beam;
  return a.token < b.token;
}

/** Insert into a list sorted by `before`, keeping at most `limit` entries. */
function insertBounded(list: Candidate[], candidate: Candidate, limit: number): void {
  if (list.length === limit && !before(candidate, list[list.length - 1])) return;
  let i = list.length;
  while (i > 0 && before(candidate, list[i - 1])) i--;
  list.splice(i, 0, candidate);
  if (list.length > limit) list.pop();
}

/** One group of beams with its own finished list: plain beam search is a single group. */
class BeamGroup {
  beams: Beam[] = [];
  /** Finished hypotheses, best first; equal scores keep the order they finished in. */
  readonly finished: Hypothesis[] = [];
  done = false;

  constructor(
    readonly width: number,
    private readonly options: ResolvedBeamOptions,
  ) {}

  normalize(sum: number, length: number): number {
    return (
      sum / lengthNormalizer(length, this.options.lengthPenalty, this.options.lengthNormalization)
    );
  }

  finish(beam: Omit<Beam, 'row'>, finishReason: Hypothesis['finishReason']): void {
    const hypothesis: Hypothesis = {
      tokens: beam.tokens,
      tokenLogProbs: beam.tokenLogProbs,
      stepScores: beam.stepScores,
      logProb: beam.tokenLogProbs.reduce((a, b) => a + b, 0),
      score: this.normalize(beam.sum, beam.tokens.length),
      finishReason,
    };
    let i = this.finished.length;
    while (i > 0 && this.finished[i - 1].score < hypothesis.score) i--;
    this.finished.splice(i, 0, hypothesis);
  }

  /** The early-stopping test (see EarlyStopping), after a step that left `length` tokens. */
  canStop(length: number): boolean {
    if (this.beams.length === 0) return true;
    if (this.finished.length < this.width) return false;
    const { earlyStopping, lengthPenalty, maxLength } = this.options;
    if (earlyStopping === true) return true;
    const worstKept = this.finished[this.width - 1].score;
    let bestOpen = Number.NEGATIVE_INFINITY;
    for (const beam of this.beams) bestOpen = Math.max(bestOpen, beam.sum);
    const boundLength = earlyStopping === 'never' && lengthPenalty > 0 ? maxLength : length;
    return worstKept >= this.normalize(bestOpen, boundLength);
  }
}

/**
 * Grow `numGroups` groups of numBeams / numGroups beams in lockstep, all in one model batch.
 * With `diversityPenalty` λ > 0, group g ranks its extensions by sum + log p − λ · (how many
 * earlier groups' new beams chose that token this step): Hamming diversity (Vijayakumar et al.
 * 2016, "Diverse Beam Search", §4, eq. 5). The penalty steers selection only; stored sums and
 * scores stay plain log-probabilities.
 */
export async function runBeamGroups<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: ResolvedBeamOptions,
  numGroups: number,
  diversityPenalty: number,
): Promise<BeamGroup[]> {
  const vocabSize = model.vocabSize;
  const eos = new Set(options.eosTokenIds);
  const width = options.numBeams / numGroups;
  const candidatesPerStep = (1 + eos.size) * width;
  const groups = Array.from({ length: numGroups }, () => new BeamGroup(width, options));
  for (const group of groups) {
    group.beams = [{ tokens: [], tokenLogProbs: [], stepScores: [], sum: 0, row: 0 }];
  }
  let output = await startModel(model, prompt);

  for (let generated = 0; generated < options.maxLength; generated++) {
    const length = generated + 1;
    const tokenCounts = new Int32Array(vocabSize); // tokens chosen by earlier groups this step
    for (const group of groups) {
      if (group.done) continue;
      const best: Candidate[] = [];
      group.beams.forEach((beam, beamIndex) => {
        const { modelLogProbs, processedLogProbs } = scoreRow(
          output.scores,
          beam.row,
          vocabSize,
          prompt.concat(beam.tokens),
          generated,
          options,
        );
        for (let token = 0; token < vocabSize; token++) {
          const logProb = processedLogProbs[token];
          if (logProb === Number.NEGATIVE_INFINITY) continue;
          const rank = beam.sum + logProb - diversityPenalty * tokenCounts[token];
          // Tokens arrive in id order, so a tie with the current last entry never displaces it.
          if (best.length === candidatesPerStep && rank <= best[best.length - 1].rank) continue;
          const modelLogProb = modelLogProbs[token];
          insertBounded(
            best,
            { beam: beamIndex, token, rank, logProb, modelLogProb },
            candidatesPerStep,
          );
        }
      });

      const next: Beam[] = [];
      for (let position = 0; position < best.length && next.length < width; position++) {
        const { beam: beamIndex, token, logProb, modelLogProb } = best[position];
        const parent = group.beams[beamIndex];
        const extended = {
          tokens: [...parent.tokens, token],
          tokenLogProbs: [...parent.tokenLogProbs, modelLogProb],
          stepScores: [...parent.stepScores, logProb],
          sum: parent.sum + logProb,
          row: parent.row,
        };
        if (eos.has(token)) {
          if (position < width) group.finish(extended, 'eos');
        } else {
          next.push(extended);
        }
      }
      group.beams = next;
      for (const beam of next) tokenCounts[beam.tokens[beam.tokens.length - 1]]++;

      if (length === options.maxLength) {
        for (const beam of group.beams) group.finish(beam, 'length');
        group.beams = [];
        group.done = true;
      } else if (group.canStop(length)) {
        group.beams = [];
        group.done = true;
      }
    }
    if (groups.every((group) => group.done)) break;

    const live = groups.flatMap((group) => group.beams);
    const indices = Int32Array.from(live, (beam) => beam.row);
    const unchanged =
      indices.length === output.states.length && indices.every((row, i) => row === i);
    const states = unchanged ? output.states : await reorderStates(model, output.states, indices);
    const lastTokens = Int32Array.from(live, (beam) => beam.tokens[beam.tokens.length - 1]);
    const sequences = live.map((beam) => prompt.concat(beam.tokens));
    output = await stepModel(model, lastTokens, states, sequences);
    live.forEach((beam, row) => {
      beam.row = row;
    });
  }
  return groups;
}

/** Merge finished lists best first; equal scores keep group order, then finishing order. */
export function mergeFinished(groups: readonly { finished: Hypothesis[] }[]): Hypothesis[] {
  const all = groups.flatMap((group) => group.finished);
  return all
    .map((hypothesis, order) => ({ hypothesis, order }))
    .sort((a, b) => b.hypothesis.score - a.hypothesis.score || a.order - b.order)
    .map(({ hypothesis }) => hypothesis);
}

/**
 * Beam search (e.g. Sutskever, Vinyals & Le 2014 §3.2; Graves 2012) with length normalization,
 * Hugging Face's early-stopping modes, and the shared penalties and constraints
 * (no-repeat n-gram blocking, banned sequences, repetition penalty, min/max length).
 */
export async function beamSearch<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: BeamSearchOptions = {},
): Promise<BeamSearchResult> {
  const resolved = resolveBeamOptions(options, model.vocabSize);
  const groups = await runBeamGroups(model, prompt, resolved, 1, 0);
  const hypotheses = mergeFinished(groups);
  return { sequences: hypotheses.slice(0, resolved.numReturnSequences), hypotheses };
}
