/** Tiny explicit models for tests: a bigram table, in every flavour the interface allows. */
import type { NextTokenModel, StepOutput } from '../src/index.js';

export interface BigramOptions {
  /** Return logits (log p plus a per-row offset) instead of log-probabilities. */
  kind?: 'logits' | 'logprobs';
  /** Resolve step() and start() asynchronously, like a device model. */
  async?: boolean;
}

/**
 * P(next | previous) from a row-stochastic table: `table[prev][next]`. The state is the previous
 * token. Records the batch size of every step() call.
 */
export function bigramModel(
  table: readonly (readonly number[])[],
  options: BigramOptions = {},
): NextTokenModel<number> & { batchSizes: number[] } {
  const vocabSize = table.length;
  const kind = options.kind ?? 'logprobs';
  const rows = (previous: ArrayLike<number>): StepOutput<number> => {
    const scores = new Float32Array(previous.length * vocabSize);
    for (let r = 0; r < previous.length; r++) {
      // Logits are log p plus any per-row constant; kept small so float32 keeps log p's digits.
      const offset = kind === 'logits' ? 1.5 * (r % 3) - 1 : 0;
      for (let v = 0; v < vocabSize; v++) {
        scores[r * vocabSize + v] = Math.log(table[previous[r]][v]) + offset;
      }
    }
    return { scores, kind, states: Array.from(previous) };
  };
  const wrap = <T>(value: T): T | Promise<T> => (options.async ? Promise.resolve(value) : value);
  const batchSizes: number[] = [];
  return {
    vocabSize,
    batchSizes,
    start: (prompt) => wrap(rows([prompt[prompt.length - 1]])),
    step: (lastTokens) => {
      batchSizes.push(lastTokens.length);
      return wrap(rows(lastTokens));
    },
  };
}

/** A model whose scores never depend on context: every row is `logits`. */
export function constantModel(logits: readonly number[]): NextTokenModel<null> {
  const row = (batch: number): StepOutput<null> => {
    const scores = new Float32Array(batch * logits.length);
    for (let r = 0; r < batch; r++) scores.set(logits, r * logits.length);
    return { scores, kind: 'logits', states: new Array(batch).fill(null) };
  };
  return {
    vocabSize: logits.length,
    start: () => row(1),
    step: (lastTokens) => row(lastTokens.length),
  };
}

/**
 * The bigram table again, but each state is a mutable history array that step() extends in
 * place, like an in-place KV cache. step() throws when a state's history disagrees with the
 * sequence the library says the row has, which is what happens if states are shared or
 * misordered. `withReorder: false` leaves out reorderStates (wrong for mutable states).
 */
export function mutableHistoryModel(
  table: readonly (readonly number[])[],
  withReorder: boolean,
): NextTokenModel<number[]> & { reorderCalls: number[][] } {
  const inner = bigramModel(table);
  const reorderCalls: number[][] = [];
  const model: NextTokenModel<number[]> & { reorderCalls: number[][] } = {
    vocabSize: inner.vocabSize,
    reorderCalls,
    start: (prompt) => {
      const out = inner.start(prompt) as StepOutput<number>;
      return { scores: out.scores, kind: out.kind, states: [[...prompt]] };
    },
    step: (lastTokens, states, sequences) => {
      const out = inner.step(lastTokens, [], sequences) as StepOutput<number>;
      states.forEach((history, i) => {
        history.push(lastTokens[i]);
        if (history.join(',') !== sequences[i].join(',')) {
          throw new Error(`row ${i}: state [${history}] but sequence [${sequences[i]}]`);
        }
      });
      return { scores: out.scores, kind: out.kind, states: [...states] };
    },
  };
  if (withReorder) {
    model.reorderStates = (states, indices) => {
      reorderCalls.push(Array.from(indices));
      return Array.from(indices, (i) => [...states[i]]);
    };
  }
  return model;
}

/**
 * Chi-square critical value: the (1 − alpha) quantile of χ²(df), found by bisection on the CDF
 * P(df/2, x/2), the regularized lower incomplete gamma function (series expansion, Numerical
 * Recipes §6.2). Checked against published table values in rng-and-stats.test.ts.
 */
export function chiSquareCritical(df: number, alpha: number): number {
  const logGamma = (z: number): number => {
    // Lanczos approximation, g = 7, n = 9 (Numerical Recipes / Godfrey coefficients).
    const c = [
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7,
    ];
    if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
    z -= 1;
    let x = c[0];
    for (let i = 1; i < 9; i++) x += c[i] / (z + i);
    const t = z + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
  };
  const lowerGammaRegularized = (s: number, x: number): number => {
    let term = 1 / s;
    let total = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (s + n);
      total += term;
      if (term < total * 1e-16) break;
    }
    return Math.exp(-x + s * Math.log(x) - logGamma(s)) * total;
  };
  const cdf = (x: number) => lowerGammaRegularized(df / 2, x / 2);
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < 1 - alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Pearson's χ² statistic of observed counts against expected probabilities. */
export function chiSquareStatistic(
  observed: readonly number[],
  expected: readonly number[],
): number {
  const n = observed.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expected[i] === 0) {
      if (observed[i] !== 0) return Number.POSITIVE_INFINITY;
      continue;
    }
    statistic += (observed[i] - n * expected[i]) ** 2 / (n * expected[i]);
  }
  return statistic;
}
