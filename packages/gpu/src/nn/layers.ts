import type { Device } from '../device.js';
import { add, gelu, relu, sigmoid, tanh } from '../kernels/elementwise/arith.js';
import { matmul } from '../kernels/matmul/matmul.js';
import type { Generator } from '../kernels/random/random.js';
import { conv1d, dropout, embedding, layerNorm, rmsNorm } from '../ops.js';
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

export interface Conv1dLayerOptions extends LayerOptions {
  stride?: number;
  /**
   * Zeros on both sides (number), [left, right], 'causal' (dilation·(K − 1) on the left only,
   * as WaveNet), 'valid' (none) or 'same' (stride 1; the odd zero goes right, as PyTorch).
   */
  padding?: number | readonly [number, number] | 'causal' | 'valid' | 'same';
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * 1-D convolution (torch.nn.Conv1d): x (B, Cin, L) → (B, Cout, Lout); weight
 * (Cout, Cin / groups, K), bias (Cout). Default init as PyTorch: U(−1/√fan_in, 1/√fan_in)
 * for both, fan_in = Cin / groups · K.
 */
export class Conv1d extends Module implements Layer {
  weight: Tensor; // (outChannels, inChannels / groups, kernelSize)
  bias: Tensor | null; // (outChannels)
  readonly stride: number;
  readonly padding: number | readonly [number, number] | 'causal';
  readonly dilation: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv1dLayerOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(
        `Conv1d: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${this.groups})`,
      );
    }
    const padding = options.padding ?? 0;
    if (padding === 'same') {
      if (this.stride !== 1) throw new Error("Conv1d: padding 'same' needs stride 1");
      const total = this.dilation * (kernelSize - 1);
      this.padding = [Math.floor(total / 2), total - Math.floor(total / 2)];
    } else {
      this.padding = padding === 'valid' ? 0 : padding;
    }
    this.weight = newParameter([outChannels, inChannels / this.groups, kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    init.kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const fanIn = (this.inChannels / this.groups) * this.kernelSize;
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform(this.bias, -bound, bound, { generator });
    }
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 3 || x.shape[1] !== this.inChannels) {
      throw new Error(
        `Conv1d: expected input of shape (B, ${this.inChannels}, L), got ${shapeToString(x.shape)}`,
      );
    }
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    }); // (B, outChannels, Lout)
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
