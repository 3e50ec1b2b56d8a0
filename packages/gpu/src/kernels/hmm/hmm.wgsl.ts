import { WGSL_WORKGROUP_INDEX } from '../common.js';

/**
 * Batched chain recursions for HMMs and linear-chain CRFs (Rabiner 1989 eqs. 19-25 and 32-35;
 * Lafferty et al. 2001). The step-by-step recursion runs inside the kernel: one workgroup owns
 * whole sequences and loops over time, so a batch costs one dispatch instead of one per step.
 * A sequence gets a lane group of `lanes` invocations (a power of two, chosen by the launcher:
 * see hmmLanes), lane l owning states l, l + lanes, ...; a workgroup packs 64 / lanes
 * sequences, so few states share a workgroup and more than 64 states get all 64 lanes.
 *
 * Speed: a log-space step log sum_i exp(x_i + M_il) costs S^2 exponentials when done pair by
 * pair. The forward and backward steps instead factor it as
 *   m + top_l + log sum_i exp(x_i - m) * exp(M_il - top_l),   m = max_i x_i, top_l = max_i M_il,
 * so a step is S exponentials, S logs and an S x S multiply-add product with exp(M - top)
 * computed once per dispatch (kept in workgroup memory for up to 64 states). Every term is
 * at most 1, so nothing overflows; when the scaled sum falls below TINY (terms lost to
 * underflow could then matter) that one entry is recomputed with the exact per-pair
 * log-sum-exp. Viterbi is max-plus (adds and compares only) with A in workgroup memory.
 *
 * Impossible (log 0) values travel as the finite sentinel NEG and are written out as -inf
 * (its bit pattern comes in a uniform, since WGSL has no infinity literal), so no kernel
 * ever computes inf - inf.
 */
export const HMM_WORKGROUP = 64;
/** States a workgroup can hold in shared memory; larger models are rejected with this limit. */
export const HMM_MAX_STATES = 1024;
/** Largest state count whose transition matrix the recursions keep in workgroup memory. */
export const HMM_SHARED_STATES = 64;
/** Floats of one ping-pong vector: every packed sequence's states (64 / lanes x S <= 1024). */
const V = HMM_MAX_STATES;
/**
 * Workgroup memory the shared-matrix variants need (the forward/backward one, the larger):
 * two ping-pong vectors, one of probabilities, column maxima and the 64 x 64 matrix.
 * Devices with less (WebGPU guarantees 16 KiB) read the matrix from a storage buffer.
 */
export const HMM_SHARED_TRANS_BYTES = 4 * (3 * V + HMM_SHARED_STATES + HMM_SHARED_STATES ** 2);
/** Scaled sums below this are recomputed exactly: a term lost to f32 underflow is < 1.2e-38. */
const TINY = '1.0e-20';

/** Which pipeline variant runs: the matrix in workgroup memory (S <= 64) or in storage. */
export interface ChainVariant {
  sharedTrans: boolean;
}

const PARAMS = /* wgsl */ `
struct Params { n: u32, t: u32, s: u32, lanes: u32, offE: u32, offStart: u32, offTrans: u32, offEnd: u32, offLen: u32, hasEnd: u32, negInf: f32, aux: u32 }
@group(1) @binding(0) var<uniform> p: Params;
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
  let base = (lid / lanes) * p.s;
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
fn emit(n: u32, t: u32, j: u32) -> f32 { return max(e[p.offE + (n * p.t + t) * p.s + j], NEG); }
fn endOf(j: u32) -> f32 { return select(0.0, max(endScore[p.offEnd + j], NEG), p.hasEnd == 1u); }`;

/**
 * The step matrix M[k][l] (from state k to state l): A for the forward pass, A^T for the
 * backward pass, so that both are "for each target l, sum over sources k".
 */
function rawMatrix(transpose: boolean): string {
  const index = transpose ? 'l * p.s + k' : 'k * p.s + l';
  return `fn rawM(k: u32, l: u32) -> f32 { return max(trans[p.offTrans + ${index}], NEG); }`;
}

/**
 * mxAt(k, l) = exp(M[k][l] - top_l) and topAt(l) = max_k M[k][l]: computed by each workgroup
 * into shared memory, or read from the buffer `hmmPrepareWGSL` filled.
 */
