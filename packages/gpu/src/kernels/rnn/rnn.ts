import { noGrad, record } from '../../autograd/grad-mode.js';
import type { Storage } from '../../backend/storage.js';
import type { GpuDispatch, WebGPUBackend } from '../../backend/webgpu.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import {
  contiguous,
  contiguousAtZero,
  contiguousVec4,
  reshape,
  slice,
  transpose,
} from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { assign } from '../elementwise/arith.js';
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
import {
  fusedGroups,
  fusedParamWords,
  rnnFusedBackwardWGSL,
  rnnFusedForwardWGSL,
} from './rnn-fused.wgsl.js';

export type { RnnActivation } from './rnn.wgsl.js';
export { RNN_SEQUENCE_MAX_HIDDEN } from './rnn.wgsl.js';

export interface RnnRecurrenceOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnActivation;
  /** i32 (B): steps t ≥ lengths[b] leave sequence b's state unchanged and get no gradient. */
  lengths?: Tensor | null;
  /**
   * 'fused': one vec4 dispatch per step with the matvec, projection add, activation and mask
   * fused (hidden a multiple of 4; the fastest form); 'step': the older 16×16-tiled step
   * kernel (any hidden size); 'sequence': one dispatch for all steps (hidden ≤ 1024);
   * 'auto' (default): 'fused' when hidden % 4 = 0, else 'sequence' when it fits, else 'step'.
   */
  variant?: 'auto' | 'fused' | 'step' | 'sequence';
  /**
   * 'fused' only: use the subgroup kernels (default: when the adapter has subgroups). true on
   * an adapter without them is an error; false forces the generic kernels.
   */
  subgroups?: boolean;
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
  if (variant === 'fused' && H % 4 !== 0) {
    throw new Error(
      `${op}: variant 'fused' needs hidden % 4 = 0, got ${H}; use 'step', 'sequence' or 'auto'`,
    );
  }
  if (!['auto', 'fused', 'step', 'sequence'].includes(variant)) {
    throw new Error(
      `${op}: variant must be 'auto', 'fused', 'step' or 'sequence', got '${variant}'`,
    );
  }
  if (variant === 'fused' || (variant === 'auto' && H % 4 === 0)) {
    return fusedRecurrence(xproj, h0, whh, lengths, act, options.subgroups);
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
  const tape = { states, xproj, h0, whh, layout, w, len, lenData };
  recordRecurrenceBackward(tape, contiguous, (_backend, gc, buffers) => {
    const gl = { ...layout, offG: gc.offset };
    if (sequence) {
      const one: GpuDispatch = {
        key: 'rnn:sequence-backward',
        code: rnnSequenceBackwardWGSL,
        buffers: buffers(),
        writes: [4, 5],
        params: params(gl, 0),
        workgroups: B,
      };
      return { dispatches: [one] };
    }
    const carry = empty([2, B, H], { device: xproj.device });
    const out: GpuDispatch[] = [];
    for (let t = T - 1; t >= 0; t--) {
      out.push({
        key: 'rnn:step-backward',
        code: rnnStepBackwardWGSL,
        buffers: buffers(carry),
        writes: [4, 5, 6],
        params: params(gl, t),
        workgroups: Math.ceil(B / RNN_TILE) * Math.ceil(H / RNN_TILE),
      });
    }
    return { dispatches: out, scratch: carry };
  });
  return states;
}

/** What a form's backward keeps from its forward. */
interface RecurrenceTape {
  states: Tensor;
  xproj: Tensor;
  h0: Tensor;
  whh: Tensor;
  layout: RnnLayout;
  w: Tensor;
  len: Tensor | null;
  lenData: () => ArrayLike<number> | null;
}

/** A form's backward kernels, and a scratch tensor to free once they are recorded. */
interface BackwardDispatches {
  dispatches: GpuDispatch[];
  scratch?: Tensor;
}

/**
 * Records the backward shared by every form: the upstream gradient made `contig`uous; dz =
 * dL/dxproj (T, B, H) and dh0 from the CPU reference or from the form's kernels (`gpu`);
 * then the gradients of (xproj, h0, whh).
 */
