/**
 * Language-model metrics from per-token log-probabilities: cross-entropy (nats or bits),
 * perplexity, and bits per character.
 *
 * Perplexity is exp(mean negative log-likelihood in nats) = 2^(bits per token); it does not
 * depend on the log base. Bits per character divides the total bits by the number of
 * characters the tokens cover, which makes models with different tokenizers comparable.
 */

export type LogBase = 'e' | 2 | 10;

export interface LanguageModelScores {
  /** Number of tokens scored. */
  tokens: number;
  /** Mean negative log-likelihood per token, in nats. */
  crossEntropyNats: number;
  /** Mean negative log-likelihood per token, in bits. */
  crossEntropyBits: number;
  perplexity: number;
  /** Total bits / characterCount, when characterCount is given. */
  bitsPerCharacter?: number;
}

function toNats(logProb: number, base: LogBase): number {
  if (base === 'e') return logProb;
  return logProb * Math.log(base);
}

/**
 * @param logProbs log-probability of each scored token (≤ 0), in `logBase` (default 'e').
 * @param options.characterCount characters covered by the tokens, for bits per character.
 */
export function languageModelScores(
  logProbs: readonly number[],
  options: { logBase?: LogBase; characterCount?: number } = {},
): LanguageModelScores {
  const base = options.logBase ?? 'e';
  if (base !== 'e' && base !== 2 && base !== 10) {
    throw new Error(`logBase must be 'e', 2 or 10, got ${JSON.stringify(base)}.`);
  }
  if (logProbs.length === 0) {
    throw new Error('languageModelScores: no log-probabilities; pass one per scored token.');
  }
  let totalNats = 0;
  logProbs.forEach((logProb, i) => {
    if (Number.isNaN(logProb) || logProb > 1e-12) {
      throw new Error(
        `log-probability ${i} is ${logProb}; expected a value ≤ 0 (pass log p, not p or −log p).`,
      );
    }
    totalNats -= toNats(Math.min(logProb, 0), base);
  });
  const crossEntropyNats = totalNats / logProbs.length;
  const result: LanguageModelScores = {
    tokens: logProbs.length,
    crossEntropyNats,
    crossEntropyBits: crossEntropyNats / Math.LN2,
    perplexity: Math.exp(crossEntropyNats),
  };
  if (options.characterCount !== undefined) {
    if (!(options.characterCount > 0)) {
      throw new Error(`characterCount must be positive, got ${options.characterCount}.`);
    }
    result.bitsPerCharacter = totalNats / Math.LN2 / options.characterCount;
  }
  return result;
}

/** Perplexity from per-token log-probabilities (natural log unless `logBase` says otherwise). */
export function perplexity(logProbs: readonly number[], logBase: LogBase = 'e'): number {
  return languageModelScores(logProbs, { logBase }).perplexity;
}

/** Bits per character from per-token log-probabilities and the text's character count. */
export function bitsPerCharacter(
  logProbs: readonly number[],
  characterCount: number,
  logBase: LogBase = 'e',
): number {
  return languageModelScores(logProbs, { logBase, characterCount }).bitsPerCharacter!;
}
