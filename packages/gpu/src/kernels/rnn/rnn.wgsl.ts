import { WGSL_WORKGROUP_INDEX } from '../common.js';

/**
 * Fused recurrent kernels for h_t = act(xproj_t + h_{t−1}·W_hhᵀ), where xproj already holds
 * the hoisted input projection x_t·W_ihᵀ + b_ih + b_hh for every step (one matmul outside).
 *
 * Layouts (all contiguous f32): xproj (T, B, H); h0 (B, H); W (H, H) = W_hh (rows: output
 * unit j, columns: input unit k); states S (T + 1, B, H) with S[0] = h0 and S[t + 1] = h_t.
 * Steps past a sequence's length copy the state forward (padded steps do not update it), so
 * S[T] is every sequence's final state.
 *
 * Two forms of each direction:
 *   - step: one dispatch per time step, a 16×16-tiled matmul with the activation fused
 *     (any hidden size, good occupancy);
 *   - sequence: one dispatch for all steps, one workgroup per sequence keeping its state in
 *     workgroup memory (hidden ≤ RNN_SEQUENCE_MAX_HIDDEN); no per-step launch cost.
 */

export const RNN_TILE = 16;
export const RNN_SEQUENCE_WORKGROUP = 256;
export const RNN_SEQUENCE_MAX_HIDDEN = 1024;
const PER_THREAD = RNN_SEQUENCE_MAX_HIDDEN / RNN_SEQUENCE_WORKGROUP;

export type RnnActivation = 'tanh' | 'relu';
export const ACTIVATION_CODE: Record<RnnActivation, number> = { tanh: 0, relu: 1 };

export interface RnnLayout {
  T: number;
  B: number;
  H: number;
  act: RnnActivation;
  hasLengths: boolean;
  offX: number;
  offH0: number;
  offW: number;
  offG: number;
}

const PARAMS = /* wgsl */ `
struct Params { T: u32, B: u32, H: u32, t: u32, act: u32, hasLen: u32, offX: u32, offH0: u32, offW: u32, offG: u32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
fn activate(z: f32) -> f32 {
  if (p.act == 0u) { return tanh(z); }
  return max(z, 0.0);
}
// The derivative from the activation's output y (tanh' = 1 − y², relu' = [y > 0]).
fn activateGrad(y: f32) -> f32 {
  if (p.act == 0u) { return 1.0 - y * y; }
  return select(0.0, 1.0, y > 0.0);
}`;

const LENGTH = /* wgsl */ `
fn valid(t: u32, b: u32) -> bool {
  return p.hasLen == 0u || i32(t) < len_[b];
}`;

/**
 * Entry point of the step kernels: a RNN_TILE × RNN_TILE workgroup owns the tile of batch
 * rows b0.. and units j0..; invocation (lid.x, lid.y) owns row b and unit j; acc starts at 0.
 */
const STEP_MAIN = /* wgsl */ `@compute @workgroup_size(${RNN_TILE}, ${RNN_TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let tilesJ = (p.H + ${RNN_TILE - 1}u) / ${RNN_TILE}u;
  let tile = wgIndex(wid, nwg);
  let b0 = (tile / tilesJ) * ${RNN_TILE}u;
  let j0 = (tile % tilesJ) * ${RNN_TILE}u;
  let b = b0 + lid.y;
  let j = j0 + lid.x;
  var acc = 0.0;`;

/**
 * Entry point of the sequence kernels: workgroup b owns sequence b (bb clamped into range,
 * live when b is a real row).
 */
const SEQUENCE_MAIN = /* wgsl */ `@compute @workgroup_size(${RNN_SEQUENCE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let b = wgIndex(wid, nwg);
  let live = b < p.B;
  let bb = min(b, p.B - 1u);`;

/** `body` once for each unit j = lid + r·workgroup (r < PER_THREAD) below H that this invocation owns. */
function eachUnit(body: string): string {
  return `for (var r = 0u; r < ${PER_THREAD}u; r++) {
    let j = lid + r * ${RNN_SEQUENCE_WORKGROUP}u;
    if (j < p.H) {${body}
    }
  }`;
}

