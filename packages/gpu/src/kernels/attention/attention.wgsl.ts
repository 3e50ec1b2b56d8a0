import { WGSL_WORKGROUP_INDEX } from '../common.js';
import { PHILOX_WGSL } from '../random/philox.js';

/**
 * Fused scaled dot-product attention after FlashAttention (Dao et al. 2022, Algorithms 1-2).
 *
 * One invocation owns one query row (forward, dQ) or one key row (dK/dV); a workgroup of
 * ATTN_ROWS rows streams tiles of the other side through workgroup memory. The T×T score
 * matrix never exists: the forward keeps a running max m and sum l per row (online softmax)
 * and saves logsumexp L = m + log l; the backward recomputes P = exp(s − L) tile by tile.
 * No atomics: dQ is one pass over key tiles per query row, dK/dV one pass over query tiles per
 * key row, so results are deterministic.
 *
 * Vectors of D (and Dv) live in `array<vec4<f32>, V4>` registers, V4 one of 4, 8, 16, 32
 * (D ≤ 16, 32, 64, 128); that bucket and the tile length are the only specialization.
 */
export const ATTN_ROWS = 64;
export const ATTN_MAX_HEAD_DIM = 128;
/** Finite stand-ins for ±∞ (see the stats sentinel below); masks ≤ −3e38 count as masked. */
const NEG_BIG = '-3.0e38';

/** vec4 count for a head size: the smallest bucket holding max(D, Dv). */
export function attentionBucket(d: number, dv: number): number {
  const need = Math.ceil(Math.max(d, dv, 1) / 4);
  for (const v4 of [4, 8, 16, 32]) if (need <= v4) return v4;
  throw new Error(
    `attention: head size ${Math.max(d, dv)} exceeds the fused kernel's limit of ${ATTN_MAX_HEAD_DIM}`,
  );
}

/** Keys (or queries) per tile: two tiles of V4 vec4s stay within 16 KiB of workgroup memory. */
export function attentionTile(v4: number): number {
  return Math.min(64, 512 / v4);
}

/**
 * Uniform layout shared by the three kernels. Offsets are in elements; the mask is read as
 * u32 words through its (B, H, Tq, Tk) strides (0 where broadcast). maskKind: 0 none,
 * 1 keep (nonzero = attend), 2 additive f32. shift = Tk − Tq (end-aligned causal).
 */
const PARAMS = /* wgsl */ `
struct Params {
  n: u32, h: u32, tq: u32, tk: u32, d: u32, dv: u32,
  offQ: u32, offK: u32, offV: u32, offM: u32, offO: u32, offG: u32,
  msB: u32, msH: u32, msQ: u32, msK: u32,
  maskKind: u32, causal: u32, shift: i32, scale: f32,
  dropP: f32, dropScale: f32, seedLo: u32, seedHi: u32, blockLo: u32, blockHi: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
${PHILOX_WGSL}`;

/** Helpers: masking, dropout and bounds-checked vec4 loads of one row of a (N, T, len) array. */
function helpers(v4: number, buffers: Record<string, string>): string {
  const loads = Object.entries(buffers)
    .map(
      ([name, buf]) => /* wgsl */ `
fn ${name}(base: u32, c: u32, len: u32) -> vec4<f32> {
  let e = c * 4u;
  var r = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < len) { r[t] = ${buf}[base + e + t]; } }
  return r;
}`,
    )
    .join('');
  return /* wgsl */ `
const V4 = ${v4}u;
${loads}
// Additive contribution of the mask and causal rule to score (i, j); ≤ NEG_BIG when masked.
fn maskBias(n: u32, i: u32, j: u32) -> f32 {
  if (p.causal == 1u && i32(j) > i32(i) + p.shift) { return ${NEG_BIG}; }
  if (p.maskKind == 0u) { return 0.0; }
  let b = n / p.h;
  let hh = n % p.h;
  let w = mask_[p.offM + b * p.msB + hh * p.msH + i * p.msQ + j * p.msK];
  if (p.maskKind == 1u) { return select(${NEG_BIG}, 0.0, w != 0u); }
  return max(bitcast<f32>(w), ${NEG_BIG});
}
// Inverted-dropout multiplier of weight (n, i, j): the same Philox word the standalone dropout
// kernel draws for element (n·Tq + i)·Tk + j of a (N, Tq, Tk) weight tensor.
fn dropMul(n: u32, i: u32, j: u32) -> f32 {
  if (p.dropP == 0.0) { return 1.0; }
  let e = (n * p.tq + i) * p.tk + j;
  let blk = e / 4u;
  let lo = p.blockLo + blk;
  let carry = select(0u, 1u, lo < blk);
  let bits = philox(vec4<u32>(lo, p.blockHi + carry, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  return select(0.0, p.dropScale, toUnit(bits[e % 4u]) >= p.dropP);
}`;
}

