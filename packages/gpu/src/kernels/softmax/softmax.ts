import { record } from '../../autograd/grad-mode.js';
import { normalizeAxis, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat } from '../common.js';
import { exp, mul, sub } from '../elementwise/arith.js';
import { sum } from '../reduce/reduce.js';
import {
  SOFTMAX_LANE_WORKGROUP,
  SOFTMAX_ROW4_WORKGROUP,
  softmaxReference,
  softmaxRow4WGSL,
  softmaxRowPerLane4WGSL,
  softmaxWGSL,
} from './softmax.wgsl.js';

/**
 * Rows needed before a software adapter walks one row per invocation (below this, too few
 * invocations to keep its threads busy, and the workgroup-per-row kernel is used).
 */
const ROWS_PER_LANE_MIN = 256;

function softmaxKernel(x: Tensor, axis: number, log: boolean): Tensor {
  requireFloat(log ? 'logSoftmax' : 'softmax', x);
  const a = normalizeAxis(axis, x.rank);
  const src = contiguous(x);
  const outer = sizeOf(src.shape.slice(0, a));
  const r = src.shape[a];
  const inner = sizeOf(src.shape.slice(a + 1));
  const out = empty(src.shape, { device: x.device });
  if (out.size > 0) {
    onBackend(
      out,
      () => softmaxReference(log, cpuData(src), src.offset, outer, r, inner, cpuData(out)),
      (backend) => {
        const wide = inner === 1 && r >= 64 && r % 4 === 0 && src.offset % 4 === 0;
        if (wide && backend.softwareAdapter && outer >= ROWS_PER_LANE_MIN) {
          return {
            key: `softmax:${log ? 'log' : 'exp'}:lane4`,
            code: () => softmaxRowPerLane4WGSL(log),
            buffers: [src.storage, out.storage],
            params: [outer, r, inner, src.offset],
            workgroups: Math.ceil(outer / SOFTMAX_ROW4_WORKGROUP),
          };
        }
        if (wide) {
          return {
            key: `softmax:${log ? 'log' : 'exp'}:row4`,
            code: () => softmaxRow4WGSL(log),
            buffers: [src.storage, out.storage],
            params: [outer, r, inner, src.offset],
            workgroups: outer,
          };
        }
        // Software adapters: one invocation per row (the lanes kernel) once rows are plentiful.
        const perLane = backend.softwareAdapter && outer * inner >= ROWS_PER_LANE_MIN;
        const variant = inner === 1 && r >= 32 && !perLane ? 'row' : 'lanes';
        return {
          key: `softmax:${log ? 'log' : 'exp'}:${variant}`,
          code: () => softmaxWGSL(log, variant),
          buffers: [src.storage, out.storage],
          params: [outer, r, inner, src.offset],
          workgroups:
            variant === 'row' ? outer : Math.ceil((outer * inner) / SOFTMAX_LANE_WORKGROUP),
        };
      },
    );
  }
  if (src !== x) src.dispose();
  return out;
}

/** softmax along `axis` (default last). Backward: dx = y ⊙ (g − Σ g ⊙ y). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const out = softmaxKernel(x, axis, false);
  return record(out, 'softmax', [x], (g) => [mul(out, sub(g, sum(mul(g, out), axis, true)))]);
}

/** log-softmax along `axis` (default last). Backward: dx = g − softmax(x) ⊙ Σ g. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const out = softmaxKernel(x, axis, true);
  return record(out, 'logSoftmax', [x], (g) => [sub(g, mul(exp(out), sum(g, axis, true)))]);
}
