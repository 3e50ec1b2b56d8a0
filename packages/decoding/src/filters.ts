/**
 * Sampling filters ("warpers"): temperature, top-k, top-p, min-p and typical sampling. Each takes
 * one row of log-domain scores (normalized or not), works in place, and marks removed tokens
 * with −∞. Tokens already at −∞ stay removed and carry no probability mass.
 *
 * Tie-breaking convention, for every filter: whether a token is kept depends only on its
 * probability, never on its id. Tokens tied with the last one admitted at a boundary are all
 * kept, so a filter may keep more than k tokens (top-k) or more mass than needed (top-p, typical).
 */
import { logSumExp } from './step.js';

const NEG_INF = Number.NEGATIVE_INFINITY;

export type FilterName = 'temperature' | 'topK' | 'topP' | 'minP' | 'typical';

/** Filters run in this order unless `filterOrder` says otherwise (the order HF applies warpers). */
export const DEFAULT_FILTER_ORDER: readonly FilterName[] = [
  'temperature',
  'topK',
  'topP',
  'minP',
  'typical',
];

/**
 * Absolute slack when comparing accumulated probability mass with `topP` / `typicalP`, so that a
 * nucleus whose mass equals p exactly (0.4 + 0.3 = 0.7) is not defeated by rounding. Scores
 * arrive as float32, whose rounding already moves probabilities by ~1e-7, so mass differences
 * below 1e-6 carry no information.
 */
export const MASS_TOLERANCE = 1e-6;

export interface FilterOptions {
  /** Divide scores by T before filtering and sampling; T < 1 sharpens, T > 1 flattens. Default 1. */
  temperature?: number;
  /** Keep the k highest-scoring tokens (plus ties with the k-th). Default 0 (off). */
  topK?: number;
  /** Nucleus: keep the smallest most-probable set with mass ≥ p (plus ties). Default 1 (off). */
  topP?: number;
  /** Keep tokens with probability ≥ minP · (largest probability). Default 0 (off). */
  minP?: number;
  /** Locally typical sampling mass τ. Default 1 (off). */
  typicalP?: number;
  /** Order in which the filters apply. Default temperature → topK → topP → minP → typical. */
  filterOrder?: readonly FilterName[];
}

export interface ResolvedFilterOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  filterOrder: readonly FilterName[];
}

export function resolveFilterOptions(options: FilterOptions): ResolvedFilterOptions {
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  const minP = options.minP ?? 0;
  const typicalP = options.typicalP ?? 1;
  const filterOrder = options.filterOrder ?? DEFAULT_FILTER_ORDER;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(
      `temperature must be a positive finite number, got ${temperature}; for temperature 0 use greedy()`,
    );
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new Error(`topK must be a non-negative integer (0 = off), got ${topK}`);
  }
  if (!(topP > 0 && topP <= 1)) throw new Error(`topP must be in (0, 1] (1 = off), got ${topP}`);
  if (!(minP >= 0 && minP <= 1)) throw new Error(`minP must be in [0, 1] (0 = off), got ${minP}`);
  if (!(typicalP > 0 && typicalP <= 1)) {
    throw new Error(`typicalP must be in (0, 1] (1 = off), got ${typicalP}`);
  }
  const known = new Set<string>(DEFAULT_FILTER_ORDER);
  const listed = new Set<string>();
  for (const name of filterOrder) {
    if (!known.has(name)) {
      throw new Error(
        `filterOrder: unknown filter '${name}'; use ${DEFAULT_FILTER_ORDER.join(', ')}`,
      );
    }
    if (listed.has(name)) throw new Error(`filterOrder lists '${name}' twice; list it once`);
    listed.add(name);
  }
  const enabled: [FilterName, boolean][] = [
    ['temperature', temperature !== 1],
    ['topK', topK > 0],
    ['topP', topP < 1],
    ['minP', minP > 0],
    ['typical', typicalP < 1],
  ];
  for (const [name, on] of enabled) {
    if (on && !listed.has(name)) {
      throw new Error(`${name} is set but filterOrder omits it; add '${name}' to filterOrder`);
    }
  }
  return { temperature, topK, topP, minP, typicalP, filterOrder };
}

