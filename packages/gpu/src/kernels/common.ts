import { CpuBackend } from '../backend/cpu.js';
import type { GpuDispatch, WebGPUBackend } from '../backend/webgpu.js';
import type { TypedArray } from '../dtype.js';
import { shapeToString } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** WGSL: the linear index of this workgroup in a grid that may be split in two dimensions. */
export const WGSL_WORKGROUP_INDEX = /* wgsl */ `
fn wgIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }`;

/**
 * Opening of a kernel with one invocation per element: `workgroup` invocations a workgroup,
 * element i counted over the (possibly 2D) grid of workgroups, and nothing to do from `count`
 * (a WGSL expression, by default the uniform field p.n) on. Needs WGSL_WORKGROUP_INDEX.
 */
export function perElementMain(workgroup: number, count = 'p.n'): string {
  return /* wgsl */ `@compute @workgroup_size(${workgroup})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = wgIndex(wid, nwg) * ${workgroup}u + lid;
  if (i >= ${count}) { return; }`;
}

/**
 * WGSL tanh for f32 (`tanh_`) and vec4 (`tanh4`) from one exponential of a non-positive
 * number, so it never computes inf/inf for large |x|.
 */
export const WGSL_TANH = /* wgsl */ `
fn tanh_(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
fn tanh4(x: vec4<f32>) -> vec4<f32> { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }`;

/** WGSL: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), since WGSL has no erf. */
export const WGSL_ERF = /* wgsl */ `
fn erf_(x: f32) -> f32 {
  let s = sign(x);
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-z * z);
  return s * y;
}`;

/** The same approximation on the CPU, so both backends agree to rounding. */
export function erf(x: number): number {
  const s = Math.sign(x);
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return s * y;
}

export function sameDevice(op: string, tensors: Tensor[]): void {
  const d = tensors[0].device;
  for (const t of tensors) {
    if (t.device !== d)
      throw new Error(
        `${op}: tensors are on different devices (${d.describe()} and ${t.device.describe()})`,
      );
  }
}

export function sameDtype(op: string, tensors: Tensor[]): void {
  const d = tensors[0].dtype;
  for (const t of tensors) {
    if (t.dtype !== d) {
      throw new Error(
        `${op}: dtypes differ (${d} and ${t.dtype}); convert one with cast(t, '${d}')`,
      );
    }
  }
}

export function requireFloat(op: string, t: Tensor): void {
  if (t.dtype !== 'f32')
    throw new Error(`${op} needs an f32 tensor, got ${t.dtype}; convert with cast(t, 'f32')`);
}

export function requireRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank !== rank) {
    throw new Error(`${op}: expected ${what} of rank ${rank}, got shape ${shapeToString(t.shape)}`);
  }
}

/** Runs the CPU reference or records the WebGPU dispatch, whichever backend `t` lives on. */
export function onBackend(
  t: Tensor,
  cpu: (backend: CpuBackend) => void,
  gpu: (backend: WebGPUBackend) => GpuDispatch | GpuDispatch[] | undefined,
): void {
  const backend = t.device.backend;
  if (backend instanceof CpuBackend) {
    cpu(backend);
    return;
  }
  const d = gpu(backend);
  if (!d) return;
  for (const one of Array.isArray(d) ? d : [d]) backend.dispatch(one);
}

/** The CPU storage of a tensor (reference kernels index it with the tensor's strides). */
export function cpuData(t: Tensor): TypedArray {
  return t.storage.data!;
}

/** Packs a list of numbers into `n` slots (unused slots 0) for a uniform array. */
export function padTo(values: readonly number[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length && i < n; i++) out[i] = values[i];
  return out;
}
