import { WGSL_WORKGROUP_INDEX } from '../common.js';

export const NORM_WORKGROUP = 128;
/** dweight/dbias: rows summed per partial, before the partials are summed in order. */
export const NORM_ROWS_PER_PARTIAL = 256;
export const NORM_PARAM_WORKGROUP = 64;

/**
 * Layer norm and RMS norm share their kernels; `centered` picks layer norm.
 *   layer norm (Ba et al. 2016): x̂ = (x − μ)·σ⁻¹, σ = sqrt(mean((x − μ)²) + ε)
 *   RMS norm (Zhang & Sennrich 2019): x̂ = x·r, r = (mean(x²) + ε)^(-1/2)
 *   y = x̂ ⊙ w + b (w, b optional).
 */
const PARAMS = /* wgsl */ `
struct Params { rows: u32, d: u32, offX: u32, offW: u32, offB: u32, offG: u32, hasW: u32, hasB: u32, centered: u32, eps: f32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}`;

const ROW_SUM = /* wgsl */ `
var<workgroup> red: array<vec2<f32>, ${NORM_WORKGROUP}>;
// Tree sum of two values over the workgroup; every lane gets the totals. The first barrier
// keeps a previous call's readers of red[0] ahead of this call's writers.
fn rowSum(v: vec2<f32>, lid: u32) -> vec2<f32> {
  workgroupBarrier();
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${NORM_WORKGROUP / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  return red[0];
}`;

const ENTRY = /* wgsl */ `
@compute @workgroup_size(${NORM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let base = p.offX + row * p.d;
  let fd = f32(p.d);`;

/** As ENTRY, for kernels where each invocation owns one row (workgroups of NORM_WORKGROUP rows). */
const ENTRY_PER_LANE = /* wgsl */ `
@compute @workgroup_size(${NORM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg) * ${NORM_WORKGROUP}u + lid;
  if (row >= p.rows) { return; }
  let base = p.offX + row * p.d;
  let fd = f32(p.d);`;

const WEIGHT = 'select(1.0, w_[p.offW + i], p.hasW == 1u)';

/** Forward: one workgroup per row; two passes over the row (mean, then centred variance). */
export function normForwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read> b_: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
${ROW_SUM}
${ENTRY}
  var s = 0.0;
  for (var i = lid; i < p.d; i += ${NORM_WORKGROUP}u) { s += x_[base + i]; }
  let mean = select(0.0, rowSum(vec2<f32>(s, 0.0), lid).x / fd, p.centered == 1u);
  var q = 0.0;
  for (var i = lid; i < p.d; i += ${NORM_WORKGROUP}u) { let c = x_[base + i] - mean; q += c * c; }
  let rstd = inverseSqrt(rowSum(vec2<f32>(q, 0.0), lid).x / fd + p.eps);
  for (var i = lid; i < p.d; i += ${NORM_WORKGROUP}u) {
    let xhat = (x_[base + i] - mean) * rstd;
    y[row * p.d + i] = xhat * ${WEIGHT} + select(0.0, b_[p.offB + i], p.hasB == 1u);
  }
  if (lid == 0u) { meanOut[row] = mean; rstdOut[row] = rstd; }
}`;
}

// (n, mean, M2) of two disjoint sets combined (Chan, Golub & LeVeque 1979).
const COMBINE = /* wgsl */ `
fn combine(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
  let n = a.x + b.x;
  if (n == 0.0) { return a; }
  let delta = b.y - a.y;
  return vec3<f32>(n, a.y + delta * (b.x / n), a.z + b.z + delta * delta * (a.x * b.x / n));
}
// One vec4's (4, mean, M2) combined into a running (n, mean, M2).
fn fold4(st: vec3<f32>, v: vec4<f32>) -> vec3<f32> {
  let m = dot(v, vec4<f32>(1.0)) * 0.25;
  let c = v - vec4<f32>(m);
  return combine(st, vec3<f32>(4.0, m, dot(c, c)));
}`;

/** Uniforms and bindings of the two vec4 forward kernels. */
const FORWARD4_BINDINGS = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w_: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b_: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
${COMBINE}`;

