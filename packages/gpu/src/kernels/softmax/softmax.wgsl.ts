import { WGSL_WORKGROUP_INDEX } from '../common.js';

export const SOFTMAX_ROW_WORKGROUP = 128;
export const SOFTMAX_LANE_WORKGROUP = 256;

const ONLINE = /* wgsl */ `
// (max, sum of exp(x - max)) pairs merged online (Milakov & Gimelshein 2018).
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.y == 0.0) { return a; }
  if (a.y == 0.0) { return b; }
  if (a.x == b.x) { return vec2<f32>(a.x, a.y + b.y); }
  let m = max(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}
// One vec4 folded into a lane's running pair: one exp per element, one rescale per vec4.
fn fold4(st: vec2<f32>, v: vec4<f32>) -> vec2<f32> {
  let m = max(st.x, max(max(v.x, v.y), max(v.z, v.w)));
  return vec2<f32>(m, st.y * exp(st.x - m) + dot(exp(v - vec4<f32>(m)), vec4<f32>(1.0)));
}`;

/** Uniforms and bindings of the two vec4 row kernels. */
const ROW4_BINDINGS = /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32, offIn: u32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
${WGSL_WORKGROUP_INDEX}
${ONLINE}`;

/**
 * The output vec4 for input x from the row's (max, sum) pair `st`. A row of -inf sums to 0:
 * zeros from softmax, the -inf inputs from log-softmax.
 */
function emit4(log: boolean): string {
  return log
    ? 'select(x - vec4<f32>(st.x + log(st.y)), x, st.y == 0.0)'
    : 'select(exp(x - vec4<f32>(st.x)) * (1.0 / st.y), vec4<f32>(0.0), st.y == 0.0)';
}

/**
 * Softmax / log-softmax over the middle axis of a contiguous (outer, R, inner) view.
 * `row`: one workgroup per row (inner == 1); `lanes`: one invocation per (outer, inner) column.
 * A row that is entirely -inf yields zeros (softmax) or -inf (log-softmax), never NaN.
 */
export function softmaxWGSL(log: boolean, variant: 'row' | 'lanes'): string {
  // A row of -inf merges to (-inf, n): treat a max below the lowest finite f32 as empty.
  const empty = '(st.y == 0.0 || st.x < -3.4028234663852886e38)';
  const emit = log
    ? `select(x - st.x - log(st.y), x, ${empty})`
    : `select(exp(x - st.x) / st.y, 0.0, ${empty})`;
  const header = /* wgsl */ `
struct Params { outer: u32, r: u32, inner: u32, offIn: u32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${WGSL_WORKGROUP_INDEX}
${ONLINE}`;
  if (variant === 'lanes') {
    return /* wgsl */ `${header}
@compute @workgroup_size(${SOFTMAX_LANE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = wgIndex(wid, nwg) * ${SOFTMAX_LANE_WORKGROUP}u + lid;
  if (o >= p.outer * p.inner) { return; }
  let rel = (o / p.inner) * p.r * p.inner + o % p.inner;
  var st = vec2<f32>(0.0, 0.0);
  for (var r = 0u; r < p.r; r++) { st = merge(st, vec2<f32>(x_[p.offIn + rel + r * p.inner], 1.0)); }
  for (var r = 0u; r < p.r; r++) {
    let x = x_[p.offIn + rel + r * p.inner];
    out[rel + r * p.inner] = ${emit};
  }
}`;
  }
  return /* wgsl */ `${header}
var<workgroup> partial: array<vec2<f32>, ${SOFTMAX_ROW_WORKGROUP}>;
@compute @workgroup_size(${SOFTMAX_ROW_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.outer) { return; }
  let base = p.offIn + row * p.r;
  var st = vec2<f32>(0.0, 0.0);
  for (var r = lid; r < p.r; r += ${SOFTMAX_ROW_WORKGROUP}u) { st = merge(st, vec2<f32>(x_[base + r], 1.0)); }
  partial[lid] = st;
  workgroupBarrier();
  for (var stride = ${SOFTMAX_ROW_WORKGROUP / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] = merge(partial[lid], partial[lid + stride]); }
    workgroupBarrier();
  }
  st = partial[0];
  for (var r = lid; r < p.r; r += ${SOFTMAX_ROW_WORKGROUP}u) {
    let x = x_[base + r];
    out[row * p.r + r] = ${emit};
  }
}`;
}

/** Workgroup of the vec4 row kernel: fewer lanes mean fewer barrier rounds per row. */
export const SOFTMAX_ROW4_WORKGROUP = 64;

/**
 * Softmax rows read as vec4s (inner == 1, row length and offset multiples of 4). Each lane
 * keeps an online (max, Σ exp(x − max)) over its own vec4s — one exp per element plus one
 * rescale per vec4 — then one tree merge gives the row's pair, and a second pass over the
 * row (still in cache) writes the output. Every load and store is 16 bytes.
 */
export function softmaxRow4WGSL(log: boolean): string {
  const wg = SOFTMAX_ROW4_WORKGROUP;
  return /* wgsl */ `${ROW4_BINDINGS}
var<workgroup> partial: array<vec2<f32>, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.outer) { return; }
  let r4 = p.r / 4u;
  let base = p.offIn / 4u + row * r4;
  // The lowest finite f32 rather than -inf, so exp(m - m') never sees -inf - -inf.
  var st = vec2<f32>(-3.4028234663852886e38, 0.0);
  for (var i = lid; i < r4; i += ${wg}u) { st = fold4(st, x_[base + i]); }
  partial[lid] = st;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k >>= 1u) {
    if (lid < k) { partial[lid] = merge(partial[lid], partial[lid + k]); }
    workgroupBarrier();
  }
  st = partial[0];
  for (var i = lid; i < r4; i += ${wg}u) {
    let x = x_[base + i];
    out[row * r4 + i] = ${emit4(log)};
  }
}`;
}

/**
 * One invocation per row, for CPU adapters: no barriers and no cross-lane reduction (each
 * SIMD lane walks its own row with vec4 loads), which suits a software rasterizer's fibers.
 */
export function softmaxRowPerLane4WGSL(log: boolean): string {
  const wg = SOFTMAX_ROW4_WORKGROUP;
  return /* wgsl */ `${ROW4_BINDINGS}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg) * ${wg}u + lid;
  if (row >= p.outer) { return; }
  let r4 = p.r / 4u;
  let base = p.offIn / 4u + row * r4;
  var st = vec2<f32>(-3.4028234663852886e38, 0.0);
  for (var i = 0u; i < r4; i++) { st = fold4(st, x_[base + i]); }
  for (var i = 0u; i < r4; i++) {
    let x = x_[base + i];
    out[row * r4 + i] = ${emit4(log)};
  }
}`;
}

/** The reference: max-subtracted softmax per (outer, inner) column. */
export function softmaxReference(
  log: boolean,
  x: ArrayLike<number>,
  offset: number,
  outer: number,
  r: number,
  inner: number,
  out: { [i: number]: number },
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const rel = o * r * inner + i;
      let m = -Infinity;
      for (let k = 0; k < r; k++) m = Math.max(m, x[offset + rel + k * inner]);
      let s = 0;
      if (m !== -Infinity)
        for (let k = 0; k < r; k++) s += Math.exp(x[offset + rel + k * inner] - m);
      for (let k = 0; k < r; k++) {
        const v = x[offset + rel + k * inner];
        const idx = rel + k * inner;
        if (s === 0) out[idx] = log ? v : 0;
        else out[idx] = log ? v - m - Math.log(s) : Math.exp(v - m) / s;
      }
    }
  }
}