/** Divide every score by the temperature (Ackley, Hinton & Sejnowski 1985). */
export function applyTemperature(scores: Float64Array, temperature: number): Float64Array {
  if (temperature === 1) return scores;
  for (let i = 0; i < scores.length; i++) scores[i] /= temperature;
  return scores;
}

/** Top-k (Fan, Lewis & Dauphin 2018): keep tokens scoring ≥ the k-th largest score. */
export function topKFilter(scores: Float64Array, k: number): Float64Array {
  if (k <= 0 || k >= scores.length) return scores;
  const sorted = Float64Array.from(scores).sort(); // ascending
  const kthLargest = sorted[sorted.length - k];
  for (let i = 0; i < scores.length; i++) if (scores[i] < kthLargest) scores[i] = NEG_INF;
  return scores;
}

function probabilities(scores: Float64Array): Float64Array {
  const lse = logSumExp(scores);
  if (lse === NEG_INF) return new Float64Array(scores.length);
  return scores.map((s) => Math.exp(s - lse));
}

/**
 * Top-p / nucleus (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration", eq. 2):
 * the smallest set of most probable tokens whose mass is ≥ p, plus ties with its least probable.
 */
export function topPFilter(scores: Float64Array, p: number): Float64Array {
  if (p >= 1) return scores;
  const probs = probabilities(scores);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
  let mass = 0;
  let threshold = 0;
  for (const token of order) {
    mass += probs[token];
    threshold = probs[token];
    if (mass >= p - MASS_TOLERANCE) break;
  }
  for (let i = 0; i < scores.length; i++) if (probs[i] < threshold) scores[i] = NEG_INF;
  return scores;
}

/**
 * Min-p (Nguyen et al. 2024, "Turning Up the Heat: Min-p Sampling for Creative and Coherent LLM
 * Outputs"): keep tokens whose probability is ≥ minP times the largest probability.
 */
export function minPFilter(scores: Float64Array, minP: number): Float64Array {
  if (minP <= 0) return scores;
  const probs = probabilities(scores);
  let maxProb = 0;
  for (const p of probs) if (p > maxProb) maxProb = p;
  const threshold = minP * maxProb;
  for (let i = 0; i < scores.length; i++) if (probs[i] < threshold) scores[i] = NEG_INF;
  return scores;
}

/**
 * Locally typical sampling (Meister et al. 2023, "Locally Typical Sampling", §4): rank tokens by
 * |−log p − H| where H is the entropy of the distribution, and keep the smallest set of most
 * typical tokens whose mass is ≥ τ, plus ties with its least typical.
 */
export function typicalFilter(scores: Float64Array, mass: number): Float64Array {
  if (mass >= 1) return scores;
  const probs = probabilities(scores);
  let entropy = 0;
  for (const p of probs) if (p > 0) entropy -= p * Math.log(p);
  const deviation = new Float64Array(scores.length).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] > 0) deviation[i] = Math.abs(-Math.log(probs[i]) - entropy);
  }
  const order = Array.from(probs.keys())
    .filter((i) => probs[i] > 0)
    .sort((a, b) => deviation[a] - deviation[b]);
  let accumulated = 0;
  let threshold = Number.POSITIVE_INFINITY;
  for (const token of order) {
    accumulated += probs[token];
    threshold = deviation[token];
    if (accumulated >= mass - MASS_TOLERANCE) break;
  }
  for (let i = 0; i < scores.length; i++) if (deviation[i] > threshold) scores[i] = NEG_INF;
  return scores;
}

/** Apply the enabled filters in `filterOrder`; the result is unnormalized log-domain scores. */
export function applyFilters(scores: Float64Array, options: ResolvedFilterOptions): Float64Array {
  for (const name of options.filterOrder) {
    switch (name) {
      case 'temperature':
        applyTemperature(scores, options.temperature);
        break;
      case 'topK':
        topKFilter(scores, options.topK);
        break;
      case 'topP':
        topPFilter(scores, options.topP);
        break;
      case 'minP':
        minPFilter(scores, options.minP);
        break;
      case 'typical':
        typicalFilter(scores, options.typicalP);
        break;
    }
  }
  return scores;
}
