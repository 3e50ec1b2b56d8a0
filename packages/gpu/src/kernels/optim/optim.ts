import type { GpuDispatch } from '../../backend/webgpu.js';
import { f32Bits } from '../../dtype.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { cpuData, onBackend, sameDevice } from '../common.js';
import {
  adamWGSL,
  NORM_PARTIALS_PER_TENSOR,
  normFinalizeWGSL,
  normPartialWGSL,
  OPTIM_WORKGROUP,
  scaleByWGSL,
  sgdWGSL,
} from './optim.wgsl.js';

/**
 * Fused optimizer updates: one kernel per parameter tensor reads the gradient and updates the
 * parameter and its state buffers in place. The CPU references below state the same math
 * element by element. No autograd: these mutate leaves.
 */

function requireDense(op: string, what: string, t: Tensor, like: Tensor): void {
  if (!t.isContiguous || t.dtype !== 'f32' || t.size !== like.size) {
    throw new Error(
      `${op}: ${what} must be a contiguous f32 tensor of ${like.size} elements (shape ${shapeToString(like.shape)}), ` +
        `got ${t.dtype} ${shapeToString(t.shape)}${t.isContiguous ? '' : ' (strided view)'}`,
    );
  }
}

export interface AdamStepArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** True for AdamW's decoupled decay; false adds λθ to the gradient (Adam's L2). */
  decoupled: boolean;
  /** The step number after this update (1 on the first update), for bias correction. */
  step: number;
}

/** One Adam/AdamW update of `param`, `m` and `v` in place. */
export function adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, a: AdamStepArgs): void {
  sameDevice('adamStep', [param, grad, m, v]);
  for (const [what, t] of [
    ['param', param],
    ['grad', grad],
    ['exp_avg', m],
    ['exp_avg_sq', v],
  ] as const) {
    requireDense('adamStep', what, t, param);
  }
  const n = param.size;
  if (n === 0) return;
  // Bias corrections in float64 on the host (Kingma & Ba 2015, §2).
  const stepSize = a.lr / (1 - a.beta1 ** a.step);
  const bc2Sqrt = Math.sqrt(1 - a.beta2 ** a.step);
  onBackend(
    param,
    () => {
      const P = cpuData(param);
      const G = cpuData(grad);
      const M = cpuData(m);
      const V = cpuData(v);
      for (let i = 0; i < n; i++) {
        let theta = P[param.offset + i];
        let g = G[grad.offset + i];
        if (a.decoupled) theta *= 1 - a.lr * a.weightDecay;
        else g += a.weightDecay * theta;
        const mi = M[m.offset + i];
        const m1 = mi + (1 - a.beta1) * (g - mi);
        const v1 = a.beta2 * V[v.offset + i] + (1 - a.beta2) * g * g;
        M[m.offset + i] = m1;
        V[v.offset + i] = v1;
        P[param.offset + i] = theta - (stepSize * m1) / (Math.sqrt(v1) / bc2Sqrt + a.eps);
      }
    },
    () => ({
      key: 'optim:adam',
      code: adamWGSL,
      buffers: [param.storage, grad.storage, m.storage, v.storage],
      writes: [0, 2, 3],
      params: [
        n,
        param.offset,
        grad.offset,
        m.offset,
        v.offset,
        a.decoupled ? 1 : 0,
        f32Bits(a.lr),
        f32Bits(a.beta1),
        f32Bits(a.beta2),
        f32Bits(a.eps),
        f32Bits(a.weightDecay),
        f32Bits(stepSize),
        f32Bits(bc2Sqrt),
      ],
      workgroups: Math.ceil(n / OPTIM_WORKGROUP),
    }),
  );
}

export interface SgdStepArgs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** First update of this parameter: the momentum buffer starts as the gradient (no dampening). */
  first: boolean;
}

