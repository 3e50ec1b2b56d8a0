import { WGSL_WORKGROUP_INDEX } from '../common.js';

/** Each invocation computes a 4×4 block; an 8×8 workgroup covers a 32×32 output tile. */
export const MATMUL_TILE = 32;

/**
 * C[b] = A[b] · B[b] with A (M, K) and B (K, N) read through strides, so either operand may
 * be a transposed view with no copy. Operands are read straight from storage: on CPU-emulated
 * adapters workgroup memory is slower than storage loads, so this baseline does not stage
 * tiles. Edge blocks clamp their loads and guard their stores.
 */
export function matmulWGSL(): string {
  return /* wgsl */ `
struct Params {
  m: u32, n: u32, k: u32, batch: u32,
  offA: u32, offB: u32, tilesN: u32, tilesM: u32,
  sAb: u32, sAm: u32, sAk: u32, pad0: u32,
  sBb: u32, sBk: u32, sBn: u32, pad1: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = wgIndex(wid, nwg);
  let tileN = w % p.tilesN;
  let rest = w / p.tilesN;
  let tileM = rest % p.tilesM;
  let b = rest / p.tilesM;
  if (b >= p.batch) { return; }
  let row0 = tileM * ${MATMUL_TILE}u + lid.y * 4u;
  let col0 = tileN * ${MATMUL_TILE}u + lid.x * 4u;
  let aBase = p.offA + b * p.sAb;
  let bBase = p.offB + b * p.sBb;
  var rows: vec4<u32>;
  var cols: vec4<u32>;
  for (var i = 0u; i < 4u; i++) {
    rows[i] = aBase + min(row0 + i, p.m - 1u) * p.sAm;
    cols[i] = bBase + min(col0 + i, p.n - 1u) * p.sBn;
  }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.k; k++) {
    let ak = k * p.sAk;
    let bk = k * p.sBk;
    let bv = vec4<f32>(B[cols.x + bk], B[cols.y + bk], B[cols.z + bk], B[cols.w + bk]);
    acc0 += A[rows.x + ak] * bv;
    acc1 += A[rows.y + ak] * bv;
    acc2 += A[rows.z + ak] * bv;
    acc3 += A[rows.w + ak] * bv;
  }
  let cBase = b * p.m * p.n;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + i;
    if (r >= p.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + j;
      if (c < p.n) { C[cBase + r * p.n + c] = accs[i][j]; }
    }
  }
}`;
}

export interface MatmulLayout {
  batch: number;
  m: number;
  n: number;
  k: number;
  offA: number;
  offB: number;
  /** Strides: A batch/row/col, B batch/row/col. */
  sA: [number, number, number];
  sB: [number, number, number];
}

/** The reference: the textbook triple loop, accumulating in double precision. */
export function matmulReference(
  L: MatmulLayout,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  out: { [i: number]: number },
): void {
  for (let bi = 0; bi < L.batch; bi++) {
    for (let i = 0; i < L.m; i++) {
      for (let j = 0; j < L.n; j++) {
        let acc = 0;
        for (let k = 0; k < L.k; k++) {
          acc +=
            a[L.offA + bi * L.sA[0] + i * L.sA[1] + k * L.sA[2]] *
            b[L.offB + bi * L.sB[0] + k * L.sB[1] + j * L.sB[2]];
        }
        out[(bi * L.m + i) * L.n + j] = acc;
      }
    }
  }
}
