import { WGSL_WORKGROUP_INDEX } from '../common.js';
import { SUBGROUP_LANES } from './subgroup.wgsl.js';

/**
 * The subgroup matmul with its operands read from rgba32float storage textures.
 *
 * On lavapipe a storage-texture load costs about a third of a storage-buffer load (~6 vs
 * ~18 ns per 8 lanes), and the subgroup kernel is bound by loads, so operands are first moved
 * into textures — by one copy when they are already laid out as below, else packed by a small
 * kernel (which reads any strides, so transposed views cost no extra pass) and then copied —
 * and the product reads only textures:
 *
 *  - A (M, K) becomes texels (k/4, row): height Mp per batch, where Mp rounds M up to the
 *    tile's rows; k from K up to Kp (K rounded up to 32) reads zeros;
 *  - B (K, N) becomes texels (n/4, k): height Kp per batch, rows K…Kp zero.
 *
 * Widths are rounded up to 16 texels (copies move rows of a multiple of 256 bytes). The
 * padding means the product's inner loop has no bounds checks; padded rows of A and columns of
 * B only reach entries of C that are never stored, so they need not be zero. One workgroup (one
 * subgroup of 8 lanes) owns ROWS rows × 32 columns of C; per 32 k each lane loads one A texel
 * per row (k0 + 4·lane … +3, handed to all lanes by `subgroupBroadcast`) and the 32 B texels of
 * its column quad, all loads first (texture loads clobber vector registers on lavapipe), then
 * 32·ROWS vec4 multiply-adds.
 */
export interface TextureVariant {
  rows: number;
}

/** Row blocks walked together across the column strips (see the kernel's tile order). */
const GROUP_ROWS = 8;

/** Columns of C one workgroup owns: 8 lanes × one vec4 each. */
export const TEXTURE_TILE_COLS = SUBGROUP_LANES * 4;
/** K is consumed 32 at a time: one vec4 of A per lane. */
export const TEXTURE_K_STEP = SUBGROUP_LANES * 4;

/**
 * Packs a strided (batch, rows, cols) operand into a row-major buffer of texels — `texWidth`
 * vec4s per row, `rowsPad` rows per batch entry, zero outside (rows, cols) — that one
 * copyBufferToTexture then moves into the texture (storing texels from a kernel is several
 * times slower on lavapipe than the copy). `vec4` reads four contiguous aligned floats at once.
 */
export function packTextureWGSL(vec4: boolean): string {
  const src = vec4 ? 'array<vec4<f32>>' : 'array<f32>';
  const load = vec4
    ? `  if (r < p.rows && 4u * x < p.cols) { v = src[(p.off + b * p.sBatch + r * p.sRow) / 4u + x]; }`
    : `  if (r < p.rows) {
    let base = p.off + b * p.sBatch + r * p.sRow;
    for (var c = 0u; c < 4u; c++) {
      let col = 4u * x + c;
      if (col < p.cols) { v[c] = src[base + col * p.sCol]; }
    }
  }`;
  return /* wgsl */ `
struct Params {
  rows: u32, cols: u32, batch: u32, off: u32,
  sBatch: u32, sRow: u32, sCol: u32, texWidth: u32,
  rowsPad: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: ${src};
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = wgIndex(wid, nwg) * 64u + li;
  let x = i % p.texWidth;
  let y = i / p.texWidth;
  let b = y / p.rowsPad;
  let r = y % p.rowsPad;
  if (b >= p.batch) { return; }
  var v = vec4<f32>(0.0);
${load}
  dst[i] = v;
}`;
}

/**
 * `vec4Out` (N a multiple of 4): C is stored a vec4 per row and lane instead of four guarded
 * floats, which matters when K is small and the stores are a large part of the work.
 */
export function matmulTextureWGSL(v: TextureVariant, vec4Out = false): string {
  const R = v.rows;
  const rows = [...Array(R).keys()];
  const ks = [...Array(TEXTURE_K_STEP).keys()];
  const body: string[] = [];
  for (const i of rows)
    body.push(`    let a${i} = textureLoad(At, vec2<u32>(aX + lane, aY + ${i}u));`);
  for (const k of ks) body.push(`    let b${k} = textureLoad(Bt, vec2<u32>(col4, bY + ${k}u));`);
  for (let q = 0; q < SUBGROUP_LANES; q++) {
    for (const i of rows) {
      body.push(`    { let s = subgroupBroadcast(a${i}, ${q}u);`);
      for (let c = 0; c < 4; c++) {
        body.push(`      acc${i} += s.${'xyzw'[c]} * b${4 * q + c};`);
      }
      body.push('    }');
    }
  }
  const stores = rows.map((i) =>
    vec4Out
      ? `  if (row0 + ${i}u < p.m && 4u * col4 < p.n) { C[(b * p.m + row0 + ${i}u) * (p.n / 4u) + col4] = acc${i}; }`
      : `  if (row0 + ${i}u < p.m) {
    let o = (b * p.m + row0 + ${i}u) * p.n + 4u * col4;
    for (var c = 0u; c < 4u; c++) { if (4u * col4 + c < p.n) { C[o + c] = acc${i}[c]; } }
  }`,
  );
  return /* wgsl */ `enable subgroups;
struct Params {
  m: u32, n: u32, kSteps: u32, batch: u32,
  tilesN: u32, tilesM: u32, aBatchRows: u32, bBatchRows: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> C: array<${vec4Out ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(2) var At: texture_storage_2d<rgba32float, read>;
@group(0) @binding(3) var Bt: texture_storage_2d<rgba32float, read>;
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${SUBGROUP_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  // Tiles in groups of ${GROUP_ROWS} row blocks, column strip by column strip: a group's A rows
  // and the current B strip stay in cache (row-major order streamed all of B per row block,
  // which cost a quarter of the speed at 2048³ on lavapipe).
  let w = wgIndex(wid, nwg);
  let perBatch = p.tilesM * p.tilesN;
  let b = w / perBatch;
  if (b >= p.batch) { return; }
  let t = w % perBatch;
  let first = (t / (${GROUP_ROWS}u * p.tilesN)) * ${GROUP_ROWS}u;
  let gm = min(${GROUP_ROWS}u, p.tilesM - first);
  let idx = t % (${GROUP_ROWS}u * p.tilesN);
  let tileN = idx / gm;
  let tileM = first + idx % gm;
  let row0 = tileM * ${R}u;
  let col4 = tileN * ${SUBGROUP_LANES}u + lane;
  let aY = b * p.aBatchRows + row0;
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  for (var s = 0u; s < p.kSteps; s++) {
    let aX = s * ${SUBGROUP_LANES}u;
    let bY = b * p.bBatchRows + s * ${TEXTURE_K_STEP}u;
${body.join('\n')}
  }
${stores.join('\n')}
}`;
}
