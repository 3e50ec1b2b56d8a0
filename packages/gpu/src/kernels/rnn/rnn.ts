import { record } from '../../autograd/grad-mode.js';
import type { GpuDispatch } from '../../backend/webgpu.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, reshape, slice, transpose } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { matmul } from '../matmul/matmul.js';
import {
  ACTIVATION_CODE,
  RNN_SEQUENCE_MAX_HIDDEN,
  RNN_TILE,
  type RnnActivation,
  type RnnLayout,
  rnnBackwardReference,
  rnnForwardReference,
  rnnSequenceBackwardWGSL,
  rnnSequenceForwardWGSL,
  rnnStepBackwardWGSL,
  rnnStepForwardWGSL,
} from './rnn.wgsl.js';

export type { RnnActivation } from './rnn.wgsl.js';
export { RNN_SEQUENCE_MAX_HIDDEN } from './rnn.wgsl.js';

export interface RnnRecurrenceOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnActivation;
  /** i32 (B): steps t ≥ lengths[b] leave sequence b's state unchanged and get no gradient. */
  lengths?: Tensor | null;
  /**
   * 'step': one dispatch per time step (forward and backward); 'sequence': one dispatch for
   * all steps (hidden ≤ 1024); 'auto' (default): 'sequence' when it fits.
   */
  variant?: 'auto' | 'step' | 'sequence';
}

const params = (l: RnnLayout, t: number): number[] => [
  l.T,
  l.B,
  l.H,
  t,
  ACTIVATION_CODE[l.act],
  l.hasLengths ? 1 : 0,
  l.offX,
  l.offH0,
  l.offW,
  l.offG,
];

/**
 * The Elman recurrence for a whole sequence, fused: S[0] = h0,
 * S[t+1] = act(xproj[t] + S[t]·W_hhᵀ) for t < T (Elman 1990; torch.nn.RNN's cell with the
 * input projection and both biases already in xproj). Returns all states S (T + 1, B, H):
 * the layer output is S[1:], the final state S[T] (padded steps carry the state forward).
 *
 * xproj (T, B, H), h0 (B, H), whh (H, H). Dispatches: forward T (step) or 1 (sequence);
 * backward T or 1, plus one matmul for dW_hh = Σ_t dZ[t]ᵀ·S[t] over all steps at once.
 */
