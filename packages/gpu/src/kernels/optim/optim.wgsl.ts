import { perElementMain, WGSL_WORKGROUP_INDEX } from '../common.js';

export const OPTIM_WORKGROUP = 256;
/** Workgroups (partial sums) per gradient in the norm pass; the finalize pass reads them all. */
export const NORM_PARTIALS_PER_TENSOR = 64;

/**
 * Adam / AdamW, one invocation per element, updating the parameter and both moments in place
 * (Kingma & Ba 2015, Algorithm 1, in PyTorch's arrangement of the bias corrections):
 *   g ← g + λθ                       (Adam: L2 added to the gradient)
 *   θ ← θ(1 − ηλ)                    (AdamW: decoupled decay, Loshchilov & Hutter 2019)
 *   m ← m + (1 − β1)(g − m)          (lerp, as torch.optim.Adam)
 *   v ← β2 v + (1 − β2) g²
 *   θ ← θ − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * The step-dependent factors arrive precomputed (in float64 on the host) as `stepSize` and `bc2Sqrt`.
 */
export function adamWGSL(): string {
  return /* wgsl */ `
struct Params { n: u32, offP: u32, offG: u32, offM: u32, offV: u32, decoupled: u32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, stepSize: f32, bc2Sqrt: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m_: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_: array<f32>;
${WGSL_WORKGROUP_INDEX}

${perElementMain(OPTIM_WORKGROUP)}
  var theta = param[p.offP + i];
  var g = grad[p.offG + i];
  if (p.decoupled == 1u) {
    theta = theta * (1.0 - p.lr * p.weightDecay);
  } else {
    g = g + p.weightDecay * theta;
  }
  let m = m_[p.offM + i];
  let m1 = m + (1.0 - p.beta1) * (g - m);
  let v1 = p.beta2 * v_[p.offV + i] + (1.0 - p.beta2) * g * g;
  m_[p.offM + i] = m1;
  v_[p.offV + i] = v1;
  param[p.offP + i] = theta - p.stepSize * m1 / (sqrt(v1) / p.bc2Sqrt + p.eps);
}`;
}

/**
 * SGD with optional momentum and Nesterov momentum, as torch.optim.SGD:
 *   d ← g + λθ
 *   b ← d on the first step, else μb + (1 − τ)d        (τ: dampening)
 *   d ← d + μb (Nesterov, Sutskever et al. 2013 in PyTorch's form) or d ← b
 *   θ ← θ − ηd
 * Without momentum there is no buffer, and the variant binds none.
 */
export function sgdWGSL(momentum: boolean): string {
  const buffer = momentum ? '@group(0) @binding(3) var<storage, read_write> buf: array<f32>;' : '';
  const body = momentum
    ? /* wgsl */ `
  var b = d;
  if (p.first == 0u) { b = p.momentum * buf[p.offB + i] + (1.0 - p.dampening) * d; }
  buf[p.offB + i] = b;
  if (p.nesterov == 1u) { d = d + p.momentum * b; } else { d = b; }`
    : '';
  return /* wgsl */ `
struct Params { n: u32, offP: u32, offG: u32, offB: u32, first: u32, nesterov: u32,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${buffer}
${WGSL_WORKGROUP_INDEX}

${perElementMain(OPTIM_WORKGROUP)}
  let theta = param[p.offP + i];
  var d = grad[p.offG + i] + p.weightDecay * theta;${body}
  param[p.offP + i] = theta - p.lr * d;
}`;
}

/**
 * Pass 1 of the global gradient norm: `workgroups` workgroups stride over one gradient and
 * each writes one partial (Σ|g|^q, or max |g| for the ∞-norm) to partials[slot + wid].
 * mode: 0 = Σg², 1 = max|g|, 2 = Σ|g|^q.
 */
export function normPartialWGSL(): string {
  return /* wgsl */ `
struct Params { n: u32, off: u32, slot: u32, mode: u32, q: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g_: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
var<workgroup> acc: array<f32, ${OPTIM_WORKGROUP}>;

fn combine(a: f32, b: f32) -> f32 { return select(a + b, max(a, b), (p.mode == 1u)); }

@compute @workgroup_size(${OPTIM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  let stride = nwg.x * ${OPTIM_WORKGROUP}u;
  for (var i = wid.x * ${OPTIM_WORKGROUP}u + lid; i < p.n; i += stride) {
    let a = abs(g_[p.off + i]);
    var t = a * a;
    if (p.mode == 1u) { t = a; }
    // pow(0, q) is undefined in WGSL; |0|^q = 0 for q > 0.
    if (p.mode == 2u) { t = select(pow(a, p.q), 0.0, (a == 0.0)); }
    s = combine(s, t);
  }
  acc[lid] = s;
  workgroupBarrier();
  for (var h = ${OPTIM_WORKGROUP / 2}u; h > 0u; h = h >> 1u) {
    if (lid < h) { acc[lid] = combine(acc[lid], acc[lid + h]); }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[p.slot + wid.x] = acc[0]; }
}`;
}

/**
 * Pass 2: one workgroup combines all partials into the norm and the clip coefficient
 * min(1, maxNorm / (norm + 1e-6)) (torch.nn.utils.clip_grad_norm_), written to out[0], out[1].
 */
export function normFinalizeWGSL(): string {
  return /* wgsl */ `
struct Params { count: u32, mode: u32, q: f32, maxNorm: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> acc: array<f32, ${OPTIM_WORKGROUP}>;

fn combine(a: f32, b: f32) -> f32 { return select(a + b, max(a, b), (p.mode == 1u)); }

@compute @workgroup_size(${OPTIM_WORKGROUP})
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < p.count; i += ${OPTIM_WORKGROUP}u) { s = combine(s, partials[i]); }
  acc[lid] = s;
  workgroupBarrier();
  for (var h = ${OPTIM_WORKGROUP / 2}u; h > 0u; h = h >> 1u) {
    if (lid < h) { acc[lid] = combine(acc[lid], acc[lid + h]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var norm = acc[0];
    if (p.mode == 0u) { norm = sqrt(norm); }
    if (p.mode == 2u) { norm = pow(norm, 1.0 / p.q); }
    out[0] = norm;
    out[1] = min(p.maxNorm / (norm + 1e-6), 1.0);
  }
}`;
}

/** Pass 3: g ← g · coef[1], in place, for one gradient. */
export function scaleByWGSL(): string {
  return /* wgsl */ `
struct Params { n: u32, off: u32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> g_: array<f32>;
@group(0) @binding(2) var<storage, read> coef: array<f32>;
${WGSL_WORKGROUP_INDEX}

${perElementMain(OPTIM_WORKGROUP)}
  g_[p.off + i] = g_[p.off + i] * coef[1];
}`;
}
