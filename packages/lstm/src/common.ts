import {
  add,
  type Device,
  type Generator,
  matmul,
  mul,
  nn,
  reshape,
  shapeToString,
  slice,
  stack,
  sub,
  type Tensor,
  tensor,
  transpose,
  zeros,
} from '@scratchseq/gpu';
import { checkLengths, type HiddenTap, lengthsToMask, reversePadded } from '@scratchseq/rnn';

/** Options every recurrent layer here shares (PyTorch's names, camelCased). */
export interface RecurrentLayerOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output are (B, T, ·); states stay (L·D, B, ·), as PyTorch. */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
  device?: Device;
  generator?: Generator;
}

export interface RecurrentForwardOptions {
  /** Per-sequence lengths: padded steps keep the state, get no gradient, and output 0. */
  lengths?: ArrayLike<number>;
  /** Also return per-step gate activations (and LSTM cell states) of every layer and direction. */
  inspect?: boolean;
  /**
   * Diagnostics hook from `@scratchseq/rnn` (`gradientNormsThroughTime`): the last layer's
   * forward direction runs step by step and passes each h_t through `tap(t, h_t)`.
   */
  tap?: HiddenTap;
}

/** Per layer and direction (index layer·D + direction), in forward time order. */
export interface Inspection {
  /** (T, B, H, 4): LSTM (i, f, g, o); GRU (r, z, n, W_hn·h + b_hn). Zeros at padded steps. */
  gates: Tensor[];
  /** LSTM: (T, B, H) cell states c_t. */
  cells: Tensor[];
}

export function checkLayerOptions(layer: string, o: RecurrentLayerOptions): void {
  const numLayers = o.numLayers ?? 1;
  if (!Number.isInteger(numLayers) || numLayers < 1)
    throw new Error(`${layer}: numLayers must be a positive integer, got ${numLayers}`);
  const p = o.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new Error(`${layer}: dropout must be in [0, 1), got ${p}`);
}

/** U(−1/√H, 1/√H), PyTorch's init for every recurrent weight and bias. */
export function uniformParameter(
  shape: number[],
  hiddenSize: number,
  options: RecurrentLayerOptions,
): Tensor {
  const t = zeros(shape, { device: options.device });
  const bound = 1 / Math.sqrt(hiddenSize);
  nn.init.uniform(t, -bound, bound, { generator: options.generator });
  return nn.parameter(t);
}

/** Checks the input and lengths; returns the time-major view and checked lengths. */
export function prepareInput(
  layer: string,
  input: Tensor,
  inputSize: number,
  batchFirst: boolean,
  lengths: ArrayLike<number> | undefined,
): {
  x: Tensor;
  T: number;
  B: number;
  lengths: number[] | undefined;
  lengthsTensor: Tensor | null;
} {
  if (input.rank !== 3 || input.shape[2] !== inputSize) {
    const want = batchFirst ? `(B, T, ${inputSize})` : `(T, B, ${inputSize})`;
    throw new Error(`${layer}: expected input of shape ${want}, got ${shapeToString(input.shape)}`);
  }
  const x = batchFirst ? input.transpose(0, 1) : input; // (T, B, I)
  const [T, B] = x.shape;
  if (T === 0) throw new Error(`${layer}: the input has no time steps`);
  const ls = lengths ? checkLengths(layer, lengths, B, T) : undefined;
  const lengthsTensor = ls ? tensor(Int32Array.from(ls), { device: x.device }) : null;
  return { x, T, B, lengths: ls, lengthsTensor };
}

/** One (B, size) slice of an (L·D, B, size) initial state, checked, or undefined. */
export function stateSlice(
  layer: string,
  name: string,
  state: Tensor | undefined | null,
  index: number,
  shape: [number, number, number],
): Tensor | undefined {
  if (!state) return undefined;
  if (state.rank !== 3 || state.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `${layer}: expected ${name} of shape ${shapeToString(shape)}, got ${shapeToString(state.shape)}`,
    );
  }
  return reshape(slice(state, 0, index, index + 1), [shape[1], shape[2]]);
}

/** (B, 1) float mask of step t (1 where t < length), or null without lengths. */
export function stepMask(lengths: number[] | undefined, t: number, device: Device): Tensor | null {
  if (!lengths) return null;
  return tensor(
    Float32Array.from(lengths, (l) => (t < l ? 1 : 0)),
    { shape: [lengths.length, 1], device },
  );
}

/** Inspection tensors of a reverse direction come back in forward time order. */
export function unreverse(t: Tensor, dir: 0 | 1, lengths: number[] | undefined): Tensor {
  return dir === 1 ? reversePadded(t, lengths) : t;
}

/** Stacks per-step (B, H) tensors into (T, B, H) and zeroes padded steps. */
export function stackSteps(steps: Tensor[], lengths: number[] | undefined): Tensor {
  const s = stack(steps, 0);
  if (!lengths) return s;
  let mask = lengthsToMask(lengths, steps.length, { device: s.device }); // (T, B)
  for (let d = 2; d < s.rank; d++) mask = mask.reshape([...mask.shape, 1]);
  return s.mul(mask);
}

/** Padded steps keep the state: s ← s + m ⊙ (s' − s) with the (B, 1) step mask m (null: s'). */
export function keepPadded(mask: Tensor | null, state: Tensor, next: Tensor): Tensor {
  return mask ? add(state, mul(mask, sub(next, state))) : next;
}

/**
 * Every step's input projection as one matmul: x (T, B, F) · w (F, G) → (T, B, G). A time-major
 * view of a batch-first input is multiplied in its own (B, T) row order and the product handed
 * back as a time-major view, so neither x nor the product is copied (the scan kernels read
 * any T and B strides).
 */
export function projectSteps(x: Tensor, w: Tensor): Tensor {
  const [T, B, F] = x.shape;
  const G = w.shape[1];
  const batchFirst = transpose(x, 0, 1);
  if (!x.isContiguous && batchFirst.isContiguous) {
    return transpose(reshape(matmul(reshape(batchFirst, [B * T, F]), w), [B, T, G]), 0, 1);
  }
  return reshape(matmul(reshape(x, [T * B, F]), w), [T, B, G]);
}
