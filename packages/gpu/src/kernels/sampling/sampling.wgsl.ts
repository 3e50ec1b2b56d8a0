import { WGSL_WORKGROUP_INDEX } from '../common.js';
import { PHILOX_WGSL } from '../random/philox.js';

export const SAMPLING_WORKGROUP = 256;

/**
 * One workgroup per row of logits x (rows, V): temperature, top-k, top-p and min-p filtering,
 * then an inverse-CDF draw over token ids in ascending order. Filters run in that order and each
 * sees the distribution the previous ones left, renormalized.
 *
 * Thresholds are found without sorting, by bisection on an order-preserving u32 key of the
 * scaled score s = x / T (32 passes, one bit each, MSB first):
 *   top-k: the largest key K with #(key ≥ K) ≥ k, i.e. the k-th largest score;
 *   top-p: the largest key K with mass(key ≥ K) ≥ p − tol over the top-k survivors.
 * A token is kept when its key is ≥ every threshold, so ties with the boundary are all kept and a
 * token's fate depends only on its score, never its id. Min-p keeps s ≥ max s + ln(minP).
 *
 * `work` (rows, V) first holds the survivors' probabilities (for top-p) and finally the filtered
 * scaled scores, −∞ where removed. `tokens` gets the drawn id, `logp` (rows, 2) its log-probability
 * under the model (log-softmax of x) and under the filtered distribution it was drawn from.
 */
