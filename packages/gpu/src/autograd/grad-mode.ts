import type { GradFn, Tensor } from '../tensor.js';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording operations for autograd (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    const result = fn();
    if (result instanceof Promise) {
      // Restore only after the async body finishes.
      return result.finally(() => {
        gradEnabled = saved;
      }) as T;
    }
    gradEnabled = saved;
    return result;
  } catch (e) {
    gradEnabled = saved;
    throw e;
  }
}

/**
 * Attaches a backward rule to `out` when recording is on and any input needs a gradient.
 * Every differentiable op calls this right after computing its forward result.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: Tensor[],
  backward: GradFn['backward'],
): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}
