import { record } from './autograd/grad-mode.js';
import { assign, full as fullOf } from './kernels/elementwise/arith.js';
import { elementwise } from './kernels/elementwise/elementwise.js';
import { sum } from './kernels/reduce/reduce.js';
import {
  contiguousStrides,
  inferShape,
  normalizeAxis,
  type Shape,
  sameShape,
  shapeToString,
  sizeOf,
} from './shape.js';
import type { Tensor } from './tensor.js';

/** A contiguous tensor with the same elements; returns `x` itself if already contiguous (unless `copy`). */
export function contiguous(x: Tensor, copy = false): Tensor {
  if (x.isContiguous && !copy) return x;
  const out = elementwise('copy', [x]);
  return record(out, 'contiguous', [x], (g) => [g]);
}

/** `contiguous`, with the offset a multiple of 4 elements (for kernels that read vec4s). */
export function contiguousVec4(x: Tensor): Tensor {
  const c = contiguous(x);
  return c.offset % 4 === 0 ? c : contiguous(c, true);
}

/** `contiguous` at offset 0 (for kernels that index a binding from its start). */
export function contiguousAtZero(x: Tensor): Tensor {
  return x.isContiguous && x.offset === 0 ? x : contiguous(x, true);
}

/** Same elements, new shape (one dimension may be -1). A view when the layout allows, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, x.size);
  if (sameShape(target, x.shape)) return x;
  const base = x.isContiguous ? x : contiguous(x);
  const out = base.view(target, contiguousStrides(target), base.offset);
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  const s = normalizeAxis(startAxis, x.rank);
  const e = normalizeAxis(endAxis, x.rank);
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Reorders dimensions (a view). */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  const axes = order.map((a) => normalizeAxis(a, x.rank));
  if (axes.length !== x.rank || new Set(axes).size !== x.rank) {
    throw new Error(`permute: ${JSON.stringify(order)} is not a permutation of ${x.rank} axes`);
  }
  const out = x.view(
    axes.map((a) => x.shape[a]),
    axes.map((a) => x.strides[a]),
    x.offset,
  );
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => {
    inverse[a] = i;
  });
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dimensions (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a = normalizeAxis(axis0, x.rank);
  const b = normalizeAxis(axis1, x.rank);
  const order = Array.from({ length: x.rank }, (_, i) => i);
  order[a] = b;
  order[b] = a;
  return permute(x, order);
}

/** Broadcasts to `shape` without copying (stride 0 along expanded dims). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.rank;
  if (lead < 0)
    throw new Error(
      `expand: cannot expand ${shapeToString(x.shape)} to fewer dims ${shapeToString(shape)}`,
    );
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    const own = x.shape[i - lead];
    if (own === d) return x.strides[i - lead];
    if (own === 1) return 0;
    throw new Error(
      `expand: dimension ${i} of ${shapeToString(x.shape)} is ${own}; only size-1 dims can expand to ${d}`,
    );
  });
  if (sameShape(shape, x.shape)) return x;
  const out = x.view(shape, strides, x.offset);
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const reduced = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(reduced, shape);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normalizeAxis(axis, x.rank);
  if (x.shape[a] !== 1) throw new Error(`squeeze: dimension ${axis} has size ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/**
 * A strided window along one axis: elements start, start + step, ... < end (a view).
 * Negative start/end count from the end, as in Python.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const dim = x.shape[a];
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`slice: step must be a positive integer, got ${step}`);
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + dim : i, 0), dim);
  const s = clampIdx(start);
  const e = clampIdx(end ?? dim);
  const length = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  shape[a] = length;
  const strides = [...x.strides];
  strides[a] *= step;
  const out = x.view(shape, strides, x.offset + s * x.strides[a]);
  return record(out, 'slice', [x], (g) => [sliceBackward(g, x.shape, a, s, step)]);
}

/** Scatters a slice's gradient into zeros of the input's shape. */
function sliceBackward(g: Tensor, shape: Shape, axis: number, start: number, step: number): Tensor {
  const full = fullOf(shape, 0, { dtype: g.dtype, device: g.device });
  const window = full.view(
    g.shape,
    full.strides.map((s, i) => (i === axis ? s * step : s)),
    start * full.strides[axis],
  );
  assign(window, g);
  window.dispose();
  return full;
}
