import { type Device, type Tensor, tensor } from '@scratchseq/gpu';

/**
 * Weight import from the layouts users meet outside PyTorch, into this package's (PyTorch's)
 * parameter names and layouts. Each function returns a partial state dict for
 * `model.loadStateDict(dict, { strict: false })` (or strict, when it covers the whole model).
 *
 *                      stored as                                  gate order
 *   PyTorch            weight_ih (G·H, I), weight_hh (G·H, H)     LSTM i f g o, GRU r z n
 *   Keras / TF.js      kernel (I, G·H), recurrent_kernel (H, G·H) LSTM i f c o, GRU z r h
 *   ONNX               W (D, G·H, I), R (D, G·H, H), B (D, 2·G·H)  LSTM i o f c, GRU z r h
 */

export type StateDict = Record<string, Tensor>;

export interface ImportOptions {
  /** Layer index k in the parameter names (`weight_ih_l{k}`); default 0. */
  layer?: number;
  device?: Device;
}

/** Rows of a (G·H, n) gate-major matrix reordered: output gate k is source gate `order[k]`. */
function reorderGates(w: ArrayLike<number>, H: number, n: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * H * n);
  const src = Float32Array.from(w);
  for (const [k, from] of order.entries())
    out.set(src.subarray(from * H * n, (from + 1) * H * n), k * H * n);
  return out;
}

/** (rows, cols) row-major → (cols, rows). */
function transposed(w: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j];
  return out;
}

function checkSize(what: string, a: ArrayLike<number>, n: number, shape: string): void {
  if (a.length !== n)
    throw new Error(`${what}: expected ${n} values (shape ${shape}), got ${a.length}`);
}

function entries(list: [string, Float32Array, number[]][], options: ImportOptions): StateDict {
  return Object.fromEntries(
    list.map(([name, data, shape]) => [name, tensor(data, { shape, device: options.device })]),
  );
}

export interface KerasWeights {
  /** (I, G·H) row-major. */
  kernel: ArrayLike<number>;
  /** (H, G·H) row-major. */
  recurrentKernel: ArrayLike<number>;
  /** LSTM: (4H); GRU with reset_after: (2, 3H) = [input bias; recurrent bias]. */
  bias?: ArrayLike<number>;
}

export interface KerasImportOptions extends ImportOptions {
  inputSize: number;
  hiddenSize: number;
  /** Keras's `recurrent_activation`; only 'sigmoid' (the TF2 default) matches PyTorch. */
  recurrentActivation?: string;
  /** Keras GRU's `reset_after`; must be true (the TF2 default) to match PyTorch's GRU. */
  resetAfter?: boolean;
  /** The layer ran backwards (Keras `go_backwards`, or the backward half of Bidirectional). */
  reverse?: boolean;
}

function kerasChecks(what: string, o: KerasImportOptions): void {
  const act = o.recurrentActivation ?? 'sigmoid';
  if (act !== 'sigmoid')
    throw new Error(
      `${what}: recurrent_activation '${act}' has no PyTorch equivalent; retrain with 'sigmoid' (TF.js defaults to 'hardSigmoid')`,
    );
}

/** Keras/TF.js LSTM weights → weight_ih/hh_l{k}, bias_ih (Keras's bias), bias_hh (zeros). Same gate order. */
export function lstmFromKeras(w: KerasWeights, o: KerasImportOptions): StateDict {
  kerasChecks('lstmFromKeras', o);
  const { inputSize: I, hiddenSize: H } = o;
  checkSize('lstmFromKeras kernel', w.kernel, I * 4 * H, `(${I}, ${4 * H})`);
  checkSize('lstmFromKeras recurrentKernel', w.recurrentKernel, H * 4 * H, `(${H}, ${4 * H})`);
  if (w.bias) checkSize('lstmFromKeras bias', w.bias, 4 * H, `(${4 * H})`);
  const sfx = `_l${o.layer ?? 0}${o.reverse ? '_reverse' : ''}`;
  return entries(
    [
      [`weight_ih${sfx}`, transposed(w.kernel, I, 4 * H), [4 * H, I]],
      [`weight_hh${sfx}`, transposed(w.recurrentKernel, H, 4 * H), [4 * H, H]],
      [`bias_ih${sfx}`, Float32Array.from(w.bias ?? new Float32Array(4 * H)), [4 * H]],
      [`bias_hh${sfx}`, new Float32Array(4 * H), [4 * H]],
    ],
    o,
  );
}

/** Keras GRU z, r, h → PyTorch r, z, n. */
const KERAS_GRU_ORDER = [1, 0, 2];

/** Keras/TF.js GRU weights (reset_after=True) → weight_ih/hh_l{k}, bias_ih, bias_hh. */
export function gruFromKeras(w: KerasWeights, o: KerasImportOptions): StateDict {
  kerasChecks('gruFromKeras', o);
  if (o.resetAfter === false)
    throw new Error(
      'gruFromKeras: reset_after=False applies the reset gate before the recurrent matmul, which ' +
        "PyTorch's GRU cannot express; use a model trained with reset_after=True (the TF2 default)",
    );
  const { inputSize: I, hiddenSize: H } = o;
  checkSize('gruFromKeras kernel', w.kernel, I * 3 * H, `(${I}, ${3 * H})`);
  checkSize('gruFromKeras recurrentKernel', w.recurrentKernel, H * 3 * H, `(${H}, ${3 * H})`);
  const bias = w.bias ?? new Float32Array(6 * H);
  checkSize('gruFromKeras bias', bias, 6 * H, `(2, ${3 * H}) (reset_after=True)`);
  const sfx = `_l${o.layer ?? 0}${o.reverse ? '_reverse' : ''}`;
  const b = Float32Array.from(bias);
  return entries(
    [
      [
        `weight_ih${sfx}`,
        reorderGates(transposed(w.kernel, I, 3 * H), H, I, KERAS_GRU_ORDER),
        [3 * H, I],
      ],
      [
        `weight_hh${sfx}`,
        reorderGates(transposed(w.recurrentKernel, H, 3 * H), H, H, KERAS_GRU_ORDER),
        [3 * H, H],
      ],
      [`bias_ih${sfx}`, reorderGates(b.subarray(0, 3 * H), H, 1, KERAS_GRU_ORDER), [3 * H]],
      [`bias_hh${sfx}`, reorderGates(b.subarray(3 * H), H, 1, KERAS_GRU_ORDER), [3 * H]],
    ],
    o,
  );
}

