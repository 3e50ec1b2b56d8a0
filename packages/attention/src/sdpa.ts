import {
  add,
  dropout as dropoutOp,
  type Generator,
  matmul,
  mul,
  shapeToString,
  softmax,
  type Tensor,
  tensor,
  transpose,
  where,
} from '@scratchseq/gpu';

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /**
   * Causal masking aligned to the END of the keys: query i (of Tq) attends keys j ≤ i + Tk − Tq.
   * With Tq = Tk this is the usual lower triangle; with Tq < Tk the queries are the last Tq
   * positions of the sequence (a KV cache during incremental decoding). Note that PyTorch 2's
   * `is_causal` aligns top-left instead (query i attends j ≤ i); PyTorch 1.13 has no such flag.
   */
  causal?: boolean;
  /**
   * Broadcastable to (B, H, Tq, Tk). An integer tensor (i32/u32) is a KEEP mask: nonzero =
   * attend, 0 = masked out. An f32 tensor is ADDED to the scores (use -Infinity or a large
   * negative number to mask). Combined with `causal` when both are given.
   */
  mask?: Tensor;
  /** Dropout probability on the attention weights (only when `training` is true). Default 0. */
  dropout?: number;
  /** Whether dropout is active (default true when `dropout` > 0, as a functional op in torch). */
  training?: boolean;
  /** Random stream for dropout (default: the device's stream). */
  generator?: Generator;
  /** Multiplier of q·kᵀ. Default 1/√D. */
  scale?: number;
  /**
   * Also return the (B, H, Tq, Tk) attention weights (after masking and softmax, before
   * dropout). Uses the composed path, which materializes them.
   */
  returnWeights?: boolean;
  /** Force the composed (matmul → softmax → matmul) path, e.g. as an oracle. */
  composed?: boolean;
}

/** What {@link scaledDotProductAttention} returns: the output and, when asked, the weights. */
export interface AttentionResult {
  /** (B, H, Tq, Dv) */
  output: Tensor;
  /** (B, H, Tq, Tk), present only with `returnWeights: true`. */
  weights?: Tensor;
}

/** Checks shapes and returns (Tq, Tk, D). Inputs are (..., T, D) with equal leading dims. */
export function checkAttentionShapes(
  q: Tensor,
  k: Tensor,
  v: Tensor,
): { tq: number; tk: number; d: number } {
  const name = 'scaledDotProductAttention';
  if (q.rank < 2 || k.rank !== q.rank || v.rank !== q.rank) {
    throw new Error(
      `${name}: q, k and v must have the same rank ≥ 2, e.g. (B, H, T, D); got q ${shapeToString(q.shape)}, k ${shapeToString(k.shape)}, v ${shapeToString(v.shape)}`,
    );
  }
  const r = q.rank;
  const d = q.shape[r - 1];
  const tq = q.shape[r - 2];
  const tk = k.shape[r - 2];
  if (k.shape[r - 1] !== d) {
    throw new Error(
      `${name}: q and k must share the last dimension D; got q ${shapeToString(q.shape)} and k ${shapeToString(k.shape)}`,
    );
  }
  if (v.shape[r - 2] !== tk) {
    throw new Error(
      `${name}: k and v must have the same number of keys Tk; got k ${shapeToString(k.shape)} and v ${shapeToString(v.shape)}`,
    );
  }
  for (let i = 0; i < r - 2; i++) {
    if (k.shape[i] !== q.shape[i] || v.shape[i] !== q.shape[i]) {
      throw new Error(
        `${name}: q, k and v must share the batch dimensions (B, H); got q ${shapeToString(q.shape)}, k ${shapeToString(k.shape)}, v ${shapeToString(v.shape)}`,
      );
    }
  }
  return { tq, tk, d };
}

/** Additive (Tq, Tk) causal bias, end-aligned: 0 where j ≤ i + Tk − Tq, else -Infinity. */
export function causalBias(tq: number, tk: number, device: Tensor['device']): Tensor {
  const values = new Float32Array(tq * tk);
  const shift = tk - tq;
  for (let i = 0; i < tq; i++) {
    for (let j = 0; j < tk; j++) values[i * tk + j] = j <= i + shift ? 0 : -Infinity;
  }
  return tensor(values, { shape: [tq, tk], device });
}

/** Applies a keep mask (integer) or an additive mask (f32) to the scores. */
export function applyMask(scores: Tensor, mask: Tensor): Tensor {
  return mask.dtype === 'f32' ? add(scores, mask) : where(mask, scores, -Infinity);
}

/**
 * The composed reference: softmax(scale · q·kᵀ + masks) · v, each step an autograd op, with
 * the weights materialized. Fully masked rows give NaN, as in PyTorch.
 */
export function composedAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): { output: Tensor; weights: Tensor } {
  const { tq, tk, d } = checkAttentionShapes(q, k, v);
  const scale = options.scale ?? 1 / Math.sqrt(d);
  let scores = mul(matmul(q, transpose(k, -2, -1)), scale); // (B, H, Tq, Tk)
  if (options.mask) scores = applyMask(scores, options.mask);
  if (options.causal) scores = add(scores, causalBias(tq, tk, q.device));
  const weights = softmax(scores, -1); // (B, H, Tq, Tk)
  const p = options.dropout ?? 0;
  const dropped =
    p > 0 && options.training !== false
      ? dropoutOp(weights, p, { training: true, generator: options.generator })
      : weights;
  return { output: matmul(dropped, v), weights }; // (B, H, Tq, Dv)
}
