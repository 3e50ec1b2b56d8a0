import { ATTN_MAX_HEAD_DIM, attention, type Tensor } from '@scratchseq/gpu';
import {
  type AttentionOptions,
  type AttentionResult,
  checkAttentionShapes,
  composedAttention,
} from './sdpa.js';

/** Whether the fused kernel can run these inputs (else the composed path does). */
function fusable(q: Tensor, v: Tensor, options: AttentionOptions): boolean {
  if (options.returnWeights || options.composed) return false;
  if (q.rank !== 4) return false;
  if (Math.max(q.shape[3], v.shape[3]) > ATTN_MAX_HEAD_DIM) return false;
  const mask = options.mask;
  return !mask || (!mask.requiresGrad && mask.rank <= 4);
}

/**
 * Scaled dot-product attention, softmax(scale · q·kᵀ + mask) · v (Vaswani et al. 2017, eq. 1).
 *
 * q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) → `{ output: (B, H, Tq, Dv), weights? }`.
 * Always returns an object; `weights` (B, H, Tq, Tk) is present only with `returnWeights`.
 * Differentiable in q, k, v (and in an f32 additive mask that requires grad).
 *
 * The default path is the fused WebGPU kernel `attention` of `@scratchseq/gpu` (no (Tq, Tk)
 * matrix in memory, dropout included). The composed path (matmul → softmax → matmul) runs when
 * `returnWeights` or `composed` is set, for ranks other than 4, head sizes above 128, or a mask
 * that requires grad. The two differ only where every key of a query is masked: fused gives 0,
 * composed NaN (as PyTorch).
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): AttentionResult {
  checkAttentionShapes(q, k, v);
  if (fusable(q, v, options)) {
    const { causal, mask, scale, dropout, training, generator } = options;
    return { output: attention(q, k, v, { causal, mask, scale, dropout, training, generator }) };
  }
  const { output, weights } = composedAttention(q, k, v, options);
  return options.returnWeights ? { output, weights } : { output };
}
