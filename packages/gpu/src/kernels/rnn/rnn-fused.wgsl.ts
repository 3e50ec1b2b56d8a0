import { WGSL_TANH, WGSL_WORKGROUP_INDEX } from '../common.js';

/**
 * Fused per-step Elman kernels in the design of the LSTM/GRU steps (../lstm/recurrent*.wgsl.ts):
 * one dispatch per time step does the recurrent matvec for a block of batch rows, adds the
 * hoisted projection, applies the activation and the length mask; the backward is one
 * dispatch per step (plus one for dh0) that contracts the NEXT step's dz with W_hh — already
 * complete because the previous dispatch wrote it — so no separate carry matmul is needed.
 *
 * Everything is read as vec4 along the hidden axis (H must be a multiple of 4):
 *   x   (T, B, H)      hoisted projections          S   (T + 1, B, H) states, S[0] = h0
 *   wT  (H, H) = W_hhᵀ forward: wT[k, j] = W_hh[j, k] W   (H, H) backward, W_hh as is
 *   g   (T + 1, B, H)  gradient of S                dz  (T, B, H) = dL/dx (0 at padded steps)
 *   carry (B, H)       dh passed through padded steps (those lie after a row's length)
 * Both directions contract a row block of a (·, B, H) source with an (H, H) matrix whose rows
 * are the contracted index, so one matvec generator serves both.
 *
 * Generic form: an invocation owns ROWS batch rows × one vec4 of units; per 4 k it loads ROWS
 * source vec4s and 4 weight vec4s for 16·ROWS FMAs. Subgroup form (as the LSTM's): a workgroup
 * is one 8-lane subgroup, lane l owns vec4 block base + l of SG rows; the source is loaded
 * once per 32 k and handed to all lanes with `subgroupBroadcast` (SG + 32 loads, 128·SG FMAs).
 */
export const FUSED_WORKGROUP = 64;
export const FUSED_ROWS = 4;
export const FUSED_SG_LANES = 8;
/**
 * Rows per subgroup workgroup: 8, as the LSTM's forward. At B32 T128 H256 on a loaded lavapipe
 * the subgroup form ran the recurrence alone in ~80 ms forward / ~230 ms forward+backward
 * against ~100 / ~270 ms generic; 16 rows (and 8 generic rows) gave no clear gain in that noise.
 */
export const FUSED_SG_ROWS = 8;

export interface FusedParams {
  T: number;
  B: number;
  /** H / 4 */
  h4: number;
  /** Step index; the backward's final pass (dh0) uses t = 0 with isFinal. */
  t: number;
  act: number;
  hasLengths: boolean;
  isFinal: boolean;
  /** vec4 offsets */
  offX: number;
  offG: number;
}

export function fusedParamWords(p: FusedParams): number[] {
  return [p.T, p.B, p.h4, p.t, p.act, p.hasLengths ? 1 : 0, p.isFinal ? 1 : 0, p.offX, p.offG];
}

const HEADER = /* wgsl */ `
struct Params { T: u32, B: u32, h4: u32, t: u32, act: u32, hasLen: u32, isFinal: u32, offX: u32, offG: u32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}${WGSL_TANH}
fn valid(t: u32, b: u32) -> bool { return p.hasLen == 0u || i32(t) < lens[b]; }
fn activate(z: vec4<f32>) -> vec4<f32> {
  if (p.act == 0u) { return tanh4(z); }
  return max(z, vec4<f32>(0.0));
}
// The derivative from the activation's output y (tanh' = 1 − y², relu' = [y > 0]).
fn activateGrad(y: vec4<f32>) -> vec4<f32> {
  if (p.act == 0u) { return 1.0 - y * y; }
  return select(vec4<f32>(0.0), vec4<f32>(1.0), y > vec4<f32>(0.0));
}`;

const range = (n: number) => [...Array(n).keys()];
const XYZW = 'xyzw';

/**
 * acc_r (vec4 of units jb) = Σ_k src[srcRow_r, k] · mat[k, jb] for every row r.
 * `srcRow(r)` is a WGSL expression for the vec4 index of row r's first element in `src`.
 */
function genericMatvec(rows: number, src: string, srcRow: (r: number) => string): string {
  const body = range(4)
    .map(
      (q) =>
        `    { let w = mat[(k4 * 4u + ${q}u) * p.h4 + jb];\n` +
        range(rows)
          .map((r) => `      acc${r} += s${r}.${XYZW[q]} * w;`)
          .join('\n') +
        '\n    }',
    )
    .join('\n');
  return `${range(rows)
    .map((r) => `  var acc${r} = vec4<f32>(0.0);`)
    .join('\n')}
  for (var k4 = 0u; k4 < p.h4; k4++) {
${range(rows)
  .map((r) => `    let s${r} = ${src}[${srcRow(r)} + k4];`)
  .join('\n')}
${body}
  }`;
}

function subgroupMatvec(rows: number, src: string, srcRow: (r: number) => string): string {
  const inner = range(FUSED_SG_LANES)
    .map((q) => {
      const loads = range(4)
        .map((c) => `      let w${c} = mat[min((k0 + ${q}u) * 4u + ${c}u, kLast) * p.h4 + jbc];`)
        .join('\n');
      const fmas = range(rows)
        .map(
          (r) =>
            `      let b${r}_ = subgroupBroadcast(s${r}, ${q}u);\n` +
            range(4)
              .map((c) => `      acc${r} += b${r}_.${XYZW[c]} * w${c};`)
              .join('\n'),
        )
        .join('\n');
      return `    {\n${loads}\n${fmas}\n    }`;
    })
    .join('\n');
  return `${range(rows)
    .map((r) => `  var acc${r} = vec4<f32>(0.0);`)
    .join('\n')}
  let kLast = p.h4 * 4u - 1u;
  for (var k0 = 0u; k0 < p.h4; k0 += ${FUSED_SG_LANES}u) {
    let kl = k0 + lane;
${range(rows)
  .map(
    (r) =>
      `    let s${r} = select(vec4<f32>(0.0), ${src}[${srcRow(r)} + min(kl, p.h4 - 1u)], kl < p.h4);`,
  )
  .join('\n')}
${inner}
  }`;
}