const ENTRY = /* wgsl */ `
@compute @workgroup_size(${ATTN_ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {`;

/** Bindings 1-4, the same in all three kernels. */
const INPUT_BINDINGS = /* wgsl */ `
@group(0) @binding(1) var<storage, read> q_: array<f32>;
@group(0) @binding(2) var<storage, read> k_: array<f32>;
@group(0) @binding(3) var<storage, read> v_: array<f32>;
@group(0) @binding(4) var<storage, read> mask_: array<u32>;`;

/**
 * The entry point and this invocation's row: workgroup g covers ATTN_ROWS rows `idx` from
 * `start` of head n, out of `len` rows (p.tq for query rows, p.tk for key rows).
 */
function rowEntry(len: string, start: string, idx: string): string {
  return `${ENTRY}
  let tiles = (${len} + ${ATTN_ROWS - 1}u) / ${ATTN_ROWS}u;
  let g = wgIndex(wid, nwg);
  let n = g / tiles;
  if (n >= p.n) { return; }
  let ${start} = (g % tiles) * ${ATTN_ROWS}u;
  let ${idx} = ${start} + lid;
  let live = ${idx} < ${len};`;
}

/** Skips a masked score (i, j); otherwise starts s at its additive bias. */
const MASKED_SCORE = /* wgsl */ `
        let bias = maskBias(n, i, j);
        if (bias <= ${NEG_BIG}) { continue; }
        var s = bias;`;

/**
 * Query-row kernels: streams the key/value tiles the workgroup's rows can see (causal: up to
 * its last row's key) through kT/vT, and runs `body` for every unmasked key j of row i with
 * s holding the score's bias and kT/vT row r holding key j.
 */
function forEachVisibleKey(bk: number, body: string): string {
  return `
  var kEnd = p.tk;
  if (p.causal == 1u) {
    kEnd = u32(clamp(i32(min(i0 + ${ATTN_ROWS}u, p.tq)) + p.shift, 0, i32(p.tk)));
  }
  for (var j0 = 0u; j0 < kEnd; j0 += ${bk}u) {
    workgroupBarrier();
    for (var e = lid; e < ${bk}u * V4; e += ${ATTN_ROWS}u) {
      let j = j0 + e / V4;
      var kk = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (j < p.tk) {
        kk = ldK(p.offK + (n * p.tk + j) * p.d, e % V4, p.d);
        vv = ldV(p.offV + (n * p.tk + j) * p.dv, e % V4, p.dv);
      }
      kT[e] = kk;
      vT[e] = vv;
    }
    workgroupBarrier();
    if (live) {
      let jn = min(${bk}u, kEnd - j0);
      for (var r = 0u; r < jn; r++) {
        let j = j0 + r;${MASKED_SCORE}
${body}
      }
    }
  }`;
}

/** Writes the vec4 accumulators acc[c] · `factor` to row `row` of `buf` (row length `len`). */
function storeRow(buf: string, len: string, factor: string): string {
  return `
  for (var c = 0u; c < V4; c++) {
    let o = acc[c] * ${factor};
    for (var t = 0u; t < 4u; t++) {
      if (c * 4u + t < ${len}) { ${buf}[row * ${len} + c * 4u + t] = o[t]; }
    }
  }`;
}

/**
 * Forward. Bindings: q, k, v, mask, out (N, Tq, Dv), stats (N, Tq, 2) = [logsumexp, (free)].
 * A row with every key masked writes 0 and the sentinel logsumexp 3e38 (so P = 0 later).
 */
