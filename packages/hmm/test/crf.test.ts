import { describe, expect, it } from 'vitest';
import { HmmInputError, LinearChainCRF } from '../src/index.js';
import { expectClose } from './helpers.js';

const K = 3;
const B = 3;
const T = 4;
const lengths = [4, 2, 3];

/** Deterministic test inputs from an LCG (independent of the package's RNG). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function makeCrf(): LinearChainCRF {
  const crf = new LinearChainCRF(K);
  const next = lcg(42);
  crf.start_transitions = Float64Array.from({ length: K }, () => next() * 2 - 1);
  crf.end_transitions = Float64Array.from({ length: K }, () => next() * 2 - 1);
  crf.transitions = Float64Array.from({ length: K * K }, () => next() * 2 - 1);
  return crf;
}

const next = lcg(7);
const emissions = Array.from({ length: B }, () =>
  Array.from({ length: T }, () => Array.from({ length: K }, () => next() * 4 - 2)),
);
const mask = lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0)));
const tags = [
  [0, 2, 1, 1],
  [2, 2, 0, 0],
  [1, 0, 2, 0],
];

/** Brute force: the score of every tag sequence of length L, straight from the definition. */
function enumerate(crf: LinearChainCRF, b: number) {
  const L = lengths[b];
  const scoreOf = (y: number[]) => {
    let s = crf.start_transitions[y[0]] + crf.end_transitions[y[L - 1]];
    for (let t = 0; t < L; t++) s += emissions[b][t][y[t]];
    for (let t = 1; t < L; t++) s += crf.transitions[y[t - 1] * K + y[t]];
    return s;
  };
  const all: { y: number[]; score: number }[] = [];
  for (let code = 0; code < K ** L; code++) {
    const y = Array.from({ length: L }, (_, t) => Math.floor(code / K ** (L - 1 - t)) % K);
    all.push({ y, score: scoreOf(y) });
  }
  const logZ = Math.log(all.reduce((sum, p) => sum + Math.exp(p.score), 0));
  const best = all.reduce((a, p) => (p.score > a.score ? p : a));
  const marginals = Array.from({ length: L }, (_, t) =>
    Array.from({ length: K }, (_, k) =>
      all.filter((p) => p.y[t] === k).reduce((sum, p) => sum + Math.exp(p.score - logZ), 0),
    ),
  );
  return { logZ, best: best.y, marginals, scoreOf };
}

