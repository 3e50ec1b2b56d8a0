/** Greedy decoding and ancestral sampling (with temperature and filters), one hypothesis per row. */
import { type DeviceChooser, deviceSampler } from './device-sampling.js';
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
import {
  argmax,
  isDeviceScores,
  logSoftmaxInPlace,
  reorderStates,
  startModel,
  stepModel,
  toHost,
} from './step.js';

export type GreedyOptions = GenerationOptions;

export interface SamplingOptions extends GenerationOptions, FilterOptions {
  /** Number of independent samples to draw. Default 1. */
  numReturnSequences?: number;
  /** Integer seed of the xoshiro128** generator (and of the Philox stream on the device path). Default 0. */
  seed?: number;
  /**
   * Vocabulary size from which device scores (a model returning a gpu tensor) are filtered and
   * sampled on the device, reading back only the drawn ids. Below it, or when a step needs an
   * option the device path lacks, the scores are read back and the CPU path runs. Default 4,096;
   * `Infinity` turns the device path off.
   */
  deviceVocabThreshold?: number;
}

/** Default `deviceVocabThreshold`: below it, reading a row back costs less than a device pass. */
export const DEFAULT_DEVICE_VOCAB_THRESHOLD = 4096;

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
  onDevice?: DeviceChooser,
): Promise<GenerationResult> {
  const vocabSize = model.vocabSize;
  const eos = new Set(options.eosTokenIds);
  const hyps: Growing[] = Array.from({ length: count }, () => ({
    tokens: [],
    tokenLogProbs: [],
    stepScores: [],
    finishReason: undefined,
  }));
  let output = await startModel(model, prompt, onDevice !== undefined);
  let batch = 1;
  const rowOf = new Int32Array(count); // every hypothesis starts from the prompt's single row
  let active = Array.from({ length: count }, (_, h) => h);

  for (let generated = 0; generated < options.maxLength; generated++) {
    const stillActive: number[] = [];
    if (isDeviceScores(output.scores)) {
      const rows = Int32Array.from(active, (h) => rowOf[h]);
      const drawn = await onDevice!(output.scores, rows, generated);
      if (drawn) {
        output.scores.dispose();
        active.forEach((h, i) => {
          const hyp = hyps[h];
          const token = drawn.tokens[i];
          if (token < 0) {
            throw new Error(
              `every token has score −Infinity after [${prompt.concat(hyp.tokens).join(', ')}]; the model must leave at least one token possible`,
            );
          }
          hyp.tokens.push(token);
          hyp.tokenLogProbs.push(drawn.logProbs[2 * i]);
          hyp.stepScores.push(drawn.logProbs[2 * i + 1]);
          if (eos.has(token)) hyp.finishReason = 'eos';
          else stillActive.push(h);
        });
      } else {
        output = await toHost(output);
      }
    }
    for (const h of isDeviceScores(output.scores) ? [] : active) {
      const hyp = hyps[h];
      const sequence = prompt.concat(hyp.tokens);
      const { modelLogProbs, processedLogProbs } = scoreRow(
        output.scores as Float32Array,
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
    output = await stepModel(model, lastTokens, states, sequences, onDevice !== undefined);
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
  const seed = options.seed ?? 0;
  const rng: Rng = createRng(seed);
  const threshold = options.deviceVocabThreshold ?? DEFAULT_DEVICE_VOCAB_THRESHOLD;
  if (!(threshold >= 0)) {
    throw new Error(
      `deviceVocabThreshold must be a number ≥ 0 (Infinity = never), got ${threshold}`,
    );
  }
  const onDevice =
    model.vocabSize >= threshold ? deviceSampler(resolved, filters, seed) : undefined;
  return decodeIndependently(
    model,
    prompt,
    resolved,
    numReturnSequences,
    (processedLogProbs) => {
      const filtered = logSoftmaxInPlace(
        applyFilters(Float64Array.from(processedLogProbs), filters),
      );
      const token = sampleIndex(filtered, rng.nextFloat());
      return { token, stepScore: filtered[token] };
    },
    onDevice,
  );
}