/** Forward, one step t (p.t): S[t+1] = act(xproj[t] + S[t]·Wᵀ) (S[t] read from h0 when t = 0). */
export function rnnStepForwardWGSL(): string {
  const T = RNN_TILE;
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> h0_: array<f32>;
@group(0) @binding(3) var<storage, read> w_: array<f32>;
@group(0) @binding(4) var<storage, read> len_: array<i32>;
@group(0) @binding(5) var<storage, read_write> s_: array<f32>;
${LENGTH}
var<workgroup> hs: array<array<f32, ${T}>, ${T}>;
var<workgroup> ws: array<array<f32, ${T + 1}>, ${T}>;
fn prev(b: u32, k: u32) -> f32 {
  if (p.t == 0u) { return h0_[p.offH0 + b * p.H + k]; }
  return s_[(p.t * p.B + b) * p.H + k];
}
${STEP_MAIN}
  for (var k0 = 0u; k0 < p.H; k0 += ${T}u) {
    let kx = k0 + lid.x;
    hs[lid.y][lid.x] = select(0.0, prev(min(b, p.B - 1u), min(kx, p.H - 1u)), b < p.B && kx < p.H);
    let jw = j0 + lid.y;
    ws[lid.y][lid.x] = select(0.0, w_[p.offW + min(jw, p.H - 1u) * p.H + min(kx, p.H - 1u)], jw < p.H && kx < p.H);
    workgroupBarrier();
    for (var kk = 0u; kk < ${T}u; kk++) { acc += hs[lid.y][kk] * ws[lid.x][kk]; }
    workgroupBarrier();
  }
  if (b >= p.B || j >= p.H) { return; }
  let h = prev(b, j);
  if (p.t == 0u) { s_[b * p.H + j] = h; }
  let out = (p.t + 1u) * p.B * p.H + b * p.H + j;
  if (valid(p.t, b)) {
    s_[out] = activate(x_[p.offX + (p.t * p.B + b) * p.H + j] + acc);
  } else {
    s_[out] = h;
  }
}`;
}

/**
 * Backward, one step t (p.t, run from T−1 down to 0). With dh = dS[t+1] + carry (carry = 0
 * at t = T−1): dz = dh ⊙ act′(S[t+1]) → dZ[t]; carry′ = dz·W. Padded steps pass dh through
 * unchanged with dz = 0. Carries ping-pong in C (2, B, H); at t = 0 the result dS[0] + carry′
 * goes to dh0. dz for the contraction is recomputed while loading a tile (no extra pass).
 */
export function rnnStepBackwardWGSL(): string {
  const T = RNN_TILE;
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> s_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read> g_: array<f32>;
@group(0) @binding(4) var<storage, read> len_: array<i32>;
@group(0) @binding(5) var<storage, read_write> dz_: array<f32>;
@group(0) @binding(6) var<storage, read_write> c_: array<f32>;
@group(0) @binding(7) var<storage, read_write> dh0_: array<f32>;
${LENGTH}
var<workgroup> zs: array<array<f32, ${T}>, ${T}>;
var<workgroup> ws: array<array<f32, ${T}>, ${T}>;
fn dh(b: u32, k: u32) -> f32 {
  let i = b * p.H + k;
  let carry = select(c_[((p.t + 1u) % 2u) * p.B * p.H + i], 0.0, p.t + 1u == p.T);
  return g_[p.offG + (p.t + 1u) * p.B * p.H + i] + carry;
}
fn dz(b: u32, k: u32) -> f32 {
  if (!valid(p.t, b)) { return 0.0; }
  return dh(b, k) * activateGrad(s_[(p.t + 1u) * p.B * p.H + b * p.H + k]);
}
${STEP_MAIN}
  for (var k0 = 0u; k0 < p.H; k0 += ${T}u) {
    let kx = k0 + lid.x;
    zs[lid.y][lid.x] = select(0.0, dz(min(b, p.B - 1u), min(kx, p.H - 1u)), b < p.B && kx < p.H);
    let kw = k0 + lid.y;
    ws[lid.y][lid.x] = select(0.0, w_[p.offW + min(kw, p.H - 1u) * p.H + min(j, p.H - 1u)], kw < p.H && j < p.H);
    workgroupBarrier();
    for (var kk = 0u; kk < ${T}u; kk++) { acc += zs[lid.y][kk] * ws[kk][lid.x]; }
    workgroupBarrier();
  }
  if (b >= p.B || j >= p.H) { return; }
  let i = b * p.H + j;
  let ok = valid(p.t, b);
  dz_[p.t * p.B * p.H + i] = dz(b, j);
  let carry = select(dh(b, j), acc, ok);
  if (p.t == 0u) {
    dh0_[i] = g_[p.offG + i] + carry;
  } else {
    c_[(p.t % 2u) * p.B * p.H + i] = carry;
  }
}`;
}

/**
 * Forward, all steps in one dispatch: workgroup b owns sequence b, keeps h_{t−1} in
 * workgroup memory and loops over t; invocation l computes units j = l, l + 256, ...
 * Reads Wᵀ (H, H) so that neighbouring invocations read neighbouring words.
 */
