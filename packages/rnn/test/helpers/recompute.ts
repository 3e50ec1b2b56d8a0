import type { NextTokenModel } from '@scratchseq/decoding';
import * as g from '@scratchseq/gpu';
import type { RecurrentLanguageModel, RecurrentState } from '../../src/index.js';

/**
 * The oracle for the decoding adapter: a stateless model that recomputes every sequence from
 * its first token at each step and reads the last position's logits. (Also used by the LSTM and
 * GRU adapter tests in @scratchseq/lstm.)
 */
export function recomputeOracle<S extends RecurrentState>(
  lm: RecurrentLanguageModel<S>,
  device: g.Device,
): NextTokenModel<null> {
  const V = lm.vocabSize;
  const lastLogits = async (seqs: readonly (readonly number[])[]) => {
    const scores = new Float32Array(seqs.length * V);
    for (const [i, s] of seqs.entries()) {
      const ids = g.tensor(Int32Array.from(s), { shape: [s.length, 1], dtype: 'i32', device });
      const logits = g.noGrad(() => lm.forward(ids, undefined).logits);
      const all = (await logits.toArray()) as Float32Array;
      scores.set(all.subarray((s.length - 1) * V, s.length * V), i * V);
      ids.dispose();
      logits.dispose();
    }
    return scores;
  };
  return {
    vocabSize: V,
    start: async (prompt) => ({
      scores: await lastLogits([prompt]),
      kind: 'logits',
      states: [null],
    }),
    step: async (_last, states, sequences) => ({
      scores: await lastLogits(sequences),
      kind: 'logits',
      states: [...states],
    }),
  };
}
