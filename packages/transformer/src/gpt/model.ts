import { scaledDotProductAttention } from '@scratchseq/attention';
import {
  add,
  assign,
  crossEntropy,
  dropout,
  embedding,
  Generator,
  gelu,
  nn,
  noGrad,
  permute,
  reshape,
  shapeToString,
  slice,
  type Tensor,
  transpose,
} from '@scratchseq/gpu';
import { type GPTConfig, validateGPTConfig } from './config.js';
import { type GenerateOptions, generateTokens } from './decoding.js';
import { KVCache } from './kv-cache.js';

/**
 * GPT (Radford et al. 2018, 2019) as nanoGPT's model.py: learned token and position
 * embeddings, nLayer pre-norm blocks (LayerNorm → causal self-attention → residual, LayerNorm →
 * MLP → residual), a final LayerNorm and a language-model head, optionally tied to the token
 * embedding. Parameter names and layouts are nanoGPT's `state_dict` keys (nn.Linear weights
 * (out, in)), so a nanoGPT checkpoint loads key by key.
 *
 * Inside the blocks activations are kept as (B·T, C) matrices, so every Linear is one plain
 * matmul forward and one per operand backward (no batched weight gradients to reduce).
 */

interface BlockContext {
  batch: number;
  time: number;
  /** Present on the cached path: this layer's cache tensors and where the new tokens go. */
  cache?: { keys: Tensor; values: Tensor; start: number };
}

/** Multi-head causal self-attention with one fused q/k/v projection (nanoGPT's CausalSelfAttention). */
class CausalSelfAttention extends nn.Module {
  c_attn: nn.Linear; // weight (3C, C): rows [q; k; v]
  c_proj: nn.Linear; // weight (C, C)

  constructor(
    private readonly _config: GPTConfig,
    options: nn.LayerOptions,
  ) {
    super();
    const { nEmbd, bias } = _config;
    this.c_attn = new nn.Linear(nEmbd, 3 * nEmbd, { ...options, bias });
    this.c_proj = new nn.Linear(nEmbd, nEmbd, { ...options, bias });
  }

  forward(x: Tensor, ctx: BlockContext): Tensor {
    const { nHead, nEmbd, dropout: p } = this._config;
    const { batch: B, time: T } = ctx;
    const headSize = nEmbd / nHead;
    const qkv = this.c_attn.forward(x); // (B·T, 3C)
    const heads = permute(reshape(qkv, [B, T, 3, nHead, headSize]), [2, 0, 3, 1, 4]); // (3, B, nh, T, hs)
    const pick = (i: number) => reshape(slice(heads, 0, i, i + 1), [B, nHead, T, headSize]); // (B, nh, T, hs)
    const q = pick(0);
    let k = pick(1);
    let v = pick(2);
    if (ctx.cache) {
      const { keys, values, start } = ctx.cache;
      assign(slice(keys, 2, start, start + T), k);
      assign(slice(values, 2, start, start + T), v);
      k = slice(keys, 2, 0, start + T); // (B, nh, start + T, hs)
      v = slice(values, 2, 0, start + T); // (B, nh, start + T, hs)
    }
    // Causal with Tq < Tk aligns to the end: new token i sees every cached position.
    const { output } = scaledDotProductAttention(q, k, v, {
      causal: true,
      dropout: this.training ? p : 0,
      training: this.training,
    }); // (B, nh, T, hs)
    const merged = reshape(transpose(output, 1, 2), [B * T, nEmbd]); // (B·T, C)
    return dropout(this.c_proj.forward(merged), p, { training: this.training }); // (B·T, C)
  }
}

/** The position-wise feed-forward network: C → 4C → GELU → C. */
class MLP extends nn.Module {
  c_fc: nn.Linear; // weight (4C, C)
  c_proj: nn.Linear; // weight (C, 4C)

  constructor(
    private readonly _config: GPTConfig,
    options: nn.LayerOptions,
  ) {
    super();
    const { nEmbd, bias } = _config;
    this.c_fc = new nn.Linear(nEmbd, 4 * nEmbd, { ...options, bias });
    this.c_proj = new nn.Linear(4 * nEmbd, nEmbd, { ...options, bias });
  }

  forward(x: Tensor): Tensor {
    const approximate = this._config.gelu === 'tanh' ? 'tanh' : 'none';
    const h = gelu(this.c_fc.forward(x), approximate); // (B·T, 4C)
    return dropout(this.c_proj.forward(h), this._config.dropout, { training: this.training }); // (B·T, C)
  }
}

