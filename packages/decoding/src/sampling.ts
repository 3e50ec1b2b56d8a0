/** Greedy decoding and ancestral sampling (with temperature and filters), one hypothesis per row. */
import { applyFilters, type FilterOptions, resolveFilterOptions } from './filters.js';
import type {
  FinishReason,
  GenerationOptions,
  Hypothesis,
  NextTokenModel,
  ResolvedGenerationOptions,
} from './interface.js';
import { resolveGenerationOptions } from './interface.js';
import { scoreRow } from './processors.js';
import { createRng, type Rng } from './rng.js';
import { argmax, logSoftmaxInPlace, reorderStates, startModel, stepModel } from './step.js';

export type GreedyOptions = GenerationOptions;

export interface SamplingOptions extends GenerationOptions, FilterOptions {
  /** Number of independent samples to draw. Default 1. */
  numReturnSequences?: number;
  /** Integer seed of the xoshiro128** generator. Default 0. */
  seed?: number;
}

export interface GenerationResult {
  sequences: Hypothesis[];
}

/** Picks the next token from a row of processed log-probabilities. */
type ChooseToken = (processedLogProbs: Float64Array) => { token: number; stepScore: number };

interface Growing {
  tokens: number[];
  tokenLogProbs: number[];
  stepScores: number[];
  finishReason: FinishReason | undefined;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function isIdentity(indices: Int32Array, previousBatch: number): boolean {
  if (indices.length !== previousBatch) return false;
  for (let i = 0; i < indices.length; i++) if (indices[i] !== i) return false;
  return true;
}

/**
 * Grow `count` hypotheses from one prompt, each independently, until EOS or maxLength. Finished
 * hypotheses leave the batch, so the model only ever scores live ones.
 */
async function decodeIndependently<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: ResolvedGenerationOptions,
  count: number,
  choose: ChooseToken,
): Promise<GenerationResult> {
  const vocabSize = model.vocabSize;
  const eos = new Set(options.eosTokenIds);
  const hyps: Growing[] = Array.from({ length: count }, () => ({
    tokens: [],
    tokenLogProbs: [],
    stepScores: [],
    finishReason: undefined,
  }));
  let output = await startModel(model, prompt);
  let batch = 1;
  const rowOf = new Int32Array(count); // every hypothesis starts from the prompt's single row
  let active = Array.from({ length: count }, (_, h) => h);

  for (let generated = 0; generated < options.maxLength; generated++) {
    const stillActive: number[] = [];
    for (const h of active) {
      const hyp = hyps[h];
      const sequence = prompt.concat(hyp.tokens);
      const { modelLogProbs, processedLogProbs } = scoreRow(
        output.scores,
        rowOf[h],
        vocabSize,
        sequence,
        generated,
        options,
      );
      if (argmax(processedLogProbs) < 0) {
        throw new Error(
          `every token is forbidden after [${sequence.join(', ')}]; relax bannedSequences, noRepeatNgramSize or minLength`,
        );
      }
      const { token, stepScore } = choose(processedLogProbs);
      hyp.tokens.push(token);
      hyp.tokenLogProbs.push(modelLogProbs[token]);
      hyp.stepScores.push(stepScore);
      if (eos.has(token)) hyp.finishReason = 'eos';
      else stillActive.push(h);
    }
    active = stillActive;
    if (active.length === 0 || generated + 1 === options.maxLength) break;

    const indices = Int32Array.from(active, (h) => rowOf[h]);
    const states = isIdentity(indices, batch)
      ? output.states
      : await reorderStates(model, output.states, indices);
    const lastTokens = Int32Array.from(active, (h) => hyps[h].tokens[hyps[h].tokens.length - 1]);
    const sequences = active.map((h) => prompt.concat(hyps[h].tokens));
    output = await stepModel(model, lastTokens, states, sequences);
    batch = active.length;
    active.forEach((h, row) => {
      rowOf[h] = row;
    });
  }

  return {
    sequences: hyps.map((hyp) => ({
      tokens: hyp.tokens,
      tokenLogProbs: hyp.tokenLogProbs,
      stepScores: hyp.stepScores,
      logProb: sum(hyp.tokenLogProbs),
      score: sum(hyp.stepScores),
      finishReason: hyp.finishReason ?? 'length',
    })),
  };
}

/** Greedy decoding: the most probable next token each step (ties: lowest token id). */
export async function greedy<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: GreedyOptions = {},
): Promise<Hypothesis> {
  const resolved = resolveGenerationOptions(options, model.vocabSize);
  const result = await decodeIndependently(model, prompt, resolved, 1, (logProbs) => {
    const token = argmax(logProbs);
    return { token, stepScore: logProbs[token] };
  });
  return result.sequences[0];
}

/**
 * Inverse-CDF draw from normalized log-probabilities, walking tokens in id order. `u` is uniform
 * in [0, 1); float round-off that leaves u above the total falls back to the last allowed token.
 */
export function sampleIndex(logProbs: Float64Array, u: number): number {
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < logProbs.length; i++) {
    if (logProbs[i] === Number.NEGATIVE_INFINITY) continue;
    cumulative += Math.exp(logProbs[i]);
    last = i;
    if (u < cumulative) return i;
  }
  return last;
}

/**
 * Ancestral sampling: each token drawn from the processed distribution after temperature and the
 * filters (top-k, top-p, min-p, typical) in `filterOrder`. With the same seed, model and options
 * the output is identical: one uniform draw per live hypothesis per step, in hypothesis order.
 */
export async function sample<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: SamplingOptions = {},
): Promise<GenerationResult> {
  const resolved = resolveGenerationOptions(options, model.vocabSize);
  const filters = resolveFilterOptions(options);
  const numReturnSequences = options.numReturnSequences ?? 1;
  if (!Number.isInteger(numReturnSequences) || numReturnSequences < 1) {
    throw new Error(`numReturnSequences must be a positive integer, got ${numReturnSequences}`);
  }
  const rng: Rng = createRng(options.seed ?? 0);
  return decodeIndependently(model, prompt, resolved, numReturnSequences, (processedLogProbs) => {
    const filtered = logSoftmaxInPlace(applyFilters(Float64Array.from(processedLogProbs), filters));
    const token = sampleIndex(filtered, rng.nextFloat());
    return { token, stepScore: filtered[token] };
  });
}
