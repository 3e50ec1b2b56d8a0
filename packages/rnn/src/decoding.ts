import type { NextTokenModel, StepOutput } from '@scratchseq/decoding';
import {
  type Device,
  indexSelect,
  noGrad,
  reshape,
  scope,
  slice,
  type Tensor,
  tensor,
} from '@scratchseq/gpu';

/**
 * A recurrent state: one tensor, or an array or plain object of tensors (LSTM's `{ h, c }`),
 * each with the batch on axis 1 as PyTorch lays it out: (layers · directions, B, H). Typed as
 * `object` so that interfaces such as `LSTMState` fit; the adapter checks it at run time.
 */
export type RecurrentState = Tensor | readonly Tensor[] | object;

/**
 * What the decoding adapter needs from a recurrent language model (e.g. Embedding → RNN/LSTM/GRU
 * → Linear): token ids (T, B) int32 and the state after the previous tokens (undefined = the
 * model's initial state) in; logits (T, B, V) and the state after the last token out.
 */
export interface RecurrentLanguageModel<S extends RecurrentState> {
  readonly vocabSize: number;
  forward(ids: Tensor, state: S | undefined): { logits: Tensor; state: S };
}

/** One hypothesis: a row of a batched state that the adapter shares across the batch. */
export interface RecurrentDecodeState<S extends RecurrentState> {
  batch: BatchState<S>;
  row: number;
}

interface BatchState<S> {
  state: S;
  size: number;
}

/** A `NextTokenModel` over a recurrent LM that also frees the states it holds. */
export interface RecurrentNextTokenModel<S extends RecurrentState>
  extends NextTokenModel<RecurrentDecodeState<S>> {
  /** Frees every state this adapter still holds; call it when decoding is done. */
  dispose(): void;
}

function mapState<S extends RecurrentState>(state: S, fn: (t: Tensor) => Tensor): S {
  if (isTensor(state)) return fn(state) as S;
  if (Array.isArray(state)) return state.map(fn) as unknown as S;
  return Object.fromEntries(
    Object.entries(state as Record<string, Tensor>).map(([k, t]) => [k, fn(checked(t, k))]),
  ) as S;
}

function tensorsOf(state: RecurrentState): Tensor[] {
  if (isTensor(state)) return [state];
  return Array.isArray(state) ? [...state] : Object.values(state as Record<string, Tensor>);
}

function checked(t: unknown, name: string): Tensor {
  if (!isTensor(t)) {
    throw new Error(
      `recurrentNextTokenModel: state.${name} is not a tensor; a state must be a tensor, an array of tensors or an object of tensors`,
    );
  }
  return t;
}

function isTensor(x: unknown): x is Tensor {
  return typeof (x as Tensor)?.dispose === 'function' && Array.isArray((x as Tensor).shape);
}

/**
 * Adapts a recurrent language model to `@scratchseq/decoding` (greedy, sample, beamSearch…).
 * `start` runs the prompt through the model; each `step` feeds one token per hypothesis as a
 * batch of one time step; `reorderStates` gathers state rows for the new batch (a repeated row
 * is a copy, so forked beams never share a state). Scores are returned as device logits (B, V),
 * so decoding samples large vocabularies on the device.
 */
export function recurrentNextTokenModel<S extends RecurrentState>(
  model: RecurrentLanguageModel<S>,
  options: { device?: Device } = {},
): RecurrentNextTokenModel<S> {
  const { vocabSize } = model;
  const live = new Set<BatchState<S>>();
  // Token ids go to the model's device: the option, else its first parameter's, else the default.
  const device =
    options.device ??
    (model as unknown as { parameters?: () => Tensor[] }).parameters?.()[0]?.device;

  const hold = (state: S, size: number): BatchState<S> => {
    const batch = { state, size };
    live.add(batch);
    return batch;
  };
  const free = (batch: BatchState<S>) => {
    if (!live.delete(batch)) return;
    for (const t of tensorsOf(batch.state)) t.dispose();
  };

  /** Runs ids (T, B) from `state` and returns the last step's logits (B, V) and the new state. */
  function advance(rows: number[][], from: S | undefined): StepOutput<RecurrentDecodeState<S>> {
    const B = rows.length;
    const T = rows[0].length;
    const ids = Int32Array.from({ length: T * B }, (_, i) => rows[i % B][Math.floor(i / B)]);
    const { scores, state } = noGrad(() =>
      scope(() => {
        const x = tensor(ids, { shape: [T, B], dtype: 'i32', device });
        const out = model.forward(x, from);
        const last = reshape(slice(out.logits, 0, T - 1, T), [B, vocabSize]);
        return { scores: last, state: out.state };
      }),
    );
    const batch = hold(state, B);
    return {
      scores,
      kind: 'logits',
      states: Array.from({ length: B }, (_, row) => ({ batch, row })),
    };
  }

  /** A new batched state holding the rows of `states`, in order (repeated rows are copies). */
  function gatherRows(states: readonly RecurrentDecodeState<S>[]): S {
    const batch = states[0].batch;
    if (states.some((s) => s.batch !== batch)) {
      throw new Error(
        'recurrentNextTokenModel: states come from different batches; pass the states this adapter returned',
      );
    }
    const rows = tensor(
      Int32Array.from(states, (s) => s.row),
      { dtype: 'i32', device },
    );
    const state = noGrad(() => mapState(batch.state, (t) => indexSelect(t, 1, rows)));
    rows.dispose();
    return state;
  }

  const inOrder = (states: readonly RecurrentDecodeState<S>[]) =>
    states[0].batch.size === states.length &&
    states.every((s, i) => s.batch === states[0].batch && s.row === i);

  return {
    vocabSize,

    start(prompt) {
      if (prompt.length === 0) {
        throw new Error(
          'recurrentNextTokenModel: the prompt is empty; start from at least one token (e.g. a BOS or newline id)',
        );
      }
      for (const id of prompt) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new Error(
            `recurrentNextTokenModel: prompt token ${id} is outside [0, ${vocabSize})`,
          );
        }
      }
      return advance([[...prompt]], undefined);
    },

    step(lastTokens, states) {
      const gathered = !inOrder(states);
      const state = gathered ? gatherRows(states) : states[0].batch.state;
      const out = advance(
        Array.from(lastTokens, (t) => [t]),
        state,
      );
      if (gathered) for (const t of tensorsOf(state)) t.dispose();
      // Decoding never touches the previous states again (NextTokenModel's contract).
      for (const old of new Set(states.map((s) => s.batch))) free(old);
      return out;
    },

    reorderStates(states, indices) {
      const picked = Array.from(indices, (i) => states[i]);
      const next = picked.length > 0 ? hold(gatherRows(picked), picked.length) : undefined;
      for (const old of new Set(states.map((s) => s.batch))) free(old);
      return next ? Array.from({ length: next.size }, (_, row) => ({ batch: next, row })) : [];
    },

    dispose() {
      for (const batch of [...live]) free(batch);
    },
  };
}
