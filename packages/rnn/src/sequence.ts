import {
  type Device,
  dropout,
  getDevice,
  indexSelect,
  mul,
  pad,
  reshape,
  shapeToString,
  stack,
  type Tensor,
  tensor,
  transpose,
  unsqueeze,
} from '@scratchseq/gpu';

/**
 * Sequence utilities shared by every recurrent package (rnn, lstm): lengths and masks,
 * reversal of padded sequences, padding, and the stacked/bidirectional wiring. Nothing here
 * knows what a recurrent cell computes. Time-major (T, B, ...) is the internal layout, as in
 * PyTorch's RNN modules; `batchFirst` options convert at the edges.
 */

/** Lengths as plain integers, checked against the padded length T. */
export function checkLengths(
  op: string,
  lengths: ArrayLike<number>,
  batch: number,
  maxLength: number,
): number[] {
  if (lengths.length !== batch) {
    throw new Error(
      `${op}: got ${lengths.length} lengths for a batch of ${batch}; pass one per sequence`,
    );
  }
  const out = Array.from(lengths);
  out.forEach((l, b) => {
    if (!Number.isInteger(l) || l < 0 || l > maxLength) {
      throw new Error(
        `${op}: length ${l} of sequence ${b} must be an integer in [0, ${maxLength}] (the padded length)`,
      );
    }
  });
  return out;
}

export interface MaskOptions {
  /** (B, T) instead of the default time-major (T, B). */
  batchFirst?: boolean;
  device?: Device;
}

/**
 * A float mask of ones at real steps and zeros at padding: (T, B), or (B, T) with `batchFirst`.
 * `maxLength` defaults to the longest length.
 */
export function lengthsToMask(
  lengths: ArrayLike<number>,
  maxLength?: number,
  options: MaskOptions = {},
): Tensor {
  const T = maxLength ?? Math.max(0, ...Array.from(lengths));
  const B = lengths.length;
  const ls = checkLengths('lengthsToMask', lengths, B, T);
  const data = new Float32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const on = t < ls[b] ? 1 : 0;
      data[options.batchFirst ? b * T + t : t * B + b] = on;
    }
  }
  return tensor(data, {
    shape: options.batchFirst ? [B, T] : [T, B],
    device: options.device ?? getDevice(),
  });
}

/**
 * Row indices into a time-major (T·B, ...) flattening that reverse each sequence within its
 * own length and leave its padding in place: row (t, b) reads (len_b − 1 − t, b) for t < len_b.
 */
export function reversalIndices(lengths: ArrayLike<number>, maxLength: number): Int32Array {
  const B = lengths.length;
  const ls = checkLengths('reversalIndices', lengths, B, maxLength);
  const idx = new Int32Array(maxLength * B);
  for (let t = 0; t < maxLength; t++) {
    for (let b = 0; b < B; b++) {
      const src = t < ls[b] ? ls[b] - 1 - t : t;
      idx[t * B + b] = src * B + b;
    }
  }
  return idx;
}

/**
 * Reverses each sequence of a time-major (T, B, ...) tensor along time within its length
 * (padding stays at the end), differentiably: the backward direction of a bidirectional
 * layer reads the real steps last-to-first, as PyTorch does for packed sequences. Without
 * `lengths` every sequence has length T. Applying it twice gives the input back.
 */
export function reversePadded(x: Tensor, lengths?: ArrayLike<number>): Tensor {
  if (x.rank < 2) {
    throw new Error(
      `reversePadded: expected a time-major (T, B, ...) tensor, got ${shapeToString(x.shape)}`,
    );
  }
  const [T, B] = x.shape;
  const rest = x.shape.slice(2);
  const ls = lengths ?? new Array<number>(B).fill(T);
  const idx = tensor(reversalIndices(ls, T), { device: x.device });
  const flat = reshape(x, [T * B, ...rest]);
  // idx is not disposed here: the backward scatter reads it (scopes free it).
  return reshape(indexSelect(flat, 0, idx), x.shape);
}

/**
 * Pads sequences of shape (L_i, ...) to one tensor (T, B, ...) (or (B, T, ...) with
 * `batchFirst`) with `value`, and returns their lengths (torch.nn.utils.rnn.pad_sequence).
 */
