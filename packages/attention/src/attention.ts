import type { Tensor } from '@scratchseq/gpu';
import {
  type AttentionOptions,
  type AttentionResult,
  checkAttentionShapes,
  composedAttention,
} from './sdpa.js';

/**
 * Scaled dot-product attention, softmax(scale · q·kᵀ + mask) · v (Vaswani et al. 2017, eq. 1).
 *
 * q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) → `{ output: (B, H, Tq, Dv), weights? }`.
 * Always returns an object; `weights` (B, H, Tq, Tk) is present only with `returnWeights`.
 * Differentiable in q, k, v (and an f32 additive mask).
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): AttentionResult {
  checkAttentionShapes(q, k, v);
  const { output, weights } = composedAttention(q, k, v, options);
  return options.returnWeights ? { output, weights } : { output };
}
