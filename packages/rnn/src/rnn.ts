import {
  add,
  type Device,
  type Generator,
  matmul,
  nn,
  type RnnActivation,
  reshape,
  rnnRecurrence,
  shapeToString,
  slice,
  stack,
  type Tensor,
  tensor,
  transpose,
  zeros,
} from '@scratchseq/gpu';
import type { HiddenTap } from './diagnostics.js';
import { checkLengths, maskPadded, runStacked, swapBatchTime } from './sequence.js';

export interface RNNOptions {
  numLayers?: number;
  nonlinearity?: RnnActivation;
  bias?: boolean;
  /** Input and output are (B, T, ·) instead of (T, B, ·); h0/h_n stay (L·D, B, H), as PyTorch. */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
  /**
   * Fused recurrence form (see `rnnRecurrence`): 'auto' (default: 'fused' when hidden % 4 = 0),
   * 'fused', 'step' or 'sequence'.
   */
  variant?: 'auto' | 'fused' | 'step' | 'sequence';
  /** 'fused' form only: force (true) or avoid (false) the subgroup kernels; default: adapter's. */
  subgroups?: boolean;
  device?: Device;
  generator?: Generator;
}

export interface RNNForwardOptions {
  /** Per-sequence lengths: padded steps neither update the state nor get gradient; outputs there are 0. */
  lengths?: ArrayLike<number>;
  /**
   * Diagnostics hook (see `gradientNormsThroughTime`): the last layer's forward direction runs
   * step by step and passes each state through `tap(t, h_t)`.
   */
  tap?: HiddenTap;
}

/**
 * A multi-layer Elman RNN with torch.nn.RNN's semantics and parameter names:
 *   h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)
 * Parameters `weight_ih_l{k}` (H, in), `weight_hh_l{k}` (H, H), `bias_ih_l{k}`, `bias_hh_l{k}`
 * (H), with the `_reverse` suffix for the backward direction, all U(−1/√H, 1/√H) as PyTorch.
 *
 * Speed: per layer and direction, the input projection of every step is one matmul (and one
 * bias add); the recurrence is `rnnRecurrence` (one dispatch per step, or one in all).
 */