function scaledMatrix(v: ChainVariant, prepBinding: number): string {
  if (!v.sharedTrans)
    return /* wgsl */ `
@group(0) @binding(${prepBinding}) var<storage, read> prep: array<f32>;
fn mxAt(k: u32, l: u32) -> f32 { return prep[p.s + k * p.s + l]; }
fn topAt(l: u32) -> f32 { return prep[l]; }
fn loadMatrix(lid: u32) {}`;
  return /* wgsl */ `
var<workgroup> mx: array<f32, ${HMM_SHARED_STATES ** 2}>;
var<workgroup> top: array<f32, ${HMM_SHARED_STATES}>;
fn mxAt(k: u32, l: u32) -> f32 { return mx[k * p.s + l]; }
fn topAt(l: u32) -> f32 { return top[l]; }
fn loadMatrix(lid: u32) {
  for (var l = lid; l < p.s; l += ${HMM_WORKGROUP}u) {
    var m = NEG;
    for (var k = 0u; k < p.s; k++) { m = max(m, rawM(k, l)); }
    top[l] = m;
  }
  workgroupBarrier();
  for (var q = lid; q < p.s * p.s; q += ${HMM_WORKGROUP}u) {
    let l = q % p.s;
    mx[q] = select(exp(rawM(q / p.s, l) - top[l]), 0.0, top[l] <= IMPOSSIBLE);
  }
  workgroupBarrier();
}`;
}

/**
 * Ping-pong log vectors and the step: logStep(src, l, m) = log sum_k exp(vecs[src + k] + M[k][l]),
 * where probs[src group] holds exp(vecs[src + k] - m) and m = max_k vecs[src + k].
 */
function logStep(): string {
  return /* wgsl */ `
var<workgroup> vecs: array<f32, ${2 * V}>;
var<workgroup> probs: array<f32, ${V}>;
const V = ${V}u;
fn logStep(src: u32, pb: u32, l: u32, m: f32) -> f32 {
  let tl = topAt(l);
  if (m <= IMPOSSIBLE || tl <= IMPOSSIBLE) { return NEG; }
  var s = 0.0;
  for (var k = 0u; k < p.s; k++) { s += probs[pb + k] * mxAt(k, l); }
  if (s >= ${TINY}) { return m + tl + log(s); }
  // Exact per-pair log-sum-exp: the scaled terms were too small to trust.
  var mm = NEG;
  for (var k = 0u; k < p.s; k++) { mm = max(mm, vecs[src + k] + rawM(k, l)); }
  if (mm <= IMPOSSIBLE) { return NEG; }
  var sum = 0.0;
  for (var k = 0u; k < p.s; k++) { sum += exp(vecs[src + k] + rawM(k, l) - mm); }
  return mm + log(sum);
}
/** Max of the source vector and its exponentials relative to it, for this lane's states. */
fn scaleSource(src: u32, pb: u32, lane: u32, lanes: u32) -> f32 {
  var m = NEG;
  for (var k = 0u; k < p.s; k++) { m = max(m, vecs[src + k]); }
  for (var k = lane; k < p.s; k += lanes) { probs[pb + k] = exp(vecs[src + k] - m); }
  return m;
}`;
}

/**
 * Forward: log alpha_t(j) = log sum_i exp(log alpha_{t-1}(i) + A_ij) + e_t(j), alpha_0 = start + e_0;
 * log Z = log sum_j exp(log alpha_{L-1}(j) + end_j). Writes alpha (N, T, S) (-inf on padding)
 * and log Z (N).
 */
