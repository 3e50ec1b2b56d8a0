import {
  type Device,
  getDevice,
  keep,
  reshape,
  scope,
  slice,
  type Tensor,
  tensor,
} from '@scratchseq/gpu';

/**
 * Truncated backpropagation through time (Williams & Peng 1990; the "stateful" training of
 * Elman/Mikolov-style language models): a long stream is cut into chunks; the state carried
 * from one chunk into the next keeps its values but is detached from the graph, so each
 * backward pass stops at the chunk boundary while the forward pass sees the whole history.
 * Generic in the state: a tensor, an [h, c] pair, any nested arrays/objects of tensors.
 */

/** Every tensor in `state` replaced by a detached view (same values, no graph). */
export function detachState<S>(state: S): S {
  return mapTensors(state, (t) => t.detach());
}

/** Disposes every tensor in `state`. */
export function disposeState(state: unknown): void {
  mapTensors(state, (t) => {
    t.dispose();
    return t;
  });
}

function mapTensors<S>(state: S, f: (t: Tensor) => Tensor): S {
  if (state === null || state === undefined) return state;
  if (typeof state === 'object' && 'detach' in (state as object) && 'shape' in (state as object)) {
    return f(state as unknown as Tensor) as unknown as S;
  }
  if (Array.isArray(state)) return state.map((s) => mapTensors(s, f)) as unknown as S;
  if (typeof state === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state as object)) out[k] = mapTensors(v, f);
    return out as S;
  }
  return state;
}

/**
 * Holds the state carried between chunks. `carry(next)` detaches `next`, keeps it alive
 * across `scope()` exits and frees the previous one, so a training loop written as
 * `scope(() => { ...; carrier.carry(state) })` holds flat memory.
 */
export class StateCarrier<S> {
  private current: S | undefined;

  constructor(initial?: S) {
    this.current = initial === undefined ? undefined : this.adopt(initial);
  }

  /** The detached state to feed the next chunk (undefined at the start: the model's zeros). */
  get state(): S | undefined {
    return this.current;
  }

  carry(next: S): void {
    const old = this.current;
    this.current = this.adopt(next);
    if (old !== undefined) disposeState(old);
  }

  /** Forgets the state (e.g. at a document boundary). */
  reset(): void {
    if (this.current !== undefined) disposeState(this.current);
    this.current = undefined;
  }

  private adopt(s: S): S {
    return mapTensors(s, (t) => keep(t.detach()));
  }
}

/**
 * Lays a token stream out as B parallel columns (T_total, B), as PyTorch's word-language-model
 * example does: column b is the b-th contiguous stretch, so reading the rows chunk by chunk
 * continues every column where the last chunk stopped. The tail that does not fill a row is
 * dropped.
 */
export function batchifyStream(
  tokens: ArrayLike<number>,
  batchSize: number,
  options: { device?: Device } = {},
): Tensor {
  const rows = Math.floor(tokens.length / batchSize);
  if (rows < 2) {
    throw new Error(
      `batchifyStream: ${tokens.length} tokens are too few for ${batchSize} columns; use a smaller batchSize`,
    );
  }
  const data = new Int32Array(rows * batchSize);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < rows; t++) data[t * batchSize + b] = tokens[b * rows + t];
  }
  return tensor(data, { shape: [rows, batchSize], device: options.device ?? getDevice() });
}

export interface TbpttChunk {
  /** Index of the chunk in the stream. */
  index: number;
  /** (L, B, ...) inputs: rows [start, start + L) of the stream. */
  inputs: Tensor;
  /** (L, B, ...) next-step targets: rows [start + 1, start + L + 1). */
  targets: Tensor;
}

export interface TruncatedBpttOptions<S> {
  /** (T_total, B, ...) time-major stream, e.g. from `batchifyStream`. */
  stream: Tensor;
  /** Steps per chunk: the truncation length k of TBPTT(k, k). */
  chunkLength: number;
  /** State before the first chunk (undefined: the model's zeros). */
  initialState?: S;
  /**
   * One training step on a chunk: forward from `state`, backward, optimizer step; returns the
   * loss (a scalar tensor) and the chunk's final state, which is detached before the next chunk.
   */
  step: (chunk: TbpttChunk, state: S | undefined) => { loss: Tensor; state: S };
  /** Called after each chunk with the chunk's loss (read back), for progress. */
  onChunk?: (info: { index: number; chunks: number; loss: number }) => void;
}

/**
 * Runs one pass of truncated BPTT over a long stream; returns the per-chunk losses and the
 * final (detached) state so that the next epoch or evaluation can continue from it.
 * Each chunk runs in its own `scope`, so memory stays flat over any stream length.
 */
export async function truncatedBPTT<S>(
  options: TruncatedBpttOptions<S>,
): Promise<{ losses: number[]; state: S | undefined }> {
  const { stream, chunkLength } = options;
  if (!Number.isInteger(chunkLength) || chunkLength < 1) {
    throw new Error(`truncatedBPTT: chunkLength must be a positive integer, got ${chunkLength}`);
  }
  const total = stream.shape[0] - 1; // the last row is only a target
  const chunks = Math.ceil(total / chunkLength);
  const carrier = new StateCarrier<S>(options.initialState);
  const losses: number[] = [];
  for (let index = 0; index < chunks; index++) {
    const start = index * chunkLength;
    const L = Math.min(chunkLength, total - start);
    const loss = scope(() => {
      const inputs = slice(stream, 0, start, start + L);
      const targets = slice(stream, 0, start + 1, start + L + 1);
      const r = options.step({ index, inputs, targets }, carrier.state);
      carrier.carry(r.state);
      return reshape(r.loss.detach(), []);
    });
    const value = await loss.item();
    loss.dispose();
    losses.push(value);
    options.onChunk?.({ index, chunks, loss: value });
  }
  return { losses, state: carrier.state };
}
