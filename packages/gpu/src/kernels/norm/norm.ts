import { record } from '../../autograd/grad-mode.js';
import { f32Bits } from '../../dtype.js';
import { sameShape, shapeToString, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, reshape } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { sum } from '../reduce/reduce.js';
import {
  NORM_FORWARD4_WORKGROUP,
  NORM_PARAM_WORKGROUP,
  NORM_ROWS_PER_PARTIAL,
  NORM_WORKGROUP,
  type NormLayout,
  normBackwardReference,
  normBackwardWGSL,
  normForward4WGSL,
  normForwardLane4WGSL,
  normForwardReference,
  normForwardWGSL,
  normParamPartialsReference,
  normParamPartialsWGSL,
} from './norm.wgsl.js';

const params = (l: NormLayout, hasW: boolean, hasB: boolean): number[] => [
  l.rows,
  l.d,
  l.offX,
  l.offW,
  l.offB,
  l.offG,
  hasW ? 1 : 0,
  hasB ? 1 : 0,
  l.centered ? 1 : 0,
  f32Bits(l.eps),
];

/**
 * Rows needed before a software adapter (lavapipe, SwiftShader) walks one row per
 * invocation: its barriers are costly, but too few rows would leave its threads idle.
 */
const ROWS_PER_LANE_MIN = 256;

/** The forward kernel: vec4 rows (one invocation per row on software adapters) or scalar. */
function forwardKernel(wide: boolean, perLane: boolean, rows: number) {
  if (wide && perLane) {
    return {
      key: 'norm:forward4:lane',
      code: normForwardLane4WGSL,
      workgroups: Math.ceil(rows / NORM_FORWARD4_WORKGROUP),
    };
  }
  if (wide) return { key: 'norm:forward4', code: normForward4WGSL, workgroups: rows };
  return { key: 'norm:forward', code: normForwardWGSL, workgroups: rows };
}

/**
 * The shared fused normalization over the trailing `normalizedShape` dims. Forward saves the
 * per-row mean and rstd; backward runs the fused dx kernel and the two-pass dweight/dbias.
 */
function normalize(
  op: string,
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
  centered: boolean,
): Tensor {
  requireFloat(op, x);
  const params3 = [x, weight, bias].filter((t): t is Tensor => !!t);
  sameDevice(op, params3);
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || !sameShape(x.shape.slice(x.rank - k), normalizedShape))
    throw new Error(
      `${op}: input ${shapeToString(x.shape)} does not end in normalizedShape ${shapeToString(normalizedShape)}`,
    );
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && !sameShape(t.shape, normalizedShape))
      throw new Error(
        `${op}: ${name} must have shape ${shapeToString(normalizedShape)}, got ${shapeToString(t.shape)}`,
      );
  }
  const d = sizeOf(normalizedShape);
  const rows = x.size / Math.max(d, 1);
  const src = contiguous(x);
  const w = weight ? contiguous(weight) : undefined;
  const b = bias ? contiguous(bias) : undefined;
  const layout: NormLayout = {
    rows,
    d,
    offX: src.offset,
    offW: w?.offset ?? 0,
    offB: b?.offset ?? 0,
    offG: 0,
    centered,
    eps,
  };
  // vec4 loads when every row and parameter starts on a 16-byte boundary.
  const wide =
    d >= 64 && d % 4 === 0 && [layout.offX, layout.offW, layout.offB].every((o) => o % 4 === 0);
  const out = empty(x.shape, { device: x.device });
  const mean = empty([rows], { device: x.device });
  const rstd = empty([rows], { device: x.device });
  if (out.size > 0) {
    onBackend(
      out,
      () =>
        normForwardReference(
          layout,
          cpuData(src),
          w ? cpuData(w) : null,
          b ? cpuData(b) : null,
          cpuData(out),
          cpuData(mean),
          cpuData(rstd),
        ),
      (backend) => ({
        ...forwardKernel(wide, backend.softwareAdapter && rows >= ROWS_PER_LANE_MIN, rows),
        buffers: [
          src.storage,
          w?.storage ?? backend.unusedBinding,
          b?.storage ?? backend.unusedBinding,
          out.storage,
          mean.storage,
          rstd.storage,
        ],
        writes: [3, 4, 5],
        params: params(layout, !!w, !!b),
      }),
    );
  }
  record(out, op, params3, (g) => {
    const gc = contiguous(g);
    const gl = { ...layout, offG: gc.offset };
    const dx = x.requiresGrad ? normBackwardInput(gl, src, w, gc, mean, rstd) : null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (weight?.requiresGrad || bias?.requiresGrad) {
      [dw, db] = normBackwardParams(gl, src, gc, mean, rstd, !!bias?.requiresGrad);
      dw = reshape(dw, normalizedShape);
      if (db) db = reshape(db, normalizedShape);
    }
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(weight.requiresGrad ? dw : null);
    if (bias) grads.push(db);
    return grads;
  });
  if (!out.requiresGrad) {
    // Nothing will run backward: free the saved statistics and copies now.
    mean.dispose();
    rstd.dispose();
    if (src !== x) src.dispose();
    if (w && w !== weight) w.dispose();
  }
  if (b && b !== bias) b.dispose();
  return out;
}