export function padSequences(
  sequences: readonly Tensor[],
  options: { batchFirst?: boolean; value?: number } = {},
): { padded: Tensor; lengths: number[] } {
  if (sequences.length === 0) throw new Error('padSequences: need at least one sequence');
  const lengths = sequences.map((s) => s.shape[0]);
  const T = Math.max(...lengths);
  const rest = sequences[0].shape.slice(1);
  const padded = sequences.map((s, i) => {
    if (shapeToString(s.shape.slice(1)) !== shapeToString(rest)) {
      throw new Error(
        `padSequences: sequence ${i} has shape ${shapeToString(s.shape)}; every sequence must be (L, ${rest.join(', ')})`,
      );
    }
    if (s.shape[0] === T) return s;
    const widths = s.shape.map(
      (_, d) => (d === 0 ? [0, T - s.shape[0]] : [0, 0]) as [number, number],
    );
    return pad(s, widths, options.value ?? 0);
  });
  return { padded: stack(padded, options.batchFirst ? 0 : 1), lengths };
}

/** Swaps the first two axes ((B, T, ...) ↔ (T, B, ...)) as a view. */
export function swapBatchTime(x: Tensor): Tensor {
  return transpose(x, 0, 1);
}

/** Zeroes the padded steps of a time-major (T, B, ...) tensor (differentiable in x). */
export function maskPadded(x: Tensor, lengths: ArrayLike<number>): Tensor {
  const [T] = x.shape;
  let mask = lengthsToMask(lengths, T, { device: x.device }); // (T, B)
  for (let d = 2; d < x.rank; d++) mask = unsqueeze(mask, -1);
  return mul(x, mask);
}

/** One direction of one layer, as the wiring asks a recurrent package to run it. */
export interface DirectionRun<S> {
  /** (T, B, H), time-major, zeros at padded steps. */
  output: Tensor;
  /** The final state (for an RNN a (B, H) tensor; for an LSTM [h, c]). */
  state: S;
}

export interface StackedOptions<S> {
  numLayers: number;
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer except the last (PyTorch's `dropout`). */
  dropout?: number;
  training?: boolean;
  /** Per-sequence lengths; the reverse direction reverses each sequence within its length. */
  lengths?: ArrayLike<number>;
  /** Initial state of (layer, direction), or undefined for zeros. */
  initialState?: (layer: number, direction: 0 | 1) => S | undefined;
  /**
   * Runs one direction of one layer over a time-major input (T, B, F) in forward time order
   * (the wiring has already reversed the input for direction 1).
   */
  run: (
    layer: number,
    direction: 0 | 1,
    input: Tensor,
    state: S | undefined,
    lengths: ArrayLike<number> | undefined,
  ) => DirectionRun<S>;
}

/**
 * Multi-layer, optionally bidirectional wiring (torch.nn.RNN/LSTM/GRU): layer l reads the
 * concatenated forward and backward outputs of layer l − 1 (with dropout between layers).
 * Returns the last layer's output (T, B, D·H) and the final states in PyTorch's order
 * (index layer·D + direction).
 */
export function runStacked<S>(
  input: Tensor,
  options: StackedOptions<S>,
): { output: Tensor; states: S[] } {
  const D = options.bidirectional ? 2 : 1;
  const states: S[] = [];
  let x = input;
  for (let layer = 0; layer < options.numLayers; layer++) {
    if (layer > 0 && options.dropout) {
      x = dropout(x, options.dropout, { training: options.training ?? true });
    }
    const outputs: Tensor[] = [];
    for (let dir = 0 as 0 | 1; dir < D; dir = (dir + 1) as 0 | 1) {
      const src = dir === 0 ? x : reversePadded(x, options.lengths);
      const r = options.run(layer, dir, src, options.initialState?.(layer, dir), options.lengths);
      outputs.push(dir === 0 ? r.output : reversePadded(r.output, options.lengths));
      states.push(r.state);
    }
    x = D === 1 ? outputs[0] : concatLast(outputs);
  }
  return { output: x, states };
}

function concatLast(ts: Tensor[]): Tensor {
  // stack on a new last axis then merge: (T, B, H, 2) would interleave, so stack on axis 2
  // ((T, B, 2, H)) and merge the last two axes: [forward | backward], as PyTorch.
  const s = stack(ts, 2);
  return reshape(s, [s.shape[0], s.shape[1], s.shape[2] * s.shape[3]]);
}
