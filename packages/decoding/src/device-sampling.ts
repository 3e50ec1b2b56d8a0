/**
 * The device path of `sample`: temperature, top-k, top-p and min-p filtering and the draw run on
 * `@scratchseq/gpu` over the whole batch, and only the drawn ids and their log-probabilities come
 * back. The CPU path in filters.ts stays the oracle (the tests compare both).
 */
import { Generator, indexSelect, sampleLogits, tensor } from '@scratchseq/gpu';
import type { FilterName, ResolvedFilterOptions } from './filters.js';
import type { DeviceScores, ResolvedGenerationOptions } from './interface.js';

/** Draws for the given score rows (one per live hypothesis), or null: use the host path this step. */
export type DeviceChooser = (
  scores: DeviceScores,
  rows: Int32Array,
  generatedLength: number,
) => Promise<{ tokens: Int32Array; logProbs: Float32Array } | null>;

/** The device kernel applies the filters it has in this order. */
const DEVICE_ORDER: readonly FilterName[] = ['temperature', 'topK', 'topP', 'minP'];

/**
 * Why the device path cannot serve these options (null when it can): it has no typical filter,
 * applies its filters in one fixed order, and has no sequence-dependent processors.
 */
export function deviceIncompatibility(
  options: ResolvedGenerationOptions,
  filters: ResolvedFilterOptions,
): string | null {
  if (options.repetitionPenalty !== 1) return 'repetitionPenalty';
  if (options.noRepeatNgramSize > 0) return 'noRepeatNgramSize';
  if (options.bannedSequences.length > 0) return 'bannedSequences';
  if (filters.typicalP < 1) return 'typicalP';
  const enabled = new Set<FilterName>();
  if (filters.temperature !== 1) enabled.add('temperature');
  if (filters.topK > 0) enabled.add('topK');
  if (filters.topP < 1) enabled.add('topP');
  if (filters.minP > 0) enabled.add('minP');
  const listed = filters.filterOrder.filter((name) => enabled.has(name));
  const expected = DEVICE_ORDER.filter((name) => enabled.has(name));
  if (listed.join() !== expected.join()) return 'filterOrder';
  return null;
}

/** A chooser for `sample`, or undefined when the options rule the device path out entirely. */
export function deviceSampler(
  options: ResolvedGenerationOptions,
  filters: ResolvedFilterOptions,
  seed: number,
): DeviceChooser | undefined {
  if (deviceIncompatibility(options, filters) !== null) return undefined;
  const generator = new Generator(seed);
  return async (scores, rows, generatedLength) => {
    // EOS masking below minLength needs the host (it is a per-step mask).
    if (generatedLength + 1 < options.minLength && options.eosTokenIds.length > 0) return null;
    let identity = rows.length === scores.shape[0];
    for (let i = 0; identity && i < rows.length; i++) identity = rows[i] === i;
    const index = identity ? null : tensor(rows, { dtype: 'i32', device: scores.device });
    const picked = index ? indexSelect(scores, 0, index) : scores;
    const { tokens, logProbs } = sampleLogits(picked, { ...filters, generator });
    const drawn = {
      tokens: Int32Array.from(await tokens.toArray()),
      logProbs: Float32Array.from(await logProbs.toArray()),
    };
    tokens.dispose();
    logProbs.dispose();
    index?.dispose();
    if (picked !== scores) picked.dispose();
    return drawn;
  };
}
