import { optim, type Tensor } from '@scratchseq/gpu';

/**
 * Gradient clipping for BPTT (Pascanu, Mikolov & Bengio 2013: rescale when the global norm
 * explodes). Re-exported from `@scratchseq/gpu`'s optim so RNN training loops import one place:
 * by global norm (returns the pre-clip norm as a device scalar) and by value.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  return optim.clipGradNorm(params, maxNorm, normType);
}

export function clipGradValue(params: Iterable<Tensor>, value: number): void {
  optim.clipGradValue(params, value);
}