export interface OnnxWeights {
  /** (D, G·H, I). */
  W: ArrayLike<number>;
  /** (D, G·H, H). */
  R: ArrayLike<number>;
  /** (D, 2·G·H): [Wb; Rb] per direction; zeros when absent. */
  B?: ArrayLike<number>;
  /** LSTM peepholes (D, 3H) in ONNX order (i, o, f). */
  P?: ArrayLike<number>;
}

export interface OnnxImportOptions extends ImportOptions {
  inputSize: number;
  hiddenSize: number;
  /** 1 for 'forward' (or 'reverse' with `direction`), 2 for 'bidirectional'. */
  numDirections?: 1 | 2;
  /** ONNX `direction` attribute; 'reverse' maps a single direction to the `_reverse` names. */
  direction?: 'forward' | 'reverse' | 'bidirectional';
  /** ONNX GRU's `linear_before_reset`; must be 1 to match PyTorch's GRU. */
  linearBeforeReset?: 0 | 1;
}

/** ONNX LSTM i, o, f, c → PyTorch i, f, g, o. */
const ONNX_LSTM_ORDER = [0, 2, 3, 1];
/** ONNX peepholes (i, o, f) → this package's weight_peephole rows (i, f, o). */
const ONNX_PEEPHOLE_ORDER = [0, 2, 1];
/** ONNX GRU z, r, h → PyTorch r, z, n. */
const ONNX_GRU_ORDER = [1, 0, 2];

function onnxImport(kind: 'lstm' | 'gru', w: OnnxWeights, o: OnnxImportOptions): StateDict {
  const G = kind === 'lstm' ? 4 : 3;
  const order = kind === 'lstm' ? ONNX_LSTM_ORDER : ONNX_GRU_ORDER;
  const what = kind === 'lstm' ? 'lstmFromOnnx' : 'gruFromOnnx';
  const { inputSize: I, hiddenSize: H } = o;
  const D = o.direction === 'bidirectional' ? 2 : (o.numDirections ?? 1);
  checkSize(`${what} W`, w.W, D * G * H * I, `(${D}, ${G * H}, ${I})`);
  checkSize(`${what} R`, w.R, D * G * H * H, `(${D}, ${G * H}, ${H})`);
  if (w.B) checkSize(`${what} B`, w.B, D * 2 * G * H, `(${D}, ${2 * G * H})`);
  if (w.P) checkSize(`${what} P`, w.P, D * 3 * H, `(${D}, ${3 * H})`);
  const Wf = Float32Array.from(w.W);
  const Rf = Float32Array.from(w.R);
  const Bf = Float32Array.from(w.B ?? new Float32Array(D * 2 * G * H));
  const list: [string, Float32Array, number[]][] = [];
  for (let d = 0; d < D; d++) {
    const reverse = d === 1 || o.direction === 'reverse';
    const sfx = `_l${o.layer ?? 0}${reverse ? '_reverse' : ''}`;
    const GH = G * H;
    list.push([
      `weight_ih${sfx}`,
      reorderGates(Wf.subarray(d * GH * I, (d + 1) * GH * I), H, I, order),
      [GH, I],
    ]);
    list.push([
      `weight_hh${sfx}`,
      reorderGates(Rf.subarray(d * GH * H, (d + 1) * GH * H), H, H, order),
      [GH, H],
    ]);
    const b = Bf.subarray(d * 2 * GH, (d + 1) * 2 * GH);
    list.push([`bias_ih${sfx}`, reorderGates(b.subarray(0, GH), H, 1, order), [GH]]);
    list.push([`bias_hh${sfx}`, reorderGates(b.subarray(GH), H, 1, order), [GH]]);
    if (w.P) {
      const p = Float32Array.from(w.P).subarray(d * 3 * H, (d + 1) * 3 * H);
      list.push([`weight_peephole${sfx}`, reorderGates(p, H, 1, ONNX_PEEPHOLE_ORDER), [3, H]]);
    }
  }
  return entries(list, o);
}

/**
 * ONNX LSTM (W, R, B, P) → PyTorch names; with P, load into `new LSTM(..., { peephole: true })`.
 * Assumes ONNX's default activations (sigmoid, tanh, tanh), no clip, input_forget = 0.
 */
export function lstmFromOnnx(w: OnnxWeights, o: OnnxImportOptions): StateDict {
  return onnxImport('lstm', w, o);
}

/** ONNX GRU (W, R, B) with linear_before_reset = 1 → PyTorch names. */
export function gruFromOnnx(w: OnnxWeights, o: OnnxImportOptions): StateDict {
  if ((o.linearBeforeReset ?? 1) !== 1)
    throw new Error(
      "gruFromOnnx: linear_before_reset=0 applies the reset gate before the recurrent matmul, which PyTorch's GRU cannot express; export with linear_before_reset=1 (torch.onnx does)",
    );
  return onnxImport('gru', { W: w.W, R: w.R, B: w.B }, o);
}
