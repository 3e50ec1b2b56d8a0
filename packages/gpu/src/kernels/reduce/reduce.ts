import { record } from '../../autograd/grad-mode.js';
import { f32Bits } from '../../dtype.js';
import { normalizeAxes, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, expand, reshape } from '../../views.js';
import { cpuData, onBackend, requireFloat } from '../common.js';
import { cast, div, eq, exp, mul, sub, where } from '../elementwise/arith.js';
import {
  REDUCE_LANE_WORKGROUP,
  type ReduceOp,
  reduceReference,
  reduceWGSL,
} from './reduce.wgsl.js';

type Axes = number | readonly number[];

/**
 * Reduces the contiguous run of axes [first, last] of `x` in one kernel: the input is
 * viewed as (outer, R, inner). Returns the result with those axes removed.
 */
function reduceRun(op: ReduceOp, x: Tensor, first: number, last: number, scale: number): Tensor {
  const src = contiguous(x);
  const outer = sizeOf(src.shape.slice(0, first));
  const r = sizeOf(src.shape.slice(first, last + 1));
  const inner = sizeOf(src.shape.slice(last + 1));
  const outShape = [...src.shape.slice(0, first), ...src.shape.slice(last + 1)];
  const isArg = op === 'argmax' || op === 'argmin';
  const out = empty(outShape, { dtype: isArg ? 'i32' : 'f32', device: x.device });
  if (out.size > 0 && r === 0 && !isArg) throw new Error(`${op}: cannot reduce over an empty axis`);
  onBackend(
    out,
    () => reduceReference(op, cpuData(src), src.offset, outer, r, inner, scale, cpuData(out)),
    (backend) => {
      // Software adapters (lavapipe): one invocation per output walks its row, no barriers,
      // once there are enough outputs to keep the threads busy.
      const perLane = backend.softwareAdapter && outer * inner >= 256;
      const variant = inner === 1 && r >= 64 && !perLane ? 'row' : 'lanes';
      return {
        key: `reduce:${op}:${variant}`,
        code: () => reduceWGSL(op, variant, isArg ? 'i32' : 'f32'),
        buffers: [src.storage, out.storage],
        params: [
          outer,
          r,
          inner,
          src.offset,
          f32Bits(scale),
          f32Bits(-Infinity),
          f32Bits(Infinity),
        ],
        workgroups: variant === 'row' ? outer : Math.ceil((outer * inner) / REDUCE_LANE_WORKGROUP),
      };
    },
  );
  if (src !== x) src.dispose();
  return out;
}

/**
 * Reduces over `axes` (all by default). Adjacent axes reduce in one pass; separated ones in
 * turn, from the last. Not differentiable by itself: the public ops add the derivative.
 */
function reduce(
  op: ReduceOp,
  x: Tensor,
  axes: Axes | undefined,
  keepdim: boolean,
  scale = 1,
): Tensor {
  requireFloat(op, x);
  const list = normalizeAxes(axes, x.rank);
  let y = x;
  let remaining = [...list];
  let firstPass = true;
  while (remaining.length > 0) {
    // Take the trailing run of consecutive axes.
    let start = remaining.length - 1;
    while (start > 0 && remaining[start - 1] === remaining[start] - 1) start--;
    const run = remaining.slice(start);
    remaining = remaining.slice(0, start);
    const next = reduceRun(op, y, run[0], run[run.length - 1], firstPass ? scale : 1);
    if (y !== x) y.dispose();
    y = next;
    firstPass = false;
  }
  if (list.length === 0) y = contiguous(x, true);
  if (keepdim) {
    const shape = x.shape.map((d, i) => (list.includes(i) ? 1 : d));
    const kept = reshape(y, shape);
    if (kept !== y) y.dispose();
    return kept;
  }
  return y;
}

/** Shape of `x` with `axes` set to 1 (the keepdim shape), for broadcasting gradients back. */
function keptShape(x: Tensor, axes: Axes | undefined): number[] {
  const list = normalizeAxes(axes, x.rank);
  return x.shape.map((d, i) => (list.includes(i) ? 1 : d));
}

export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const out = reduce('sum', x, axes, keepdim);
  return record(out, 'sum', [x], (g) => [expand(reshape(g, keptShape(x, axes)), x.shape)]);
}

export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const list = normalizeAxes(axes, x.rank);
  const count = list.reduce((p, a) => p * x.shape[a], 1);
  const out = reduce('sum', x, list, keepdim, 1 / count);
  return record(out, 'mean', [x], (g) => [
    expand(mul(reshape(g, keptShape(x, list)), 1 / count), x.shape),
  ]);
}

/** max / min: the gradient is shared equally among tied extrema (as PyTorch's amax). */
function extremum(op: 'max' | 'min', x: Tensor, axes: Axes | undefined, keepdim: boolean): Tensor {
  const out = reduce(op, x, axes, keepdim);
  return record(out, op, [x], (g) => {
    const shape = keptShape(x, axes);
    const hits = cast(eq(x, reshape(out, shape)), 'f32');
    const ties = reduce('sum', hits, axes, true);
    return [mul(hits, div(reshape(g, shape), ties))];
  });
}

export function max(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return extremum('max', x, axes, keepdim);
}

export function min(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return extremum('min', x, axes, keepdim);
}

/** Index (i32) of the largest element along `axis`; the first one on ties. */
export function argmax(x: Tensor, axis = -1, keepdim = false): Tensor {
  return reduce('argmax', x, [axis], keepdim);
}

export function argmin(x: Tensor, axis = -1, keepdim = false): Tensor {
  return reduce('argmin', x, [axis], keepdim);
}

/** log Σ exp(x) along `axes`, computed stably; rows of all -inf give -inf. */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const out = reduce('logsumexp', x, axes, keepdim);
  return record(out, 'logsumexp', [x], (g) => {
    const shape = keptShape(x, axes);
    // d lse / dx = softmax(x) = exp(x - lse); a -inf row contributes nothing.
    const weights = exp(sub(x, reshape(out, shape)));
    return [where(eq(weights, weights), mul(weights, reshape(g, shape)), 0)];
  });
}