/** From the row's (n, mean, M2) in \`st\`: mean, rstd, and y written from \`start\` in steps. */
const FORWARD4_EMIT = (start: string, step: string) => /* wgsl */ `
  let fd = f32(p.d);
  let centered = p.centered == 1u;
  let mean = select(0.0, st.y, centered);
  let meanSquare = select(st.z / fd + st.y * st.y, st.z / fd, centered);
  let rstd = inverseSqrt(meanSquare + p.eps);
  for (var i = ${start}; i < d4; i += ${step}) {
    let xhat = (x_[base4 + i] - vec4<f32>(mean)) * rstd;
    let w = select(one, w_[p.offW / 4u + i], p.hasW == 1u);
    let b = select(vec4<f32>(0.0), b_[p.offB / 4u + i], p.hasB == 1u);
    y[row * d4 + i] = xhat * w + b;
  }`;

/** Workgroup of the vec4 forward: fewer lanes mean fewer barrier rounds per row. */
export const NORM_FORWARD4_WORKGROUP = 64;

/**
 * The forward on vec4s, for rows whose length and offsets (x, weight, bias) are multiples of
 * 4. One pass gives each lane (count, mean, M2) over its vec4s, merged with Chan et al.'s
 * pairwise update (stable, unlike Σx² − (Σx)²/n), then one tree merge for the row and a
 * second pass that writes y. RMS norm uses mean(x²) = M2/n + mean².
 */
export function normForward4WGSL(): string {
  const wg = NORM_FORWARD4_WORKGROUP;
  return /* wgsl */ `${FORWARD4_BINDINGS}
var<workgroup> stats: array<vec3<f32>, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let d4 = p.d / 4u;
  let base4 = (p.offX + row * p.d) / 4u;
  let one = vec4<f32>(1.0);
  var acc = vec3<f32>(0.0);
  for (var i = lid; i < d4; i += ${wg}u) { acc = fold4(acc, x_[base4 + i]); }
  stats[lid] = acc;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k >>= 1u) {
    if (lid < k) { stats[lid] = combine(stats[lid], stats[lid + k]); }
    workgroupBarrier();
  }
  let st = stats[0];
${FORWARD4_EMIT('lid', `${wg}u`)}
  if (lid == 0u) { meanOut[row] = mean; rstdOut[row] = rstd; }
}`;
}

/**
 * The vec4 forward with one invocation per row, for software adapters (no barriers): the
 * lane folds (count, mean, M2) over its row's vec4s with the same update, then writes y.
 */
export function normForwardLane4WGSL(): string {
  const wg = NORM_FORWARD4_WORKGROUP;
  return /* wgsl */ `${FORWARD4_BINDINGS}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg) * ${wg}u + lid;
  if (row >= p.rows) { return; }
  let d4 = p.d / 4u;
  let base4 = (p.offX + row * p.d) / 4u;
  let one = vec4<f32>(1.0);
  var st = vec3<f32>(0.0);
  for (var i = 0u; i < d4; i++) { st = fold4(st, x_[base4 + i]); }
${FORWARD4_EMIT('0u', '1u')}
  meanOut[row] = mean;
  rstdOut[row] = rstd;
}`;
}

/**
 * dx, one workgroup per row. With ĝ = g ⊙ w:
 *   layer norm: dx = σ⁻¹ (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))
 *   RMS norm:   dx = r (ĝ − x̂ · mean(ĝ ⊙ x̂))
 */
export function normBackwardWGSL(perLane = false): string {
  // perLane (software adapters): one invocation per row walks it alone, with no barrier.
  const entry = perLane ? ENTRY_PER_LANE : `${ROW_SUM}\n${ENTRY}`;
  const start = perLane ? '0u' : 'lid';
  const step = perLane ? '1u' : `${NORM_WORKGROUP}u`;
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read> g_: array<f32>;
@group(0) @binding(4) var<storage, read> mean_: array<f32>;
@group(0) @binding(5) var<storage, read> rstd_: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
${entry}
  let gbase = p.offG + row * p.d;
  let mean = mean_[row];
  let rstd = rstd_[row];
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = ${start}; i < p.d; i += ${step}) {
    let gw = g_[gbase + i] * ${WEIGHT};
    acc += vec2<f32>(gw, gw * (x_[base + i] - mean) * rstd);
  }
  let m = ${perLane ? 'acc' : 'rowSum(acc, lid)'} / fd;
  let mg = select(0.0, m.x, p.centered == 1u);
  for (var i = ${start}; i < p.d; i += ${step}) {
    let gw = g_[gbase + i] * ${WEIGHT};
    let xhat = (x_[base + i] - mean) * rstd;
    dx[row * p.d + i] = rstd * (gw - mg - xhat * m.y);
  }
}`;
}

/**
 * dweight and dbias, first pass: partial[c, k] = Σ over rows k·256 .. k·256+255 of g ⊙ x̂
 * (and of g). Each partial is one invocation's in-order loop, and the partials are then summed
 * over k by the ordinary reduction, so the result is the same on every run (no atomics).
 */
export function normParamPartialsWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> g_: array<f32>;
@group(0) @binding(3) var<storage, read> mean_: array<f32>;
@group(0) @binding(4) var<storage, read> rstd_: array<f32>;
@group(0) @binding(5) var<storage, read_write> dw: array<f32>;
@group(0) @binding(6) var<storage, read_write> db: array<f32>;
@compute @workgroup_size(${NORM_PARAM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wgIndex(wid, nwg) * ${NORM_PARAM_WORKGROUP}u + lid;
  let chunks = (p.rows + ${NORM_ROWS_PER_PARTIAL - 1}u) / ${NORM_ROWS_PER_PARTIAL}u;
  if (t >= chunks * p.d) { return; }
  let k = t / p.d;
  let c = t % p.d;
  var sw = 0.0;
  var sb = 0.0;
  let end = min(p.rows, (k + 1u) * ${NORM_ROWS_PER_PARTIAL}u);
  for (var row = k * ${NORM_ROWS_PER_PARTIAL}u; row < end; row++) {
    let gv = g_[p.offG + row * p.d + c];
    sw += gv * (x_[p.offX + row * p.d + c] - mean_[row]) * rstd_[row];
    sb += gv;
  }
  dw[t] = sw;
  if (p.hasB == 1u) { db[t] = sb; }
}`;
}

