/**
 * Every error this package throws on bad input is an `HmmInputError` whose message says what
 * was wrong and how to fix it, e.g. "transitionMatrix row 2 sums to 0.9; normalize each row".
 */
export class HmmInputError extends Error {
  override readonly name: string = 'HmmInputError';
}

/**
 * Thrown by posterior decoding, Viterbi and training when a sequence has probability zero
 * under the model (some observation cannot be emitted by any reachable state). The message
 * names the sequence and the first impossible step. `logLikelihood` does not throw: it
 * returns `-Infinity` (log 0) for such a sequence — never NaN.
 */
export class ZeroProbabilityError extends HmmInputError {
  override readonly name: string = 'ZeroProbabilityError';
  constructor(
    readonly sequenceIndex: number,
    readonly step: number,
  ) {
    super(
      `sequence ${sequenceIndex} has probability zero under the model (first impossible ` +
        `observation at step ${step}): no reachable state can emit it. Give that symbol ` +
        `non-zero probability (fit with an emissionPseudocount > 0, or smooth emissionMatrix), ` +
        `or allow the transition that reaches a state which can emit it.`,
    );
  }
}
