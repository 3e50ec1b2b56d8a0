import {
  add,
  type Device,
  type Generator,
  matmul,
  nn,
  type RnnActivation,
  relu,
  reshape,
  rnnRecurrence,
  shapeToString,
  sigmoid,
  slice,
  stack,
  type Tensor,
  tanh,
  transpose,
  unsqueeze,
  zeros,
} from '@scratchseq/gpu';
import type { HiddenTap } from './diagnostics.js';

export interface CellOptions {
  nonlinearity?: RnnActivation;
  bias?: boolean;
  device?: Device;
  generator?: Generator;
}

function uniformParam(shape: number[], bound: number, options: CellOptions): Tensor {
  const t = zeros(shape, { device: options.device });
  nn.init.uniform(t, -bound, bound, { generator: options.generator });
  return nn.parameter(t);
}

function checkInput(layer: string, x: Tensor, rank: number, size: number, what: string): void {
  if (x.rank !== rank || x.shape[rank - 1] !== size) {
    throw new Error(`${layer}: expected input of shape ${what}, got ${shapeToString(x.shape)}`);
  }
}

/**
 * The Elman (1990) cell — state feedback: the hidden layer sees its own previous state as
 * "context units". h′ = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), with torch.nn.RNNCell's names
 * and init. One step is one fused dispatch after the input projection.
 */
export class ElmanCell extends nn.Module {
  weight_ih: Tensor; // (H, I)
  weight_hh: Tensor; // (H, H)
  bias_ih: Tensor | null; // (H)
  bias_hh: Tensor | null; // (H)
  readonly nonlinearity: RnnActivation;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: CellOptions = {},
  ) {
    super();
    const bound = 1 / Math.sqrt(hiddenSize);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
    this.weight_ih = uniformParam([hiddenSize, inputSize], bound, options);
    this.weight_hh = uniformParam([hiddenSize, hiddenSize], bound, options);
    const bias = options.bias ?? true;
    this.bias_ih = bias ? uniformParam([hiddenSize], bound, options) : null;
    this.bias_hh = bias ? uniformParam([hiddenSize], bound, options) : null;
  }

  /** x·W_ihᵀ + biases for any leading shape (..., I) → (..., H): hoisted over all steps. */
  project(x: Tensor): Tensor {
    let p = matmul(x, transpose(this.weight_ih));
    if (this.bias_ih && this.bias_hh) p = add(p, add(this.bias_ih, this.bias_hh));
    return p;
  }

  /** One step: x (B, I), h (B, H) → h′ (B, H). */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    checkInput('ElmanCell', x, 2, this.inputSize, `(B, ${this.inputSize})`);
    const B = x.shape[0];
    const hPrev = h ?? zeros([B, this.hiddenSize], { device: x.device });
    const s = rnnRecurrence(unsqueeze(this.project(x), 0), hPrev, this.weight_hh, {
      nonlinearity: this.nonlinearity,
      variant: 'step',
    });
    return reshape(slice(s, 0, 1, 2), [B, this.hiddenSize]);
  }
}

export interface ElmanRNNOptions extends CellOptions {
  /** Add a linear output layer y_t = h_t·W_hyᵀ + b_y of this size (Elman's output units). */
  outputSize?: number;
}

/**
 * Elman's simple recurrent network as a sequence layer: the ElmanCell over a time-major
 * (T, B, I) sequence (the fused `rnnRecurrence`: one dispatch per step, or one in all), plus an
 * optional linear output layer. Returns the states (T, B, H), the outputs and h_T.
 */
export class ElmanRNN extends nn.Module {
  cell: ElmanCell;
  output: nn.Linear | null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: ElmanRNNOptions = {},
  ) {
    super();
    this.cell = new ElmanCell(inputSize, hiddenSize, options);
    this.output = options.outputSize
      ? new nn.Linear(hiddenSize, options.outputSize, {
          device: options.device,
          generator: options.generator,
        })
      : null;
  }

  forward(
    x: Tensor,
    h0?: Tensor | null,
    options: { tap?: HiddenTap } = {},
  ): { hidden: Tensor; output: Tensor; hN: Tensor } {
    checkInput('ElmanRNN', x, 3, this.inputSize, `(T, B, ${this.inputSize})`);
    const [T, B] = x.shape;
    const H = this.hiddenSize;
    const xproj = this.cell.project(x); // (T, B, H)
    const hStart = h0 ?? zeros([B, H], { device: x.device });
    let hidden: Tensor;
    if (options.tap) {
      const hs: Tensor[] = [];
      let h = hStart;
      for (let t = 0; t < T; t++) {
        const s = rnnRecurrence(slice(xproj, 0, t, t + 1), h, this.cell.weight_hh, {
          nonlinearity: this.cell.nonlinearity,
          variant: 'step',
        });
        h = options.tap(t, reshape(slice(s, 0, 1, 2), [B, H]));
        hs.push(h);
      }
      hidden = stack(hs, 0);
    } else {
      const s = rnnRecurrence(xproj, hStart, this.cell.weight_hh, {
        nonlinearity: this.cell.nonlinearity,
      });
      hidden = slice(s, 0, 1, T + 1); // (T, B, H)
    }
    const hN = reshape(slice(hidden, 0, T - 1, T), [B, H]);
    return { hidden, output: this.output ? this.output.forward(hidden) : hidden, hN };
  }
}