export function hmmForwardWGSL(v: ChainVariant): string {
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> alpha: array<f32>;
@group(0) @binding(7) var<storage, read_write> logZ: array<f32>;
${rawMatrix(false)}
${scaledMatrix(v, 8)}
${logStep()}
${ENTRY}
${LANES}
  loadMatrix(lid);
  for (var t = 0u; t < p.t; t++) {
    let cur = (t & 1u) * V + base;
    let prev = ((t + 1u) & 1u) * V + base;
    var m = NEG;
    if (t > 0u && t < len) { m = scaleSource(prev, base, lane, lanes); }
    workgroupBarrier();
    for (var j = lane; j < S; j += lanes) {
      var v = NEG;
      if (t < len) {
        if (t == 0u) {
          v = max(start[p.offStart + j], NEG) + emit(n, 0u, j);
        } else {
          v = logStep(prev, base, j, m) + emit(n, t, j);
        }
        v = max(v, NEG);
        vecs[cur + j] = v;
      } else {
        vecs[cur + j] = vecs[prev + j]; // carry alpha_{L-1} to the end for log Z
      }
      if (live) { alpha[(n * p.t + t) * S + j] = outLog(v); }
    }
    workgroupBarrier();
  }
  if (live && lane == 0u) {
    let last = ((p.t - 1u) & 1u) * V + base;
    var m = NEG;
    for (var j = 0u; j < S; j++) { m = max(m, vecs[last + j] + endOf(j)); }
    var z = NEG;
    if (m > IMPOSSIBLE) {
      var sum = 0.0;
      for (var j = 0u; j < S; j++) { sum += exp(vecs[last + j] + endOf(j) - m); }
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
export function hmmBackwardWGSL(v: ChainVariant): string {
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> beta: array<f32>;
${rawMatrix(true)}
${scaledMatrix(v, 7)}
${logStep()}
${ENTRY}
${LANES}
  loadMatrix(lid);
  for (var k = 0u; k < p.t; k++) {
    let t = p.t - 1u - k;
    // vecs hold e_t(i) + log beta_t(i), what the earlier step sums over.
    let cur = (k & 1u) * V + base;
    let prev = ((k + 1u) & 1u) * V + base;
    var m = NEG;
    if (t + 1u < len) { m = scaleSource(prev, base, lane, lanes); }
    workgroupBarrier();
    for (var i = lane; i < S; i += lanes) {
      var v = NEG;
      if (t + 1u == len) {
        v = endOf(i);
      } else if (t + 1u < len) {
        v = logStep(prev, base, i, m);
      }
      v = max(v, NEG);
      if (live) { beta[(n * p.t + t) * S + i] = outLog(v); }
      if (t < len) { vecs[cur + i] = max(v + emit(n, t, i), NEG); }
    }
    workgroupBarrier();
  }
}`;
}

/**
 * Fills prep = [top (S), exp(M - top) (S x S)] for the storage variant: one workgroup per
 * target state l; M = A, or A^T when p.aux is 1 (the backward pass).
 */
export function hmmPrepareWGSL(): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> trans: array<f32>;
@group(0) @binding(2) var<storage, read_write> prep: array<f32>;
var<workgroup> red: array<f32, ${HMM_WORKGROUP}>;
fn rawM(k: u32, l: u32) -> f32 {
  let index = select(k * p.s + l, l * p.s + k, p.aux == 1u);
  return max(trans[p.offTrans + index], NEG);
}
${ENTRY}
  let l = wgIndex(wid, nwg);
  if (l >= p.s) { return; }
  var m = NEG;
  for (var k = lid; k < p.s; k += ${HMM_WORKGROUP}u) { m = max(m, rawM(k, l)); }
  red[lid] = m;
  workgroupBarrier();
  for (var stride = ${HMM_WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { red[lid] = max(red[lid], red[lid + stride]); }
    workgroupBarrier();
  }
  let top = red[0];
  if (lid == 0u) { prep[l] = top; }
  for (var k = lid; k < p.s; k += ${HMM_WORKGROUP}u) {
    prep[p.s + k * p.s + l] = select(exp(rawM(k, l) - top), 0.0, top <= IMPOSSIBLE);
  }
}`;
}

/**
 * Viterbi: delta as the forward pass with max for sum (adds and compares only, A in workgroup
 * memory for up to 64 states), back-pointers (lowest index on ties) in a scratch (N, T, S)
 * buffer, then one lane per sequence walks them back. Paths are -1 on padding and for
 * sequences with no possible path (score -inf).
 */
export function hmmViterbiWGSL(v: ChainVariant): string {
  const matrix = v.sharedTrans
    ? /* wgsl */ `
var<workgroup> tm: array<f32, ${HMM_SHARED_STATES ** 2}>;
fn logA(i: u32, j: u32) -> f32 { return tm[i * p.s + j]; }
fn loadMatrix(lid: u32) {
  for (var q = lid; q < p.s * p.s; q += ${HMM_WORKGROUP}u) { tm[q] = max(trans[p.offTrans + q], NEG); }
  workgroupBarrier();
}`
    : /* wgsl */ `
fn logA(i: u32, j: u32) -> f32 { return max(trans[p.offTrans + i * p.s + j], NEG); }
fn loadMatrix(lid: u32) {}`;
  return /* wgsl */ `${PARAMS}
${CHAIN_INPUTS}
@group(0) @binding(6) var<storage, read_write> back: array<i32>;
@group(0) @binding(7) var<storage, read_write> paths: array<i32>;
@group(0) @binding(8) var<storage, read_write> score: array<f32>;
var<workgroup> vecs: array<f32, ${2 * V}>;
const V = ${V}u;
${matrix}
${ENTRY}
${LANES}
  loadMatrix(lid);
  for (var t = 0u; t < p.t; t++) {
    let cur = (t & 1u) * V + base;
    let prev = ((t + 1u) & 1u) * V + base;
    for (var j = lane; j < S; j += lanes) {
      var v = NEG;
      if (t < len) {
        if (t == 0u) {
          v = max(start[p.offStart + j], NEG) + emit(n, 0u, j);
        } else {
          var best = vecs[prev] + logA(0u, j);
          var arg = 0u;
          for (var i = 1u; i < S; i++) {
            let s = vecs[prev + i] + logA(i, j);
            if (s > best) { best = s; arg = i; }
          }
          back[(n * p.t + t) * S + j] = i32(arg);
          v = best + emit(n, t, j);
        }
        v = max(v, NEG);
        vecs[cur + j] = v;
      } else {
        vecs[cur + j] = vecs[prev + j];
      }
    }
    workgroupBarrier();
  }
  storageBarrier();
  if (live && lane == 0u) {
    let last = ((p.t - 1u) & 1u) * V + base;
    var best = vecs[last] + endOf(0u);
    var state = 0u;
    for (var j = 1u; j < S; j++) {
      let s = vecs[last + j] + endOf(j);
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
 *
 * xi factors into exp(A_ij - c_j) sum_t U_t(i) V_{t+1}(j) with U_t(i) = exp(alpha_t(i) - a_t)
 * (a_t = max_i alpha_t(i), so U <= 1) and V_{t+1}(j) = exp(e + beta_{t+1}(j) - log Z + a_t + c_j)
 * (c_j = max_i A_ij), both computed once per (t, state) into the scratch uv (N, T, 2S + 1);
 * the pair loop is then multiply-adds. A V whose exponent passes 60 (it could overflow) is
 * flagged -1 and that (t, j) column is summed exactly instead.
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
@group(0) @binding(11) var<storage, read_write> uv: array<f32>;
var<workgroup> colMax: array<f32, ${HMM_MAX_STATES}>;
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
  for (var j = lid; j < S; j += ${HMM_WORKGROUP}u) {
    var m = NEG;
    for (var i = 0u; i < S; i++) { m = max(m, lg(trans[p.offTrans + i * S + j])); }
    colMax[j] = m;
  }
  let W = 2u * S + 1u;
  let rows = n * p.t * W;
  for (var t = lid; t < len; t += ${HMM_WORKGROUP}u) {
    var m = NEG;
    for (var i = 0u; i < S; i++) { m = max(m, lg(alpha[(n * p.t + t) * S + i])); }
    uv[rows + t * W + 2u * S] = m;
  }
  storageBarrier();
  workgroupBarrier();
  for (var k = lid; k < len * S; k += ${HMM_WORKGROUP}u) {
    let t = k / S;
    let i = k % S;
    let at = n * p.t * S + k;
    let row = rows + t * W;
    uv[row + i] = exp(lg(alpha[at]) - uv[row + 2u * S]);
    if (t > 0u) {
      let lv = lg(e[p.offE + at]) + lg(beta[at]) - z + uv[row - W + 2u * S] + colMax[i];
      uv[row + S + i] = select(exp(lv), -1.0, lv > 60.0);
    }
  }
  storageBarrier();
  workgroupBarrier();
  for (var q = lid; q < S * S; q += ${HMM_WORKGROUP}u) {
    let i = q / S;
    let j = q % S;
    let a = lg(trans[p.offTrans + q]);
    var scaled = 0.0;
    var exact = 0.0;
    if (possible) {
      for (var t = 0u; t + 1u < len; t++) {
        let row = rows + t * W;
        let v = uv[row + W + S + j];
        if (v >= 0.0) {
          scaled += uv[row + i] * v;
        } else {
          let at = (n * p.t + t) * S;
          exact += exp(lg(alpha[at + i]) + a + lg(e[p.offE + at + S + j]) + lg(beta[at + S + j]) - z);
        }
      }
    }
    let c = colMax[j];
    xi[n * S * S + q] = w * (select(exp(a - c) * scaled, 0.0, c <= IMPOSSIBLE) + exact);
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
