import { record } from '../../autograd/grad-mode.js';
import type { DType } from '../../dtype.js';
import { empty, type Tensor, type TensorOptions } from '../../tensor.js';
import { sumTo } from '../../views.js';
import { elementwise } from './elementwise.js';

/**
 * Differentiable elementwise ops. Each forward is one kernel; each derivative is stated
 * next to it, in terms of other ops (or a fused derivative kernel where composing would
 * cost several passes).
 */

export type Operand = Tensor | number;

/**
 * A scalar operand as a one-element tensor like `like`. Written by the fill kernel, not an
 * upload: an upload into a pooled buffer that recorded commands still use would force a
 * submit in the middle of a batch (e.g. inside a backward pass).
 */
function scalarLike(like: Tensor, value: number, dtype: DType = like.dtype): Tensor {
  return full([1], value, { dtype, device: like.device });
}

// ---- binary with broadcasting ---------------------------------------------------------------

export function add(a: Operand, b: Operand): Tensor {
  if (typeof a === 'number') return add(b as Tensor, a);
  if (typeof b === 'number') {
    if (a.dtype !== 'f32') return add(a, scalarLike(a, b));
    const out = elementwise('affine', [a], 1, b);
    return record(out, 'add', [a], (g) => [g]);
  }
  const out = elementwise('add', [a, b]);
  return record(out, 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(a: Operand, b: Operand): Tensor {
  if (typeof a === 'number') return add(neg(b as Tensor), a);
  if (typeof b === 'number') return add(a, -b);
  const out = elementwise('sub', [a, b]);
  return record(out, 'sub', [a, b], (g) => [sumTo(g, a.shape), sumTo(neg(g), b.shape)]);
}

export function mul(a: Operand, b: Operand): Tensor {
  if (typeof a === 'number') return mul(b as Tensor, a);
  if (typeof b === 'number') {
    if (a.dtype !== 'f32') return mul(a, scalarLike(a, b));
    const out = elementwise('affine', [a], b, 0);
    return record(out, 'mul', [a], (g) => [mul(g, b)]);
  }
  const out = elementwise('mul', [a, b]);
  return record(out, 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  if (typeof a === 'number') return mul(reciprocal(b as Tensor), a);
  if (typeof b === 'number') return a.dtype === 'f32' ? mul(a, 1 / b) : div(a, scalarLike(a, b));
  const out = elementwise('div', [a, b]);
  return record(out, 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(div(g, b), a.shape) : null,
    // d(a/b)/db = -a/b² = -out/b
    b.requiresGrad ? sumTo(neg(div(mul(g, out), b)), b.shape) : null,
  ]);
}

export function pow(a: Tensor, b: Operand): Tensor {
  if (typeof b === 'number') {
    const odd = Number.isInteger(b) && Math.abs(b % 2) === 1 ? 1 : 0;
    const out = elementwise('powScalar', [a], b, odd);
    return record(out, 'pow', [a], (g) => [mul(g, mul(pow(a, b - 1), b))]);
  }
  const out = elementwise('pow', [a, b]);
  return record(out, 'pow', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, mul(out, log(a))), b.shape) : null,
  ]);
}

/** Elementwise max; the gradient goes to `a` where a ≥ b, else to `b`. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = elementwise('maximum', [a, b]);
  return record(out, 'maximum', [a, b], (g) => {
    const takeA = ge(a, b);
    return [sumTo(where(takeA, g, 0), a.shape), sumTo(where(takeA, 0, g), b.shape)];
  });
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = elementwise('minimum', [a, b]);
  return record(out, 'minimum', [a, b], (g) => {
    const takeA = le(a, b);
    return [sumTo(where(takeA, g, 0), a.shape), sumTo(where(takeA, 0, g), b.shape)];
  });
}

// ---- comparisons (u32 masks, not differentiable) ------------------------------------------------

function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Tensor, b: Operand): Tensor {
  return elementwise(op, [a, typeof b === 'number' ? scalarLike(a, b) : b]);
}
export const eq = (a: Tensor, b: Operand) => compare('eq', a, b);
export const ne = (a: Tensor, b: Operand) => compare('ne', a, b);
export const lt = (a: Tensor, b: Operand) => compare('lt', a, b);
export const le = (a: Tensor, b: Operand) => compare('le', a, b);
export const gt = (a: Tensor, b: Operand) => compare('gt', a, b);
export const ge = (a: Tensor, b: Operand) => compare('ge', a, b);

/** where(cond, x, y): x where cond ≠ 0, else y (broadcasting all three). */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  const like = typeof x === 'number' ? (typeof y === 'number' ? undefined : y) : x;
  const dtype: DType = like?.dtype ?? 'f32';
  const xt = typeof x === 'number' ? scalarLike(cond, x, dtype) : x;
  const yt = typeof y === 'number' ? scalarLike(cond, y, dtype) : y;
  const out = elementwise('where', [cond, xt, yt]);
  return record(out, 'where', [xt, yt], (g) => [
    xt.requiresGrad ? sumTo(where(cond, g, 0), xt.shape) : null,
    yt.requiresGrad ? sumTo(where(cond, 0, g), yt.shape) : null,
  ]);
}

