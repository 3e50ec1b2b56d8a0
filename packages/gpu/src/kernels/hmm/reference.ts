/**
 * Plain TypeScript references of the chain kernels (the CPU backend and the test oracle), in
 * whatever precision the arrays hold. -Infinity is log 0 throughout; lengths are clamped to
 * [1, T] exactly as the kernels do.
 */

type Out = { [i: number]: number };

export interface ChainLayout {
  /** N sequences, padded length T, S states. */
  n: number;
  t: number;
  s: number;
  offE: number;
  offStart: number;
  offTrans: number;
  offEnd: number;
  offLen: number;
  /** Whether end scores are given (else 0, the HMM case). */
  hasEnd: boolean;
}

const NEG_INF = Number.NEGATIVE_INFINITY;

export function seqLength(raw: number, T: number): number {
  return Math.min(Math.max(raw, 1), T);
}

function logSumExp(terms: number[]): number {
  const m = Math.max(...terms);
  if (m === NEG_INF) return NEG_INF;
  let sum = 0;
  for (const v of terms) sum += Math.exp(v - m);
  return m + Math.log(sum);
}

interface ChainArrays {
  e: ArrayLike<number>;
  start: ArrayLike<number>;
  trans: ArrayLike<number>;
  end: ArrayLike<number> | null;
  lengths: ArrayLike<number>;
}

const endOf = (l: ChainLayout, a: ChainArrays, j: number) =>
  l.hasEnd && a.end ? a.end[l.offEnd + j] : 0;
const transOf = (l: ChainLayout, a: ChainArrays, i: number, j: number) =>
  a.trans[l.offTrans + i * l.s + j];
const emitOf = (l: ChainLayout, a: ChainArrays, n: number, t: number, j: number) =>
  a.e[l.offE + (n * l.t + t) * l.s + j];

export function hmmForwardReference(l: ChainLayout, a: ChainArrays, alpha: Out, logZ: Out): void {
  const { n: N, t: T, s: S } = l;
  for (let n = 0; n < N; n++) {
    const len = seqLength(a.lengths[l.offLen + n], T);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < S; j++) {
        let v = NEG_INF;
        if (t === 0) v = a.start[l.offStart + j] + emitOf(l, a, n, 0, j);
        else if (t < len) {
          const terms: number[] = [];
          for (let i = 0; i < S; i++)
            terms.push(alpha[(n * T + t - 1) * S + i] + transOf(l, a, i, j));
          v = logSumExp(terms) + emitOf(l, a, n, t, j);
        }
        alpha[(n * T + t) * S + j] = v;
      }
    }
    const terms: number[] = [];
    for (let j = 0; j < S; j++) terms.push(alpha[(n * T + len - 1) * S + j] + endOf(l, a, j));
    logZ[n] = logSumExp(terms);
  }
}

export function hmmBackwardReference(l: ChainLayout, a: ChainArrays, beta: Out): void {
  const { n: N, t: T, s: S } = l;
  for (let n = 0; n < N; n++) {
    const len = seqLength(a.lengths[l.offLen + n], T);
    for (let t = T - 1; t >= 0; t--) {
      for (let i = 0; i < S; i++) {
        let v = NEG_INF;
        if (t === len - 1) v = endOf(l, a, i);
        else if (t < len - 1) {
          const terms: number[] = [];
          for (let j = 0; j < S; j++) {
            terms.push(
              transOf(l, a, i, j) + emitOf(l, a, n, t + 1, j) + beta[(n * T + t + 1) * S + j],
            );
          }
          v = logSumExp(terms);
        }
        beta[(n * T + t) * S + i] = v;
      }
    }
  }
}

export function hmmViterbiReference(l: ChainLayout, a: ChainArrays, paths: Out, score: Out): void {
  const { n: N, t: T, s: S } = l;
  for (let n = 0; n < N; n++) {
    const len = seqLength(a.lengths[l.offLen + n], T);
    const back = new Int32Array(T * S);
    let delta = Array.from(
      { length: S },
      (_, j) => a.start[l.offStart + j] + emitOf(l, a, n, 0, j),
    );
    for (let t = 1; t < len; t++) {
      const next: number[] = [];
      for (let j = 0; j < S; j++) {
        let best = delta[0] + transOf(l, a, 0, j);
        let arg = 0;
        for (let i = 1; i < S; i++) {
          const s = delta[i] + transOf(l, a, i, j);
          if (s > best) {
            best = s;
            arg = i;
          }
        }
        back[t * S + j] = arg;
        next.push(best + emitOf(l, a, n, t, j));
      }
      delta = next;
    }
    let best = delta[0] + endOf(l, a, 0);
    let state = 0;
    for (let j = 1; j < S; j++) {
      if (delta[j] + endOf(l, a, j) > best) {
        best = delta[j] + endOf(l, a, j);
        state = j;
      }
    }
    score[n] = best;
    for (let t = T - 1; t >= 0; t--) {
      paths[n * T + t] = t < len && best > NEG_INF ? state : -1;
      if (t < len && t > 0) state = back[t * S + state];
    }
  }
}

export interface MarginalArrays {
  e: ArrayLike<number>;
  trans: ArrayLike<number>;
  alpha: ArrayLike<number>;
  beta: ArrayLike<number>;
  logZ: ArrayLike<number>;
  lengths: ArrayLike<number>;
  /** Per-sequence weights (offset `offWeight`), or null for 1. */
  weight: ArrayLike<number> | null;
  offWeight: number;
}

export function hmmMarginalsReference(
  l: ChainLayout,
  a: MarginalArrays,
  gamma: Out,
  xi: Out,
  last: Out,
): void {
  const { n: N, t: T, s: S } = l;
  for (let n = 0; n < N; n++) {
    const len = seqLength(a.lengths[l.offLen + n], T);
    const z = a.logZ[n];
    const possible = z > NEG_INF;
    const w = a.weight ? a.weight[a.offWeight + n] : 1;
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < S; i++) {
        const at = (n * T + t) * S + i;
        const g = t < len && possible ? w * Math.exp(a.alpha[at] + a.beta[at] - z) : 0;
        gamma[at] = g;
        if (t === len - 1) last[n * S + i] = g;
      }
    }
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        let acc = 0;
        for (let t = 0; possible && t + 1 < len; t++) {
          const row = (n * T + t) * S;
          acc += Math.exp(
            a.alpha[row + i] +
              a.trans[l.offTrans + i * S + j] +
              a.e[l.offE + row + S + j] +
              a.beta[row + S + j] -
              z,
          );
        }
        xi[(n * S + i) * S + j] = w * acc;
      }
    }
  }
}

export function hmmEmissionCountsReference(
  l: {
    n: number;
    t: number;
    s: number;
    k: number;
    offGamma: number;
    offSym: number;
    offLen: number;
  },
  gamma: ArrayLike<number>,
  symbols: ArrayLike<number>,
  lengths: ArrayLike<number>,
  counts: Out,
): void {
  for (let c = 0; c < l.s * l.k; c++) counts[c] = 0;
  for (let n = 0; n < l.n; n++) {
    const len = seqLength(lengths[l.offLen + n], l.t);
    for (let t = 0; t < len; t++) {
      const k = symbols[l.offSym + n * l.t + t];
      if (k < 0 || k >= l.k) continue;
      for (let i = 0; i < l.s; i++)
        counts[i * l.k + k] += gamma[l.offGamma + (n * l.t + t) * l.s + i];
    }
  }
}
