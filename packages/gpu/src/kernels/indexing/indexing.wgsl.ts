import type { DType } from '../../dtype.js';
import { WGSL_WORKGROUP_INDEX } from '../common.js';

export const INDEX_WORKGROUP = 256;
/** Row variants (one workgroup per gathered row) use this many lanes across the row. */
export const INDEX_ROW_WORKGROUP = 64;

/**
 * Gather layout shared by forward and backward: the source is a contiguous (outer, n, inner)
 * view, the output (outer, m, inner), and index element (o, j, i) sits at
 * offI + o·sIo + j·sIj + i·sIi. indexSelect passes strides (0, 1, 0), so one 1-D index
 * vector serves every (o, i); gather passes the index tensor's own strides.
 */
export interface GatherLayout {
  outer: number;
  n: number;
  m: number;
  inner: number;
  offX: number;
  offI: number;
  sI: [number, number, number];
  offG: number;
}

export const gatherParams = (l: GatherLayout): number[] => [
  l.outer,
  l.n,
  l.m,
  l.inner,
  l.offX,
  l.offI,
  ...l.sI,
  l.offG,
];

const HEADER = /* wgsl */ `
struct Params { outer: u32, n: u32, m: u32, inner: u32, offX: u32, offI: u32, sIo: u32, sIj: u32, sIi: u32, offG: u32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
fn indexAt(o: u32, j: u32, i: u32) -> i32 { return idx[p.offI + o * p.sIo + j * p.sIj + i * p.sIi]; }`;

/**
 * Forward gather: out[o, j, i] = x[o, idx[o, j, i], i]; an index outside [0, n) reads 0
 * (there is no cheap way to raise an error from the device).
 * `elems`: one invocation per output element. `rows` (inner ≥ 64, e.g. embeddings): one
 * workgroup per (o, j) row, lanes striding across the row, so reads and writes coalesce.
 */
export function gatherWGSL(dtype: DType, variant: 'elems' | 'rows'): string {
  const body = /* wgsl */ `
  let r = indexAt(o, j, i);
  var v = ${dtype}(0);
  if ((r >= 0) && (u32(r) < p.n)) { v = x_[p.offX + (o * p.n + u32(r)) * p.inner + i]; }
  out[(o * p.m + j) * p.inner + i] = v;`;
  const bindings = /* wgsl */ `
@group(0) @binding(1) var<storage, read> x_: array<${dtype}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<${dtype}>;`;
  return rowsOrElems(variant, bindings, 'p.outer * p.m', body);
}

/**
 * Backward of gather: dx[o, r, i] = Σ_j [idx[o, j, i] = r] · g[o, j, i].
 * Deterministic by construction: each dx element is owned by exactly one invocation that
 * walks j = 0..m-1 in order, so repeated indices are summed in the same order every run and
 * no float atomics are needed. The cost is O(|dx| · m) reads of the (small, cached) index
 * vector; for an embedding that is V·D·N, fine for the vocabularies and batch sizes this
 * runtime targets. (A device-side counting sort would cut it to O(N·D) but needs integer
 * atomics plus a per-bucket ordering pass to stay deterministic.)
 */
export function gatherBackwardWGSL(variant: 'elems' | 'rows'): string {
  const bindings = /* wgsl */ `
@group(0) @binding(1) var<storage, read> g_: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;`;
  // Here the "row" is (o, r): the output is dx with n rows per outer.
  const body = /* wgsl */ `
  let r = j;
  var acc = 0.0;
  for (var k = 0u; k < p.m; k++) {
    if (indexAt(o, k, i) == i32(r)) { acc += g_[p.offG + (o * p.m + k) * p.inner + i]; }
  }
  out[(o * p.n + r) * p.inner + i] = acc;`;
  return rowsOrElems(variant, bindings, 'p.outer * p.n', body, 'p.n');
}

