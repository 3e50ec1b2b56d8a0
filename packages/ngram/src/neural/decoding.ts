import type { Tensor } from '@scratchseq/gpu';
import type { NeuralNgramModel } from './bengio.js';

export interface NeuralDecodingOptions {
  /**
   * Where the scores of each step live: `'device'` (default) returns the (B, |V|) logits as a
   * `@scratchseq/gpu` tensor, so `@scratchseq/decoding` can filter and sample on the device and
   * read back only the chosen ids; `'host'` reads them back as a Float32Array.
   */
  scores?: 'device' | 'host';
}

/** One step's output, shaped like `@scratchseq/decoding`'s `StepOutput` (no import needed). */
export interface NeuralStepOutput {
  scores: Float32Array | Tensor;
  kind: 'logits';
  /** Each row's state: its last n − 1 token ids. */
  states: number[][];
}

/**
 * The neural model as a `@scratchseq/decoding` `NextTokenModel`: token ids are the model's
 * vocabulary ids, the state of a hypothesis is its last n − 1 ids (immutable, so no
 * `reorderStates` is needed), and a prompt is preceded by the model's left padding, so the empty
 * prompt means "start of a sentence". Each step scores the whole batch in one device forward.
 */
export function neuralNextTokenModel(model: NeuralNgramModel, options: NeuralDecodingOptions = {}) {
  const where = options.scores ?? 'device';
  const width = model.order - 1;
  const startId = model.vocabulary.idOf(model.symbols.start);
  const run = async (states: number[][]): Promise<NeuralStepOutput> => {
    const logits = model.deviceLogits(states); // (B, |V|)
    if (where === 'device') return { scores: logits, kind: 'logits', states };
    const scores = (await logits.toArray()) as Float32Array;
    logits.dispose();
    return { scores, kind: 'logits', states };
  };
  return {
    vocabSize: model.vocabulary.size,
    start(prompt: readonly number[]): Promise<NeuralStepOutput> {
      const history = [...new Array<number>(width).fill(startId), ...prompt];
      return run([history.slice(history.length - width)]);
    },
    step(lastTokens: Int32Array, states: readonly number[][]): Promise<NeuralStepOutput> {
      return run(states.map((state, row) => [...state.slice(1), lastTokens[row]]));
    },
  };
}
