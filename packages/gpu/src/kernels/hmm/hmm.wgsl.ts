import { WGSL_WORKGROUP_INDEX } from '../common.js';

/**
 * Batched chain recursions for HMMs and linear-chain CRFs, in log space (Rabiner 1989 eqs.
 * 19-25 and 32-35; Lafferty et al. 2001). The step-by-step recursion runs inside the kernel:
 * one workgroup owns whole sequences and loops over time, so a batch costs one dispatch
 * instead of one per step. With few states a workgroup packs several sequences (one lane
 * group of nextPow2(S) lanes each); with more than 64 states one sequence gets all 64 lanes,
 * each lane owning every 64th state.
 *
 * Impossible (log 0) values travel as the finite sentinel NEG and are written out as -inf
 * (its bit pattern comes in a uniform, since WGSL has no infinity literal), so no kernel
 * ever computes inf - inf.
 */
export const HMM_WORKGROUP = 64;
/** States a workgroup can hold in shared memory; larger models are rejected with this limit. */
export const HMM_MAX_STATES = 1024;
const STATES_PER_LANE = HMM_MAX_STATES / HMM_WORKGROUP;

const PARAMS = /* wgsl */ `
struct Params { n: u32, t: u32, s: u32, lanes: u32, offE: u32, offStart: u32, offTrans: u32, offEnd: u32, offLen: u32, hasEnd: u32, negInf: f32, aux: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
const NEG = -1.0e30;
const IMPOSSIBLE = -5.0e29;
fn outLog(v: f32) -> f32 { return select(v, p.negInf, v <= IMPOSSIBLE); }
fn seqLength(raw: i32) -> u32 { return u32(clamp(raw, 1, i32(p.t))); }`;

/** Lane layout shared by the recursions: which sequence and which states this lane owns. */
const LANES = /* wgsl */ `
  let lanes = p.lanes;
  let perGroup = ${HMM_WORKGROUP}u / lanes;
  let n = wgIndex(wid, nwg) * perGroup + lid / lanes;
  let lane = lid % lanes;
  let base = (lid / lanes) * lanes;
  let live = n < p.n;
  var len = 0u;
  if (live) { len = seqLength(lengths[p.offLen + n]); }
  let S = p.s;`;

const ENTRY = /* wgsl */ `
@compute @workgroup_size(${HMM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {`;

const CHAIN_INPUTS = /* wgsl */ `
@group(0) @binding(1) var<storage, read> e: array<f32>;
@group(0) @binding(2) var<storage, read> start: array<f32>;
@group(0) @binding(3) var<storage, read> trans: array<f32>;
@group(0) @binding(4) var<storage, read> endScore: array<f32>;
@group(0) @binding(5) var<storage, read> lengths: array<i32>;
var<workgroup> shared_: array<f32, ${HMM_MAX_STATES}>;
fn emit(n: u32, t: u32, j: u32) -> f32 { return max(e[p.offE + (n * p.t + t) * p.s + j], NEG); }
fn endOf(j: u32) -> f32 { return select(0.0, max(endScore[p.offEnd + j], NEG), p.hasEnd == 1u); }`;

/**
 * Forward: log alpha_t(j) = log sum_i exp(log alpha_{t-1}(i) + A_ij) + e_t(j), alpha_0 = start + e_0;
 * log Z = log sum_j exp(log alpha_{L-1}(j) + end_j). Max-subtraction per column.
 * Writes alpha (N, T, S) (-inf on padding) and log Z (N).
 */
