import { expect } from 'vitest';

/** |actual - expected| <= atol + rtol * |expected|, elementwise, with the index in the message. */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { atol = 1e-10, rtol = 1e-8, label = '' } = {},
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length, `${label} length`).toBe(e.length);
  for (let k = 0; k < e.length; k++) {
    const ok = a[k] === e[k] || Math.abs(a[k] - e[k]) <= atol + rtol * Math.abs(e[k]);
    if (!ok) {
      throw new Error(`${label}[${k}]: got ${a[k]}, expected ${e[k]} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Deep-flattens nested arrays of numbers. */
export function flat(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.from(value as ArrayLike<unknown>).flatMap(flat);
}

/**
 * Brute-force oracle, independent of the package: enumerate every state path of an HMM with
 * emission probabilities given per step, emission[t][i] = b_i(o_t).
 */
export function enumeratePaths(
  startProbs: number[],
  transitionMatrix: number[][],
  emission: number[][],
): {
  likelihood: number;
  gamma: number[][];
  xi: number[][][];
  bestPath: number[];
  bestProbability: number;
} {
  const S = startProbs.length;
  const T = emission.length;
  let likelihood = 0;
  const gamma = emission.map(() => new Array<number>(S).fill(0));
  const xi = Array.from({ length: Math.max(T - 1, 0) }, () =>
    Array.from({ length: S }, () => new Array<number>(S).fill(0)),
  );
  let bestPath: number[] = [];
  let bestProbability = -1;
  const path = new Array<number>(T).fill(0);
  const total = S ** T;
  for (let code = 0; code < total; code++) {
    let rest = code;
    for (let t = T - 1; t >= 0; t--) {
      path[t] = rest % S;
      rest = Math.floor(rest / S);
    }
    let p = startProbs[path[0]] * emission[0][path[0]];
    for (let t = 1; t < T; t++) p *= transitionMatrix[path[t - 1]][path[t]] * emission[t][path[t]];
    likelihood += p;
    for (let t = 0; t < T; t++) gamma[t][path[t]] += p;
    for (let t = 0; t < T - 1; t++) xi[t][path[t]][path[t + 1]] += p;
    if (p > bestProbability) {
      bestProbability = p;
      bestPath = path.slice();
    }
  }
  return {
    likelihood,
    gamma: gamma.map((row) => row.map((v) => v / likelihood)),
    xi: xi.map((m) => m.map((row) => row.map((v) => v / likelihood))),
    bestPath,
    bestProbability,
  };
}

/** A random row-stochastic matrix from a tiny LCG, so test inputs do not depend on the package. */
export function randomStochastic(rows: number, cols: number, seed: number): number[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: rows }, () => {
    const row = Array.from({ length: cols }, () => 0.05 + next());
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });
}

/** Diagonal Gaussian density, written out for tests. */
export function diagGaussianPdf(x: number[], mean: number[], variances: number[]): number {
  let p = 1;
  for (let d = 0; d < x.length; d++) {
    p *=
      Math.exp(-((x[d] - mean[d]) ** 2) / (2 * variances[d])) /
      Math.sqrt(2 * Math.PI * variances[d]);
  }
  return p;
}

/** Bivariate Gaussian density with an explicit 2x2 inverse, written out for tests. */
export function gaussian2Pdf(x: number[], mean: number[], sigma: number[][]): number {
  const [[a, b], [c, d]] = sigma;
  const det = a * d - b * c;
  const dx = x[0] - mean[0];
  const dy = x[1] - mean[1];
  const maha = (d * dx * dx - (b + c) * dx * dy + a * dy * dy) / det;
  return Math.exp(-0.5 * maha) / (2 * Math.PI * Math.sqrt(det));
}