/** One pre-norm Transformer block. */
class Block extends nn.Module {
  ln_1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln_2: nn.LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig, options: nn.LayerOptions) {
    super();
    const norm = { device: options.device, bias: config.bias, eps: config.layerNormEps ?? 1e-5 };
    this.ln_1 = new nn.LayerNorm(config.nEmbd, norm);
    this.attn = new CausalSelfAttention(config, options);
    this.ln_2 = new nn.LayerNorm(config.nEmbd, norm);
    this.mlp = new MLP(config, options);
  }

  forward(x: Tensor, ctx: BlockContext): Tensor {
    const h = add(x, this.attn.forward(this.ln_1.forward(x), ctx)); // (B·T, C)
    return add(h, this.mlp.forward(this.ln_2.forward(h))); // (B·T, C)
  }
}

/** Submodules named '0', '1', ... (torch.nn.ModuleList). */
class ModuleList<M extends nn.Module> extends nn.Module {
  private readonly _items: M[];

  constructor(items: M[]) {
    super();
    this._items = items;
    items.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }

  get items(): readonly M[] {
    return this._items;
  }
}

/** nanoGPT's `self.transformer` ModuleDict: wte, wpe, drop, h, ln_f. */
class GPTTrunk extends nn.Module {
  wte: nn.Embedding; // weight (V, C)
  wpe: nn.Embedding; // weight (blockSize, C)
  drop: nn.Dropout;
  h: ModuleList<Block>;
  ln_f: nn.LayerNorm;

  constructor(config: GPTConfig, options: nn.LayerOptions) {
    super();
    this.wte = new nn.Embedding(config.vocabSize, config.nEmbd, options);
    this.wpe = new nn.Embedding(config.blockSize, config.nEmbd, options);
    this.drop = new nn.Dropout(config.dropout);
    this.h = new ModuleList(
      Array.from({ length: config.nLayer }, () => new Block(config, options)),
    );
    this.ln_f = new nn.LayerNorm(config.nEmbd, {
      device: options.device,
      bias: config.bias,
      eps: config.layerNormEps ?? 1e-5,
    });
  }
}

export interface GPTOptions {
  /** Seed of the Philox stream that initializes the weights (default: the device's stream). */
  seed?: number;
  device?: nn.LayerOptions['device'];
}

export interface ForwardCachedOptions {
  /** Compute logits for the last position only (what decoding needs): (B, 1, V). */
  lastPositionOnly?: boolean;
}

/** A decoder-only Transformer language model with nanoGPT's names, init and options. */
export class GPT extends nn.Module {
  transformer: GPTTrunk;
  lm_head: nn.Linear; // weight (V, C); the same tensor as transformer.wte.weight when tied
  readonly config: GPTConfig;

  constructor(config: GPTConfig, options: GPTOptions = {}) {
    super();
    validateGPTConfig(config);
    this.config = { ...config };
    const generator = options.seed === undefined ? undefined : new Generator(options.seed);
    const layer: nn.LayerOptions = { device: options.device, generator };
    this.transformer = new GPTTrunk(config, layer);
    this.lm_head = new nn.Linear(config.nEmbd, config.vocabSize, { ...layer, bias: false });
    if (config.tieWeights) {
      // nanoGPT: `self.transformer.wte.weight = self.lm_head.weight`; one tensor, two keys.
      this.lm_head.weight.dispose();
      this.lm_head.weight = this.transformer.wte.weight;
    }
    this.initWeights(generator);
  }