export function hmmForwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> alpha: array<f32>;
@group(0) @binding(7) var<storage, read_write> logZ: array<f32>;
${ENTRY}
${LANES}
  var next: array<f32, ${STATES_PER_LANE}>;
  for (var t = 0u; t < p.t; t++) {
    var c = 0u;
    for (var j = lane; j < S; j += lanes) {
      var v = NEG;
      if (t < len) {
        if (t == 0u) {
          v = max(start[p.offStart + j], NEG) + emit(n, 0u, j);
        } else {
          var m = NEG;
          for (var i = 0u; i < S; i++) { m = max(m, shared_[base + i] + max(trans[p.offTrans + i * S + j], NEG)); }
          if (m > IMPOSSIBLE) {
            var sum = 0.0;
            for (var i = 0u; i < S; i++) { sum += exp(shared_[base + i] + max(trans[p.offTrans + i * S + j], NEG) - m); }
            v = m + log(sum) + emit(n, t, j);
          }
        }
        v = max(v, NEG);
      }
      if (live) { alpha[(n * p.t + t) * S + j] = outLog(v); }
      next[c] = v;
      c++;
    }
    workgroupBarrier();
    c = 0u;
    for (var j = lane; j < S; j += lanes) {
      if (t < len) { shared_[base + j] = next[c]; }
      c++;
    }
    workgroupBarrier();
  }
  if (live && lane == 0u) {
    var m = NEG;
    for (var j = 0u; j < S; j++) { m = max(m, shared_[base + j] + endOf(j)); }
    var z = NEG;
    if (m > IMPOSSIBLE) {
      var sum = 0.0;
      for (var j = 0u; j < S; j++) { sum += exp(shared_[base + j] + endOf(j) - m); }
      z = m + log(sum);
    }
    logZ[n] = outLog(z);
  }
}`;
}

/**
 * Backward: log beta_{L-1}(i) = end_i (0 for an HMM);
 * log beta_t(i) = log sum_j exp(A_ij + e_{t+1}(j) + log beta_{t+1}(j)). Writes beta (N, T, S).
 */
export function hmmBackwardWGSL(): string {
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> beta: array<f32>;
${ENTRY}
${LANES}
  var next: array<f32, ${STATES_PER_LANE}>;
  for (var k = 0u; k < p.t; k++) {
    let t = p.t - 1u - k;
    var c = 0u;
    for (var i = lane; i < S; i += lanes) {
      var v = NEG;
      if (t + 1u == len) {
        v = endOf(i);
      } else if (t < len) {
        var m = NEG;
        for (var j = 0u; j < S; j++) { m = max(m, max(trans[p.offTrans + i * S + j], NEG) + shared_[base + j]); }
        if (m > IMPOSSIBLE) {
          var sum = 0.0;
          for (var j = 0u; j < S; j++) { sum += exp(max(trans[p.offTrans + i * S + j], NEG) + shared_[base + j] - m); }
          v = max(m + log(sum), NEG);
        }
      }
      if (live) { beta[(n * p.t + t) * S + i] = outLog(v); }
      next[c] = v;
      c++;
    }
    workgroupBarrier();
    c = 0u;
    // The next (earlier) step needs e_t(j) + beta_t(j).
    for (var i = lane; i < S; i += lanes) {
      if (t < len) { shared_[base + i] = max(next[c] + emit(n, t, i), NEG); }
      c++;
    }
    workgroupBarrier();
  }
}`;
}

/**
 * Viterbi: delta as the forward pass with max for sum, back-pointers (lowest index on ties) in
 * a scratch (N, T, S) buffer, then one lane per sequence walks them back. Paths are -1 on
 * padding and for sequences with no possible path (score -inf).
 */