export function attentionForwardWGSL(v4: number): string {
  const bk = attentionTile(v4);
  return /* wgsl */ `${PARAMS}
${INPUT_BINDINGS}
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;
${helpers(v4, { ldQ: 'q_', ldK: 'k_', ldV: 'v_' })}
var<workgroup> kT: array<vec4<f32>, ${bk * v4}>;
var<workgroup> vT: array<vec4<f32>, ${bk * v4}>;
${rowEntry('p.tq', 'i0', 'i')}
  var qv: array<vec4<f32>, V4>;
  var acc: array<vec4<f32>, V4>;
  if (live) {
    for (var c = 0u; c < V4; c++) { qv[c] = ldQ(p.offQ + (n * p.tq + i) * p.d, c, p.d) * p.scale; }
  }
  var m = ${NEG_BIG};
  var l = 0.0;
${forEachVisibleKey(
  bk,
  `        for (var c = 0u; c < V4; c++) { s += dot(qv[c], kT[r * V4 + c]); }
        if (s > m) {
          let corr = exp(m - s);
          l *= corr;
          for (var c = 0u; c < V4; c++) { acc[c] *= corr; }
          m = s;
        }
        let pr = exp(s - m);
        l += pr;
        let pw = pr * dropMul(n, i, j);
        for (var c = 0u; c < V4; c++) { acc[c] += pw * vT[r * V4 + c]; }`,
)}
  if (!live) { return; }
  let row = n * p.tq + i;
  let inv = select(0.0, 1.0 / l, l > 0.0);
${storeRow('out', 'p.dv', 'inv')}
  stats[row * 2u] = select(3.0e38, m + log(l), l > 0.0);
}`;
}

/**
 * Backward for dQ, one invocation per query row, one pass over key tiles. It first computes
 * Dᵢ = Σ dOᵢ ⊙ Oᵢ and stores it in stats[2·row + 1] for the dK/dV kernel that runs next.
 *   Pᵢⱼ = exp(sᵢⱼ − Lᵢ), dPᵢⱼ = dOᵢ·vⱼ·dropᵢⱼ, dSᵢⱼ = Pᵢⱼ (dPᵢⱼ − Dᵢ), dQᵢ = scale Σⱼ dSᵢⱼ kⱼ.
 * Bindings: q, k, v, mask, out, dOut, stats (read_write), dq.
 */
export function attentionBackwardQueryWGSL(v4: number): string {
  const bk = attentionTile(v4);
  return /* wgsl */ `${PARAMS}
${INPUT_BINDINGS}
@group(0) @binding(5) var<storage, read> o_: array<f32>;
@group(0) @binding(6) var<storage, read> g_: array<f32>;
@group(0) @binding(7) var<storage, read_write> stats: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<f32>;
${helpers(v4, { ldQ: 'q_', ldK: 'k_', ldV: 'v_', ldO: 'o_', ldG: 'g_' })}
var<workgroup> kT: array<vec4<f32>, ${bk * v4}>;
var<workgroup> vT: array<vec4<f32>, ${bk * v4}>;
${rowEntry('p.tq', 'i0', 'i')}
  let row = n * p.tq + i;
  var qv: array<vec4<f32>, V4>;
  var gv: array<vec4<f32>, V4>;
  var acc: array<vec4<f32>, V4>;
  var lse = 0.0;
  var di = 0.0;
  if (live) {
    for (var c = 0u; c < V4; c++) {
      qv[c] = ldQ(p.offQ + row * p.d, c, p.d) * p.scale;
      gv[c] = ldG(p.offG + row * p.dv, c, p.dv);
      di += dot(gv[c], ldO(p.offO + row * p.dv, c, p.dv));
    }
    lse = stats[row * 2u];
    stats[row * 2u + 1u] = di;
  }
${forEachVisibleKey(
  bk,
  `        var dp = 0.0;
        for (var c = 0u; c < V4; c++) {
          s += dot(qv[c], kT[r * V4 + c]);
          dp += dot(gv[c], vT[r * V4 + c]);
        }
        let pr = exp(s - lse);
        let ds = pr * (dp * dropMul(n, i, j) - di);
        for (var c = 0u; c < V4; c++) { acc[c] += ds * kT[r * V4 + c]; }`,
)}
  if (!live) { return; }
${storeRow('dq', 'p.d', 'p.scale')}
}`;
}

