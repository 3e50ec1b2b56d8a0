import { noGrad } from '../autograd/grad-mode.js';
import { clamp, full } from '../kernels/elementwise/arith.js';
import { gradNormClip } from '../kernels/optim/optim.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales all gradients together so that their global p-norm is at most `maxNorm`
 * (torch.nn.utils.clip_grad_norm_: coefficient min(1, maxNorm / (norm + 1e-6))), in place.
 * Returns the norm before clipping as a scalar tensor, still on the device: the loop does not
 * wait for it; `await norm.item()` when you want the number. Parameters without a gradient
 * are skipped. `normType` may be any p > 0 or Infinity; `maxNorm = Infinity` only measures. Passes: one partial reduction per
 * gradient, one finalize, one in-place scale per gradient; nothing is read back.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be ≥ 0, got ${maxNorm}`);
  const list = [...params];
  const grads = list.flatMap((p) => (p.grad ? [p.grad] : []));
  // As PyTorch: no gradients at all is a norm of 0, not an error.
  if (grads.length === 0 && list.length > 0) return full([], 0, { device: list[0].device });
  const both = gradNormClip(grads, maxNorm, normType);
  const norm = both.view([], [], both.offset);
  both.dispose();
  return norm;
}

/** Clamps every gradient elementwise to [−value, value] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: Iterable<Tensor>, value: number): void {
  if (!(value >= 0)) throw new Error(`clipGradValue: value must be ≥ 0, got ${value}`);
  noGrad(() => {
    for (const p of params) {
      if (!p.grad) continue;
      const clipped = keep(clamp(p.grad, -value, value));
      p.grad.dispose();
      p.grad = clipped;
    }
  });
}
