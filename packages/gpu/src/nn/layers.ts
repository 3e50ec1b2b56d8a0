import type { Device } from '../device.js';
import { add, gelu, relu, sigmoid, tanh } from '../kernels/elementwise/arith.js';
import { matmul } from '../kernels/matmul/matmul.js';
import type { Generator } from '../kernels/random/random.js';
import { dropout, embedding, layerNorm, rmsNorm } from '../ops.js';
import { shapeToString } from '../shape.js';
import { empty, type Tensor } from '../tensor.js';
import { transpose } from '../views.js';
import * as init from './init.js';
import { Module, parameter } from './module.js';

/** Where a layer's parameters live and which random stream initializes them. */
export interface LayerOptions {
  device?: Device;
  generator?: Generator;
}

/** A module with a one-tensor forward, the kind `Sequential` chains. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

function newParameter(shape: number[], options: LayerOptions): Tensor {
  return parameter(empty(shape, { device: options.device }));
}

function checkLastDim(layer: string, x: Tensor, expected: number, what: string): void {
  if (x.rank === 0 || x.shape[x.rank - 1] !== expected) {
    throw new Error(
      `${layer}: expected input of shape (..., ${expected}) (${what}), got ${shapeToString(x.shape)}`,
    );
  }
}

/**
 * y = x·Wᵀ + b (torch.nn.Linear). weight (out, in), bias (out). PyTorch's default init:
 * kaiming_uniform with a = √5, i.e. W ~ U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in).
 */
export class Linear extends Module implements Layer {
  weight: Tensor; // (out, in)
  bias: Tensor | null; // (out)

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LayerOptions & { bias?: boolean } = {},
  ) {
    super();
    this.weight = newParameter([outFeatures, inFeatures], options);
    this.bias = options.bias === false ? null : newParameter([outFeatures], options);
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    init.kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform(this.bias, -bound, bound, { generator });
    }
  }

  forward(x: Tensor): Tensor {
    checkLastDim('Linear', x, this.inFeatures, 'inFeatures');
    // The transposed weight is a strided view: matmul reads it in place, no copy.
    const y = matmul(x, transpose(this.weight)); // (..., out)
    return this.bias ? add(y, this.bias) : y;
  }
}

/** A lookup table (torch.nn.Embedding): weight (num, dim) ~ N(0, 1); ids (...) → (..., dim). */
export class Embedding extends Module implements Layer {
  weight: Tensor; // (numEmbeddings, embeddingDim)

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: LayerOptions = {},
  ) {
    super();
    this.weight = newParameter([numEmbeddings, embeddingDim], options);
    init.normal(this.weight, 0, 1, { generator: options.generator });
  }

  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids); // (..., embeddingDim)
  }
}

export interface NormOptions extends LayerOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  /** LayerNorm only: learn a bias (default true, as PyTorch). */
  bias?: boolean;
}

/**
 * Layer normalization over the trailing `normalizedShape` dims (Ba et al. 2016,
 * torch.nn.LayerNorm): weight ones and bias zeros of that shape. Uses the fused `layerNorm` op.
 */
export class LayerNorm extends Module implements Layer {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: NormOptions = {}) {
    super();
    this.normalizedShape =
      typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? init.ones(newParameter(this.normalizedShape, options)) : null;
    this.bias =
      affine && options.bias !== false
        ? init.zeros(newParameter(this.normalizedShape, options))
        : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** RMS normalization (Zhang & Sennrich 2019, torch.nn.RMSNorm): weight ones; eps default f32 ε. */
export class RMSNorm extends Module implements Layer {
  readonly normalizedShape: number[];
  readonly eps: number | undefined;
  weight: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: NormOptions = {}) {
    super();
    this.normalizedShape =
      typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps;
    this.weight =
      (options.elementwiseAffine ?? true)
        ? init.ones(newParameter(this.normalizedShape, options))
        : null;
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
}

/**
 * Inverted dropout (Srivastava et al. 2014) while `training`; the identity after `eval()`.
 * Draws from `generator` or the input device's default stream.
 */
export class Dropout extends Module implements Layer {
  constructor(
    readonly p = 0.5,
    private readonly generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
}

/** Applies its layers in order; they are named '0', '1', ... as in torch.nn.Sequential. */
export class Sequential extends Module implements Layer {
  private _length = 0;

  constructor(...layers: Layer[]) {
    super();
    for (const layer of layers) this.append(layer);
  }

  append(layer: Layer): this {
    this.registerModule(String(this._length++), layer);
    return this;
  }

  get length(): number {
    return this._length;
  }

  at(index: number): Layer {
    const layer = (this as unknown as Record<string, Layer>)[String(index)];
    if (!layer) throw new Error(`Sequential: no layer ${index} (it has ${this._length})`);
    return layer;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this._length; i++) y = this.at(i).forward(y);
    return y;
  }
}

/** Parameter-free activation layers, for use in `Sequential`. */
export class ReLU extends Module implements Layer {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Tanh extends Module implements Layer {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module implements Layer {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class GELU extends Module implements Layer {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}
