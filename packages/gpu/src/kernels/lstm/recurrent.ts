import { isGradEnabled, noGrad, record } from '../../autograd/grad-mode.js';
import type { WebGPUBackend } from '../../backend/webgpu.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor, tensor as tensorOf } from '../../tensor.js';
import {
  contiguous,
  contiguousAtZero,
  contiguousVec4,
  reshape,
  slice,
  transpose,
} from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { assign, mul, zeros } from '../elementwise/arith.js';
import { concat, pad } from '../indexing/indexing.js';
import { matmul } from '../matmul/matmul.js';
import { sum } from '../reduce/reduce.js';
import {
  packedRegions,
  RECURRENT_ROWS,
  RECURRENT_WORKGROUP,
  type RecurrentCell,
  type RecurrentLayout,
  type RecurrentParams,
  recurrentBackwardReference,
  recurrentBackwardWGSL,
  recurrentForwardReference,
  recurrentForwardWGSL,
  recurrentParamWords,
} from './recurrent.wgsl.js';
import {
  recurrentBackwardSubgroupWGSL,
  recurrentForwardSubgroupWGSL,
  SG_BACK_ROWS,
  SG_LANES,
  SG_ROWS,
} from './recurrent-subgroup.wgsl.js';

export interface RecurrentScanOptions {
  /**
   * Per-row sequence lengths (i32, shape (B), each in 0..T); rows past their length keep their
   * state and output 0. Range-checked on the CPU backend only (reading a device tensor would
   * stall the queue): check host-side first, as the layers of `@scratchseq/lstm` do.
   */
  lengths?: Tensor;
  /** Run from each row's last valid step back to step 0 (the backward half of a bidirectional layer). */
  reverse?: boolean;
  /** Also return the per-step gate activations and (LSTM) cell states, for visualization. */
  inspect?: boolean;
  /**
   * (4H), unit-major like xproj: a bias added to every step's input projection inside the
   * step kernel (LSTM: b_ih + b_hh; GRU: b_ih), which saves an add over all of xproj.
   */
  inputBias?: Tensor;
}