export function hmmViterbiWGSL(): string {
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> back: array<i32>;
@group(0) @binding(7) var<storage, read_write> paths: array<i32>;
@group(0) @binding(8) var<storage, read_write> score: array<f32>;
${ENTRY}
${LANES}
  var next: array<f32, ${STATES_PER_LANE}>;
  for (var t = 0u; t < p.t; t++) {
    var c = 0u;
    for (var j = lane; j < S; j += lanes) {
      var v = NEG;
      if (t < len) {
        if (t == 0u) {
          v = max(start[p.offStart + j], NEG) + emit(n, 0u, j);
        } else {
          var best = shared_[base] + max(trans[p.offTrans + j], NEG);
          var arg = 0u;
          for (var i = 1u; i < S; i++) {
            let s = shared_[base + i] + max(trans[p.offTrans + i * S + j], NEG);
            if (s > best) { best = s; arg = i; }
          }
          back[(n * p.t + t) * S + j] = i32(arg);
          v = best + emit(n, t, j);
        }
        v = max(v, NEG);
      }
      next[c] = v;
      c++;
    }
    workgroupBarrier();
    c = 0u;
    for (var j = lane; j < S; j += lanes) {
      if (t < len) { shared_[base + j] = next[c]; }
      c++;
    }
    workgroupBarrier();
  }
  storageBarrier();
  if (live && lane == 0u) {
    var best = shared_[base] + endOf(0u);
    var state = 0u;
    for (var j = 1u; j < S; j++) {
      let s = shared_[base + j] + endOf(j);
      if (s > best) { best = s; state = j; }
    }
    let possible = best > IMPOSSIBLE;
    score[n] = outLog(best);
    for (var k = 0u; k < p.t; k++) {
      let t = p.t - 1u - k;
      var out = -1;
      if (t < len && possible) {
        out = i32(state);
        if (t > 0u) { state = u32(back[(n * p.t + t) * S + state]); }
      }
      paths[n * p.t + t] = out;
    }
  }
}`;
}

/**
 * Posterior marginals from alpha, beta and log Z, one workgroup per sequence, each weighted by
 * w_n (1, or the upstream gradient of log Z when this is the CRF's backward):
 *   gamma_t(i)   = w exp(alpha_t(i) + beta_t(i) - log Z)                    (Rabiner eq. 27)
 *   xi(i, j)     = w sum_t exp(alpha_t(i) + A_ij + e_{t+1}(j) + beta_{t+1}(j) - log Z)  (eq. 37)
 *   last(i)      = gamma_{L-1}(i)
 * Everything is 0 on padding and for sequences with log Z = -inf.
 */
export function hmmMarginalsWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> e: array<f32>;
@group(0) @binding(2) var<storage, read> trans: array<f32>;
@group(0) @binding(3) var<storage, read> alpha: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read> logZ: array<f32>;
@group(0) @binding(6) var<storage, read> lengths: array<i32>;
@group(0) @binding(7) var<storage, read> weight: array<f32>;
@group(0) @binding(8) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(9) var<storage, read_write> xi: array<f32>;
@group(0) @binding(10) var<storage, read_write> last: array<f32>;
fn lg(v: f32) -> f32 { return max(v, NEG); }
${ENTRY}
  let n = wgIndex(wid, nwg);
  if (n >= p.n) { return; }
  let S = p.s;
  let len = seqLength(lengths[p.offLen + n]);
  let z = lg(logZ[n]);
  let possible = z > IMPOSSIBLE;
  let w = select(1.0, weight[p.aux + n], p.hasEnd == 1u);
  for (var k = lid; k < p.t * S; k += ${HMM_WORKGROUP}u) {
    let t = k / S;
    let at = n * p.t * S + k;
    var g = 0.0;
    if (t < len && possible) { g = w * exp(lg(alpha[at]) + lg(beta[at]) - z); }
    gamma[at] = g;
    if (t + 1u == len) { last[n * S + k % S] = g; }
  }
  for (var k = lid; k < S * S; k += ${HMM_WORKGROUP}u) {
    let i = k / S;
    let j = k % S;
    let a = lg(trans[p.offTrans + k]);
    var acc = 0.0;
    if (possible) {
      for (var t = 0u; t + 1u < len; t++) {
        let row = (n * p.t + t) * S;
        acc += exp(lg(alpha[row + i]) + a + lg(e[p.offE + row + S + j]) + lg(beta[row + S + j]) - z);
      }
    }
    xi[n * S * S + k] = w * acc;
  }
}`;
}

/**
 * Expected emission counts of a categorical HMM, counts(i, k) = sum_{n, t < L_n, o_t = k}
 * gamma_t(i): one workgroup per state; lane l owns the symbols k = l mod 64, so each output is
 * summed by one lane in (n, t) order (deterministic, no atomics).
 */
export function hmmEmissionCountsWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> symbols: array<i32>;
@group(0) @binding(3) var<storage, read> lengths: array<i32>;
@group(0) @binding(4) var<storage, read_write> counts: array<f32>;
${ENTRY}
  let i = wgIndex(wid, nwg);
  if (i >= p.s) { return; }
  let K = p.aux;
  for (var k = lid; k < K; k += ${HMM_WORKGROUP}u) { counts[i * K + k] = 0.0; }
  for (var n = 0u; n < p.n; n++) {
    let len = seqLength(lengths[p.offLen + n]);
    for (var t = 0u; t < len; t++) {
      let k = symbols[p.offE + n * p.t + t];
      if (k >= 0 && u32(k) < K && u32(k) % ${HMM_WORKGROUP}u == lid) {
        counts[i * K + u32(k)] += gamma[p.offStart + (n * p.t + t) * p.s + i];
      }
    }
  }
}`;
}
