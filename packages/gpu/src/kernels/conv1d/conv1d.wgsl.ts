import { WGSL_WORKGROUP_INDEX } from '../common.js';

export const CONV_WORKGROUP = 256;

/**
 * 1-D convolution (cross-correlation, as torch.nn.functional.conv1d) on contiguous
 * x (B, Cin, L), w (Cout, Cin / G, K), y (B, Cout, Lout):
 *   y[b, o, t] = bias[o] + Σ_{c, k} w[o, c, k] · x[b, g·Cin/G + c, t·stride + k·dilation − padLeft]
 * with g = o / (Cout / G) and out-of-range x reading 0 (padding).
 * Every kernel gives each output element to one invocation that loops in a fixed order, so
 * results are deterministic and no atomics are needed.
 */
export interface ConvLayout {
  batch: number;
  cin: number;
  lin: number;
  cout: number;
  k: number;
  lout: number;
  groups: number;
  stride: number;
  padLeft: number;
  dilation: number;
  offX: number;
  offW: number;
  offB: number;
  offG: number;
  hasBias: boolean;
}

export const convParams = (l: ConvLayout): number[] => [
  l.batch,
  l.cin,
  l.lin,
  l.cout,
  l.k,
  l.lout,
  l.groups,
  l.stride,
  l.padLeft,
  l.dilation,
  l.offX,
  l.offW,
  l.offB,
  l.offG,
  l.hasBias ? 1 : 0,
];

const HEADER = /* wgsl */ `
struct Params { batch: u32, cin: u32, lin: u32, cout: u32, k: u32, lout: u32, groups: u32, stride: u32,
                padLeft: u32, dilation: u32, offX: u32, offW: u32, offB: u32, offG: u32, hasBias: u32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}`;

const ENTRY = (total: string) => /* wgsl */ `
@compute @workgroup_size(${CONV_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = wgIndex(wid, nwg) * ${CONV_WORKGROUP}u + lid;
  if (e >= ${total}) { return; }
  let cinG = p.cin / p.groups;
  let coutG = p.cout / p.groups;`;

export type ConvKernel = 'forward' | 'input' | 'weight';

export function conv1dWGSL(kernel: ConvKernel): string {
  if (kernel === 'forward') {
    return /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${ENTRY('p.batch * p.cout * p.lout')}
  let t = e % p.lout;
  let o = (e / p.lout) % p.cout;
  let b = e / (p.lout * p.cout);
  let firstC = (o / coutG) * cinG;
  var acc = select(0.0, bias[p.offB + o], p.hasBias == 1u);
  for (var c = 0u; c < cinG; c++) {
    let xRow = p.offX + (b * p.cin + firstC + c) * p.lin;
    let wRow = p.offW + (o * cinG + c) * p.k;
    for (var k = 0u; k < p.k; k++) {
      let pos = i32(t * p.stride + k * p.dilation) - i32(p.padLeft);
      if ((pos >= 0) && (pos < i32(p.lin))) { acc += w_[wRow + k] * x_[xRow + u32(pos)]; }
    }
  }
  y[e] = acc;
}`;
  }
  if (kernel === 'input') {
    // dx[b, ci, l] = Σ_{o in ci's group, k} w[o, c, k] · g[b, o, t] over t with t·stride = l + padLeft − k·dilation.
    return /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> g_: array<f32>;
@group(0) @binding(2) var<storage, read> w_: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${ENTRY('p.batch * p.cin * p.lin')}
  let l = e % p.lin;
  let ci = (e / p.lin) % p.cin;
  let b = e / (p.lin * p.cin);
  let c = ci % cinG;
  let firstO = (ci / cinG) * coutG;
  var acc = 0.0;
  for (var j = 0u; j < coutG; j++) {
    let o = firstO + j;
    let gRow = p.offG + (b * p.cout + o) * p.lout;
    let wRow = p.offW + (o * cinG + c) * p.k;
    for (var k = 0u; k < p.k; k++) {
      let num = i32(l + p.padLeft) - i32(k * p.dilation);
      if ((num >= 0) && (u32(num) % p.stride == 0u)) {
        let t = u32(num) / p.stride;
        if (t < p.lout) { acc += w_[wRow + k] * g_[gRow + t]; }
      }
    }
  }
  dx[e] = acc;
}`;
  }
  // dw[o, c, k] = Σ_{b, t} g[b, o, t] · x[b, g·Cin/G + c, t·stride + k·dilation − padLeft]
  return /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> g_: array<f32>;