/** Replaces elements where `mask` ≠ 0 with `value` (e.g. -Infinity before a softmax). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

// ---- unary ----------------------------------------------------------------------------------------

export function neg(x: Tensor): Tensor {
  const out = elementwise('neg', [x]);
  return record(out, 'neg', [x], (g) => [neg(g)]);
}

export function abs(x: Tensor): Tensor {
  const out = elementwise('abs', [x]);
  return record(out, 'abs', [x], (g) => [mul(g, sign(x))]);
}

export function sign(x: Tensor): Tensor {
  return elementwise('sign', [x]);
}

export function exp(x: Tensor): Tensor {
  const out = elementwise('exp', [x]);
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  const out = elementwise('log', [x]);
  return record(out, 'log', [x], (g) => [div(g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = elementwise('sqrt', [x]);
  return record(out, 'sqrt', [x], (g) => [div(g, mul(out, 2))]);
}

export function rsqrt(x: Tensor): Tensor {
  const out = elementwise('rsqrt', [x]);
  // d(x^-1/2) = -1/2 x^-3/2 = -out³/2
  return record(out, 'rsqrt', [x], (g) => [mul(g, mul(pow(out, 3), -0.5))]);
}

export function reciprocal(x: Tensor): Tensor {
  const out = elementwise('reciprocal', [x]);
  return record(out, 'reciprocal', [x], (g) => [neg(mul(g, mul(out, out)))]);
}

export function square(x: Tensor): Tensor {
  const out = elementwise('square', [x]);
  return record(out, 'square', [x], (g) => [mul(g, mul(x, 2))]);
}

export function tanh(x: Tensor): Tensor {
  const out = elementwise('tanh', [x]);
  return record(out, 'tanh', [x], (g) => [mul(g, sub(1, mul(out, out)))]);
}

export function sigmoid(x: Tensor): Tensor {
  const out = elementwise('sigmoid', [x]);
  return record(out, 'sigmoid', [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

export function relu(x: Tensor): Tensor {
  const out = elementwise('relu', [x]);
  return record(out, 'relu', [x], (g) => [elementwise('reluGrad', [x, g])]);
}

/** GELU; `approximate: 'tanh'` is GPT-2's form, `'none'` the exact erf form (PyTorch's default). */
export function gelu(x: Tensor, approximate: 'tanh' | 'none' = 'none'): Tensor {
  const forward = approximate === 'tanh' ? 'geluTanh' : 'geluErf';
  const derivative = approximate === 'tanh' ? 'geluTanhGrad' : 'geluErfGrad';
  const out = elementwise(forward, [x]);
  return record(out, 'gelu', [x], (g) => [elementwise(derivative, [x, g])]);
}

/** SiLU (swish), x·σ(x), as torch.nn.functional.silu; one fused kernel each way. */
export function silu(x: Tensor): Tensor {
  const out = elementwise('silu', [x]);
  return record(out, 'silu', [x], (g) => [elementwise('siluGrad', [x, g])]);
}

export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  const out = elementwise('clamp', [x], min, max);
  return record(out, 'clamp', [x], (g) => [elementwise('clampGrad', [x, g], min, max)]);
}

/** Converts the dtype (not differentiable). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return elementwise(dtype === 'f32' ? 'toF32' : dtype === 'i32' ? 'toI32' : 'toU32', [x]);
}

// ---- creation -------------------------------------------------------------------------------------

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  const out = empty(shape, options);
  return elementwise('fill', [], 0, value, out);
}

export const zeros = (shape: readonly number[], options: TensorOptions = {}) =>
  full(shape, 0, options);
export const ones = (shape: readonly number[], options: TensorOptions = {}) =>
  full(shape, 1, options);

export function zerosLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return full(x.shape, 0, { dtype: x.dtype, device: x.device, ...options });
}

export function onesLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return full(x.shape, 1, { dtype: x.dtype, device: x.device, ...options });
}

/** Copies `src` (broadcast) into `dst`, which may be a strided view; returns `dst`. No autograd. */
export function assign(dst: Tensor, src: Tensor): Tensor {
  return elementwise('copy', [src], 0, 0, dst);
}