// ---- CPU references ------------------------------------------------------------------------

type Out = { [i: number]: number };

export interface NormLayout {
  rows: number;
  d: number;
  offX: number;
  offW: number;
  offB: number;
  offG: number;
  centered: boolean;
  eps: number;
}

export function normForwardReference(
  l: NormLayout,
  x: ArrayLike<number>,
  w: ArrayLike<number> | null,
  b: ArrayLike<number> | null,
  y: Out,
  meanOut: Out,
  rstdOut: Out,
): void {
  for (let r = 0; r < l.rows; r++) {
    const base = l.offX + r * l.d;
    let mean = 0;
    if (l.centered) {
      for (let i = 0; i < l.d; i++) mean += x[base + i];
      mean /= l.d;
    }
    let q = 0;
    for (let i = 0; i < l.d; i++) q += (x[base + i] - mean) ** 2;
    const rstd = 1 / Math.sqrt(q / l.d + l.eps);
    for (let i = 0; i < l.d; i++) {
      const xhat = (x[base + i] - mean) * rstd;
      y[r * l.d + i] = xhat * (w ? w[l.offW + i] : 1) + (b ? b[l.offB + i] : 0);
    }
    meanOut[r] = mean;
    rstdOut[r] = rstd;
  }
}

export function normBackwardReference(
  l: NormLayout,
  x: ArrayLike<number>,
  w: ArrayLike<number> | null,
  g: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  dx: Out,
): void {
  for (let r = 0; r < l.rows; r++) {
    const base = l.offX + r * l.d;
    const gbase = l.offG + r * l.d;
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < l.d; i++) {
      const gw = g[gbase + i] * (w ? w[l.offW + i] : 1);
      sg += gw;
      sgx += gw * (x[base + i] - mean[r]) * rstd[r];
    }
    const mg = l.centered ? sg / l.d : 0;
    for (let i = 0; i < l.d; i++) {
      const gw = g[gbase + i] * (w ? w[l.offW + i] : 1);
      const xhat = (x[base + i] - mean[r]) * rstd[r];
      dx[r * l.d + i] = rstd[r] * (gw - mg - (xhat * sgx) / l.d);
    }
  }
}

export function normParamPartialsReference(
  l: NormLayout,
  x: ArrayLike<number>,
  g: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  dw: Out,
  db: Out | null,
): void {
  const chunks = Math.ceil(l.rows / NORM_ROWS_PER_PARTIAL);
  for (let k = 0; k < chunks; k++)
    for (let c = 0; c < l.d; c++) {
      let sw = 0;
      let sb = 0;
      const end = Math.min(l.rows, (k + 1) * NORM_ROWS_PER_PARTIAL);
      for (let r = k * NORM_ROWS_PER_PARTIAL; r < end; r++) {
        const gv = g[l.offG + r * l.d + c];
        sw += gv * (x[l.offX + r * l.d + c] - mean[r]) * rstd[r];
        sb += gv;
      }
      dw[k * l.d + c] = sw;
      if (db) db[k * l.d + c] = sb;
    }
}