export type OutputActivation = 'identity' | 'sigmoid' | 'tanh';

export interface JordanOptions extends CellOptions {
  /** The output units' activation (default 'identity'; Jordan 1986 used sigmoid units). */
  outputActivation?: OutputActivation;
}

/**
 * The Jordan (1986) cell — output feedback: the hidden layer sees the previous *output*
 * (the "state units"), not its own previous state.
 *   h_t = act(x_t·W_ihᵀ + y_{t−1}·W_yhᵀ + b_h),   y_t = out(h_t·W_hyᵀ + b_y)
 * Parameters: weight_ih (H, I), weight_yh (H, O), bias_h (H), weight_hy (O, H), bias_y (O).
 */
export class JordanCell extends nn.Module {
  weight_ih: Tensor; // (H, I)
  weight_yh: Tensor; // (H, O)
  bias_h: Tensor | null; // (H)
  weight_hy: Tensor; // (O, H)
  bias_y: Tensor | null; // (O)
  readonly nonlinearity: RnnActivation;
  readonly outputActivation: OutputActivation;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly outputSize: number,
    options: JordanOptions = {},
  ) {
    super();
    this.nonlinearity = options.nonlinearity ?? 'tanh';
    this.outputActivation = options.outputActivation ?? 'identity';
    const bias = options.bias ?? true;
    const bh = 1 / Math.sqrt(inputSize + outputSize);
    const by = 1 / Math.sqrt(hiddenSize);
    this.weight_ih = uniformParam([hiddenSize, inputSize], bh, options);
    this.weight_yh = uniformParam([hiddenSize, outputSize], bh, options);
    this.bias_h = bias ? uniformParam([hiddenSize], bh, options) : null;
    this.weight_hy = uniformParam([outputSize, hiddenSize], by, options);
    this.bias_y = bias ? uniformParam([outputSize], by, options) : null;
  }

  project(x: Tensor): Tensor {
    const p = matmul(x, transpose(this.weight_ih));
    return this.bias_h ? add(p, this.bias_h) : p;
  }

  /** The hidden layer from a projected input (B, H) and the previous output (B, O). */
  hidden(xproj: Tensor, yPrev: Tensor): Tensor {
    const z = add(xproj, matmul(yPrev, transpose(this.weight_yh))); // (B, H)
    return this.nonlinearity === 'tanh' ? tanh(z) : relu(z);
  }

  /** The output units from the hidden layer (B, H) → (B, O). */
  readout(h: Tensor): Tensor {
    let a = matmul(h, transpose(this.weight_hy)); // (B, O)
    if (this.bias_y) a = add(a, this.bias_y);
    const kind = this.outputActivation;
    return kind === 'sigmoid' ? sigmoid(a) : kind === 'tanh' ? tanh(a) : a;
  }

  /** One step: x (B, I), previous output y (B, O) (zeros when omitted) → { h, y }. */
  forward(x: Tensor, yPrev?: Tensor | null): { h: Tensor; y: Tensor } {
    checkInput('JordanCell', x, 2, this.inputSize, `(B, ${this.inputSize})`);
    const y0 = yPrev ?? zeros([x.shape[0], this.outputSize], { device: x.device });
    const h = this.hidden(this.project(x), y0);
    return { h, y: this.readout(h) };
  }
}

/**
 * A Jordan network over a time-major sequence (T, B, I): the input projection of all steps is
 * hoisted into one matmul; the output feedback runs step by step (it passes through the output
 * layer, so it is not an Elman recurrence that `rnnRecurrence` could fuse).
 */
export class JordanRNN extends nn.Module {
  cell: JordanCell;

  constructor(
    inputSize: number,
    hiddenSize: number,
    outputSize: number,
    options: JordanOptions = {},
  ) {
    super();
    this.cell = new JordanCell(inputSize, hiddenSize, outputSize, options);
  }

  forward(
    x: Tensor,
    y0?: Tensor | null,
    options: { tap?: HiddenTap } = {},
  ): { hidden: Tensor; output: Tensor; yN: Tensor } {
    checkInput('JordanRNN', x, 3, this.cell.inputSize, `(T, B, ${this.cell.inputSize})`);
    const [T, B] = x.shape;
    const xproj = this.cell.project(x); // (T, B, H)
    let y = y0 ?? zeros([B, this.cell.outputSize], { device: x.device });
    const hs: Tensor[] = [];
    const ys: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = reshape(slice(xproj, 0, t, t + 1), [B, this.cell.hiddenSize]); // (B, H)
      let h = this.cell.hidden(xt, y);
      if (options.tap) h = options.tap(t, h);
      y = this.cell.readout(h); // (B, O)
      hs.push(h);
      ys.push(y);
    }
    return { hidden: stack(hs, 0), output: stack(ys, 0), yN: y };
  }
}