/** Entry point and the (row block, unit block) of this invocation, for either form. */
function entry(subgroup: boolean, rows: number): string {
  if (!subgroup) {
    return `@compute @workgroup_size(${FUSED_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let gid = wgIndex(wid, nwg) * ${FUSED_WORKGROUP}u + lid;
  let jb = gid % p.h4;
  let rb = gid / p.h4;
  if (rb * ${rows}u >= p.B) { return; }
  let live = true;`;
  }
  return `@compute @workgroup_size(${FUSED_SG_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let blocks = (p.h4 + ${FUSED_SG_LANES - 1}u) / ${FUSED_SG_LANES}u;
  let wi = wgIndex(wid, nwg);
  let rb = wi / blocks;
  if (rb * ${rows}u >= p.B) { return; }
  let jb = (wi % blocks) * ${FUSED_SG_LANES}u + lane;
  let jbc = min(jb, p.h4 - 1u);
  let live = jb < p.h4;`;
}

function rowSetup(rows: number): string {
  return range(rows)
    .map(
      (r) => `
  let row${r} = rb * ${rows}u + ${r}u;
  let b${r} = min(row${r}, p.B - 1u);`,
    )
    .join('');
}

/** Workgroups for one dispatch. */
export function fusedGroups(subgroup: boolean, B: number, h4: number): number {
  return subgroup
    ? Math.ceil(B / FUSED_SG_ROWS) * Math.ceil(h4 / FUSED_SG_LANES)
    : Math.ceil((Math.ceil(B / FUSED_ROWS) * h4) / FUSED_WORKGROUP);
}

/** Forward step t: S[t+1, b] = valid(t, b) ? act(x[t, b] + S[t, b]·W_hhᵀ) : S[t, b]. */
export function rnnFusedForwardWGSL(subgroup: boolean): string {
  const rows = subgroup ? FUSED_SG_ROWS : FUSED_ROWS;
  const mv = (subgroup ? subgroupMatvec : genericMatvec)(
    rows,
    's_',
    (r) => `(p.t * p.B + b${r}) * p.h4`,
  );
  const update = range(rows)
    .map(
      (r) => `
  if (live && row${r} < p.B) {
    let i = b${r} * p.h4 + jb;
    let prev = s_[p.t * p.B * p.h4 + i];
    s_[(p.t + 1u) * p.B * p.h4 + i] = select(prev, activate(x_[p.offX + p.t * p.B * p.h4 + i] + acc${r}), valid(p.t, b${r}));
  }`,
    )
    .join('');
  return /* wgsl */ `${subgroup ? 'enable subgroups;' : ''}
@group(0) @binding(1) var<storage, read> x_: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lens: array<i32>;
@group(0) @binding(4) var<storage, read_write> s_: array<vec4<f32>>;
${HEADER}
${entry(subgroup, rows)}
${rowSetup(rows)}
${mv}
${update}
}`;
}

/**
 * Backward step t (descending), or with isFinal the pass that writes dh0 (t = −1):
 *   dh_t = g[t+1] + (t+1 < T ? (valid(t+1) ? dz[t+1]·W_hh : carry) : 0)
 *   valid(t): dz[t] = dh_t ⊙ act′(S[t+1]);  else dz[t] = 0, carry ← dh_t (passed through)
 *   final:    dh0 = g[0] + (valid(0) ? dz[0]·W_hh : carry)
 * Each invocation reads and writes only its own carry entries, so carry is updated in place.
 */
export function rnnFusedBackwardWGSL(subgroup: boolean): string {
  const rows = subgroup ? FUSED_SG_ROWS : FUSED_ROWS;
  const mv = (subgroup ? subgroupMatvec : genericMatvec)(
    rows,
    'dz_',
    (r) => `(min(tn, p.T - 1u) * p.B + b${r}) * p.h4`,
  );
  const update = range(rows)
    .map(
      (r) => `
  if (live && row${r} < p.B) {
    let i = b${r} * p.h4 + jb;
    let back = select(select(vec4<f32>(0.0), carry[i], tn < p.T), acc${r}, tn < p.T && valid(tn, b${r}));
    if (p.isFinal == 1u) {
      dh0[i] = g_[p.offG + i] + back;
    } else {
      let dh = g_[p.offG + tn * p.B * p.h4 + i] + back;
      if (valid(p.t, b${r})) {
        dz_[p.t * p.B * p.h4 + i] = dh * activateGrad(s_[tn * p.B * p.h4 + i]);
      } else {
        dz_[p.t * p.B * p.h4 + i] = vec4<f32>(0.0);
        carry[i] = dh;
      }
    }
  }`,
    )
    .join('');
  return /* wgsl */ `${subgroup ? 'enable subgroups;' : ''}
@group(0) @binding(1) var<storage, read> s_: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> g_: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lens: array<i32>;
@group(0) @binding(5) var<storage, read_write> dz_: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> carry: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dh0: array<vec4<f32>>;
${HEADER}
${entry(subgroup, rows)}
  // The step whose dz this pass contracts: t + 1, or 0 in the final pass.
  let tn = select(p.t + 1u, 0u, p.isFinal == 1u);
${rowSetup(rows)}
${mv}
${update}
}`;
}