/** One SGD update of `param` (and its momentum buffer, when momentum ≠ 0) in place. */
export function sgdStep(param: Tensor, grad: Tensor, buf: Tensor | null, a: SgdStepArgs): void {
  const withMomentum = a.momentum !== 0;
  if (withMomentum && !buf) throw new Error('sgdStep: momentum needs a momentum buffer');
  const all = buf ? [param, grad, buf] : [param, grad];
  sameDevice('sgdStep', all);
  requireDense('sgdStep', 'param', param, param);
  requireDense('sgdStep', 'grad', grad, param);
  if (buf) requireDense('sgdStep', 'momentum_buffer', buf, param);
  const n = param.size;
  if (n === 0) return;
  onBackend(
    param,
    () => {
      const P = cpuData(param);
      const G = cpuData(grad);
      const B = buf ? cpuData(buf) : undefined;
      for (let i = 0; i < n; i++) {
        const theta = P[param.offset + i];
        let d = G[grad.offset + i] + a.weightDecay * theta;
        if (withMomentum) {
          const b = a.first ? d : a.momentum * B![buf!.offset + i] + (1 - a.dampening) * d;
          B![buf!.offset + i] = b;
          d = a.nesterov ? d + a.momentum * b : b;
        }
        P[param.offset + i] = theta - a.lr * d;
      }
    },
    () => ({
      key: `optim:sgd:${withMomentum ? 'momentum' : 'plain'}`,
      code: () => sgdWGSL(withMomentum),
      buffers: buf ? [param.storage, grad.storage, buf.storage] : [param.storage, grad.storage],
      writes: buf ? [0, 2] : [0],
      params: [
        n,
        param.offset,
        grad.offset,
        buf?.offset ?? 0,
        a.first ? 1 : 0,
        a.nesterov ? 1 : 0,
        f32Bits(a.lr),
        f32Bits(a.momentum),
        f32Bits(a.dampening),
        f32Bits(a.weightDecay),
      ],
      workgroups: Math.ceil(n / OPTIM_WORKGROUP),
    }),
  );
}

function normMode(normType: number): { mode: number; q: number } {
  if (normType === Number.POSITIVE_INFINITY) return { mode: 1, q: 0 };
  if (!(normType > 0) || !Number.isFinite(normType)) {
    throw new Error(
      `clipGradNorm: normType must be a positive number or Infinity, got ${normType}`,
    );
  }
  return normType === 2 ? { mode: 0, q: 2 } : { mode: 2, q: normType };
}

/**
 * The global p-norm of `grads` taken together, and (when `maxNorm` is finite) every gradient
 * scaled in place by min(1, maxNorm / (norm + 1e-6)). Returns a 2-element tensor
 * [norm, coefficient]; nothing is read back, so a training loop never waits on it.
 * Passes: one partial-reduction dispatch per gradient, one finalize, one scale per gradient.
 */
export function gradNormClip(grads: Tensor[], maxNorm: number, normType: number): Tensor {
  if (grads.length === 0) throw new Error('clipGradNorm: no gradients (did backward() run?)');
  sameDevice('clipGradNorm', grads);
  for (const g of grads) requireDense('clipGradNorm', 'gradient', g, g);
  const { mode, q } = normMode(normType);
  const out = empty([2], { device: grads[0].device });
  const clip = Number.isFinite(maxNorm);
  onBackend(
    out,
    () => {
      let acc = 0;
      for (const g of grads) {
        const G = cpuData(g);
        for (let i = 0; i < g.size; i++) {
          const a = Math.abs(G[g.offset + i]);
          if (mode === 1) acc = Math.max(acc, a);
          else acc += mode === 0 ? a * a : a ** q;
        }
      }
      const norm = mode === 1 ? acc : mode === 0 ? Math.sqrt(acc) : acc ** (1 / q);
      const coef = Math.min(maxNorm / (norm + 1e-6), 1);
      const O = cpuData(out);
      O[0] = norm;
      O[1] = coef;
      if (!clip || coef >= 1) return;
      for (const g of grads) {
        const G = cpuData(g);
        for (let i = 0; i < g.size; i++) G[g.offset + i] *= coef;
      }
    },
    (backend) => {
      const counts = grads.map((g) =>
        Math.max(1, Math.min(NORM_PARTIALS_PER_TENSOR, Math.ceil(g.size / OPTIM_WORKGROUP))),
      );
      const total = counts.reduce((s, c) => s + c, 0);
      const partials = backend.alloc(total * 4);
      let slot = 0;
      const dispatches: GpuDispatch[] = grads.map((g, k) => {
        const d: GpuDispatch = {
          key: 'optim:normPartial',
          code: normPartialWGSL,
          buffers: [g.storage, partials],
          params: [g.size, g.offset, slot, mode, f32Bits(q)],
          workgroups: counts[k],
        };
        slot += counts[k];
        return d;
      });
      dispatches.push({
        key: 'optim:normFinalize',
        code: normFinalizeWGSL,
        buffers: [partials, out.storage],
        params: [total, mode, f32Bits(q), f32Bits(clip ? maxNorm : 0)],
        workgroups: 1,
      });
      if (clip) {
        for (const g of grads) {
          if (g.size === 0) continue;
          dispatches.push({
            key: 'optim:scaleBy',
            code: scaleByWGSL,
            buffers: [g.storage, out.storage],
            writes: [0],
            params: [g.size, g.offset],
            workgroups: Math.ceil(g.size / OPTIM_WORKGROUP),
          });
        }
      }
      for (const d of dispatches) backend.dispatch(d);
      // Safe to pool now: later users of the buffer run after these commands (queue order).
      backend.release(partials);
      return undefined;
    },
  );
  return out;
}