export interface RecurrentScanResult {
  /** (T, B, H): h at every time step (0 at padded steps). */
  output: Tensor;
  /** (B, H): the state after each row's last valid step. */
  hN: Tensor;
  /** (B, H): LSTM only. */
  cN?: Tensor;
  /** With `inspect`: (T, B, H, 4) post-activation gates, LSTM (i, f, g, o), GRU (r, z, n, W_hn·h + b_hn). */
  gates?: Tensor;
  /** With `inspect`, LSTM: (T, B, H) cell states. */
  cells?: Tensor;
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * Kernel family for the steps: 'subgroup' where the adapter has subgroups, else 'generic';
 * 'texture' is 'subgroup' with the recurrent weights read from a storage texture, used where
 * the adapter can read storage textures and the padded hidden size allows one copy of the
 * weights (a multiple of 16 forward, 64 backward); at a multiple of 64 the forward also
 * passes h between steps in textures.
 */
export type RecurrentVariant = 'generic' | 'subgroup' | 'texture';
let pinnedVariant: RecurrentVariant | undefined;
/** Forces a step-kernel variant (tests run each); undefined restores the automatic choice. */
export function pinRecurrentVariant(v: RecurrentVariant | undefined): void {
  pinnedVariant = v;
}

interface StepKernel {
  /** Pipeline keys of the forward and backward steps (they determine the code). */
  forwardKey: string;
  backwardKey: string;
  forward: () => string;
  backward: () => string;
  forwardGroups: number;
  backwardGroups: number;
  /** The forward reads W_hhᵀ from a texture; the backward reads W_hh from one. */
  textureForward: boolean;
  /** The forward also passes h between steps in textures (h0 copied in: Hp % 64 = 0). */
  hTexture: boolean;
  textureBackward: boolean;
}

function stepKernel(
  cell: RecurrentCell,
  backend: WebGPUBackend,
  B: number,
  Hp: number,
  save: boolean,
): StepKernel {
  const auto = backend.hasSubgroups
    ? backend.readableStorageTextures
      ? 'texture'
      : 'subgroup'
    : 'generic';
  const variant = pinnedVariant ?? auto;
  const fwd = `recurrent:${cell}:forward${save ? ':save' : ''}`;
  if (variant !== 'generic') {
    const fits = Math.max(B, Hp) <= (backend.adapterInfo.limits.maxTextureDimension2D ?? 8192);
    const textureForward = variant === 'texture' && Hp % 16 === 0 && fits;
    const textureBackward = variant === 'texture' && Hp % 64 === 0 && fits;
    const hTexture = textureBackward;
    return {
      forwardKey: `${fwd}:sg${textureForward ? ':tex' : ''}${hTexture ? ':h' : ''}`,
      backwardKey: `recurrent:${cell}:backward:sg${textureBackward ? ':tex' : ''}`,
      forward: () =>
        recurrentForwardSubgroupWGSL(cell, { textures: textureForward, hTexture, save }),
      backward: () => recurrentBackwardSubgroupWGSL(cell, textureBackward),
      forwardGroups: Math.ceil(B / SG_ROWS) * Math.ceil(Hp / SG_LANES),
      backwardGroups: Math.ceil(B / SG_BACK_ROWS) * Math.ceil(Hp / 4 / SG_LANES),
      textureForward,
      textureBackward,
      hTexture,
    };
  }
  const groups = Math.ceil((Math.ceil(B / RECURRENT_ROWS) * (Hp / 4)) / RECURRENT_WORKGROUP);
  return {
    forwardKey: fwd,
    backwardKey: `recurrent:${cell}:backward`,
    forward: () => recurrentForwardWGSL(cell, save),
    backward: () => recurrentBackwardWGSL(cell),
    forwardGroups: groups,
    backwardGroups: groups,
    textureForward: false,
    textureBackward: false,
    hTexture: false,
  };
}
/** GRU's hidden weights use slots (r, z, ·, n): slot 2 is structurally zero. */
const HIDDEN_SLOTS = [1, 1, 0, 1];

/**
 * LSTM over a whole sequence with fused steps: per time step ONE dispatch computes
 * h_{t−1}·W_hhᵀ, the gates i, f, g, o (sigmoid/tanh), c_t = f c_{t−1} + i g and
 * h_t = o tanh c_t; the backward is one dispatch per step plus one. The input projection
 * (x·W_ihᵀ for all steps) is the caller's single matmul; its bias b_ih + b_hh can come as
 * `options.inputBias`.
 *
 * Layout is unit-major (a vec4 per hidden unit): `xproj` (T, B, 4H) with index j·4 + gate,
 * gates (i, f, g, o), any strides over T and B (a transposed batch-first projection is read in
 * place); `whh` (4H, H) with rows in the same order (PyTorch's weight_hh
 * reshaped (4, H, H) → permuted (1, 0, 2)). h0, c0: (B, H).
 */
export function lstmScan(
  xproj: Tensor,
  whh: Tensor,
  h0: Tensor,
  c0: Tensor,
  options: RecurrentScanOptions = {},
): RecurrentScanResult {
  return scan('lstm', xproj, whh, null, h0, c0, options);
}

/**
 * GRU over a whole sequence with fused steps (PyTorch/cuDNN form, reset gate applied after
 * the hidden matmul): r = σ(x_r + W_hr h + b_hr), z = σ(x_z + W_hz h + b_hz),
 * n = tanh(x_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) n + z h.
 *
 * Unit-major layout with four slots per unit: `xproj` (T, B, 4H) slots (r, z, n, unused —
 * its gradient is meaningless), b_ih as `options.inputBias` in the same slots; `whh` (4H, H)
 * rows in slots (r, z, zero, n) — slot 2 must be zero; `bhh` (4H) in the same slots as whh.
 * h0: (B, H).
 */
export function gruScan(
  xproj: Tensor,
  whh: Tensor,
  bhh: Tensor,
  h0: Tensor,
  options: RecurrentScanOptions = {},
): RecurrentScanResult {
  return scan('gru', xproj, whh, bhh, h0, null, options);
}

function checkShape(op: string, name: string, t: Tensor, shape: number[]): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `${op}: expected ${name} of shape ${shapeToString(shape)}, got ${shapeToString(t.shape)}`,
    );
  }
}