@group(0) @binding(2) var<storage, read> x_: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
${ENTRY('p.cout * (p.cin / p.groups) * p.k')}
  let k = e % p.k;
  let c = (e / p.k) % cinG;
  let o = e / (p.k * cinG);
  let ci = (o / coutG) * cinG + c;
  var acc = 0.0;
  for (var b = 0u; b < p.batch; b++) {
    let gRow = p.offG + (b * p.cout + o) * p.lout;
    let xRow = p.offX + (b * p.cin + ci) * p.lin;
    for (var t = 0u; t < p.lout; t++) {
      let pos = i32(t * p.stride + k * p.dilation) - i32(p.padLeft);
      if ((pos >= 0) && (pos < i32(p.lin))) { acc += g_[gRow + t] * x_[xRow + u32(pos)]; }
    }
  }
  dw[e] = acc;
}`;
}

// ---- CPU references (the same sums in the same order) ---------------------------------------

type Out = { [i: number]: number };

export function conv1dReference(
  l: ConvLayout,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  y: Out,
): void {
  const cinG = l.cin / l.groups;
  const coutG = l.cout / l.groups;
  for (let b = 0; b < l.batch; b++)
    for (let o = 0; o < l.cout; o++)
      for (let t = 0; t < l.lout; t++) {
        const firstC = Math.floor(o / coutG) * cinG;
        let acc = bias ? bias[l.offB + o] : 0;
        for (let c = 0; c < cinG; c++)
          for (let k = 0; k < l.k; k++) {
            const pos = t * l.stride + k * l.dilation - l.padLeft;
            if (pos >= 0 && pos < l.lin)
              acc +=
                w[l.offW + (o * cinG + c) * l.k + k] *
                x[l.offX + (b * l.cin + firstC + c) * l.lin + pos];
          }
        y[(b * l.cout + o) * l.lout + t] = acc;
      }
}

export function conv1dInputGradReference(
  l: ConvLayout,
  g: ArrayLike<number>,
  w: ArrayLike<number>,
  dx: Out,
): void {
  const cinG = l.cin / l.groups;
  const coutG = l.cout / l.groups;
  for (let b = 0; b < l.batch; b++)
    for (let ci = 0; ci < l.cin; ci++)
      for (let p = 0; p < l.lin; p++) {
        const c = ci % cinG;
        const firstO = Math.floor(ci / cinG) * coutG;
        let acc = 0;
        for (let j = 0; j < coutG; j++) {
          const o = firstO + j;
          for (let k = 0; k < l.k; k++) {
            const num = p + l.padLeft - k * l.dilation;
            if (num < 0 || num % l.stride !== 0) continue;
            const t = num / l.stride;
            if (t < l.lout)
              acc +=
                w[l.offW + (o * cinG + c) * l.k + k] * g[l.offG + (b * l.cout + o) * l.lout + t];
          }
        }
        dx[(b * l.cin + ci) * l.lin + p] = acc;
      }
}

export function conv1dWeightGradReference(
  l: ConvLayout,
  g: ArrayLike<number>,
  x: ArrayLike<number>,
  dw: Out,
): void {
  const cinG = l.cin / l.groups;
  const coutG = l.cout / l.groups;
  for (let o = 0; o < l.cout; o++)
    for (let c = 0; c < cinG; c++)
      for (let k = 0; k < l.k; k++) {
        const ci = Math.floor(o / coutG) * cinG + c;
        let acc = 0;
        for (let b = 0; b < l.batch; b++)
          for (let t = 0; t < l.lout; t++) {
            const pos = t * l.stride + k * l.dilation - l.padLeft;
            if (pos >= 0 && pos < l.lin)
              acc +=
                g[l.offG + (b * l.cout + o) * l.lout + t] *
                x[l.offX + (b * l.cin + ci) * l.lin + pos];
          }
        dw[(o * cinG + c) * l.k + k] = acc;
      }
}
