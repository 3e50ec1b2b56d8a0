/**
 * Minimum Bayes risk decoding (Kumar & Byrne 2004, "Minimum Bayes-Risk Decoding for Statistical
 * Machine Translation", eq. 2), written with a utility u = −loss:
 *
 *   ŷ = argmax_{h ∈ H} Σ_{e ∈ E} w(e) · u(h, e)
 *
 * H (hypotheses) are the candidates; E (evidence) defaults to the same list. Weights:
 * - `'uniform'`: w(e) = 1 / |E| for every entry, duplicates counted separately. With E drawn by
 *   ancestral sampling this is the Monte-Carlo estimate of the expected utility (Eikema & Aziz
 *   2020, "Is MAP Decoding All You Need?").
 * - `'probability'`: w(e) ∝ exp(logProb(e)) over the distinct sequences of E, i.e. the model's
 *   posterior renormalized on the evidence set (N-best MBR, as in Kumar & Byrne §3). A sequence
 *   listed more than once counts once, with the logProb of its first entry.
 * Ties go to the lowest candidate index.
 */
import { type BeamSearchOptions, beamSearch } from './beam.js';
import type { Hypothesis, NextTokenModel } from './interface.js';
import { type SamplingOptions, sample } from './sampling.js';
import { logSumExp } from './step.js';

/** Utility of a hypothesis against one piece of evidence ("pseudo-reference"); higher is better. */
export type Utility = (hypothesis: readonly number[], reference: readonly number[]) => number;

export type EvidenceWeighting = 'uniform' | 'probability';

export interface MbrCandidate {
  tokens: readonly number[];
  /** Model log-probability of the sequence; needed for 'probability' weighting. */
  logProb?: number;
}

export interface MbrOptions {
  utility: Utility;
  /** Evidence weighting. Default 'uniform'. */
  evidence?: EvidenceWeighting;
  /** Evidence set E. Default: the candidates themselves. */
  evidenceSet?: readonly MbrCandidate[];
}

export interface MbrResult<C> {
  best: C;
  bestIndex: number;
  /** Expected utility of every candidate, in candidate order. */
  expectedUtilities: number[];
}

function evidenceWeights(
  evidence: readonly MbrCandidate[],
  weighting: EvidenceWeighting,
): { references: (readonly number[])[]; weights: number[] } {
  if (weighting === 'uniform') {
    return {
      references: evidence.map((e) => e.tokens),
      weights: evidence.map(() => 1 / evidence.length),
    };
  }
  if (weighting !== 'probability') {
    throw new Error(`evidence must be 'uniform' or 'probability', got '${weighting}'`);
  }
  const distinct = new Map<string, MbrCandidate>();
  for (const e of evidence) {
    if (e.logProb === undefined || Number.isNaN(e.logProb)) {
      throw new Error(
        "evidence 'probability' needs a logProb on every evidence entry; pass decoded hypotheses or use evidence 'uniform'",
      );
    }
    const key = e.tokens.join(',');
    if (!distinct.has(key)) distinct.set(key, e);
  }
  const entries = [...distinct.values()];
  const logZ = logSumExp(entries.map((e) => e.logProb as number));
  if (logZ === Number.NEGATIVE_INFINITY) {
    throw new Error('every evidence entry has probability 0; use evidence uniform');
  }
  return {
    references: entries.map((e) => e.tokens),
    weights: entries.map((e) => Math.exp((e.logProb as number) - logZ)),
  };
}

/** Choose the candidate with the highest expected utility under the evidence. */
export function mbrSelect<C extends MbrCandidate>(
  candidates: readonly C[],
  options: MbrOptions,
): MbrResult<C> {
  if (candidates.length === 0) throw new Error('mbrSelect needs at least one candidate');
  const evidence = options.evidenceSet ?? candidates;
  if (evidence.length === 0) throw new Error('mbrSelect needs a non-empty evidenceSet');
  const { references, weights } = evidenceWeights(evidence, options.evidence ?? 'uniform');
  const expectedUtilities = candidates.map((candidate) => {
    let expected = 0;
    for (let j = 0; j < references.length; j++) {
      expected += weights[j] * options.utility(candidate.tokens, references[j]);
    }
    return expected;
  });
  let bestIndex = 0;
  for (let i = 1; i < candidates.length; i++) {
    if (expectedUtilities[i] > expectedUtilities[bestIndex]) bestIndex = i;
  }
  return { best: candidates[bestIndex], bestIndex, expectedUtilities };
}

export type MbrCandidateSource =
  | ({ strategy: 'sample' } & SamplingOptions)
  | ({ strategy: 'beam' } & BeamSearchOptions);

export interface MbrDecodeOptions extends Omit<MbrOptions, 'evidenceSet'> {
  /** How to generate the candidates (which also serve as evidence). */
  candidates: MbrCandidateSource;
}

export interface MbrDecodeResult extends MbrResult<Hypothesis> {
  candidates: Hypothesis[];
}

/**
 * Generate candidates by sampling (`numReturnSequences` samples) or beam search (every finished
 * hypothesis), then pick the MBR candidate using them as evidence too.
 */
export async function mbrDecode<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: MbrDecodeOptions,
): Promise<MbrDecodeResult> {
  const { strategy, ...generation } = options.candidates;
  const candidates =
    strategy === 'sample'
      ? (await sample(model, prompt, generation)).sequences
      : (await beamSearch(model, prompt, generation)).hypotheses;
  return {
    ...mbrSelect(candidates, { utility: options.utility, evidence: options.evidence }),
    candidates,
  };
}
