import { record } from '../../autograd/grad-mode.js';
import { f32Bits } from '../../dtype.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat, requireRank, sameDevice } from '../common.js';
import { assign, full } from '../elementwise/arith.js';
import { defaultGenerator, type Generator } from '../random/random.js';
import {
  ATTN_MAX_HEAD_DIM,
  ATTN_ROWS,
  attentionBackwardKeyWGSL,
  attentionBackwardQueryWGSL,
  attentionBucket,
  attentionForwardWGSL,
} from './attention.wgsl.js';
import {
  type AttentionLayout,
  attentionBackwardReference,
  attentionForwardReference,
} from './reference.js';

export { ATTN_MAX_HEAD_DIM };

export interface FusedAttentionOptions {
  /** End-aligned causal mask: query i attends keys j ≤ i + Tk − Tq. */
  causal?: boolean;
  /**
   * Broadcastable to (B, H, Tq, Tk): i32/u32 = keep mask (nonzero attends), f32 = added to the
   * scores (−∞ masks). A constant: it receives no gradient.
   */
  mask?: Tensor;
  /** Multiplier of q·kᵀ (default 1/√D). */
  scale?: number;
  /** Dropout probability on the attention weights, applied when `training` is not false. */
  dropout?: number;
  training?: boolean;
  generator?: Generator;
}

/** Strides of `mask` broadcast to (B, H, Tq, Tk), or an error naming the mismatch. */
function maskStrides(mask: Tensor, target: readonly number[]): [number, number, number, number] {
  if (mask.rank > 4) {
    throw new Error(
      `attention: mask ${shapeToString(mask.shape)} has more than 4 dims; it must broadcast to (B, H, Tq, Tk) = ${shapeToString(target)}`,
    );
  }
  const lead = 4 - mask.rank;
  return target.map((size, axis) => {
    if (axis < lead) return 0;
    const own = mask.shape[axis - lead];
    if (own === size) return size === 1 ? 0 : mask.strides[axis - lead];
    if (own === 1) return 0;
    throw new Error(
      `attention: mask ${shapeToString(mask.shape)} does not broadcast to (B, H, Tq, Tk) = ${shapeToString(target)}`,
    );
  }) as [number, number, number, number];
}

const uniforms = (l: AttentionLayout): number[] => [
  l.n,
  l.h,
  l.tq,
  l.tk,
  l.d,
  l.dv,
  l.offQ,
  l.offK,
  l.offV,
  l.offM,
  l.offO,
  l.offG,
  ...l.maskStrides,
  l.maskKind,
  l.causal ? 1 : 0,
  (l.tk - l.tq) >>> 0,
  f32Bits(l.scale),
  f32Bits(l.dropP),
  f32Bits(l.dropP > 0 ? 1 / (1 - l.dropP) : 1),
  l.seed >>> 0,
  Math.floor(l.seed / 2 ** 32) >>> 0,
  l.block >>> 0,
  Math.floor(l.block / 2 ** 32) >>> 0,
];

/**
 * Fused scaled dot-product attention: softmax(scale · q·kᵀ + mask) · v without materializing
 * the (Tq, Tk) scores (FlashAttention-style, see attention.wgsl.ts). One dispatch forward,
 * two backward (dQ, then dK/dV), all deterministic.
 *
 * q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) → (B, H, Tq, Dv); D, Dv ≤ 128.
 * A query row whose keys are all masked gives 0 (and zero gradients), where a composed
 * softmax would give NaN.
 */