describe('linear-chain CRF against brute-force enumeration', () => {
  const crf = makeCrf();

  it('log-partition, score, log-likelihood and marginals with a variable-length mask', () => {
    const logZ = crf.logPartition(emissions, mask);
    const scores = crf.score(emissions, tags, mask);
    const perSequence = crf.logLikelihood(emissions, tags, mask, 'none') as Float64Array;
    const marginals = crf.marginals(emissions, mask);
    for (let b = 0; b < B; b++) {
      const oracle = enumerate(crf, b);
      expectClose(logZ[b], oracle.logZ, { rtol: 1e-12, label: `logZ ${b}` });
      const gold = tags[b].slice(0, lengths[b]);
      expectClose(scores[b], oracle.scoreOf(gold), { rtol: 1e-12, label: `score ${b}` });
      expectClose(perSequence[b], oracle.scoreOf(gold) - oracle.logZ, { rtol: 1e-12 });
      for (let t = 0; t < T; t++) {
        const row = Array.from(marginals.subarray((b * T + t) * K, (b * T + t + 1) * K));
        expectClose(row, t < lengths[b] ? oracle.marginals[t] : [0, 0, 0], { atol: 1e-12 });
      }
    }
  });

  it('Viterbi decoding returns the highest-scoring sequence for each prefix', () => {
    const decoded = crf.decode(emissions, mask);
    for (let b = 0; b < B; b++) expect(decoded[b]).toEqual(enumerate(crf, b).best);
  });

  it('reductions follow pytorch-crf: sum, mean over batch, token_mean over unmasked steps', () => {
    const perSequence = Array.from(
      crf.logLikelihood(emissions, tags, mask, 'none') as Float64Array,
    );
    const total = perSequence.reduce((a, b) => a + b, 0);
    expectClose(crf.logLikelihood(emissions, tags, mask) as number, total, { rtol: 1e-14 });
    expectClose(crf.logLikelihood(emissions, tags, mask, 'mean') as number, total / B, {
      rtol: 1e-14,
    });
    expectClose(crf.logLikelihood(emissions, tags, mask, 'token_mean') as number, total / 9, {
      rtol: 1e-14,
    });
  });

  it('masked steps have no effect on values or gradients', () => {
    const changed = emissions.map((seq, b) =>
      seq.map((row, t) => (t < lengths[b] ? row : row.map(() => 99))),
    );
    const changedTags = tags.map((row, b) => row.map((tag, t) => (t < lengths[b] ? tag : 0)));
    expect(crf.logLikelihood(changed, changedTags, mask)).toBeCloseTo(
      crf.logLikelihood(emissions, tags, mask) as number,
      12,
    );
    const { gradients } = crf.logLikelihoodWithGradients(emissions, tags, mask);
    for (let b = 0; b < B; b++) {
      for (let t = lengths[b]; t < T; t++) {
        for (let k = 0; k < K; k++) expect(gradients.emissions[(b * T + t) * K + k]).toBe(0);
      }
    }
  });

  for (const reduction of ['sum', 'mean', 'token_mean'] as const) {
    it(`analytic gradients equal central finite differences (${reduction})`, () => {
      const model = makeCrf();
      const flatEmissions = Float64Array.from(emissions.flat(2));
      const input = () => ({ data: flatEmissions, shape: [B, T, K] as const });
      const value = () => model.logLikelihood(input(), tags, mask, reduction) as number;
      const { gradients } = model.logLikelihoodWithGradients(input(), tags, mask, reduction);
      const h = 1e-5;
      const check = (name: string, params: Float64Array, analytic: Float64Array) => {
        for (let k = 0; k < params.length; k++) {
          const saved = params[k];
          params[k] = saved + h;
          const up = value();
          params[k] = saved - h;
          const down = value();
          params[k] = saved;
          expectClose(analytic[k], (up - down) / (2 * h), {
            atol: 1e-7,
            rtol: 1e-6,
            label: `${name}[${k}]`,
          });
        }
      };
      check('start_transitions', model.start_transitions, gradients.start_transitions);
      check('end_transitions', model.end_transitions, gradients.end_transitions);
      check('transitions', model.transitions, gradients.transitions);
      check('emissions', flatEmissions, gradients.emissions);
    });
  }

  it('rejects masks that are not left-aligned prefixes and out-of-range tags', () => {
    expect(() => crf.logPartition(emissions, [[1, 0, 1, 0], mask[1], mask[2]])).toThrow(
      /prefix of ones/,
    );
    expect(() => crf.logPartition(emissions, [[0, 0, 0, 0], mask[1], mask[2]])).toThrow(
      /first step must be on/,
    );
    expect(() => crf.score(emissions, [[0, 3, 0, 0], tags[1], tags[2]], mask)).toThrow(
      /in \[0, 3\)/,
    );
    expect(() => crf.logPartition({ data: new Float64Array(5), shape: [1, 5, 2] })).toThrow(
      HmmInputError,
    );
  });

  it('default initialization is seeded and within pytorch-crf range [-0.1, 0.1]', () => {
    const a = new LinearChainCRF(5, { seed: 1 });
    const b = new LinearChainCRF(5, { seed: 1 });
    expect(Array.from(a.transitions)).toEqual(Array.from(b.transitions));
    for (const v of [...a.transitions, ...a.start_transitions, ...a.end_transitions]) {
      expect(Math.abs(v)).toBeLessThanOrEqual(0.1);
    }
  });
});
