import { WGSL_WORKGROUP_INDEX } from '../common.js';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin' | 'logsumexp';
export const REDUCE_ROW_WORKGROUP = 128;
export const REDUCE_LANE_WORKGROUP = 256;

/**
 * Reduction state is a pair (v, w) for every op, so one combine step serves them all:
 * sum/max/min keep v; argmax/argmin keep (best value, its index); logsumexp keeps the online
 * pair (running max m, sum of exp(x - m)).
 */
const STEP: Record<ReduceOp, { init: string; add: string; combine: string; final: string }> = {
  sum: {
    init: 'vec2<f32>(0.0, 0.0)',
    add: 's.x += x;',
    combine: 'a.x + b.x, 0.0',
    final: 's.x * p.scale',
  },
  max: {
    init: 'vec2<f32>(p.ninf, 0.0)',
    add: 's.x = max(s.x, x);',
    combine: 'max(a.x, b.x), 0.0',
    final: 's.x',
  },
  min: {
    init: 'vec2<f32>(p.pinf, 0.0)',
    add: 's.x = min(s.x, x);',
    combine: 'min(a.x, b.x), 0.0',
    final: 's.x',
  },
  argmax: {
    init: 'vec2<f32>(p.ninf, -1.0)',
    add: 'if (x > s.x || s.y < 0.0) { s = vec2<f32>(x, f32(r)); }',
    combine: 'select(a.x, b.x, pickB(a, b, true)), select(a.y, b.y, pickB(a, b, true))',
    final: 's.y',
  },
  argmin: {
    init: 'vec2<f32>(p.pinf, -1.0)',
    add: 'if (x < s.x || s.y < 0.0) { s = vec2<f32>(x, f32(r)); }',
    combine: 'select(a.x, b.x, pickB(a, b, false)), select(a.y, b.y, pickB(a, b, false))',
    final: 's.y',
  },
  logsumexp: {
    init: 'vec2<f32>(p.ninf, 0.0)',
    add: 's = lseAdd(s, vec2<f32>(x, 1.0));',
    combine: 'lseAdd(a, b).x, lseAdd(a, b).y',
    final: 'select(s.x + log(s.y), p.ninf, s.y == 0.0)',
  },
};

const HELPERS = /* wgsl */ `
// Online log-sum-exp merge of (max, sum of exp(x - max)) pairs; empty pairs have sum 0.
fn lseAdd(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.y == 0.0) { return a; }
  if (a.y == 0.0) { return b; }
  if (a.x == b.x) { return vec2<f32>(a.x, a.y + b.y); } // also covers -inf with -inf
  let m = max(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}
// Arg-reductions: the better value wins; on ties, the lower index (first occurrence).
fn pickB(a: vec2<f32>, b: vec2<f32>, isMax: bool) -> bool {
  if (b.y < 0.0) { return false; }
  if (a.y < 0.0) { return true; }
  let better = select((b.x < a.x), (b.x > a.x), isMax);
  return better || (b.x == a.x && b.y < a.y);
}`;

/**
 * Reduces the middle axis of a contiguous (outer, R, inner) view.
 * `row` variant (inner == 1, long rows): one workgroup per row, tree-combined in workgroup memory.
 * `lanes` variant: one invocation per output, looping over R; consecutive invocations read
 * consecutive addresses when inner > 1.
 */
export function reduceWGSL(op: ReduceOp, variant: 'row' | 'lanes', outType: 'f32' | 'i32'): string {
  const s = STEP[op];
  const header = /* wgsl */ `
// Infinities arrive as uniforms: WGSL constant expressions may not be infinite.
struct Params { outer: u32, r: u32, inner: u32, offIn: u32, scale: f32, ninf: f32, pinf: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<${outType}>;
${HELPERS}
${WGSL_WORKGROUP_INDEX}
fn combine(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(${s.combine}); }
`;
  if (variant === 'lanes') {
    return /* wgsl */ `${header}
@compute @workgroup_size(${REDUCE_LANE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = wgIndex(wid, nwg) * ${REDUCE_LANE_WORKGROUP}u + lid;
  if (o >= p.outer * p.inner) { return; }
  let base = p.offIn + (o / p.inner) * p.r * p.inner + o % p.inner;
  var s = ${s.init};
  for (var r = 0u; r < p.r; r++) {
    let x = x_[base + r * p.inner];
    ${s.add}
  }
  out[o] = ${outType}(${s.final});
}`;
  }
  return /* wgsl */ `${header}
var<workgroup> partial: array<vec2<f32>, ${REDUCE_ROW_WORKGROUP}>;
@compute @workgroup_size(${REDUCE_ROW_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.outer) { return; }
  let base = p.offIn + row * p.r;
  var s = ${s.init};
  for (var r = lid; r < p.r; r += ${REDUCE_ROW_WORKGROUP}u) {
    let x = x_[base + r];
    ${s.add}
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var stride = ${REDUCE_ROW_WORKGROUP / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] = combine(partial[lid], partial[lid + stride]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    s = partial[0];
    out[row] = ${outType}(${s.final});
  }
}`;
}

/** The reference for one (outer, R, inner) reduction. */
export function reduceReference(
  op: ReduceOp,
  x: ArrayLike<number>,
  offset: number,
  outer: number,
  r: number,
  inner: number,
  scale: number,
  out: { [i: number]: number },
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = offset + o * r * inner + i;
      let acc: number;
      switch (op) {
        case 'sum': {
          acc = 0;
          for (let k = 0; k < r; k++) acc += x[base + k * inner];
          acc *= scale;
          break;
        }
        case 'max':
        case 'min': {
          acc = op === 'max' ? -Infinity : Infinity;
          for (let k = 0; k < r; k++)
            acc =
              op === 'max'
                ? Math.max(acc, x[base + k * inner])
                : Math.min(acc, x[base + k * inner]);
          break;
        }
        case 'argmax':
        case 'argmin': {
          let best = 0;
          for (let k = 1; k < r; k++) {
            const v = x[base + k * inner];
            const b = x[base + best * inner];
            if (op === 'argmax' ? v > b : v < b) best = k;
          }
          acc = best;
          break;
        }
        case 'logsumexp': {
          let m = -Infinity;
          for (let k = 0; k < r; k++) m = Math.max(m, x[base + k * inner]);
          if (m === -Infinity) {
            acc = -Infinity;
            break;
          }
          let s = 0;
          for (let k = 0; k < r; k++) s += Math.exp(x[base + k * inner] - m);
          acc = m + Math.log(s);
          break;
        }
      }
      out[o * inner + i] = acc;
    }
  }
}