export function rnnSequenceForwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> h0_: array<f32>;
@group(0) @binding(3) var<storage, read> wt_: array<f32>;
@group(0) @binding(4) var<storage, read> len_: array<i32>;
@group(0) @binding(5) var<storage, read_write> s_: array<f32>;
${LENGTH}
var<workgroup> hsh: array<f32, ${RNN_SEQUENCE_MAX_HIDDEN}>;
${SEQUENCE_MAIN}
  for (var j = lid; j < p.H; j += ${RNN_SEQUENCE_WORKGROUP}u) {
    let h = h0_[p.offH0 + bb * p.H + j];
    hsh[j] = h;
    if (live) { s_[bb * p.H + j] = h; }
  }
  workgroupBarrier();
  var next: array<f32, ${PER_THREAD}>;
  for (var t = 0u; t < p.T; t++) {
    let ok = valid(t, bb);
    ${eachUnit(`
    var acc = x_[p.offX + (t * p.B + bb) * p.H + j];
    for (var k = 0u; k < p.H; k++) { acc += hsh[k] * wt_[p.offW + k * p.H + j]; }
    next[r] = select(hsh[j], activate(acc), ok);`)}
    workgroupBarrier();
    ${eachUnit(`
    hsh[j] = next[r];
    if (live) { s_[((t + 1u) * p.B + bb) * p.H + j] = next[r]; }`)}
    workgroupBarrier();
  }
}`;
}

/** Backward, all steps in one dispatch (same recurrence as the step form; W read as is). */
export function rnnSequenceBackwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> s_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read> g_: array<f32>;
@group(0) @binding(4) var<storage, read> len_: array<i32>;
@group(0) @binding(5) var<storage, read_write> dz_: array<f32>;
@group(0) @binding(6) var<storage, read_write> dh0_: array<f32>;
${LENGTH}
var<workgroup> zsh: array<f32, ${RNN_SEQUENCE_MAX_HIDDEN}>;
${SEQUENCE_MAIN}
  var carry: array<f32, ${PER_THREAD}>;
  var dh: array<f32, ${PER_THREAD}>;
  for (var r = 0u; r < ${PER_THREAD}u; r++) { carry[r] = 0.0; }
  for (var step = 0u; step < p.T; step++) {
    let t = p.T - 1u - step;
    let ok = valid(t, bb);
    ${eachUnit(`
    let i = bb * p.H + j;
    dh[r] = g_[p.offG + (t + 1u) * p.B * p.H + i] + carry[r];
    let z = select(0.0, dh[r] * activateGrad(s_[(t + 1u) * p.B * p.H + i]), ok);
    zsh[j] = z;
    if (live) { dz_[t * p.B * p.H + i] = z; }`)}
    workgroupBarrier();
    ${eachUnit(`
    var acc = 0.0;
    for (var k = 0u; k < p.H; k++) { acc += zsh[k] * w_[p.offW + k * p.H + j]; }
    carry[r] = select(dh[r], acc, ok);`)}
    workgroupBarrier();
  }
  ${eachUnit(`
  if (live) { dh0_[bb * p.H + j] = g_[p.offG + bb * p.H + j] + carry[r]; }`)}
}`;
}

// ---- CPU references (plain loops; the oracle for both forms) ------------------------------

const act = (a: RnnActivation, z: number) => (a === 'tanh' ? Math.tanh(z) : Math.max(z, 0));
const actGrad = (a: RnnActivation, y: number) => (a === 'tanh' ? 1 - y * y : y > 0 ? 1 : 0);

export function rnnForwardReference(
  l: RnnLayout,
  x: ArrayLike<number>,
  h0: ArrayLike<number>,
  w: ArrayLike<number>,
  lengths: ArrayLike<number> | null,
  s: { [i: number]: number },
): void {
  const { T, B, H } = l;
  for (let i = 0; i < B * H; i++) s[i] = h0[l.offH0 + i];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const prev = (t * B + b) * H;
      const out = ((t + 1) * B + b) * H;
      const ok = !lengths || t < lengths[b];
      for (let j = 0; j < H; j++) {
        if (!ok) {
          s[out + j] = s[prev + j];
          continue;
        }
        let z = x[l.offX + (t * B + b) * H + j];
        for (let k = 0; k < H; k++) z += s[prev + k] * w[l.offW + j * H + k];
        s[out + j] = act(l.act, z);
      }
    }
  }
}

export function rnnBackwardReference(
  l: RnnLayout,
  s: ArrayLike<number>,
  w: ArrayLike<number>,
  g: ArrayLike<number>,
  lengths: ArrayLike<number> | null,
  dz: { [i: number]: number },
  dh0: { [i: number]: number },
): void {
  const { T, B, H } = l;
  let carry = new Float64Array(B * H);
  for (let t = T - 1; t >= 0; t--) {
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const ok = !lengths || t < lengths[b];
      const row = new Float64Array(H);
      for (let k = 0; k < H; k++) {
        const i = b * H + k;
        const dh = g[l.offG + (t + 1) * B * H + i] + carry[i];
        row[k] = ok ? dh * actGrad(l.act, s[(t + 1) * B * H + i]) : 0;
        dz[t * B * H + i] = row[k];
        if (!ok) next[i] = dh;
      }
      if (!ok) continue;
      for (let j = 0; j < H; j++) {
        let acc = 0;
        for (let k = 0; k < H; k++) acc += row[k] * w[l.offW + k * H + j];
        next[b * H + j] = acc;
      }
    }
    carry = next;
  }
  for (let i = 0; i < B * H; i++) dh0[i] = g[l.offG + i] + carry[i];
}