  /**
   * GPT-2's init as nanoGPT does it: every Linear and Embedding weight ~ N(0, 0.02), biases 0,
   * LayerNorms 1 and 0, and the residual projections (attn.c_proj, mlp.c_proj) ~ N(0,
   * 0.02/√(2·nLayer)) so the residual stream's variance does not grow with depth (GPT-2 paper §2.3).
   */
  private initWeights(generator: Generator | undefined): void {
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * this.config.nLayer);
    for (const [name, m] of this.namedModules()) {
      if (m instanceof nn.Linear) {
        const isResidual = name.endsWith('.c_proj');
        nn.init.normal(m.weight, 0, isResidual ? residualStd : std, { generator });
        if (m.bias) nn.init.zeros(m.bias);
      } else if (m instanceof nn.Embedding) {
        nn.init.normal(m.weight, 0, std, { generator });
      }
    }
  }

  /**
   * Number of parameters, the tied weight counted once. With `nonEmbedding` (nanoGPT's
   * default for reporting) the position embedding is left out; the token embedding stays
   * because, tied, it is also the output layer.
   */
  numParameters({ nonEmbedding = false }: { nonEmbedding?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return nonEmbedding ? n - this.transformer.wpe.weight.size : n;
  }

  /**
   * idx (B, T) i32 token ids, T ≤ blockSize → logits (B, T, V); with targets (B, T) i32 also
   * the mean cross-entropy over every position (targets of -1 are ignored, as nanoGPT).
   */
  forward(idx: Tensor, targets?: Tensor): { logits: Tensor; loss?: Tensor } {
    const [B, T] = this.checkTokens('forward', idx, this.config.blockSize);
    const x = this.trunk(idx, B, T); // (B·T, C)
    const logits2d = this.lm_head.forward(x); // (B·T, V)
    const logits = reshape(logits2d, [B, T, this.config.vocabSize]); // (B, T, V)
    if (!targets) return { logits };
    if (targets.rank !== 2 || targets.shape[0] !== B || targets.shape[1] !== T) {
      throw new Error(
        `GPT.forward: expected targets of shape (${B}, ${T}) like idx, got ${shapeToString(targets.shape)}`,
      );
    }
    if (targets.dtype !== 'i32') {
      throw new Error(`GPT.forward: targets must be i32 token ids, got ${targets.dtype}`);
    }
    const loss = crossEntropy(logits2d, reshape(targets, [B * T]), { ignoreIndex: -1 });
    return { logits, loss };
  }

  /**
   * Continues `prompt` by up to `maxNewTokens` tokens with the KV cache, by sampling
   * (temperature, top-k, top-p, seeded) or greedily, through `@scratchseq/decoding`. Returns
   * the prompt followed by the new tokens (as nanoGPT's generate), a stop token included.
   * Runs in eval mode (no dropout) and restores the training flag afterwards.
   */
  generate(prompt: number[], options: GenerateOptions): Promise<number[]> {
    return generateTokens(this, prompt, options);
  }

  /** A cache for `batch` sequences of up to blockSize positions. */
  createKVCache(batch = 1): KVCache {
    return new KVCache(batch, this.config, this.transformer.wte.weight.device);
  }

  /**
   * Incremental forward (inference only, no autograd): idx (B, T) are the tokens at positions
   * cache.length … cache.length + T − 1. Their keys and values are appended to `cache`, and the
   * logits (B, T, V) equal those of `forward` on the whole sequence at those positions.
   */
  forwardCached(idx: Tensor, cache: KVCache, options: ForwardCachedOptions = {}): Tensor {
    cache.checkAlive();
    if (cache.config.nLayer !== this.config.nLayer || cache.config.nEmbd !== this.config.nEmbd) {
      throw new Error('GPT.forwardCached: the cache was created for another model configuration');
    }
    if (cache.remaining === 0) {
      throw new Error(
        `GPT.forwardCached: the cache is full (blockSize ${this.config.blockSize}); start a new cache from the last tokens (gptNextTokenModel does this)`,
      );
    }
    const [B, T] = this.checkTokens('forwardCached', idx, cache.remaining);
    if (B !== cache.batch) {
      throw new Error(
        `GPT.forwardCached: idx has batch ${B} but the cache holds ${cache.batch} rows`,
      );
    }
    return noGrad(() => {
      const x = this.trunk(idx, B, T, cache); // (B·T, C)
      cache.length += T;
      if (!options.lastPositionOnly) {
        return reshape(this.lm_head.forward(x), [B, T, this.config.vocabSize]); // (B, T, V)
      }
      const last = reshape(reshape(x, [B, T, this.config.nEmbd]).slice(1, T - 1, T), [
        B,
        this.config.nEmbd,
      ]); // (B, C)
      return reshape(this.lm_head.forward(last), [B, 1, this.config.vocabSize]); // (B, 1, V)
    });
  }

  /** Embeddings, blocks and the final LayerNorm: (B, T) ids → (B·T, C). */
  private trunk(idx: Tensor, B: number, T: number, cache?: KVCache): Tensor {
    const { wte, wpe, drop, h, ln_f } = this.transformer;
    const start = cache?.length ?? 0;
    const tokens = embedding(wte.weight, idx); // (B, T, C)
    const positions = slice(wpe.weight, 0, start, start + T); // (T, C), a view
    let x = reshape(drop.forward(add(tokens, positions)), [B * T, this.config.nEmbd]); // (B·T, C)
    h.items.forEach((block, layer) => {
      const ctx: BlockContext = { batch: B, time: T };
      if (cache) ctx.cache = { keys: cache.keys[layer], values: cache.values[layer], start };
      x = block.forward(x, ctx); // (B·T, C)
    });
    return ln_f.forward(x); // (B·T, C)
  }

  private checkTokens(method: string, idx: Tensor, maxT: number): [number, number] {
    if (idx.rank !== 2) {
      throw new Error(
        `GPT.${method}: expected token ids of shape (B, T), got ${shapeToString(idx.shape)}; for one sequence use shape (1, T)`,
      );
    }
    if (idx.dtype !== 'i32') {
      throw new Error(
        `GPT.${method}: token ids must be i32, got ${idx.dtype}; create them with { dtype: 'i32' }`,
      );
    }
    const [B, T] = idx.shape;
    if (T < 1 || T > maxT) {
      throw new Error(
        `GPT.${method}: sequence length ${T} must be in [1, ${maxT}] (blockSize ${this.config.blockSize}); crop the context to its last ${maxT} tokens`,
      );
    }
    return [B, T];
  }
}
