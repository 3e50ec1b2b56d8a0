import { record } from '../../autograd/grad-mode.js';
import { broadcastShapes, shapeToString, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, expand, reshape, sumTo, transpose } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { MATMUL_TILE, type MatmulLayout, matmulReference, matmulWGSL } from './matmul.wgsl.js';

/**
 * The single stride that walks all batch dims of `t` (expanded to `batchShape`) in row-major
 * order, or undefined when no single stride does (then the operand is copied first).
 */
function collapsedBatchStride(t: Tensor, batchShape: number[]): number | undefined {
  const nb = batchShape.length;
  const strides = t.strides.slice(0, nb);
  const shape = batchShape;
  let stride: number | undefined;
  let expected: number | undefined;
  for (let i = nb - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride === undefined) {
      stride = strides[i];
      expected = strides[i] * shape[i];
    } else if (strides[i] === expected) {
      expected = strides[i] * shape[i];
    } else {
      return undefined;
    }
  }
  return stride ?? 0;
}

/**
 * Matrix product with NumPy semantics: (…, M, K) · (…, K, N) → (…, M, N), batch dims
 * broadcast; 1-D operands are treated as a row (left) or column (right) vector and that
 * dimension is dropped from the result. Either operand may be a transposed view: the kernel
 * reads through strides, so `matmul(a, transpose(b))` costs no copy.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDevice('matmul', [a, b]);
  requireFloat('matmul', a);
  requireFloat('matmul', b);
  if (a.rank === 0 || b.rank === 0)
    throw new Error('matmul: operands must have at least one dimension');
  if (a.rank === 1) {
    const out = matmul(reshape(a, [1, a.shape[0]]), b);
    return reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
  }
  if (b.rank === 1) {
    const out = matmul(a, reshape(b, [b.shape[0], 1]));
    return reshape(out, out.shape.slice(0, -1));
  }
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) {
    throw new Error(
      `matmul: inner dimensions differ: ${shapeToString(a.shape)} · ${shapeToString(b.shape)} (${k} vs ${k2})`,
    );
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  let ea = expand(a, [...batchShape, m, k]);
  let eb = expand(b, [...batchShape, k, n]);
  let sAb = collapsedBatchStride(ea, batchShape);
  let sBb = collapsedBatchStride(eb, batchShape);
  if (sAb === undefined) {
    ea = contiguous(ea);
    sAb = m * k;
  }
  if (sBb === undefined) {
    eb = contiguous(eb);
    sBb = k * n;
  }
  const batch = sizeOf(batchShape);
  const out = empty([...batchShape, m, n], { device: a.device });
  const layout: MatmulLayout = {
    batch,
    m,
    n,
    k,
    offA: ea.offset,
    offB: eb.offset,
    sA: [sAb, ea.strides[ea.rank - 2], ea.strides[ea.rank - 1]],
    sB: [sBb, eb.strides[eb.rank - 2], eb.strides[eb.rank - 1]],
  };
  if (out.size > 0) {
    onBackend(
      out,
      () => {
        if (k === 0) cpuData(out).fill(0);
        else matmulReference(layout, cpuData(ea), cpuData(eb), cpuData(out));
      },
      () => {
        const tilesM = Math.ceil(m / MATMUL_TILE);
        const tilesN = Math.ceil(n / MATMUL_TILE);
        return {
          key: 'matmul:f32',
          code: matmulWGSL,
          buffers: [ea.storage, eb.storage, out.storage],
          params: [
            m,
            n,
            k,
            batch,
            layout.offA,
            layout.offB,
            tilesN,
            tilesM,
            ...layout.sA,
            0,
            ...layout.sB,
            0,
          ],
          workgroups: tilesM * tilesN * batch,
        };
      },
    );
  }
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumTo(matmul(g, transpose(b)), a.shape) : null,
    b.requiresGrad ? sumTo(matmul(transpose(a), g), b.shape) : null,
  ]);
}
