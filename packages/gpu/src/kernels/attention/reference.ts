import type { TypedArray } from '../../dtype.js';
import { philox4x32, toUnit } from '../random/philox.js';

/** Everything the kernels read from the uniform block, in plain numbers. */
export interface AttentionLayout {
  /** Batch·heads, heads, queries, keys, head size of q/k, head size of v. */
  n: number;
  h: number;
  tq: number;
  tk: number;
  d: number;
  dv: number;
  offQ: number;
  offK: number;
  offV: number;
  offM: number;
  offO: number;
  offG: number;
  /** Mask strides over (B, H, Tq, Tk); 0 where broadcast. */
  maskStrides: [number, number, number, number];
  maskKind: 0 | 1 | 2;
  causal: boolean;
  scale: number;
  dropP: number;
  seed: number;
  /** First Philox block of the dropout draw (the generator's offset before the call). */
  block: number;
}

/** Additive bias of score (n, i, j): −∞ when masked by the causal rule or a keep mask. */
export function attentionBias(
  l: AttentionLayout,
  mask: TypedArray | null,
  n: number,
  i: number,
  j: number,
): number {
  if (l.causal && j > i + l.tk - l.tq) return -Infinity;
  if (l.maskKind === 0 || !mask) return 0;
  const [sb, sh, sq, sk] = l.maskStrides;
  const w = mask[l.offM + Math.floor(n / l.h) * sb + (n % l.h) * sh + i * sq + j * sk];
  if (l.maskKind === 1) return w !== 0 ? 0 : -Infinity;
  return w <= -3e38 ? -Infinity : w;
}

/** Inverted-dropout multiplier of weight (n, i, j), from the same Philox word as `dropout`. */
export function attentionDrop(l: AttentionLayout, n: number, i: number, j: number): number {
  if (l.dropP === 0) return 1;
  const e = (n * l.tq + i) * l.tk + j;
  const blk = Math.floor(e / 4);
  const seedLo = l.seed >>> 0;
  const seedHi = Math.floor(l.seed / 2 ** 32) >>> 0;
  const lo = ((l.block >>> 0) + blk) >>> 0;
  const carry = lo < blk ? 1 : 0;
  const hi = (Math.floor(l.block / 2 ** 32) + carry) >>> 0;
  const bits = philox4x32([lo, hi, 0, 0], [seedLo, seedHi]);
  return toUnit(bits[e % 4]) >= l.dropP ? 1 / (1 - l.dropP) : 0;
}

/** Scores of query row (n, i) over all keys, −∞ where masked. */
function scoreRow(
  l: AttentionLayout,
  q: TypedArray,
  k: TypedArray,
  mask: TypedArray | null,
  n: number,
  i: number,
): number[] {
  const s: number[] = [];
  for (let j = 0; j < l.tk; j++) {
    const bias = attentionBias(l, mask, n, i, j);
    let dot = 0;
    for (let c = 0; c < l.d; c++)
      dot += q[l.offQ + (n * l.tq + i) * l.d + c] * k[l.offK + (n * l.tk + j) * l.d + c];
    s.push(bias === -Infinity ? -Infinity : l.scale * dot + bias);
  }
  return s;
}

/**
 * Forward reference: out (N, Tq, Dv) = dropout(softmax(s)) · v, stats (N, Tq, 2) with the
 * logsumexp in slot 0. Rows with every key masked give 0 and logsumexp 3e38, as the kernel.
 */
export function attentionForwardReference(
  l: AttentionLayout,
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  mask: TypedArray | null,
  out: TypedArray,
  stats: TypedArray,
): void {
  for (let n = 0; n < l.n; n++) {
    for (let i = 0; i < l.tq; i++) {
      const s = scoreRow(l, q, k, mask, n, i);
      const m = Math.max(...s);
      const row = n * l.tq + i;
      const o = new Array<number>(l.dv).fill(0);
      let z = 0;
      if (m !== -Infinity) {
        for (let j = 0; j < l.tk; j++) z += Math.exp(s[j] - m);
        for (let j = 0; j < l.tk; j++) {
          const w = (Math.exp(s[j] - m) / z) * attentionDrop(l, n, i, j);
          for (let c = 0; c < l.dv; c++) o[c] += w * v[l.offV + (n * l.tk + j) * l.dv + c];
        }
      }
      for (let c = 0; c < l.dv; c++) out[row * l.dv + c] = o[c];
      stats[row * 2] = z > 0 ? m + Math.log(z) : 3e38;
      stats[row * 2 + 1] = 0;
    }
  }
}

/**
 * Backward reference from the saved logsumexp: P = exp(s − L), Dᵢ = dOᵢ·Oᵢ,
 * dS = P ⊙ (dO·vᵀ ⊙ drop − D), dQ = scale·dS·k, dK = scale·dSᵀ·q, dV = (P ⊙ drop)ᵀ·dO.
 */
export function attentionBackwardReference(
  l: AttentionLayout,
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  mask: TypedArray | null,
  out: TypedArray,
  gOut: TypedArray,
  stats: TypedArray,
  dq: TypedArray,
  dk: TypedArray,
  dv: TypedArray,
): void {
  dq.fill(0, 0, l.n * l.tq * l.d);
  dk.fill(0, 0, l.n * l.tk * l.d);
  dv.fill(0, 0, l.n * l.tk * l.dv);
  for (let n = 0; n < l.n; n++) {
    for (let i = 0; i < l.tq; i++) {
      const row = n * l.tq + i;
      const g = (c: number) => gOut[l.offG + row * l.dv + c];
      let di = 0;
      for (let c = 0; c < l.dv; c++) di += g(c) * out[l.offO + row * l.dv + c];
      const s = scoreRow(l, q, k, mask, n, i);
      for (let j = 0; j < l.tk; j++) {
        if (s[j] === -Infinity) continue;
        const p = Math.exp(s[j] - stats[row * 2]);
        const drop = attentionDrop(l, n, i, j);
        const kv = n * l.tk + j;
        let dp = 0;
        for (let c = 0; c < l.dv; c++) {
          dp += g(c) * v[l.offV + kv * l.dv + c];
          dv[kv * l.dv + c] += p * drop * g(c);
        }
        const ds = p * (dp * drop - di);
        for (let c = 0; c < l.d; c++) {
          dq[row * l.d + c] += l.scale * ds * k[l.offK + kv * l.d + c];
          dk[kv * l.d + c] += l.scale * ds * q[l.offQ + row * l.d + c];
        }
      }
    }
  }
}
