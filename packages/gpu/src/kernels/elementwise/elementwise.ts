import { FUSION_MAX_ELEMENTS, type FusedMode } from '../../backend/fusion.js';
import type { DType } from '../../dtype.js';
import { f32Bits } from '../../dtype.js';
import { broadcastShapes, coalesce, type Shape, sameShape, shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { cpuData, onBackend, padTo, sameDevice, WGSL_ERF } from '../common.js';
import {
  ELEMENTWISE_MAX_RANK,
  ELEMENTWISE_WORKGROUP,
  elementwiseVec4WGSL,
  elementwiseWGSL,
  type Vec4Operand,
} from './elementwise.wgsl.js';
import { ELEMENTWISE, type ElementwiseDef, type ElementwiseOp } from './table.js';

/** Strides that read `t` as if expanded to `shape` (stride 0 along broadcast dims). */
export function broadcastStrides(t: Tensor, shape: Shape): number[] {
  const lead = shape.length - t.rank;
  return shape.map((d, i) => {
    if (i < lead) return 0;
    const own = t.shape[i - lead];
    return own === 1 && d !== 1 ? 0 : t.strides[i - lead];
  });
}

/**
 * Runs one elementwise primitive over broadcast inputs, into a new contiguous tensor or,
 * with `into`, into an existing tensor or view of the broadcast shape (which is returned).
 * No autograd here: the public ops add their derivative.
 */
export function elementwise(
  op: ElementwiseOp,
  inputs: Tensor[],
  alpha = 0,
  beta = 0,
  into?: Tensor,
): Tensor {
  const def: ElementwiseDef = ELEMENTWISE[op];
  if (inputs.length !== def.arity)
    throw new Error(`${op} takes ${def.arity} inputs, got ${inputs.length}`);
  const all = into ? [...inputs, into] : inputs;
  if (all.length > 0) sameDevice(op, all);
  if (def.floatOnly && inputs.length > 0 && inputs[0].dtype !== 'f32') {
    throw new Error(`${op} needs f32 input, got ${inputs[0].dtype}; convert with cast(t, 'f32')`);
  }
  if (op !== 'where' && inputs.length > 1 && inputs.some((t) => t.dtype !== inputs[0].dtype)) {
    throw new Error(
      `${op}: dtypes differ (${inputs.map((t) => t.dtype).join(', ')}); convert with cast(t, '${inputs[0].dtype}')`,
    );
  }
  const dtypes = inputs.map((t) => t.dtype);
  const outDtype: DType = def.out ? def.out(dtypes) : (dtypes[0] ?? into?.dtype ?? 'f32');
  const shape = into ? [...into.shape] : broadcastShapes(...inputs.map((t) => t.shape));
  if (into) {
    const bs = broadcastShapes(shape, ...inputs.map((t) => t.shape));
    if (!sameShape(bs, shape)) {
      throw new Error(
        `${op}: inputs broadcast to ${shapeToString(bs)}, not to the target ${shapeToString(shape)}`,
      );
    }
    if (into.dtype !== outDtype)
      throw new Error(`${op}: target dtype ${into.dtype} differs from result dtype ${outDtype}`);
  }
  const out = into ?? empty(shape, { dtype: outDtype, device: inputs[0].device });
  if (out.size === 0) return out;
  const merged = coalesce(shape, [
    ...inputs.map((t) => broadcastStrides(t, shape)),
    [...out.strides],
  ]);
  if (merged.shape.length > ELEMENTWISE_MAX_RANK) {
    throw new Error(
      `${op}: tensors of more than ${ELEMENTWISE_MAX_RANK} non-mergeable dimensions are not supported`,
    );
  }
  const strides = merged.strides;

  onBackend(
    out,
    () => elementwiseReference(def.cpu, [...inputs, out], strides, merged.shape, alpha, beta),
    (backend) => {
      const modes = into ? undefined : fusionModes(out, merged.shape, strides);
      if (modes) {
        backend.fuse({
          op,
          expr: def.wgsl,
          inputs: inputs.map((t, i) => ({
            storage: t.storage,
            offset: t.offset,
            dtype: t.dtype,
            mode: modes[i],
          })),
          alpha,
          beta,
          out: { storage: out.storage, offset: out.offset, dtype: outDtype },
          n: out.size,
          helpers: WGSL_ERF, // as in the unfused kernels: GELU's expression calls it
        });
        return undefined;
      }
      const wide = vec4Plan(inputs, out, merged.shape, strides);
      if (wide) {
        const { modes, inner, outer } = wide;
        // vec operands count offsets and row strides in vec4s, scalar ones in elements.
        const unit = (i: number) => (modes[i] === 'vec' ? 4 : 1);
        const offsets = inputs.map((t, i) => t.offset / unit(i));
        const rowStrides = inputs.map((_, i) => outer[i] / unit(i));
        return {
          key: `ew4:${op}:${dtypes.join(',')}>${outDtype}:${modes.join(',')}`,
          code: () => elementwiseVec4WGSL(def.wgsl, dtypes, modes, outDtype),
          buffers: [...inputs.map((t) => t.storage), out.storage],
          params: [
            out.size / 4,
            inner / 4,
            offsets[0] ?? 0,
            offsets[1] ?? 0,
            offsets[2] ?? 0,
            out.offset / 4,
            f32Bits(alpha),
            f32Bits(beta),
            rowStrides[0] ?? 0,
            rowStrides[1] ?? 0,
            rowStrides[2] ?? 0,
            0,
          ],
          workgroups: Math.ceil(out.size / 4 / ELEMENTWISE_WORKGROUP),
        };
      }
      const contiguous = merged.shape.length === 1 && strides.every((s) => s[0] === 1);
      const outStrides = strides[strides.length - 1];
      const params = [
        out.size,
        merged.shape.length,
        inputs[0]?.offset ?? 0,
        inputs[1]?.offset ?? 0,
        inputs[2]?.offset ?? 0,
        out.offset,
        f32Bits(alpha),
        f32Bits(beta),
        ...padTo(merged.shape, 8),
        ...padTo(inputs.length > 0 ? strides[0] : [], 8),
        ...padTo(inputs.length > 1 ? strides[1] : [], 8),
        ...padTo(inputs.length > 2 ? strides[2] : [], 8),
        ...padTo(outStrides, 8),
      ];
      return {
        key: `ew:${op}:${dtypes.join(',')}>${outDtype}:${contiguous ? 'c' : 's'}`,
        code: () => elementwiseWGSL(def.wgsl, dtypes, outDtype, !contiguous),
        buffers: [...inputs.map((t) => t.storage), out.storage],
        params,
        workgroups: Math.ceil(out.size / ELEMENTWISE_WORKGROUP),
      };
    },
  );
  return out;
}

/**
 * Small ops over one dense run of elements (each input dense or a broadcast scalar) join the
 * backend's pending fused group; returns each input's mode, or undefined to dispatch alone.
 */
function fusionModes(out: Tensor, shape: number[], strides: number[][]): FusedMode[] | undefined {
  if (out.size > FUSION_MAX_ELEMENTS || shape.length !== 1) return undefined;
  if (strides[strides.length - 1][0] !== 1) return undefined;
  const modes: FusedMode[] = [];
  for (let k = 0; k < strides.length - 1; k++) {
    const step = strides[k][0];
    if (step === 1) modes.push('vec');
    else if (step === 0) modes.push('scalar');
    else return undefined;
  }
  return modes;
}

/** Below this many elements the scalar kernel is as fast, and one fewer pipeline compiles. */
export const VEC4_MIN_ELEMENTS = 1024;

/**
 * The 4-wide kernel applies when the merged iteration space is (outer, inner) or (inner) with
 * inner a multiple of 4, the output is dense and 16-byte aligned, and every input is either
 * dense along inner (with aligned offset and row stride) or constant along inner (a
 * broadcast row value or scalar). Returns each input's mode and the outer (row) strides.
 */
function vec4Plan(
  inputs: Tensor[],
  out: Tensor,
  shape: number[],
  strides: number[][],
): { modes: Vec4Operand[]; inner: number; outer: number[] } | undefined {
  if (shape.length > 2 || out.size < VEC4_MIN_ELEMENTS) return undefined;
  const inner = shape[shape.length - 1];
  const rowStride = (k: number) => (shape.length === 2 ? strides[k][0] : 0);
  const outStrides = strides[strides.length - 1];
  if (inner % 4 !== 0 || outStrides[outStrides.length - 1] !== 1 || out.offset % 4 !== 0) {
    return undefined;
  }
  if (shape.length === 2 && outStrides[0] !== inner) return undefined;
  const modes: Vec4Operand[] = [];
  for (const [k, t] of inputs.entries()) {
    const step = strides[k][strides[k].length - 1];
    if (step === 1 && t.offset % 4 === 0 && rowStride(k) % 4 === 0) modes.push('vec');
    else if (step === 0) modes.push('scalar');
    else return undefined;
  }
  return { modes, inner, outer: inputs.map((_, k) => rowStride(k)) };
}

/** The reference: walk the shape in row-major order, stepping every operand by its strides. */
function elementwiseReference(
  fn: ElementwiseDef['cpu'],
  operands: Tensor[],
  strides: number[][],
  shape: number[],
  alpha: number,
  beta: number,
): void {
  const data = operands.map(cpuData);
  const out = data[data.length - 1];
  const arity = operands.length - 1;
  const rank = shape.length;
  const coord = new Array<number>(rank).fill(0);
  const idx = operands.map((t) => t.offset);
  const n = shape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < n; i++) {
    const a = arity > 0 ? data[0][idx[0]] : 0;
    const b = arity > 1 ? data[1][idx[1]] : 0;
    const c = arity > 2 ? data[2][idx[2]] : 0;
    out[idx[arity]] = fn(a, b, c, alpha, beta);
    // Advance the odometer.
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]++;
      for (let k = 0; k < idx.length; k++) idx[k] += strides[k][d];
      if (coord[d] < shape[d]) break;
      for (let k = 0; k < idx.length; k++) idx[k] -= strides[k][d] * shape[d];
      coord[d] = 0;
    }
  }
}

export { ELEMENTWISE, type ElementwiseOp };
