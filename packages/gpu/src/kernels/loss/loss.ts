import { record } from '../../autograd/grad-mode.js';
import { f32Bits } from '../../dtype.js';
import { sameShape, shapeToString, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import {
  abs,
  add,
  cast,
  div,
  exp,
  log,
  mul,
  ne,
  neg,
  relu,
  square,
  sub,
} from '../elementwise/arith.js';
import { mean, sum } from '../reduce/reduce.js';
import {
  type ClassLossLayout,
  classLossBackwardReference,
  classLossBackwardWGSL,
  classLossReference,
  classLossWGSL,
  LOSS_WORKGROUP,
} from './loss.wgsl.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ClassLossOptions {
  /** Targets equal to this contribute no loss and no gradient (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target becomes (1 − ε)·onehot + ε / C (default 0). */
  labelSmoothing?: number;
  /** 'mean' (default) divides by the number of non-ignored targets. */
  reduction?: Reduction;
}

const layoutParams = (l: ClassLossLayout): number[] => [
  l.rows,
  l.c,
  l.inner,
  l.offX,
  l.offT,
  l.offG,
  l.ignore >>> 0,
  f32Bits(l.smoothing),
  l.fromLogits ? 1 : 0,
  f32Bits(Number.NaN),
  f32Bits(-Infinity),
];

/** Per-target loss (the 'none' reduction) with its fused backward. */
function classLoss(
  op: string,
  x: Tensor,
  target: Tensor,
  options: ClassLossOptions,
  fromLogits: boolean,
): Tensor {
  requireFloat(op, x);
  sameDevice(op, [x, target]);
  if (target.dtype !== 'i32')
    throw new Error(
      `${op}: target must hold i32 class indices, got ${target.dtype}; convert with cast(t, 'i32')`,
    );
  const expected = [x.shape[0], ...x.shape.slice(2)];
  if (x.rank < 2 || !sameShape(target.shape, expected))
    throw new Error(
      `${op}: expected input (N, C) or (N, C, d1, ...) and target (N) or (N, d1, ...), got ${shapeToString(x.shape)} and ${shapeToString(target.shape)}`,
    );
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1))
    throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const src = contiguous(x);
  const tgt = contiguous(target);
  const layout: ClassLossLayout = {
    rows: target.size,
    c: x.shape[1],
    inner: sizeOf(x.shape.slice(2)),
    offX: src.offset,
    offT: tgt.offset,
    offG: 0,
    ignore: options.ignoreIndex ?? -100,
    smoothing,
    fromLogits,
  };
  const out = empty(target.shape, { device: x.device });
  const lse = empty([Math.max(layout.rows, 1)], { device: x.device });
  if (out.size > 0) {
    onBackend(
      out,
      () => classLossReference(layout, cpuData(src), cpuData(tgt), cpuData(out), cpuData(lse)),
      () => ({
        key: 'loss:class',
        code: classLossWGSL,
        buffers: [src.storage, tgt.storage, out.storage, lse.storage],
        writes: [2, 3],
        params: layoutParams(layout),
        workgroups: layout.rows,
      }),
    );
  }
  record(out, op, [x], (g) => {
    const gc = contiguous(g);
    const gl = { ...layout, offG: gc.offset };
    const dx = empty(x.shape, { device: x.device });
    if (dx.size > 0) {
      onBackend(
        dx,
        () =>
          classLossBackwardReference(
            gl,
            cpuData(src),
            cpuData(tgt),
            cpuData(gc),
            cpuData(lse),
            cpuData(dx),
          ),
        () => ({
          key: 'loss:class-backward',
          code: classLossBackwardWGSL,
          buffers: [src.storage, tgt.storage, gc.storage, lse.storage, dx.storage],
          params: layoutParams(gl),
          workgroups: Math.ceil(dx.size / LOSS_WORKGROUP),
        }),
      );
    }
    return [dx];
  });
  if (!out.requiresGrad) {
    lse.dispose();
    if (src !== x) src.dispose();
    if (tgt !== target) tgt.dispose();
  }
  return out;
}

/** 'mean' over non-ignored targets (PyTorch's rule without class weights; all ignored → NaN). */
function reduceClassLoss(perTarget: Tensor, target: Tensor, options: ClassLossOptions): Tensor {
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none') return perTarget;
  const total = sum(perTarget);
  if (reduction === 'sum') return total;
  const count = sum(cast(ne(target, options.ignoreIndex ?? -100), 'f32'));
  return div(total, count);
}

/**
 * Cross-entropy from unnormalized logits (torch.nn.functional.cross_entropy with class-index
 * targets): logits (N, C) or (N, C, d1, ...), i32 target (N) or (N, d1, ...). Fused with
 * log-softmax: one workgroup per target computes logsumexp and the loss; the backward kernel
 * writes g · (softmax − smoothed one-hot), zero for ignored targets.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: ClassLossOptions = {},
): Tensor {
  return reduceClassLoss(classLoss('crossEntropy', logits, target, options, true), target, options);
}

/**
 * Negative log-likelihood of log-probabilities (torch.nn.functional.nll_loss), same layout and
 * options as crossEntropy; `labelSmoothing` applies the same smoothed target, so
 * nllLoss(logSoftmax(x, 1), t, o) equals crossEntropy(x, t, o).
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: ClassLossOptions = {}): Tensor {
  return reduceClassLoss(classLoss('nllLoss', logProbs, target, options, false), target, options);
}

function reduceElementwise(op: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  if (reduction === 'mean') return mean(loss);
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
}

function sameShapes(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape))
    throw new Error(
      `${op}: input ${shapeToString(a.shape)} and target ${shapeToString(b.shape)} must have the same shape`,
    );
}

/** Mean squared error (torch.nn.functional.mse_loss): (input − target)², reduced. */
export function mseLoss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction } = {},
): Tensor {
  sameShapes('mseLoss', input, target);
  return reduceElementwise('mseLoss', square(sub(input, target)), options.reduction);
}

/**
 * Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits), in
 * the overflow-free form
 *   ℓ = (1 − y) x + (1 + (p − 1) y) · (log(1 + e^(−|x|)) + max(−x, 0))
 * where the second factor is softplus(−x) = −log σ(x) and p is `posWeight` (broadcast
 * against the last dims, e.g. one weight per class).
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor,
  options: { posWeight?: Tensor; reduction?: Reduction } = {},
): Tensor {
  requireFloat('binaryCrossEntropyWithLogits', logits);
  sameShapes('binaryCrossEntropyWithLogits', logits, targets);
  const softplusNeg = add(log(add(exp(neg(abs(logits))), 1)), relu(neg(logits)));
  const weight = options.posWeight ? add(mul(sub(options.posWeight, 1), targets), 1) : null;
  const loss = add(mul(sub(1, targets), logits), weight ? mul(weight, softplusNeg) : softplusNeg);
  return reduceElementwise('binaryCrossEntropyWithLogits', loss, options.reduction);
}
