import { WGSL_WORKGROUP_INDEX } from '../common.js';

export const LOSS_ROW_WORKGROUP = 128;
export const LOSS_WORKGROUP = 256;

/**
 * Class-index losses over logits viewed as (N, C, inner) (PyTorch's (N, C, d1, ...) layout):
 * row r = (n, i) has classes at stride `inner` and target t = target[r].
 * With smoothing ε the target distribution is q_c = (1 − ε)[c = t] + ε / C, so
 *   cross-entropy: ℓ = Σ_c q_c (lse − x_c) = lse − (1 − ε) x_t − (ε / C) Σ_c x_c
 *   nll (x already log-probabilities): the same with lse = 0.
 * Ignored rows (t = ignoreIndex) give 0; other targets outside [0, C) give NaN so they show.
 */
const PARAMS = /* wgsl */ `
struct Params { rows: u32, c: u32, inner: u32, offX: u32, offT: u32, offG: u32, ignore: i32, smoothing: f32, fromLogits: u32, nan: f32, ninf: f32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
fn elem(row: u32, c: u32) -> u32 { return ((row / p.inner) * p.c + c) * p.inner + row % p.inner; }`;

/** Forward: one workgroup per row; reduces (max, Σ exp(x − max), Σ x) in one tree. */
export function classLossWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<i32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> lseOut: array<f32>;
var<workgroup> partial: array<vec3<f32>, ${LOSS_ROW_WORKGROUP}>;
// Online log-sum-exp merge (Milakov & Gimelshein 2018) of (max, Σ exp(x − max)), plus a plain sum.
fn merge(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
  if (b.y == 0.0) { return vec3<f32>(a.x, a.y, a.z + b.z); }
  if (a.y == 0.0) { return vec3<f32>(b.x, b.y, a.z + b.z); }
  if (a.x == b.x) { return vec3<f32>(a.x, a.y + b.y, a.z + b.z); }
  let m = max(a.x, b.x);
  return vec3<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m), a.z + b.z);
}
@compute @workgroup_size(${LOSS_ROW_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.rows) { return; }
  var st = vec3<f32>(p.ninf, 0.0, 0.0);
  for (var c = lid; c < p.c; c += ${LOSS_ROW_WORKGROUP}u) {
    let x = x_[p.offX + elem(row, c)];
    st = merge(st, vec3<f32>(x, 1.0, x));
  }
  partial[lid] = st;
  workgroupBarrier();
  for (var s = ${LOSS_ROW_WORKGROUP / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = merge(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid != 0u) { return; }
  st = partial[0];
  var lse = 0.0;
  if (p.fromLogits == 1u) { lse = select(st.x + log(st.y), p.ninf, st.y == 0.0); }
  let t = tgt[p.offT + row];
  var l = 0.0;
  if (t != p.ignore) {
    if ((t < 0) || (u32(t) >= p.c)) {
      l = p.nan;
    } else {
      let xt = x_[p.offX + elem(row, u32(t))];
      l = lse - (1.0 - p.smoothing) * xt;
      if (p.smoothing != 0.0) { l -= p.smoothing / f32(p.c) * st.z; }
    }
  }
  loss[row] = l;
  lseOut[row] = lse;
}`;
}

/**
 * Backward, one invocation per input element: dℓ/dx_c = g · (softmax_c − q_c) for
 * cross-entropy (softmax_c = exp(x_c − lse) from the saved lse), g · (−q_c) for nll;
 * 0 on ignored rows.
 */
export function classLossBackwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<i32>;
@group(0) @binding(3) var<storage, read> g_: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(${LOSS_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = wgIndex(wid, nwg) * ${LOSS_WORKGROUP}u + lid;
  if (e >= p.rows * p.c) { return; }
  let i = e % p.inner;
  let c = (e / p.inner) % p.c;
  let row = (e / (p.inner * p.c)) * p.inner + i;
  let t = tgt[p.offT + row];
  var d = 0.0;
  if (t != p.ignore) {
    let q = (1.0 - p.smoothing) * select(0.0, 1.0, t == i32(c)) + p.smoothing / f32(p.c);
    var prob = 0.0;
    if (p.fromLogits == 1u) { prob = exp(x_[p.offX + e] - lse[row]); }
    d = g_[p.offG + row] * (prob - q);
  }
  dx[e] = d;
}`;
}

// ---- CPU references ------------------------------------------------------------------------

export interface ClassLossLayout {
  rows: number;
  c: number;
  inner: number;
  offX: number;
  offT: number;
  offG: number;
  ignore: number;
  smoothing: number;
  fromLogits: boolean;
}

type Out = { [i: number]: number };
const elemOf = (l: ClassLossLayout, row: number, c: number) =>
  (Math.floor(row / l.inner) * l.c + c) * l.inner + (row % l.inner);

export function classLossReference(
  l: ClassLossLayout,
  x: ArrayLike<number>,
  target: ArrayLike<number>,
  loss: Out,
  lseOut: Out,
): void {
  for (let r = 0; r < l.rows; r++) {
    let m = -Infinity;
    let sumX = 0;
    for (let c = 0; c < l.c; c++) {
      const v = x[l.offX + elemOf(l, r, c)];
      m = Math.max(m, v);
      sumX += v;
    }
    let lse = 0;
    if (l.fromLogits) {
      let s = 0;
      if (m !== -Infinity)
        for (let c = 0; c < l.c; c++) s += Math.exp(x[l.offX + elemOf(l, r, c)] - m);
      lse = s === 0 ? -Infinity : m + Math.log(s);
    }
    const t = target[l.offT + r];
    let value = 0;
    if (t !== l.ignore) {
      if (t < 0 || t >= l.c) value = Number.NaN;
      else {
        value = lse - (1 - l.smoothing) * x[l.offX + elemOf(l, r, t)];
        if (l.smoothing !== 0) value -= (l.smoothing / l.c) * sumX;
      }
    }
    loss[r] = value;
    lseOut[r] = lse;
  }
}

export function classLossBackwardReference(
  l: ClassLossLayout,
  x: ArrayLike<number>,
  target: ArrayLike<number>,
  g: ArrayLike<number>,
  lse: ArrayLike<number>,
  dx: Out,
): void {
  for (let r = 0; r < l.rows; r++) {
    const t = target[l.offT + r];
    for (let c = 0; c < l.c; c++) {
      const e = elemOf(l, r, c);
      if (t === l.ignore) {
        dx[e] = 0;
        continue;
      }
      const q = (1 - l.smoothing) * (t === c ? 1 : 0) + l.smoothing / l.c;
      const prob = l.fromLogits ? Math.exp(x[l.offX + e] - lse[r]) : 0;
      dx[e] = g[l.offG + r] * (prob - q);
    }
  }
}