/**
 * xproj as the kernels read it: vec4s (last axis dense, offset and the T and B strides
 * multiples of 4), any T and B strides; other layouts are copied.
 */
function vec4Rows(t: Tensor): Tensor {
  const [sT, sB, sJ] = t.strides;
  if (sJ === 1 && t.offset % 4 === 0 && sT % 4 === 0 && sB % 4 === 0) return t;
  return contiguousVec4(t);
}

function scan(
  cell: RecurrentCell,
  xproj: Tensor,
  whh: Tensor,
  bhh: Tensor | null,
  h0: Tensor,
  c0: Tensor | null,
  options: RecurrentScanOptions,
): RecurrentScanResult {
  const op = cell === 'lstm' ? 'lstmScan' : 'gruScan';
  const xBias = options.inputBias;
  const inputs = [
    xproj,
    whh,
    h0,
    ...(c0 ? [c0] : []),
    ...(bhh ? [bhh] : []),
    ...(xBias ? [xBias] : []),
  ];
  sameDevice(op, options.lengths ? [...inputs, options.lengths] : inputs);
  for (const t of inputs) requireFloat(op, t);
  if (xproj.rank !== 3 || xproj.shape[2] % 4 !== 0 || xproj.shape[0] === 0) {
    throw new Error(
      `${op}: expected xproj of shape (T, B, 4H) with T ≥ 1, got ${shapeToString(xproj.shape)}`,
    );
  }
  const [T, B, H4] = xproj.shape;
  const H = H4 / 4;
  checkShape(op, 'whh', whh, [4 * H, H]);
  checkShape(op, 'h0', h0, [B, H]);
  if (c0) checkShape(op, 'c0', c0, [B, H]);
  if (bhh) checkShape(op, 'bhh', bhh, [4 * H]);
  if (xBias) checkShape(op, 'options.inputBias', xBias, [4 * H]);
  let lengthValues: Int32Array | null = null;
  const lengths = options.lengths;
  if (lengths) {
    if (lengths.dtype !== 'i32' || lengths.rank !== 1 || lengths.shape[0] !== B)
      throw new Error(
        `${op}: lengths must be an i32 tensor of shape (${B}), got ${lengths.dtype} ${shapeToString(lengths.shape)}`,
      );
    if (lengths.device.kind === 'cpu') {
      lengthValues = Int32Array.from(cpuData(contiguous(lengths)) as ArrayLike<number>);
      for (const l of lengthValues)
        if (l < 0 || l > T)
          throw new Error(`${op}: lengths must lie in 0..${T} (the sequence length), got ${l}`);
    }
  }
  const reverse = options.reverse ?? false;
  const Hp = roundUp4(H);
  const padH = Hp - H;
  const device = xproj.device;
  // Inference stores only outputs and state; training and inspection also what they read.
  const save = (isGradEnabled() && inputs.some((t) => t.requiresGrad)) || !!options.inspect;

  // ---- padded, vec4-aligned operands (no autograd: the scan states its own derivative) ----
  const prep = noGrad(() => {
    const xp = vec4Rows(
      padH
        ? reshape(
            pad(reshape(xproj, [T, B, H, 4]), [
              [0, 0],
              [0, 0],
              [0, padH],
              [0, 0],
            ]),
            [T, B, Hp * 4],
          )
        : xproj,
    );
    const w = contiguousAtZero(
      padH
        ? reshape(
            pad(reshape(whh, [H, 4, H]), [
              [0, padH],
              [0, 0],
              [0, padH],
            ]),
            [Hp * 4, Hp],
          )
        : whh,
    ); // (Hp·4, Hp)
    const wT = contiguous(transpose(w), true); // (Hp, Hp·4) = (k, unit, slot)
    // The kernels' bias: LSTM the input bias (Hp, 4); GRU the hidden then the input bias.
    const padded = (t: Tensor | null | undefined) =>
      t ? (padH ? pad(t, [[0, padH * 4]]) : t) : zeros([Hp * 4], { device });
    const parts = bhh ? [padded(bhh), padded(xBias)] : [padded(xBias)];
    const b = parts.length === 1 ? contiguousAtZero(parts[0]) : concat(parts);
    for (const t of parts) if (t !== b && t !== bhh && t !== xBias) t.dispose();
    const h0p = padH
      ? pad(h0, [
          [0, 0],
          [0, padH],
        ])
      : h0;
    const c0p = c0
      ? contiguousAtZero(
          padH
            ? pad(c0, [
                [0, 0],
                [0, padH],
              ])
            : c0,
        )
      : null;
    const lens = lengths ? contiguousAtZero(lengths) : null;
    const R = packedRegions(T, B, Hp);
    // Every step writes y for every row unless lengths leave padded steps (which stay 0).
    const out = lengths ? zeros([R.total], { device }) : empty([R.total], { device });
    assign(reshape(slice(out, 0, R.ping, R.pong), [B, Hp]), h0p);
    if (c0p) assign(reshape(slice(out, 0, R.c, R.total), [B, Hp]), c0p);
    if (h0p !== h0) h0p.dispose();
    return { xp, w, wT, b, c0p, lens, out, R };
  });
  const { xp, w, wT, b, c0p, lens, out, R } = prep;
  // Without `save` the kernels write none of these: their bindings get dummies (a writable
  // binding may alias no other), as does GRU's cells.
  const saved = (shape: number[]) =>
    !save ? empty([4], { device }) : lengths ? zeros(shape, { device }) : empty(shape, { device });
  const gates = saved([T, B, Hp, 4]);
  const cells = cell === 'lstm' ? saved([T, B, Hp]) : null;
  const hin = saved([T, B, Hp]);
  const cellsBinding = cells ?? empty([4], { device });
  const hnRegion = T % 2 === 0 ? R.ping : R.pong;

  const layout = (offW: number): RecurrentLayout => ({
    cell,
    t: T,
    b: B,
    hp: Hp,
    reverse,
    lengths: lengthValues,
    offXp: xp.offset,
    offW,
    xsT: xp.strides[0],
    xsB: xp.strides[1],
  });
  /** Uniform words of step s; only the final flag and the vec4 offsets differ per pass. */
  const stepParams = (
    s: number,
    final: boolean,
    off: Pick<RecurrentParams, 'offCur' | 'offNext' | 'offC' | 'offXp' | 'offW'>,
  ) =>
    recurrentParamWords({
      xsT: xp.strides[0] / 4,
      xsB: xp.strides[1] / 4,
      t: T,
      b: B,
      h4: Hp / 4,
      s,
      reverse,
      hasLengths: !!lengths,
      final,
      ...off,
    });
  onBackend(
    out,
    () =>
      recurrentForwardReference(
        layout(0),
        cpuData(xp),
        cpuData(wT),
        cpuData(b),
        cpuData(out),
        cpuData(gates),
        cells ? cpuData(cells) : {},
        cpuData(hin),
      ),
    (backend) => {
      const k = stepKernel(cell, backend, B, Hp, save);
      // W_hhᵀ as Hp rows (k) of Hp vec4 texels (units): one copy for all steps.
      const wTex = k.textureForward ? backend.takeTexture(Hp, Hp) : undefined;
      if (wTex) backend.copyToTexture(wT.storage, wT.offset * 4, wTex, 0, Hp);
      // h also in two textures of B rows × Hp/4 texels that the steps read and write in turn.
      const hTex = k.hTexture
        ? [backend.takeTexture(Hp / 4, B), backend.takeTexture(Hp / 4, B)]
        : null;
      if (hTex) backend.copyToTexture(out.storage, R.ping * 4, hTex[0], 0, B);
      for (let s = 0; s < T; s++) {
        backend.dispatch({
          key: k.forwardKey,
          code: k.forward,
          buffers: [
            xp.storage,
            wT.storage,
            lens?.storage ?? backend.unusedBinding,
            b.storage,
            out.storage,
            gates.storage,
            cellsBinding.storage,
            hin.storage,
          ],
          writes: [4, 5, 6, 7],
          params: stepParams(s, false, {
            offCur: (s % 2 === 0 ? R.ping : R.pong) / 4,
            offNext: (s % 2 === 0 ? R.pong : R.ping) / 4,
            offC: R.c / 4,
            offXp: xp.offset / 4,
            offW: 0,
          }),
          // W_hhᵀ, then (hTexture, which implies textureForward) h_{t−1} in and h_t out.
          textures: wTex && [
            { texture: wTex },
            ...(hTex
              ? [{ texture: hTex[s % 2] }, { texture: hTex[1 - (s % 2)], write: true }]
              : []),
          ],
          workgroups: k.forwardGroups,
        });
      }
      if (wTex) backend.releaseTexture(wTex);
      if (hTex) for (const t of hTex) backend.releaseTexture(t);
      return undefined;
    },
  );
  if (!cells) cellsBinding.dispose();

  record(out, op, inputs, (gOut) => {
    const g = contiguousAtZero(gOut);
    const dxp = zeros([T, B, Hp, 4], { device });
    const carry = empty([B, Hp], { device });
    if (cell === 'lstm') assign(carry, reshape(slice(g, 0, R.c, R.total), [B, Hp]));
    const dh0 = empty([B, Hp], { device });
    onBackend(
      dxp,
      () =>
        recurrentBackwardReference(
          layout(w.offset),
          cpuData(g),
          cpuData(w),
          cpuData(gates),
          cells ? cpuData(cells) : [],
          c0p ? cpuData(c0p) : [],
          cpuData(hin),
          hnRegion,
          cpuData(dxp),
          cpuData(dh0),
          cpuData(carry),
        ),
      (backend) => {
        const k = stepKernel(cell, backend, B, Hp, save);
        // W_hh as 4·Hp rows (unit, gate) of Hp/4 vec4 texels (unit blocks).
        const wTex = k.textureBackward ? backend.takeTexture(Hp / 4, 4 * Hp) : undefined;
        if (wTex) backend.copyToTexture(w.storage, w.offset * 4, wTex, 0, 4 * Hp);
        for (let s = T - 1; s >= -1; s--) {
          backend.dispatch({
            key: k.backwardKey,
            code: k.backward,
            buffers: [
              g.storage,
              w.storage,
              lens?.storage ?? backend.unusedBinding,
              gates.storage,
              cells?.storage ?? backend.unusedBinding,
              c0p?.storage ?? backend.unusedBinding,
              hin.storage,
              dxp.storage,
              carry.storage,
              dh0.storage,
            ],
            writes: [7, 8, 9],
            params: stepParams(Math.max(s, 0), s < 0, {
              offCur: hnRegion / 4,
              offNext: 0,
              offC: 0,
              offXp: 0,
              offW: w.offset / 4,
            }),
            textures: wTex ? [{ texture: wTex }] : undefined,
            workgroups: k.backwardGroups,
          });
        }
        if (wTex) backend.releaseTexture(wTex);
        return undefined;
      },
    );
    // The gate gradients in the same unit-major layout are the gradient of xproj; the
    // weight gradient sums dG_tᵀ h_{t−1} over all steps in one matmul.
    const flatG = reshape(dxp, [T * B, Hp * 4]);
    // GRU: slot 3 of the kernel's gate gradients is the hidden path's (dn ⊙ r) and slot 2
    // the input path's; each side's unused slot gets a zero gradient, as its forward ignores it.
    // The slot axis is the one of size 4 in `shape` right after the units axis.
    const gruOnly = (t: Tensor, shape: number[], keep: number[], maskShape = [4]) =>
      cell === 'gru'
        ? reshape(mul(reshape(t, shape), tensorOf(keep, { device, shape: maskShape })), t.shape)
        : t;
    const unpadRows = (t: Tensor, cols: number) =>
      padH ? reshape(slice(slice(reshape(t, [Hp, 4, cols]), 0, 0, H), 2, 0, H), [H * 4, H]) : t;
    const dW = whh.requiresGrad
      ? gruOnly(
          // (hinᵀ · dG)ᵀ: the transposed operand copied for the matmul is hin, 4× smaller than dG.
          contiguous(unpadRows(transpose(matmul(transpose(reshape(hin, [T * B, Hp])), flatG)), Hp)),
          [H, 4, H],
          HIDDEN_SLOTS,
          [4, 1],
        )
      : null;
    const dX = xproj.requiresGrad
      ? gruOnly(
          padH
            ? reshape(contiguous(slice(dxp, 2, 0, H)), [T, B, H * 4])
            : reshape(dxp, [T, B, H * 4]),
          [T, B, H, 4],
          [1, 1, 1, 0],
        )
      : null;
    // Bias gradients: the gate gradients summed over steps and rows (GRU: each bias's slots).
    const gateSum =
      bhh?.requiresGrad || xBias?.requiresGrad
        ? contiguous(slice(sum(flatG, 0), 0, 0, H * 4))
        : null;
    const dB = bhh?.requiresGrad ? gruOnly(gateSum!, [H, 4], [1, 1, 0, 1]) : null;
    const dXBias = xBias?.requiresGrad ? gruOnly(gateSum!, [H, 4], [1, 1, 1, 0]) : null;
    const unpadState = (t: Tensor) => (padH ? contiguous(slice(t, 1, 0, H)) : t);
    const grads: (Tensor | null)[] = [dX, dW, h0.requiresGrad ? unpadState(dh0) : null];
    if (c0) grads.push(c0.requiresGrad ? unpadState(carry) : null);
    if (bhh) grads.push(dB);
    if (xBias) grads.push(dXBias);
    return grads;
  });
  const keepSaved = out.requiresGrad; // implies `save`
  const inspect = options.inspect ?? false;
  const result: RecurrentScanResult = {
    output: slice(reshape(slice(out, 0, 0, T * B * Hp), [T, B, Hp]), 2, 0, H),
    hN: slice(reshape(slice(out, 0, hnRegion, hnRegion + B * Hp), [B, Hp]), 1, 0, H),
  };
  if (cell === 'lstm') result.cN = slice(reshape(slice(out, 0, R.c, R.total), [B, Hp]), 1, 0, H);
  if (inspect) {
    result.gates = slice(gates.detach(), 2, 0, H);
    if (cells) result.cells = slice(cells.detach(), 2, 0, H);
  }
  if (!keepSaved) {
    for (const t of [gates, cells, hin]) if (t) t.dispose();
    if (w !== whh) w.dispose();
    if (c0p && c0p !== c0) c0p.dispose();
    if (lens && lens !== lengths) lens.dispose();
    if (xp !== xproj) xp.dispose();
  }
  wT.dispose();
  if (b !== bhh && b !== xBias) b.dispose();
  out.dispose(); // the views above hold the storage
  return result;
}