export class RNN extends nn.Module {
  readonly numLayers: number;
  readonly nonlinearity: RnnActivation;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly variant: 'auto' | 'fused' | 'step' | 'sequence';
  readonly subgroups: boolean | undefined;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNOptions = {},
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.nonlinearity = options.nonlinearity ?? 'tanh';
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    this.variant = options.variant ?? 'auto';
    this.subgroups = options.subgroups;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) {
      throw new Error(`RNN: numLayers must be a positive integer, got ${this.numLayers}`);
    }
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') {
      throw new Error(`RNN: nonlinearity must be 'tanh' or 'relu', got '${this.nonlinearity}'`);
    }
    if (!(this.dropout >= 0 && this.dropout < 1)) {
      throw new Error(`RNN: dropout must be in [0, 1), got ${this.dropout}`);
    }
    const D = this.bidirectional ? 2 : 1;
    const bound = 1 / Math.sqrt(hiddenSize);
    const make = (shape: number[]) => {
      const t = zeros(shape, { device: options.device });
      nn.init.uniform(t, -bound, bound, { generator: options.generator });
      return t;
    };
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? inputSize : hiddenSize * D;
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${sfx}`, make([hiddenSize, inSize]));
        this.registerParameter(`weight_hh${sfx}`, make([hiddenSize, hiddenSize]));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, make([hiddenSize]));
          this.registerParameter(`bias_hh${sfx}`, make([hiddenSize]));
        }
      }
    }
  }

  private param(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name];
  }

  /**
   * input (T, B, inputSize) (or (B, T, inputSize) with batchFirst); h0 (L·D, B, H) or
   * undefined for zeros. Returns output (T, B, D·H) (or batch-first) and h_n (L·D, B, H).
   */
  forward(
    input: Tensor,
    h0?: Tensor | null,
    options: RNNForwardOptions = {},
  ): { output: Tensor; hN: Tensor } {
    const D = this.bidirectional ? 2 : 1;
    if (input.rank !== 3 || input.shape[2] !== this.inputSize) {
      const want = this.batchFirst ? `(B, T, ${this.inputSize})` : `(T, B, ${this.inputSize})`;
      throw new Error(`RNN: expected input of shape ${want}, got ${shapeToString(input.shape)}`);
    }
    const x = this.batchFirst ? swapBatchTime(input) : input; // (T, B, I)
    const [T, B] = x.shape;
    const H = this.hiddenSize;
    if (
      h0 &&
      (h0.rank !== 3 ||
        h0.shape[0] !== this.numLayers * D ||
        h0.shape[1] !== B ||
        h0.shape[2] !== H)
    ) {
      throw new Error(
        `RNN: expected h0 of shape (${this.numLayers * D}, ${B}, ${H}), got ${shapeToString(h0.shape)}`,
      );
    }
    const lengths = options.lengths ? checkLengths('RNN', options.lengths, B, T) : undefined;
    const lengthsTensor = lengths ? tensor(Int32Array.from(lengths), { device: x.device }) : null;
    const { output, states } = runStacked<Tensor>(x, {
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      dropout: this.dropout,
      training: this.training,
      lengths,
      initialState: (layer, dir) =>
        h0 ? reshape(slice(h0, 0, layer * D + dir, layer * D + dir + 1), [B, H]) : undefined,
      run: (layer, dir, src, state) => {
        const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        const tap =
          options.tap && layer === this.numLayers - 1 && dir === 0 ? options.tap : undefined;
        return this.runDirection(
          src,
          state ?? zeros([B, H], { device: x.device }),
          sfx,
          lengths,
          lengthsTensor,
          tap,
        );
      },
    });
    const hN = stack(states, 0); // (L·D, B, H)
    return { output: this.batchFirst ? swapBatchTime(output) : output, hN };
  }

  private runDirection(
    x: Tensor, // (T, B, F)
    h0: Tensor, // (B, H)
    sfx: string,
    lengths: number[] | undefined,
    lengthsTensor: Tensor | null,
    tap: HiddenTap | undefined,
  ): { output: Tensor; state: Tensor } {
    const [T, B, F] = x.shape;
    const H = this.hiddenSize;
    // The input projection of all T steps in one matmul (and one add of both biases).
    let xproj = matmul(reshape(x, [T * B, F]), transpose(this.param(`weight_ih${sfx}`))); // (T·B, H)
    if (this.bias)
      xproj = add(xproj, add(this.param(`bias_ih${sfx}`), this.param(`bias_hh${sfx}`)));
    xproj = reshape(xproj, [T, B, H]); // (T, B, H)
    const whh = this.param(`weight_hh${sfx}`);
    if (tap) return this.runTapped(xproj, h0, whh, lengths, tap);
    const states = rnnRecurrence(xproj, h0, whh, {
      nonlinearity: this.nonlinearity,
      lengths: lengthsTensor,
      variant: this.variant,
      subgroups: this.subgroups,
    }); // (T+1, B, H)
    let output = slice(states, 0, 1, T + 1); // (T, B, H)
    if (lengths) output = maskPadded(output, lengths);
    const last = reshape(slice(states, 0, T, T + 1), [B, H]); // padded steps carried the state
    return { output, state: last };
  }

  /** Step by step (one fused step each), so that each h_t can pass through `tap`. */
  private runTapped(
    xproj: Tensor,
    h0: Tensor,
    whh: Tensor,
    lengths: number[] | undefined,
    tap: HiddenTap,
  ): { output: Tensor; state: Tensor } {
    const [T, B, H] = xproj.shape;
    let h = h0;
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const stepLengths = lengths
        ? tensor(
            Int32Array.from(lengths, (l) => (t < l ? 1 : 0)),
            { device: h.device },
          )
        : null;
      const s = rnnRecurrence(slice(xproj, 0, t, t + 1), h, whh, {
        nonlinearity: this.nonlinearity,
        lengths: stepLengths,
        variant: 'step',
      });
      h = tap(t, reshape(slice(s, 0, 1, 2), [B, H]));
      outs.push(h);
    }
    let output = stack(outs, 0);
    if (lengths) output = maskPadded(output, lengths);
    return { output, state: h };
  }
}