/**
 * Backward for dK and dV, one invocation per key row, one pass over query tiles (after the dQ
 * kernel has stored Dᵢ): dVⱼ = Σᵢ Pᵢⱼ dropᵢⱼ dOᵢ, dKⱼ = scale Σᵢ dSᵢⱼ qᵢ.
 * Bindings: q, k, v, mask, dOut, stats, dk, dv.
 */
export function attentionBackwardKeyWGSL(v4: number): string {
  const bq = attentionTile(v4);
  return /* wgsl */ `${PARAMS}
${INPUT_BINDINGS}
@group(0) @binding(5) var<storage, read> g_: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;
${helpers(v4, { ldQ: 'q_', ldK: 'k_', ldV: 'v_', ldG: 'g_' })}
var<workgroup> qT: array<vec4<f32>, ${bq * v4}>;
var<workgroup> gT: array<vec4<f32>, ${bq * v4}>;
var<workgroup> lseT: array<f32, ${bq}>;
var<workgroup> dT: array<f32, ${bq}>;
${rowEntry('p.tk', 'j0', 'j')}
  var kv: array<vec4<f32>, V4>;
  var vv: array<vec4<f32>, V4>;
  var dkAcc: array<vec4<f32>, V4>;
  var dvAcc: array<vec4<f32>, V4>;
  if (live) {
    for (var c = 0u; c < V4; c++) {
      kv[c] = ldK(p.offK + (n * p.tk + j) * p.d, c, p.d);
      vv[c] = ldV(p.offV + (n * p.tk + j) * p.dv, c, p.dv);
    }
  }
  // Causal: query i sees key j only when i ≥ j − shift; start at the first such query.
  var iStart = 0u;
  if (p.causal == 1u) { iStart = u32(clamp(i32(j0) - p.shift, 0, i32(p.tq))); }
  for (var t0 = iStart; t0 < p.tq; t0 += ${bq}u) {
    workgroupBarrier();
    for (var e = lid; e < ${bq}u * V4; e += ${ATTN_ROWS}u) {
      let i = t0 + e / V4;
      var qq = vec4<f32>(0.0);
      var gg = vec4<f32>(0.0);
      if (i < p.tq) {
        qq = ldQ(p.offQ + (n * p.tq + i) * p.d, e % V4, p.d) * p.scale;
        gg = ldG(p.offG + (n * p.tq + i) * p.dv, e % V4, p.dv);
      }
      qT[e] = qq;
      gT[e] = gg;
    }
    for (var r = lid; r < ${bq}u; r += ${ATTN_ROWS}u) {
      let i = t0 + r;
      if (i < p.tq) {
        lseT[r] = stats[(n * p.tq + i) * 2u];
        dT[r] = stats[(n * p.tq + i) * 2u + 1u];
      }
    }
    workgroupBarrier();
    if (live) {
      let rn = min(${bq}u, p.tq - t0);
      for (var r = 0u; r < rn; r++) {
        let i = t0 + r;${MASKED_SCORE}
        var dp = 0.0;
        for (var c = 0u; c < V4; c++) {
          s += dot(kv[c], qT[r * V4 + c]);
          dp += dot(vv[c], gT[r * V4 + c]);
        }
        let pr = exp(s - lseT[r]);
        let drop = dropMul(n, i, j);
        let ds = pr * (dp * drop - dT[r]);
        for (var c = 0u; c < V4; c++) {
          dvAcc[c] += (pr * drop) * gT[r * V4 + c];
          dkAcc[c] += ds * qT[r * V4 + c];
        }
      }
    }
  }
  if (!live) { return; }
  let row = n * p.tk + j;
  for (var c = 0u; c < V4; c++) {
    for (var t = 0u; t < 4u; t++) {
      let e = c * 4u + t;
      if (e < p.d) { dk[row * p.d + e] = dkAcc[c][t]; }
      if (e < p.dv) { dv[row * p.dv + e] = dvAcc[c][t]; }
    }
  }
}`;
}
