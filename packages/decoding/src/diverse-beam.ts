/**
 * Diverse beam search (Vijayakumar et al. 2016, "Diverse Beam Search: Decoding Diverse Solutions
 * from Neural Sequence Models", Algorithm 1 with Hamming diversity).
 *
 * The numBeams beams are split into numBeamGroups groups of equal width. Each step the groups
 * extend in order; group g ranks its candidate extensions by
 *   (prefix log-prob) + log p(token) − diversityPenalty · (number of new beams of groups 0..g−1
 *   that chose this token at this step),
 * then behaves as ordinary beam search (own finished list, own early stopping). The penalty
 * steers selection only: hypothesis sums and scores stay plain log-probabilities, as in the
 * paper's objective, where Θ is the model log-probability and Δ only augments the selection.
 * (Hugging Face instead accumulates the penalized scores into the beam scores.)
 */
import {
  type BeamSearchOptions,
  type BeamSearchResult,
  mergeFinished,
  resolveBeamOptions,
  runBeamGroups,
} from './beam.js';
import type { Hypothesis, NextTokenModel } from './interface.js';

export interface DiverseBeamSearchOptions extends BeamSearchOptions {
  /** Number of groups G; must divide numBeams. Default 2. */
  numBeamGroups?: number;
  /** Hamming diversity strength λ ≥ 0. Default 0.5. */
  diversityPenalty?: number;
}

export interface DiverseBeamSearchResult extends BeamSearchResult {
  /** Each group's finished hypotheses, best first. */
  groups: Hypothesis[][];
}

export async function diverseBeamSearch<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  options: DiverseBeamSearchOptions = {},
): Promise<DiverseBeamSearchResult> {
  const resolved = resolveBeamOptions(options, model.vocabSize);
  const numBeamGroups = options.numBeamGroups ?? 2;
  const diversityPenalty = options.diversityPenalty ?? 0.5;
  if (
    !Number.isInteger(numBeamGroups) ||
    numBeamGroups < 1 ||
    resolved.numBeams % numBeamGroups !== 0
  ) {
    throw new Error(
      `numBeamGroups must be a positive integer dividing numBeams (${resolved.numBeams}), got ${numBeamGroups}`,
    );
  }
  if (!(diversityPenalty >= 0) || !Number.isFinite(diversityPenalty)) {
    throw new Error(`diversityPenalty must be a finite number ≥ 0, got ${diversityPenalty}`);
  }
  const groups = await runBeamGroups(model, prompt, resolved, numBeamGroups, diversityPenalty);
  const hypotheses = mergeFinished(groups);
  return {
    sequences: hypotheses.slice(0, resolved.numReturnSequences),
    hypotheses,
    groups: groups.map((group) => group.finished),
  };
}