/** Wraps a per-element body (using o, j, i) in the element or row dispatch shape. */
function rowsOrElems(
  variant: 'elems' | 'rows',
  bindings: string,
  rows: string,
  body: string,
  rowLen = 'p.m',
): string {
  if (variant === 'rows') {
    return /* wgsl */ `${HEADER}${bindings}
@compute @workgroup_size(${INDEX_ROW_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= ${rows}) { return; }
  let o = row / ${rowLen};
  let j = row % ${rowLen};
  for (var i = lid; i < p.inner; i += ${INDEX_ROW_WORKGROUP}u) {${body}
  }
}`;
  }
  return /* wgsl */ `${HEADER}${bindings}
@compute @workgroup_size(${INDEX_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wgIndex(wid, nwg) * ${INDEX_WORKGROUP}u + lid;
  if (t >= ${rows} * p.inner) { return; }
  let i = t % p.inner;
  let o = t / p.inner / ${rowLen};
  let j = (t / p.inner) % ${rowLen};
  {${body}
  }
}`;
}

/** one-hot: out[n, c] = (ids[n] == c); ids outside [0, C) give an all-zero row. */
export function oneHotWGSL(dtype: DType): string {
  return /* wgsl */ `
struct Params { total: u32, classes: u32, offI: u32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<${dtype}>;
${WGSL_WORKGROUP_INDEX}
@compute @workgroup_size(${INDEX_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wgIndex(wid, nwg) * ${INDEX_WORKGROUP}u + lid;
  if (t >= p.total) { return; }
  out[t] = select(${dtype}(0), ${dtype}(1), ids[p.offI + t / p.classes] == i32(t % p.classes));
}`;
}

/**
 * Inclusive prefix sum along the middle axis of a contiguous (outer, n, inner) view, one
 * invocation per (outer, inner) lane walking the axis in order (forward, or from the end
 * for the reverse scan that is cumsum's derivative).
 */
export function cumsumWGSL(reverse: boolean): string {
  const loop = reverse ? 'var k = p.n; k > 0u; k--' : 'var k = 1u; k <= p.n; k++';
  return /* wgsl */ `
struct Params { outer: u32, n: u32, inner: u32, offX: u32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${WGSL_WORKGROUP_INDEX}
@compute @workgroup_size(${INDEX_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wgIndex(wid, nwg) * ${INDEX_WORKGROUP}u + lid;
  if (t >= p.outer * p.inner) { return; }
  let base = (t / p.inner) * p.n * p.inner + t % p.inner;
  var acc = 0.0;
  for (${loop}) {
    let e = base + (k - 1u) * p.inner;
    acc += x_[p.offX + e];
    out[e] = acc;
  }
}`;
}

// ---- CPU references ------------------------------------------------------------------------

type Out = { [i: number]: number };

export function gatherReference(
  l: GatherLayout,
  x: ArrayLike<number>,
  idx: ArrayLike<number>,
  out: Out,
): void {
  for (let o = 0; o < l.outer; o++)
    for (let j = 0; j < l.m; j++)
      for (let i = 0; i < l.inner; i++) {
        const r = idx[l.offI + o * l.sI[0] + j * l.sI[1] + i * l.sI[2]];
        const inRange = r >= 0 && r < l.n;
        out[(o * l.m + j) * l.inner + i] = inRange ? x[l.offX + (o * l.n + r) * l.inner + i] : 0;
      }
}

/** Scatter-add in index order (the device kernel sums in the same order). */
export function gatherBackwardReference(
  l: GatherLayout,
  g: ArrayLike<number>,
  idx: ArrayLike<number>,
  out: Out,
): void {
  for (let e = 0; e < l.outer * l.n * l.inner; e++) out[e] = 0;
  for (let o = 0; o < l.outer; o++)
    for (let j = 0; j < l.m; j++)
      for (let i = 0; i < l.inner; i++) {
        const r = idx[l.offI + o * l.sI[0] + j * l.sI[1] + i * l.sI[2]];
        if (r >= 0 && r < l.n)
          out[(o * l.n + r) * l.inner + i] += g[l.offG + (o * l.m + j) * l.inner + i];
      }
}

export function oneHotReference(
  ids: ArrayLike<number>,
  offI: number,
  count: number,
  classes: number,
  out: Out,
): void {
  for (let k = 0; k < count; k++)
    for (let c = 0; c < classes; c++) out[k * classes + c] = ids[offI + k] === c ? 1 : 0;
}

export function cumsumReference(
  reverse: boolean,
  x: ArrayLike<number>,
  offX: number,
  outer: number,
  n: number,
  inner: number,
  out: Out,
): void {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let s = 0; s < n; s++) {
        const k = reverse ? n - 1 - s : s;
        const e = (o * n + k) * inner + i;
        acc += x[offX + e];
        out[e] = acc;
      }
    }
}
