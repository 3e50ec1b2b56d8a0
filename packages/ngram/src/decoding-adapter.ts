import type { LanguageModel } from './language-model.js';

export interface StepFunctionOptions {
  /**
   * Prepend the model's left padding (order−1 start symbols) to every context, so an empty
   * context means "start of a sentence". Default true.
   */
  padStart?: boolean;
}

/**
 * A batched next-token scorer for `@scratchseq/decoding`: given contexts as arrays of the
 * model's vocabulary ids (`model.vocabulary`), returns for each a Float32Array of natural-log
 * probabilities over the whole vocabulary (−Infinity where the model gives 0). Only the last
 * order−1 ids of a context matter. For stupid backoff the values are log scores, not
 * log probabilities.
 */
export function ngramStepFunction(
  model: LanguageModel,
  options: StepFunctionOptions = {},
): (contexts: readonly ArrayLike<number>[]) => Float32Array[] {
  const padStart = options.padStart ?? true;
  const startId = model.vocabulary.idOf(model.symbols.start);
  const contextLength = model.order - 1;
  const probabilities = new Float64Array(model.vocabulary.size);
  return (contexts) =>
    contexts.map((context) => {
      const history = new Int32Array(contextLength);
      const take = Math.min(contextLength, context.length);
      // Right-align the last ids of the context; fill the rest with <s> (or drop it).
      for (let i = 0; i < take; i++)
        history[contextLength - take + i] = context[context.length - take + i];
      history.fill(startId, 0, contextLength - take);
      const used = padStart ? history : history.subarray(contextLength - take);
      model.distributionOfIds(used, probabilities);
      const logProbabilities = new Float32Array(probabilities.length);
      for (let id = 0; id < probabilities.length; id++) {
        logProbabilities[id] = Math.log(probabilities[id]);
      }
      return logProbabilities;
    });
}