export function attention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: FusedAttentionOptions = {},
): Tensor {
  const op = 'attention';
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    requireFloat(op, t);
    requireRank(op, t, 4, `${name} (B, H, T, D)`);
  }
  sameDevice(op, [q, k, v, ...(options.mask ? [options.mask] : [])]);
  const [b, h, tq, d] = q.shape;
  const tk = k.shape[2];
  const dv = v.shape[3];
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d) {
    throw new Error(
      `attention: k must be (B, H, Tk, D) = (${b}, ${h}, Tk, ${d}) to match q ${shapeToString(q.shape)}, got ${shapeToString(k.shape)}`,
    );
  }
  if (v.shape[0] !== b || v.shape[1] !== h || v.shape[2] !== tk) {
    throw new Error(
      `attention: v must be (B, H, Tk, Dv) = (${b}, ${h}, ${tk}, Dv) to match k ${shapeToString(k.shape)}, got ${shapeToString(v.shape)}`,
    );
  }
  const v4 = attentionBucket(d, dv);
  const mask = options.mask;
  const p = options.training === false ? 0 : (options.dropout ?? 0);
  if (!(p >= 0 && p < 1)) throw new Error(`attention: dropout must be in [0, 1), got ${p}`);
  const gen = options.generator ?? defaultGenerator(q.device);
  const seed = gen.seed;
  const block = p > 0 ? gen.take(b * h * tq * tk) : 0;

  const qc = contiguous(q);
  const kc = contiguous(k);
  const vc = contiguous(v);
  const layout: AttentionLayout = {
    n: b * h,
    h,
    tq,
    tk,
    d,
    dv,
    offQ: qc.offset,
    offK: kc.offset,
    offV: vc.offset,
    offM: mask?.offset ?? 0,
    offO: 0,
    offG: 0,
    maskStrides: mask ? maskStrides(mask, [b, h, tq, tk]) : [0, 0, 0, 0],
    maskKind: !mask ? 0 : mask.dtype === 'f32' ? 2 : 1,
    causal: options.causal ?? false,
    scale: options.scale ?? 1 / Math.sqrt(d),
    dropP: p,
    seed,
    block,
  };
  const out = empty([b, h, tq, dv], { device: q.device });
  const stats = empty([b * h, tq, 2], { device: q.device });
  const rowGroups = (t: number) => b * h * Math.ceil(t / ATTN_ROWS);
  if (out.size > 0) {
    onBackend(
      out,
      () =>
        attentionForwardReference(
          layout,
          cpuData(qc),
          cpuData(kc),
          cpuData(vc),
          mask ? cpuData(mask) : null,
          cpuData(out),
          cpuData(stats),
        ),
      (backend) => ({
        key: `attention:forward:${v4}`,
        code: () => attentionForwardWGSL(v4),
        buffers: [
          qc.storage,
          kc.storage,
          vc.storage,
          mask?.storage ?? backend.unusedBinding,
          out.storage,
          stats.storage,
        ],
        writes: [4, 5],
        params: uniforms(layout),
        workgroups: rowGroups(tq),
      }),
    );
  }

  return record(out, op, [q, k, v], (g) => {
    const gc = contiguous(g);
    const bl: AttentionLayout = { ...layout, offG: gc.offset };
    const dq = empty(q.shape, { device: q.device });
    const dk = empty(k.shape, { device: q.device });
    const dvOut = empty(v.shape, { device: q.device });
    if (out.size > 0) {
      onBackend(
        out,
        () =>
          attentionBackwardReference(
            bl,
            cpuData(qc),
            cpuData(kc),
            cpuData(vc),
            mask ? cpuData(mask) : null,
            cpuData(out),
            cpuData(gc),
            cpuData(stats),
            cpuData(dq),
            cpuData(dk),
            cpuData(dvOut),
          ),
        (backend) => {
          const maskStorage = mask?.storage ?? backend.unusedBinding;
          return [
            {
              key: `attention:backward-q:${v4}`,
              code: () => attentionBackwardQueryWGSL(v4),
              buffers: [
                qc.storage,
                kc.storage,
                vc.storage,
                maskStorage,
                out.storage,
                gc.storage,
                stats.storage,
                dq.storage,
              ],
              writes: [6, 7],
              params: uniforms(bl),
              workgroups: rowGroups(tq),
            },
            {
              key: `attention:backward-kv:${v4}`,
              code: () => attentionBackwardKeyWGSL(v4),
              buffers: [
                qc.storage,
                kc.storage,
                vc.storage,
                maskStorage,
                gc.storage,
                stats.storage,
                dk.storage,
                dvOut.storage,
              ],
              writes: [6, 7],
              params: uniforms(bl),
              workgroups: rowGroups(tk),
            },
          ];
        },
      );
    } else {
      // No queries or no value features: every gradient is zero.
      for (const t of [dq, dk, dvOut]) assign(t, full(t.shape, 0, { device: t.device }));
    }
    if (gc !== g) gc.dispose();
    const wanted = (x: Tensor, grad: Tensor): Tensor | null => {
      if (x.requiresGrad) return grad;
      grad.dispose();
      return null;
    };
    return [wanted(q, dq), wanted(k, dk), wanted(v, dvOut)];
  });
}
