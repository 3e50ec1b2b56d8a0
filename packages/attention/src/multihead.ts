import {
  add,
  empty,
  type Generator,
  matmul,
  mean,
  nn,
  permute,
  reshape,
  shapeToString,
  slice,
  squeeze,
  type Tensor,
  transpose,
  unsqueeze,
  where,
} from '@scratchseq/gpu';
import { scaledDotProductAttention } from './attention.js';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Feature sizes of key and value (default embedDim). When they differ, q/k/v get separate weights. */
  kdim?: number;
  vdim?: number;
  /** Inputs and output are (N, L, E) instead of PyTorch's default (L, N, E). */
  batchFirst?: boolean;
  device?: Tensor['device'];
  generator?: Generator;
}

export interface MultiheadForwardOptions {
  /** (N, S): PyTorch semantics, nonzero (true) = IGNORE that key; an f32 mask is added. */
  keyPaddingMask?: Tensor;
  /**
   * (L, S) or (N·numHeads, L, S): an integer mask is PyTorch's bool mask (nonzero = NOT
   * allowed), an f32 mask is added to the scores.
   */
  attnMask?: Tensor;
  /** Return the attention weights (default true, as PyTorch; forces the composed path). */
  needWeights?: boolean;
  /** Average the returned weights over heads: (N, L, S); else (N, numHeads, L, S). Default true. */
  averageAttnWeights?: boolean;
  /** End-aligned causal mask (not in PyTorch 1.13's module): query i sees keys j ≤ i + S − L. */
  causal?: boolean;
}

/** An integer "true = masked" mask as an additive f32 mask (0 or −∞); f32 masks pass through. */
function toAdditive(mask: Tensor): Tensor {
  return mask.dtype === 'f32' ? mask : where(mask, -Infinity, 0);
}

/**
 * Multi-head attention (Vaswani et al. 2017, §3.2.2) with torch.nn.MultiheadAttention's
 * parameter names, layouts, initialization and forward semantics (F.multi_head_attention_forward
 * of PyTorch 1.13): `in_proj_weight` (3E, E) and `in_proj_bias` (3E), or `q_proj_weight` (E, E),
 * `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim) when kdim/vdim differ from E;
 * `out_proj.weight` (E, E), `out_proj.bias` (E). Not supported: add_bias_kv, add_zero_attn.
 */