export function rnnRecurrence(
  xproj: Tensor,
  h0: Tensor,
  whh: Tensor,
  options: RnnRecurrenceOptions = {},
): Tensor {
  const op = 'rnnRecurrence';
  sameDevice(op, [xproj, h0, whh]);
  for (const t of [xproj, h0, whh]) requireFloat(op, t);
  if (xproj.rank !== 3) {
    throw new Error(`${op}: expected xproj of shape (T, B, H), got ${shapeToString(xproj.shape)}`);
  }
  const [T, B, H] = xproj.shape;
  if (T < 1 || B < 1 || H < 1) {
    throw new Error(`${op}: xproj ${shapeToString(xproj.shape)} must have T, B, H ≥ 1`);
  }
  if (h0.rank !== 2 || h0.shape[0] !== B || h0.shape[1] !== H) {
    throw new Error(`${op}: expected h0 of shape (${B}, ${H}), got ${shapeToString(h0.shape)}`);
  }
  if (whh.rank !== 2 || whh.shape[0] !== H || whh.shape[1] !== H) {
    throw new Error(`${op}: expected whh of shape (${H}, ${H}), got ${shapeToString(whh.shape)}`);
  }
  const lengths = options.lengths ?? null;
  if (lengths && (lengths.dtype !== 'i32' || lengths.rank !== 1 || lengths.shape[0] !== B)) {
    throw new Error(
      `${op}: lengths must be an i32 tensor of shape (${B}), got ${lengths.dtype} ${shapeToString(lengths.shape)}`,
    );
  }
  const act = options.nonlinearity ?? 'tanh';
  if (!(act in ACTIVATION_CODE)) {
    throw new Error(`${op}: nonlinearity must be 'tanh' or 'relu', got '${act}'`);
  }
  const variant = options.variant ?? 'auto';
  const fits = H <= RNN_SEQUENCE_MAX_HIDDEN;
  if (variant === 'sequence' && !fits) {
    throw new Error(
      `${op}: variant 'sequence' needs hidden ≤ ${RNN_SEQUENCE_MAX_HIDDEN}, got ${H}; use 'step' or 'auto'`,
    );
  }
  const sequence = variant === 'sequence' || (variant === 'auto' && fits);
  const x = contiguous(xproj);
  const h = contiguous(h0);
  const w = contiguous(whh);
  const len = lengths ? contiguous(lengths) : null;
  const layout: RnnLayout = {
    T,
    B,
    H,
    act,
    hasLengths: !!len,
    offX: x.offset,
    offH0: h.offset,
    offW: w.offset,
    offG: 0,
  };
  const states = empty([T + 1, B, H], { device: xproj.device }); // (T+1, B, H)
  const lenData = (): ArrayLike<number> | null => (len ? cpuData(len) : null);
  if (sequence) {
    // Wᵀ once per sequence, so neighbouring invocations read neighbouring words.
    const wt = contiguous(transpose(w), true);
    onBackend(
      states,
      () =>
        rnnForwardReference(layout, cpuData(x), cpuData(h), cpuData(w), lenData(), cpuData(states)),
      (backend) => ({
        key: 'rnn:sequence-forward',
        code: rnnSequenceForwardWGSL,
        buffers: [
          x.storage,
          h.storage,
          wt.storage,
          len?.storage ?? backend.unusedBinding,
          states.storage,
        ],
        params: params({ ...layout, offW: wt.offset }, 0),
        workgroups: B,
      }),
    );
    wt.dispose();
  } else {
    onBackend(
      states,
      () =>
        rnnForwardReference(layout, cpuData(x), cpuData(h), cpuData(w), lenData(), cpuData(states)),
      (backend) => {
        const out: GpuDispatch[] = [];
        for (let t = 0; t < T; t++) {
          out.push({
            key: 'rnn:step-forward',
            code: rnnStepForwardWGSL,
            buffers: [
              x.storage,
              h.storage,
              w.storage,
              len?.storage ?? backend.unusedBinding,
              states.storage,
            ],
            params: params(layout, t),
            workgroups: Math.ceil(B / RNN_TILE) * Math.ceil(H / RNN_TILE),
          });
        }
        return out;
      },
    );
  }
  record(states, op, [xproj, h0, whh], (g) => {
    const gc = contiguous(g);
    const gl = { ...layout, offG: gc.offset };
    const dz = empty([T, B, H], { device: xproj.device }); // (T, B, H) = dL/dxproj
    const dh0 = empty([B, H], { device: xproj.device });
    onBackend(
      dz,
      () =>
        rnnBackwardReference(
          gl,
          cpuData(states),
          cpuData(w),
          cpuData(gc),
          lenData(),
          cpuData(dz),
          cpuData(dh0),
        ),
      (backend) => {
        if (sequence) {
          return {
            key: 'rnn:sequence-backward',
            code: rnnSequenceBackwardWGSL,
            buffers: [
              states.storage,
              w.storage,
              gc.storage,
              len?.storage ?? backend.unusedBinding,
              dz.storage,
              dh0.storage,
            ],
            writes: [4, 5],
            params: params(gl, 0),
            workgroups: B,
          };
        }
        const carry = empty([2, B, H], { device: xproj.device });
        const out: GpuDispatch[] = [];
        for (let t = T - 1; t >= 0; t--) {
          out.push({
            key: 'rnn:step-backward',
            code: rnnStepBackwardWGSL,
            buffers: [
              states.storage,
              w.storage,
              gc.storage,
              len?.storage ?? backend.unusedBinding,
              dz.storage,
              carry.storage,
              dh0.storage,
            ],
            writes: [4, 5, 6],
            params: params(gl, t),
            workgroups: Math.ceil(B / RNN_TILE) * Math.ceil(H / RNN_TILE),
          });
        }
        for (const d of out) backend.dispatch(d);
        carry.dispose(); // the pool reuses it only for commands recorded later
        return undefined;
      },
    );
    let dw: Tensor | null = null;
    if (whh.requiresGrad) {
      // dW_hh[j, k] = Σ_{t,b} dz[t, b, j] · S[t, b, k]: every step in one matmul.
      const prev = reshape(slice(states, 0, 0, T), [T * B, H]); // (T·B, H)
      dw = matmul(transpose(reshape(dz, [T * B, H])), prev); // (H, H)
    }
    return [xproj.requiresGrad ? dz : null, h0.requiresGrad ? dh0 : null, dw];
  });
  return states;
}