function recordRecurrenceBackward(
  { states, xproj, h0, whh, layout, w, len, lenData }: RecurrenceTape,
  contig: (g: Tensor) => Tensor,
  gpu: (
    backend: WebGPUBackend,
    gc: Tensor,
    buffers: (carry?: Tensor) => Storage[],
  ) => BackwardDispatches,
): void {
  const [T, B, H] = xproj.shape;
  const device = xproj.device;
  record(states, 'rnnRecurrence', [xproj, h0, whh], (g) => {
    const gc = contig(g);
    const dz = empty([T, B, H], { device });
    const dh0 = empty([B, H], { device });
    onBackend(
      dz,
      () =>
        rnnBackwardReference(
          { ...layout, offG: gc.offset },
          cpuData(states),
          cpuData(w),
          cpuData(gc),
          lenData(),
          cpuData(dz),
          cpuData(dh0),
        ),
      (backend) => {
        // Every backward kernel binds (S, W, dL/dS, lengths, dz[, carry], dh0).
        const buffers = (carry?: Tensor): Storage[] => [
          states.storage,
          w.storage,
          gc.storage,
          len?.storage ?? backend.unusedBinding,
          dz.storage,
          ...(carry ? [carry.storage] : []),
          dh0.storage,
        ];
        const { dispatches, scratch } = gpu(backend, gc, buffers);
        for (const d of dispatches) backend.dispatch(d);
        scratch?.dispose(); // the pool reuses it only for commands recorded later
        return undefined;
      },
    );
    // dW_hh[j, k] = Σ_{t,b} dz[t, b, j] · S[t, b, k]: every step in one matmul.
    const dw = whh.requiresGrad
      ? matmul(transpose(reshape(dz, [T * B, H])), reshape(slice(states, 0, 0, T), [T * B, H]))
      : null;
    return [xproj.requiresGrad ? dz : null, h0.requiresGrad ? dh0 : null, dw];
  });
}

/**
 * The 'fused' form (rnn-fused.wgsl.ts): forward T dispatches; backward T + 1 plus one matmul
 * for dW_hh. Same results and autograd contract as the other forms.
 */
function fusedRecurrence(
  xproj: Tensor,
  h0: Tensor,
  whh: Tensor,
  lengths: Tensor | null,
  act: RnnActivation,
  subgroups: boolean | undefined,
): Tensor {
  const op = 'rnnRecurrence';
  const [T, B, H] = xproj.shape;
  const h4 = H / 4;
  const device = xproj.device;
  const { x, w, wt, len, states } = noGrad(() => {
    const x = contiguousVec4(xproj);
    const w = contiguousAtZero(whh);
    const wt = contiguous(transpose(w), true); // (H, H): rows are the contracted index
    const len = lengths ? contiguousAtZero(lengths) : null;
    const states = empty([T + 1, B, H], { device });
    assign(reshape(slice(states, 0, 0, 1), [B, H]), h0);
    return { x, w, wt, len, states };
  });
  const layout: RnnLayout = {
    T,
    B,
    H,
    act,
    hasLengths: !!len,
    offX: x.offset,
    offH0: 0,
    offW: 0,
    offG: 0,
  };
  const lenData = (): ArrayLike<number> | null => (len ? cpuData(len) : null);
  const useSubgroups = (hasSubgroups: boolean): boolean => {
    if (subgroups && !hasSubgroups) {
      throw new Error(
        `${op}: subgroups: true, but this adapter has no subgroups; leave it unset to choose automatically`,
      );
    }
    return subgroups ?? hasSubgroups;
  };
  const words = (t: number, isFinal: boolean, offX: number, offG: number) =>
    fusedParamWords({
      T,
      B,
      h4,
      t,
      act: ACTIVATION_CODE[act],
      hasLengths: !!len,
      isFinal,
      offX,
      offG,
    });
  onBackend(
    states,
    () =>
      rnnForwardReference(
        layout,
        cpuData(x),
        cpuData(states), // S[0] already holds h0 (offH0 = 0)
        cpuData(w),
        lenData(),
        cpuData(states),
      ),
    (backend) => {
      const sg = useSubgroups(backend.hasSubgroups);
      const out: GpuDispatch[] = [];
      for (let t = 0; t < T; t++) {
        out.push({
          key: `rnn:fused-forward${sg ? ':sg' : ''}`,
          code: () => rnnFusedForwardWGSL(sg),
          buffers: [x.storage, wt.storage, len?.storage ?? backend.unusedBinding, states.storage],
          params: words(t, false, x.offset / 4, 0),
          workgroups: fusedGroups(sg, B, h4),
        });
      }
      return out;
    },
  );
  wt.dispose();
  const tape = { states, xproj, h0, whh, layout, w, len, lenData };
  recordRecurrenceBackward(tape, contiguousVec4, (backend, gc, buffers) => {
    const sg = useSubgroups(backend.hasSubgroups);
    const carry = empty([B, H], { device });
    const out: GpuDispatch[] = [];
    for (let t = T - 1; t >= -1; t--) {
      out.push({
        key: `rnn:fused-backward${sg ? ':sg' : ''}`,
        code: () => rnnFusedBackwardWGSL(sg),
        buffers: buffers(carry),
        writes: [4, 5, 6],
        params: words(Math.max(t, 0), t < 0, 0, gc.offset / 4),
        workgroups: fusedGroups(sg, B, h4),
      });
    }
    return { dispatches: out, scratch: carry };
  });
  return states;
}