export class MultiheadAttention extends nn.Module {
  in_proj_weight?: Tensor; // (3E, E)
  q_proj_weight?: Tensor; // (E, E)
  k_proj_weight?: Tensor; // (E, kdim)
  v_proj_weight?: Tensor; // (E, vdim)
  in_proj_bias?: Tensor; // (3E)
  out_proj: nn.Linear;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  private readonly _generator?: Generator;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    if (!(numHeads > 0 && embedDim % numHeads === 0)) {
      throw new Error(
        `MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`,
      );
    }
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this._generator = options.generator;
    const device = options.device;
    const param = (shape: number[]) => nn.parameter(empty(shape, { device }));
    const init = { generator: options.generator };
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.in_proj_weight = nn.init.xavierUniform(param([3 * embedDim, embedDim]), 1, init);
    } else {
      this.q_proj_weight = nn.init.xavierUniform(param([embedDim, embedDim]), 1, init);
      this.k_proj_weight = nn.init.xavierUniform(param([embedDim, this.kdim]), 1, init);
      this.v_proj_weight = nn.init.xavierUniform(param([embedDim, this.vdim]), 1, init);
    }
    if (options.bias !== false) this.in_proj_bias = nn.init.zeros(param([3 * embedDim]));
    this.out_proj = new nn.Linear(embedDim, embedDim, {
      bias: options.bias !== false,
      device,
      generator: options.generator,
    });
    if (this.out_proj.bias) nn.init.zeros(this.out_proj.bias);
  }

  /** The projection weight (E, in) and bias (E) of part 0 = q, 1 = k, 2 = v. */
  private projection(part: 0 | 1 | 2): [Tensor, Tensor | null] {
    const e = this.embedDim;
    const weight = this.in_proj_weight
      ? slice(this.in_proj_weight, 0, part * e, (part + 1) * e)
      : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][part]!;
    const bias = this.in_proj_bias ? slice(this.in_proj_bias, 0, part * e, (part + 1) * e) : null;
    return [weight, bias];
  }

  /** x (N, T, in) → (N, H, T, hd) */
  private heads(x: Tensor, part: 0 | 1 | 2): Tensor {
    const [weight, bias] = this.projection(part);
    let y = matmul(x, transpose(weight)); // (N, T, E)
    if (bias) y = add(y, bias);
    const [n, t] = x.shape;
    return permute(reshape(y, [n, t, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  /**
   * query (L, N, E), key (S, N, kdim), value (S, N, vdim) — or batch-first (N, L, E), or
   * unbatched (L, E) — → `{ output: (L, N, E), weights?: (N, L, S) or (N, H, L, S) }`.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadForwardOptions = {},
  ): { output: Tensor; weights?: Tensor } {
    const unbatched = query.rank === 2;
    const expectRank = unbatched ? 2 : 3;
    for (const [name, t, dim] of [
      ['query', query, this.embedDim],
      ['key', key, this.kdim],
      ['value', value, this.vdim],
    ] as const) {
      if (t.rank !== expectRank || t.shape[t.rank - 1] !== dim) {
        const layout = unbatched ? '(T, ' : this.batchFirst ? '(N, T, ' : '(T, N, ';
        throw new Error(
          `MultiheadAttention: expected ${name} of shape ${layout}${dim}), got ${shapeToString(t.shape)}`,
        );
      }
    }
    // Internally batch-first: (N, T, feature).
    const toBatchFirst = (t: Tensor) =>
      unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1);
    const [q, k, v] = [query, key, value].map(toBatchFirst);
    const [n, l] = q.shape;
    const s = k.shape[1];
    if (v.shape[1] !== s || v.shape[0] !== n || k.shape[0] !== n) {
      throw new Error(
        `MultiheadAttention: key ${shapeToString(key.shape)} and value ${shapeToString(value.shape)} must share the batch and source length of the query ${shapeToString(query.shape)}`,
      );
    }
    const mask = this.combinedMask(n, l, s, options, unbatched);
    const needWeights = options.needWeights ?? true;
    const { output, weights } = scaledDotProductAttention(
      this.heads(q, 0),
      this.heads(k, 1),
      this.heads(v, 2),
      {
        mask,
        causal: options.causal,
        dropout: this.dropout,
        training: this.training,
        generator: this._generator,
        returnWeights: needWeights,
      },
    ); // (N, H, L, hd)
    const merged = reshape(permute(output, [0, 2, 1, 3]), [n, l, this.embedDim]); // (N, L, E)
    const projected = this.out_proj.forward(merged); // (N, L, E)
    const out = unbatched
      ? squeeze(projected, 0)
      : this.batchFirst
        ? projected
        : transpose(projected, 0, 1);
    if (!needWeights || !weights) return { output: out };
    const w = (options.averageAttnWeights ?? true) ? mean(weights, 1) : weights; // (N, L, S) | (N, H, L, S)
    return { output: out, weights: unbatched ? squeeze(w, 0) : w };
  }

  /** attnMask and keyPaddingMask as one mask broadcastable to (N, H, L, S). */
  private combinedMask(
    n: number,
    l: number,
    s: number,
    options: MultiheadForwardOptions,
    unbatched: boolean,
  ): Tensor | undefined {
    let attn: Tensor | undefined;
    if (options.attnMask) {
      const m = options.attnMask;
      const ok2 = m.rank === 2 && m.shape[0] === l && m.shape[1] === s;
      const ok3 =
        m.rank === 3 && m.shape[0] === n * this.numHeads && m.shape[1] === l && m.shape[2] === s;
      if (!ok2 && !ok3) {
        throw new Error(
          `MultiheadAttention: attnMask must be (L, S) = (${l}, ${s}) or (N·numHeads, L, S) = (${n * this.numHeads}, ${l}, ${s}), got ${shapeToString(m.shape)}`,
        );
      }
      attn = toAdditive(ok3 ? reshape(m, [n, this.numHeads, l, s]) : m);
    }
    let padding: Tensor | undefined;
    if (options.keyPaddingMask) {
      const m = unbatched ? unsqueeze(options.keyPaddingMask, 0) : options.keyPaddingMask;
      if (m.rank !== 2 || m.shape[0] !== n || m.shape[1] !== s) {
        throw new Error(
          `MultiheadAttention: keyPaddingMask must be (N, S) = (${n}, ${s}) (true = ignore), got ${shapeToString(options.keyPaddingMask.shape)}`,
        );
      }
      padding = toAdditive(reshape(m, [n, 1, 1, s]));
    }
    if (attn && padding) return add(attn, padding);
    return attn ?? padding;
  }
}