function normBackwardInput(
  l: NormLayout,
  x: Tensor,
  w: Tensor | undefined,
  g: Tensor,
  mean: Tensor,
  rstd: Tensor,
): Tensor {
  const dx = empty(x.shape, { device: x.device });
  if (dx.size === 0) return dx;
  onBackend(
    dx,
    () =>
      normBackwardReference(
        l,
        cpuData(x),
        w ? cpuData(w) : null,
        cpuData(g),
        cpuData(mean),
        cpuData(rstd),
        cpuData(dx),
      ),
    (backend) => {
      const perLane = backend.softwareAdapter && l.rows >= ROWS_PER_LANE_MIN;
      return {
        key: perLane ? 'norm:backward:lane' : 'norm:backward',
        code: () => normBackwardWGSL(perLane),
        buffers: [
          x.storage,
          w?.storage ?? backend.unusedBinding,
          g.storage,
          mean.storage,
          rstd.storage,
          dx.storage,
        ],
        params: params(l, !!w, false),
        workgroups: perLane ? Math.ceil(l.rows / NORM_WORKGROUP) : l.rows,
      };
    },
  );
  return dx;
}

/** (dweight, dbias) as (d) tensors: in-order partial sums over 256-row chunks, then a sum. */
function normBackwardParams(
  l: NormLayout,
  x: Tensor,
  g: Tensor,
  mean: Tensor,
  rstd: Tensor,
  withBias: boolean,
): [Tensor, Tensor | null] {
  const chunks = Math.max(1, Math.ceil(l.rows / NORM_ROWS_PER_PARTIAL));
  const pw = empty([chunks, l.d], { device: x.device });
  const pb = withBias ? empty([chunks, l.d], { device: x.device }) : null;
  if (l.rows === 0) {
    cpuFill(pw, pb);
  } else if (pw.size > 0) {
    onBackend(
      pw,
      () =>
        normParamPartialsReference(
          l,
          cpuData(x),
          cpuData(g),
          cpuData(mean),
          cpuData(rstd),
          cpuData(pw),
          pb ? cpuData(pb) : null,
        ),
      (backend) => ({
        key: 'norm:param-partials',
        code: normParamPartialsWGSL,
        buffers: [
          x.storage,
          g.storage,
          mean.storage,
          rstd.storage,
          pw.storage,
          pb?.storage ?? backend.unusedBinding,
        ],
        writes: [4, 5],
        params: params(l, false, withBias),
        workgroups: Math.ceil((chunks * l.d) / NORM_PARAM_WORKGROUP),
      }),
    );
  }
  return [sum(pw, 0), pb ? sum(pb, 0) : null];
}

function cpuFill(...ts: (Tensor | null)[]): void {
  for (const t of ts) if (t) t.device.backend.upload(t.storage, new Float32Array(t.size));
}

/**
 * Layer normalization over the trailing `normalizedShape` dims (torch.nn.functional.layer_norm):
 * y = (x − mean) / sqrt(var + eps) ⊙ weight + bias, biased variance. One fused kernel each
 * for forward, dx, and the dweight/dbias partials.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  return normalize('layerNorm', x, shape, weight ?? undefined, bias ?? undefined, eps, true);
}

/** float32 machine epsilon: torch.nn.functional.rms_norm's default when eps is None. */
const F32_EPSILON = 2 ** -23;

/**
 * RMS normalization (torch.nn.functional.rms_norm): y = x / sqrt(mean(x²) + eps) ⊙ weight.
 * `eps` defaults to float32's machine epsilon, as in PyTorch.
 */
export function rmsNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  eps = F32_EPSILON,
): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  return normalize('rmsNorm', x, shape, weight ?? undefined, undefined, eps, false);
}