export function samplingWGSL(): string {
  const WG = SAMPLING_WORKGROUP;
  return /* wgsl */ `
struct Params {
  rows: u32, v: u32, offIn: u32, topK: u32,
  invTemperature: f32, topP: f32, lnMinP: f32, tol: f32,
  seedLo: u32, seedHi: u32, blockLo: u32, blockHi: u32,
  sample: u32, negInf: f32,
}
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read_write> work: array<f32>;
@group(0) @binding(3) var<storage, read_write> tokens: array<i32>;
@group(0) @binding(4) var<storage, read_write> logp: array<f32>;
${WGSL_WORKGROUP_INDEX}
${PHILOX_WGSL}

var<workgroup> redF: array<f32, ${WG}>;
var<workgroup> redU: array<u32, ${WG}>;

// Order-preserving map from f32 to u32 (−0 folded onto +0, so equal scores get equal keys).
fn key(s: f32) -> u32 {
  let b = bitcast<u32>(select(s, 0.0, s == 0.0));
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn sumF(lid: u32, value: f32) -> f32 {
  workgroupBarrier();
  redF[lid] = value;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { redF[lid] = redF[lid] + redF[lid + stride]; }
    workgroupBarrier();
  }
  return redF[0];
}

fn maxF(lid: u32, value: f32) -> f32 {
  workgroupBarrier();
  redF[lid] = value;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { redF[lid] = max(redF[lid], redF[lid + stride]); }
    workgroupBarrier();
  }
  return redF[0];
}

fn sumU(lid: u32, value: u32) -> u32 {
  workgroupBarrier();
  redU[lid] = value;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { redU[lid] = redU[lid] + redU[lid + stride]; }
    workgroupBarrier();
  }
  return redU[0];
}

fn maxU(lid: u32, value: u32) -> u32 {
  workgroupBarrier();
  redU[lid] = value;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { redU[lid] = max(redU[lid], redU[lid + stride]); }
    workgroupBarrier();
  }
  return redU[0];
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wgIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let base = p.offIn + row * p.v;
  let wbase = row * p.v;

  // Model log-normalizer (raw scores) and the largest scaled score.
  var mx = p.negInf;
  for (var i = lid; i < p.v; i += ${WG}u) { mx = max(mx, x_[base + i]); }
  let rawMax = maxF(lid, mx);
  var se = 0.0;
  if (rawMax > p.negInf) {
    for (var i = lid; i < p.v; i += ${WG}u) { se += exp(x_[base + i] - rawMax); }
  }
  let modelLse = rawMax + log(sumF(lid, se));
  let sMax = rawMax * p.invTemperature;

  // Top-k threshold.
  var keep = 0u;
  if (p.topK > 0u && p.topK < p.v) {
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = keep | (1u << u32(bit));
      var count = 0u;
      for (var i = lid; i < p.v; i += ${WG}u) {
        count += select(0u, 1u, key(x_[base + i] * p.invTemperature) >= candidate);
      }
      if (sumU(lid, count) >= p.topK) { keep = candidate; }
    }
  }

  // Top-p threshold over the renormalized top-k survivors.
  if (p.topP < 1.0) {
    var s1 = 0.0;
    for (var i = lid; i < p.v; i += ${WG}u) {
      let s = x_[base + i] * p.invTemperature;
      if (key(s) >= keep && s > p.negInf) { s1 += exp(s - sMax); }
    }
    let lse1 = sMax + log(sumF(lid, s1));
    for (var i = lid; i < p.v; i += ${WG}u) {
      let s = x_[base + i] * p.invTemperature;
      work[wbase + i] = select(0.0, exp(s - lse1), key(s) >= keep && s > p.negInf);
    }
    var nucleus = 0u;
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = nucleus | (1u << u32(bit));
      var mass = 0.0;
      for (var i = lid; i < p.v; i += ${WG}u) {
        if (key(x_[base + i] * p.invTemperature) >= candidate) { mass += work[wbase + i]; }
      }
      if (sumF(lid, mass) >= p.topP - p.tol) { nucleus = candidate; }
    }
    keep = max(keep, nucleus);
  }

  // Min-p: p ≥ minP · max p  ⇔  s ≥ max s + ln minP.
  if (p.lnMinP > p.negInf) { keep = max(keep, key(sMax + p.lnMinP)); }

  // The filtered distribution: scaled scores of the survivors, −∞ elsewhere.
  var s2 = 0.0;
  for (var i = lid; i < p.v; i += ${WG}u) {
    let s = x_[base + i] * p.invTemperature;
    let kept = key(s) >= keep && s > p.negInf;
    work[wbase + i] = select(p.negInf, s, kept);
    if (kept) { s2 += exp(s - sMax); }
  }
  let total = sumF(lid, s2);
  let lse2 = sMax + log(total);
  if (p.sample == 0u) { return; }

  // Inverse CDF over ids in ascending order: each invocation owns a contiguous chunk; an
  // exclusive scan of the chunk masses finds the chunk holding the goal u · total.
  let chunk = (p.v + ${WG - 1}u) / ${WG}u;
  let start = min(lid * chunk, p.v);
  let end = min(start + chunk, p.v);
  var chunkMass = 0.0;
  var lastKept = 0u;
  for (var i = start; i < end; i++) {
    let s = work[wbase + i];
    if (s > p.negInf) { chunkMass += exp(s - sMax); lastKept = i + 1u; }
  }
  workgroupBarrier();
  redF[lid] = chunkMass;
  workgroupBarrier();
  for (var offset = 1u; offset < ${WG}u; offset <<= 1u) {
    var add = 0.0;
    if (lid >= offset) { add = redF[lid - offset]; }
    workgroupBarrier();
    redF[lid] = redF[lid] + add;
    workgroupBarrier();
  }
  let inclusive = redF[lid];
  let exclusive = inclusive - chunkMass;
  let lo = (p.blockLo + row);
  let carry = select(0u, 1u, lo < row);
  let bits = philox(vec4<u32>(lo, p.blockHi + carry, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  let goal = toUnit(bits.x) * total;
  var found = 0u;
  if (chunkMass > 0.0 && goal >= exclusive && goal < inclusive) {
    var cumulative = exclusive;
    for (var i = start; i < end; i++) {
      let s = work[wbase + i];
      if (s > p.negInf) {
        cumulative += exp(s - sMax);
        if (goal < cumulative) { found = i + 1u; break; }
      }
    }
    if (found == 0u) { found = lastKept; }
  }
  // One chunk at most claims the goal; if rounding left it unclaimed, the last kept id wins.
  let claimed = maxU(lid, found);
  let fallback = maxU(lid, lastKept);
  if (lid == 0u) {
    let token = select(fallback, claimed, claimed > 0u) - 1u;
    tokens[row] = i32(token);
    logp[2u * row] = x_[base + token] - modelLse;
    logp[2u * row + 1u] = work[wbase + token] - lse2;
  }
}`;
}

export interface SamplingParams {
  rows: number;
  v: number;
  offset: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  tol: number;
  /** Philox key and first block; row r draws from block `block + r`, word 0. */
  seed: number;
  block: number;
  sample: boolean;
}
