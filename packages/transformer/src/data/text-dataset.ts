import { type Device, type Tensor, tensor } from '@scratchseq/gpu';
import { SeededRandom } from './rng.js';

export type Split = 'train' | 'val';

export interface TextDatasetOptions {
  /** Fraction of the tokens, from the start, used for training; the rest is validation (default 0.9). */
  trainFraction?: number;
  /** Seed of the batch sampler (default 0). */
  seed?: number;
}

/** What `state()` saves: the sampler's position, so a resumed run draws the same batches. */
export interface TextDatasetState {
  rng: number[];
  batches: number;
}

export interface Batch {
  /** Inputs (B, T), i32. */
  x: Tensor;
  /** Targets (B, T), i32: the inputs shifted left by one token. */
  y: Tensor;
}

/**
 * A token stream split into train and validation parts (the first `trainFraction` of the
 * tokens for training, as nanoGPT's prepare.py), sampled as random windows: each batch row
 * starts at a uniformly drawn offset, x = tokens[o … o+T), y = tokens[o+1 … o+T].
 */
export class TextDataset {
  readonly train: Int32Array;
  readonly val: Int32Array;
  /** Batches drawn so far (any split). */
  batchesDrawn = 0;
  private readonly random: SeededRandom;

  constructor(tokens: ArrayLike<number>, options: TextDatasetOptions = {}) {
    const fraction = options.trainFraction ?? 0.9;
    if (!(fraction > 0 && fraction <= 1)) {
      throw new Error(`TextDataset: trainFraction must be in (0, 1], got ${fraction}`);
    }
    const all = Int32Array.from(tokens);
    const cut = Math.floor(all.length * fraction);
    this.train = all.subarray(0, cut);
    this.val = all.subarray(cut);
    this.random = new SeededRandom(options.seed ?? 0);
  }

  /**
   * Draws `batchSize` windows of `blockSize` tokens from a split. `random` defaults to the
   * dataset's own sampler (whose position `state()` saves); pass another for batches that must
   * not move it, e.g. evaluation.
   */
  sample(
    split: Split,
    batchSize: number,
    blockSize: number,
    random: SeededRandom = this.random,
  ): {
    x: Int32Array;
    y: Int32Array;
  } {
    const data = split === 'train' ? this.train : this.val;
    if (
      !(
        Number.isInteger(batchSize) &&
        batchSize > 0 &&
        Number.isInteger(blockSize) &&
        blockSize > 0
      )
    ) {
      throw new Error(
        `TextDataset: batchSize and blockSize must be positive integers, got ${batchSize} and ${blockSize}`,
      );
    }
    if (data.length < blockSize + 1) {
      throw new Error(
        `TextDataset: the ${split} split has ${data.length} tokens, fewer than blockSize + 1 = ${blockSize + 1}; use more text, a smaller context (blockSize), or ${split === 'val' ? 'a smaller trainFraction' : 'a larger trainFraction'}`,
      );
    }
    const x = new Int32Array(batchSize * blockSize);
    const y = new Int32Array(batchSize * blockSize);
    for (let b = 0; b < batchSize; b++) {
      const offset = random.nextInt(data.length - blockSize);
      x.set(data.subarray(offset, offset + blockSize), b * blockSize);
      y.set(data.subarray(offset + 1, offset + blockSize + 1), b * blockSize);
    }
    if (random === this.random) this.batchesDrawn++;
    return { x, y };
  }

  /** `sample` uploaded as (B, T) i32 tensors. */
  batch(
    split: Split,
    batchSize: number,
    blockSize: number,
    options: { random?: SeededRandom; device?: Device } = {},
  ): Batch {
    const { x, y } = this.sample(split, batchSize, blockSize, options.random);
    const shape = [batchSize, blockSize];
    return {
      x: tensor(x, { shape, dtype: 'i32', device: options.device }),
      y: tensor(y, { shape, dtype: 'i32', device: options.device }),
    };
  }

  state(): TextDatasetState {
    return { rng: this.random.state(), batches: this.batchesDrawn };
  }

  setState(state: TextDatasetState): void {
    this.random.setState(state.rng);
    this.batchesDrawn = state.batches;
  }
}
