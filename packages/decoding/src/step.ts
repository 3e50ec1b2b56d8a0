/** Calling the model: shape checks, state reordering and score normalization. */
import type { DeviceScores, NextTokenModel, StepOutput } from './interface.js';

/** A step output whose scores are on the host. */
export interface HostStepOutput<S> extends StepOutput<S> {
  scores: Float32Array;
}

/** Whether scores are a device tensor (duck-typed, so any copy of @scratchseq/gpu works). */
export function isDeviceScores(scores: unknown): scores is DeviceScores {
  const t = scores as DeviceScores | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    Array.isArray(t.shape) &&
    typeof t.toArray === 'function' &&
    typeof t.dispose === 'function'
  );
}

/** Reads device scores back (and frees them); host scores pass through. */
export async function toHost<S>(output: StepOutput<S>): Promise<HostStepOutput<S>> {
  if (!isDeviceScores(output.scores)) return output as HostStepOutput<S>;
  const device = output.scores;
  const scores = Float32Array.from(await device.toArray());
  device.dispose();
  return { ...output, scores };
}

export function checkStepOutput<S>(
  output: StepOutput<S>,
  batch: number,
  vocabSize: number,
  call: string,
): void {
  if (isDeviceScores(output.scores)) {
    const { shape, dtype } = output.scores;
    if (dtype !== 'f32' || shape.length !== 2 || shape[0] !== batch || shape[1] !== vocabSize) {
      throw new Error(
        `${call} returned a device tensor of ${dtype} (${shape.join(', ')}), expected f32 (${batch}, ${vocabSize}); return one row of vocabSize scores per hypothesis`,
      );
    }
  } else if (!(output.scores instanceof Float32Array)) {
    throw new Error(
      `${call} must return scores as a Float32Array of shape (batch, vocabSize); wrap your array with new Float32Array(...)`,
    );
  }
  if (!isDeviceScores(output.scores) && output.scores.length !== batch * vocabSize) {
    throw new Error(
      `${call} returned ${output.scores.length} scores, expected shape (${batch}, ${vocabSize}) = ${batch * vocabSize}; return one row of vocabSize scores per hypothesis`,
    );
  }
  if (output.kind !== 'logits' && output.kind !== 'logprobs') {
    throw new Error(`${call} returned kind '${output.kind}'; use 'logits' or 'logprobs'`);
  }
  if (!Array.isArray(output.states) || output.states.length !== batch) {
    throw new Error(
      `${call} returned ${Array.isArray(output.states) ? output.states.length : 'no'} states for a batch of ${batch}; return one state per row`,
    );
  }
}

/** Calls `model.start`; device scores are read back unless `keepOnDevice`. */
export async function startModel<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  keepOnDevice?: false,
): Promise<HostStepOutput<S>>;
export async function startModel<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  keepOnDevice: boolean,
): Promise<StepOutput<S>>;
export async function startModel<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
  keepOnDevice = false,
): Promise<StepOutput<S>> {
  const output = await model.start(prompt);
  checkStepOutput(output, 1, model.vocabSize, 'model.start(prompt)');
  return keepOnDevice ? output : toHost(output);
}

/** Calls `model.step`; device scores are read back unless `keepOnDevice`. */
export async function stepModel<S>(
  model: NextTokenModel<S>,
  lastTokens: Int32Array,
  states: readonly S[],
  sequences: readonly (readonly number[])[],
  keepOnDevice?: false,
): Promise<HostStepOutput<S>>;
export async function stepModel<S>(
  model: NextTokenModel<S>,
  lastTokens: Int32Array,
  states: readonly S[],
  sequences: readonly (readonly number[])[],
  keepOnDevice: boolean,
): Promise<StepOutput<S>>;
export async function stepModel<S>(
  model: NextTokenModel<S>,
  lastTokens: Int32Array,
  states: readonly S[],
  sequences: readonly (readonly number[])[],
  keepOnDevice = false,
): Promise<StepOutput<S>> {
  const output = await model.step(lastTokens, states, sequences);
  checkStepOutput(output, lastTokens.length, model.vocabSize, 'model.step(lastTokens, states)');
  return keepOnDevice ? output : toHost(output);
}

/** Row i of the result continues row `indices[i]` of `states` (see NextTokenModel.reorderStates). */
export async function reorderStates<S>(
  model: NextTokenModel<S>,
  states: readonly S[],
  indices: Int32Array,
): Promise<S[]> {
  if (model.reorderStates) {
    const reordered = await model.reorderStates(states, indices);
    if (reordered.length !== indices.length) {
      throw new Error(
        `model.reorderStates returned ${reordered.length} states for ${indices.length} indices; return one state per index`,
      );
    }
    return reordered;
  }
  return Array.from(indices, (i) => states[i]);
}

/** Row `row` of a (batch, vocab) score matrix, copied to float64 for the CPU math. */
export function copyRow(scores: Float32Array, row: number, vocabSize: number): Float64Array {
  return Float64Array.from(scores.subarray(row * vocabSize, (row + 1) * vocabSize));
}

/** log Σ exp(x) over the finite entries; −∞ when every entry is −∞. */
export function logSumExp(x: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === Number.NEGATIVE_INFINITY) return max;
  if (max === Number.POSITIVE_INFINITY || Number.isNaN(max)) {
    throw new Error(`scores contain ${max}; the model must return finite scores or −Infinity`);
  }
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  return max + Math.log(sum);
}

/** In-place log-softmax. A row that is −∞ everywhere stays −∞ everywhere. */
export function logSoftmaxInPlace(x: Float64Array): Float64Array {
  const lse = logSumExp(x);
  if (lse === Number.NEGATIVE_INFINITY) return x;
  for (let i = 0; i < x.length; i++) x[i] -= lse;
  return x;
}

/** Index of the largest entry; ties go to the lowest index. −1 when every entry is −∞. */
export function argmax(x: ArrayLike<number>): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > bestValue) {
      bestValue = x[i];
      best = i;
    }
  }
  return best;
}
