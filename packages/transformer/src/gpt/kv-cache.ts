import {
  type Device,
  indexSelect,
  keep,
  noGrad,
  type Tensor,
  tensor,
  zeros,
} from '@scratchseq/gpu';
import type { GPTConfig } from './config.js';

/**
 * Keys and values of every layer for the positions a GPT has already seen, so incremental
 * decoding computes attention for the new tokens only. Each layer holds preallocated
 * (batch, nHead, blockSize, headSize) tensors; `length` positions are filled. The GPT writes
 * into them in place (`forwardCached`), so a cache belongs to one sequence batch at a time.
 */
export class KVCache {
  /** Per layer: (batch, nHead, blockSize, headSize). */
  readonly keys: Tensor[];
  /** Per layer: (batch, nHead, blockSize, headSize). */
  readonly values: Tensor[];
  /** Positions filled so far, the same for every row. */
  length = 0;
  private disposed = false;

  constructor(
    readonly batch: number,
    readonly config: GPTConfig,
    device: Device,
    tensors?: { keys: Tensor[]; values: Tensor[] },
  ) {
    if (!Number.isInteger(batch) || batch < 1) {
      throw new Error(`KVCache: batch must be a positive integer, got ${batch}`);
    }
    const shape = [batch, config.nHead, config.blockSize, config.nEmbd / config.nHead];
    const fresh = () => keep(zeros(shape, { device }));
    this.keys = tensors?.keys ?? Array.from({ length: config.nLayer }, fresh);
    this.values = tensors?.values ?? Array.from({ length: config.nLayer }, fresh);
  }

  /** Free positions left before the cache holds a full context. */
  get remaining(): number {
    return this.config.blockSize - this.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * A new cache whose row i copies row `rows[i]` of this one (rows may repeat, e.g. beams that
   * fork): one gather per layer for keys and one for values.
   */
  select(rows: ArrayLike<number>): KVCache {
    this.checkAlive();
    for (const r of Array.from(rows)) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batch) {
        throw new Error(`KVCache.select: row ${r} is outside [0, ${this.batch})`);
      }
    }
    const device = this.keys[0].device;
    const index = tensor(Int32Array.from(rows), { device });
    const copy = (t: Tensor) => keep(noGrad(() => indexSelect(t, 0, index)));
    const out = new KVCache(rows.length, this.config, device, {
      keys: this.keys.map(copy),
      values: this.values.map(copy),
    });
    out.length = this.length;
    index.dispose();
    return out;
  }

  /** Forgets every position (the tensors are reused). */
  reset(): void {
    this.length = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }

  checkAlive(): void {
    if (this.disposed) throw new Error('KVCache: this cache was disposed; create a new one');
  }
}
