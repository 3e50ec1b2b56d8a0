import type { DType } from '../../dtype.js';
import { erf } from '../common.js';

/**
 * Every elementwise primitive, once: its WGSL expression over `a`, `b`, `c` (and the scalar
 * parameters `alpha`, `beta`) next to its CPU reference. Derivatives live with the public
 * ops in `elementwise.ts`.
 */
export interface ElementwiseDef {
  arity: 0 | 1 | 2 | 3;
  wgsl: string;
  cpu: (a: number, b: number, c: number, alpha: number, beta: number) => number;
  /** Output dtype given the inputs' dtypes (default: the first input's). */
  out?: (inputs: DType[]) => DType;
  /** Only meaningful for f32. */
  floatOnly?: boolean;
}

const GELU_K = Math.sqrt(2 / Math.PI); // 0.7978845608...
const tanhClamped = (x: number) => Math.tanh(Math.max(-15, Math.min(15, x)));

function geluTanhGrad(x: number): number {
  const u = GELU_K * (x + 0.044715 * x * x * x);
  const t = tanhClamped(u);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x);
}

function geluErfGrad(x: number): number {
  return 0.5 * (1 + erf(x * Math.SQRT1_2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

const mask = () => 'u32' as const;

const TABLE = {
  /** Writes beta everywhere (filling; no input is read). */
  fill: { arity: 0, wgsl: 'beta', cpu: (_a, _b, _c, _al, be) => be },

  // ---- unary --------------------------------------------------------------------------------
  copy: { arity: 1, wgsl: 'a', cpu: (a) => a },
  neg: { arity: 1, wgsl: '-a', cpu: (a) => -a },
  abs: { arity: 1, wgsl: 'abs(a)', cpu: (a) => Math.abs(a) },
  sign: { arity: 1, wgsl: 'sign(a)', cpu: (a) => Math.sign(a), floatOnly: true },
  exp: { arity: 1, wgsl: 'exp(a)', cpu: (a) => Math.exp(a), floatOnly: true },
  log: { arity: 1, wgsl: 'log(a)', cpu: (a) => Math.log(a), floatOnly: true },
  sqrt: { arity: 1, wgsl: 'sqrt(a)', cpu: (a) => Math.sqrt(a), floatOnly: true },
  rsqrt: { arity: 1, wgsl: 'inverseSqrt(a)', cpu: (a) => 1 / Math.sqrt(a), floatOnly: true },
  reciprocal: { arity: 1, wgsl: '1.0 / a', cpu: (a) => 1 / a, floatOnly: true },
  square: { arity: 1, wgsl: 'a * a', cpu: (a) => a * a },
  // tanh is clamped: some drivers compute it as a ratio of exponentials that overflows to NaN.
  tanh: {
    arity: 1,
    wgsl: 'tanh(clamp(a, -15.0, 15.0))',
    cpu: (a) => tanhClamped(a),
    floatOnly: true,
  },
  sigmoid: {
    arity: 1,
    wgsl: '1.0 / (1.0 + exp(-a))',
    cpu: (a) => 1 / (1 + Math.exp(-a)),
    floatOnly: true,
  },
  relu: { arity: 1, wgsl: 'max(a, 0.0)', cpu: (a) => Math.max(a, 0), floatOnly: true },
  // GELU, tanh approximation (Hendrycks & Gimpel 2016, as GPT-2) and exact (erf) forms.
  geluTanh: {
    arity: 1,
    wgsl: '0.5 * a * (1.0 + tanh(clamp(0.7978845608028654 * (a + 0.044715 * a * a * a), -15.0, 15.0)))',
    cpu: (a) => 0.5 * a * (1 + tanhClamped(GELU_K * (a + 0.044715 * a * a * a))),
    floatOnly: true,
  },
  geluErf: {
    arity: 1,
    wgsl: '0.5 * a * (1.0 + erf_(a * 0.7071067811865476))',
    cpu: (a) => 0.5 * a * (1 + erf(a * Math.SQRT1_2)),
    floatOnly: true,
  },
  // SiLU / swish (Elfwing et al. 2018; Ramachandran et al. 2017): x·σ(x).
  silu: {
    arity: 1,
    wgsl: 'a / (1.0 + exp(-a))',
    cpu: (a) => a / (1 + Math.exp(-a)),
    floatOnly: true,
  },
  /** alpha * a + beta: scalar add/mul/sub without uploading a scalar tensor. */
  affine: {
    arity: 1,
    wgsl: 'a * alpha + beta',
    cpu: (a, _b, _c, al, be) => a * al + be,
    floatOnly: true,
  },
  powScalar: {
    arity: 1,
    // pow() is undefined for negative bases in WGSL; integer exponents keep the sign rule.
    wgsl: 'select(pow(abs(a), alpha) * select(1.0, -1.0, a < 0.0 && beta != 0.0), pow(a, alpha), a >= 0.0)',
    cpu: (a, _b, _c, al) => a ** al,
    floatOnly: true,
  },
  clamp: {
    arity: 1,
    wgsl: 'clamp(a, alpha, beta)',
    cpu: (a, _b, _c, al, be) => Math.min(Math.max(a, al), be),
    floatOnly: true,
  },
  toF32: { arity: 1, wgsl: 'f32(a)', cpu: (a) => a, out: () => 'f32' },
  toI32: { arity: 1, wgsl: 'i32(a)', cpu: (a) => Math.trunc(a), out: () => 'i32' },
  toU32: { arity: 1, wgsl: 'u32(a)', cpu: (a) => Math.max(0, Math.trunc(a)), out: () => 'u32' },

  // ---- binary (broadcasting) ----------------------------------------------------------------
  add: { arity: 2, wgsl: 'a + b', cpu: (a, b) => a + b },
  sub: { arity: 2, wgsl: 'a - b', cpu: (a, b) => a - b },
  mul: { arity: 2, wgsl: 'a * b', cpu: (a, b) => a * b },
  div: { arity: 2, wgsl: 'a / b', cpu: (a, b) => a / b },
  pow: { arity: 2, wgsl: 'pow(a, b)', cpu: (a, b) => a ** b, floatOnly: true },
  maximum: { arity: 2, wgsl: 'max(a, b)', cpu: (a, b) => Math.max(a, b) },
  minimum: { arity: 2, wgsl: 'min(a, b)', cpu: (a, b) => Math.min(a, b) },
  eq: { arity: 2, wgsl: 'select(0u, 1u, a == b)', cpu: (a, b) => +(a === b), out: mask },
  ne: { arity: 2, wgsl: 'select(0u, 1u, a != b)', cpu: (a, b) => +(a !== b), out: mask },
  lt: { arity: 2, wgsl: 'select(0u, 1u, a < b)', cpu: (a, b) => +(a < b), out: mask },
  le: { arity: 2, wgsl: 'select(0u, 1u, a <= b)', cpu: (a, b) => +(a <= b), out: mask },
  gt: { arity: 2, wgsl: 'select(0u, 1u, a > b)', cpu: (a, b) => +(a > b), out: mask },
  ge: { arity: 2, wgsl: 'select(0u, 1u, a >= b)', cpu: (a, b) => +(a >= b), out: mask },
  // Fused derivative kernels: a = the op's input x, b = the incoming gradient.
  reluGrad: {
    arity: 2,
    wgsl: 'select(0.0, b, a > 0.0)',
    cpu: (a, b) => (a > 0 ? b : 0),
    floatOnly: true,
  },
  clampGrad: {
    arity: 2,
    wgsl: 'select(0.0, b, a >= alpha && a <= beta)',
    cpu: (a, b, _c, al, be) => (a >= al && a <= be ? b : 0),
    floatOnly: true,
  },
  geluTanhGrad: {
    arity: 2,
    wgsl: `b * (0.5 * (1.0 + tanh(clamp(0.7978845608028654 * (a + 0.044715 * a * a * a), -15.0, 15.0))) +
      0.5 * a * (1.0 - pow(tanh(clamp(0.7978845608028654 * (a + 0.044715 * a * a * a), -15.0, 15.0)), 2.0)) *
      0.7978845608028654 * (1.0 + 0.134145 * a * a))`,
    cpu: (a, b) => b * geluTanhGrad(a),
    floatOnly: true,
  },
  geluErfGrad: {
    arity: 2,
    wgsl: 'b * (0.5 * (1.0 + erf_(a * 0.7071067811865476)) + a * exp(-0.5 * a * a) * 0.3989422804014327)',
    cpu: (a, b) => b * geluErfGrad(a),
    floatOnly: true,
  },
  /** d silu = σ(x)·(1 + x·(1 − σ(x))). */
  siluGrad: {
    arity: 2,
    wgsl: 'b * (1.0 / (1.0 + exp(-a))) * (1.0 + a * (1.0 - 1.0 / (1.0 + exp(-a))))',
    cpu: (a, b) => {
      const s = 1 / (1 + Math.exp(-a));
      return b * s * (1 + a * (1 - s));
    },
    floatOnly: true,
  },

  // ---- ternary ------------------------------------------------------------------------------
  /** where(cond, x, y): cond is any dtype, non-zero selects x. */
  where: {
    arity: 3,
    wgsl: 'select(c, b, a != A(0))',
    cpu: (a, b, c) => (a !== 0 ? b : c),
    out: (d) => d[1],
  },
} satisfies Record<string, ElementwiseDef>;

export type ElementwiseOp = keyof typeof TABLE;
export const ELEMENTWISE: Record<ElementwiseOp, ElementwiseDef> = TABLE;
