/** Calling the model: shape checks, state reordering and score normalization. */
import type { NextTokenModel, StepOutput } from './interface.js';

export function checkStepOutput<S>(
  output: StepOutput<S>,
  batch: number,
  vocabSize: number,
  call: string,
): void {
  if (!(output.scores instanceof Float32Array)) {
    throw new Error(
      `${call} must return scores as a Float32Array of shape (batch, vocabSize); wrap your array with new Float32Array(...)`,
    );
  }
  if (output.scores.length !== batch * vocabSize) {
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

export async function startModel<S>(
  model: NextTokenModel<S>,
  prompt: readonly number[],
): Promise<StepOutput<S>> {
  const output = await model.start(prompt);
  checkStepOutput(output, 1, model.vocabSize, 'model.start(prompt)');
  return output;
}

export async function stepModel<S>(
  model: NextTokenModel<S>,
  lastTokens: Int32Array,
  states: readonly S[],
  sequences: readonly (readonly number[])[],
): Promise<StepOutput<S>> {
  const output = await model.step(lastTokens, states, sequences);
  checkStepOutput(output, lastTokens.length, model.vocabSize, 'model.step(lastTokens, states)');
  return output;
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
