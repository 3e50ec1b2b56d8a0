import { expect } from 'vitest';
import { type Device, noGrad, type Tensor, tensor } from '../../src/index.js';
import { cpuDevice64, webgpuDevice } from './devices.js';

/**
 * The one op-test helper (after tinygrad's helper_test_op and llm.c's kernel checks).
 * For each case it
 *   1. runs the op forward and backward on the CPU reference backend in float64, with a
 *      random seed gradient w (so the checked quantity is L = Σ op(x) ⊙ w);
 *   2. checks every input gradient against central finite differences of L (float64);
 *   3. runs the same on WebGPU and checks output and gradients against the CPU results
 *      within |gpu − ref| ≤ atol + rtol·|ref|.
 */

export interface InputSpec {
  shape: number[];
  /** Sampling range for values (default [-2, 2]). */
  range?: [number, number];
  /** Keep values away from 0 by at least this much (for log, div, abs...). */
  awayFromZero?: number;
  /** Integer input (indices, masks): values uniform in [0, range[1]) as i32. No gradient. */
  int?: boolean;
  /** Differentiate with respect to this input (default: f32 inputs yes). */
  grad?: boolean;
  /** Explicit values instead of random ones. */
  values?: number[];
}

export interface OpTestOptions {
  /** Tolerances for WebGPU vs reference (default atol 1e-4, rtol 1e-4). */
  atol?: number;
  rtol?: number;
  /** Tolerances for analytic vs finite-difference gradients in float64 (default 1e-6, 1e-5). */
  gradAtol?: number;
  gradRtol?: number;
  /** Finite-difference step (default 1e-5). */
  eps?: number;
  /** Skip the finite-difference check (ops that are not differentiable). */
  noGrad?: boolean;
  /** At most this many elements per input are perturbed (spread evenly); default 64. */
  maxProbes?: number;
  seed?: number;
}

/** mulberry32: a tiny seeded generator for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(spec: InputSpec, random: () => number): number[] {
  if (spec.values) return spec.values;
  const n = spec.shape.reduce((p, d) => p * d, 1);
  const [lo, hi] = spec.range ?? (spec.int ? [0, 10] : [-2, 2]);
  return Array.from({ length: n }, () => {
    if (spec.int) return Math.floor(lo + random() * (hi - lo));
    let v = lo + random() * (hi - lo);
    if (spec.awayFromZero && Math.abs(v) < spec.awayFromZero)
      v = v < 0 ? -spec.awayFromZero - random() : spec.awayFromZero + random();
    return v;
  });
}

interface RunResult {
  out: Float64Array;
  outShape: readonly number[];
  grads: (Float64Array | null)[];
}

async function run(
  device: Device,
  fn: (...xs: Tensor[]) => Tensor,
  specs: InputSpec[],
  values: number[][],
  seedGrad: number[] | null,
): Promise<RunResult> {
  const inputs = specs.map((s, i) =>
    tensor(values[i], {
      shape: s.shape,
      device,
      dtype: s.int ? 'i32' : 'f32',
      requiresGrad: !s.int && s.grad !== false && seedGrad !== null,
    }),
  );
  const y = seedGrad === null ? noGrad(() => fn(...inputs)) : fn(...inputs);
  const out = Float64Array.from(await y.toArray());
  const grads: (Float64Array | null)[] = [];
  if (seedGrad !== null && y.requiresGrad) {
    y.backward(tensor(seedGrad, { shape: y.shape, device }));
    for (const x of inputs) grads.push(x.grad ? Float64Array.from(await x.grad.toArray()) : null);
  }
  const shape = y.shape;
  for (const x of inputs) x.dispose();
  y.dispose();
  return { out, outShape: shape, grads };
}

export function expectClose(
  name: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
): void {
  expect(actual.length, `${name}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue; // infinities of the same sign
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${name}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(tolerance ${atol} + ${rtol}·|ref|)`,
    );
  }
}

interface Prepared {
  values: number[][];
  seed: number[] | null;
  ref: RunResult;
  cpu: Device;
}

async function prepare(
  fn: (...xs: Tensor[]) => Tensor,
  specs: InputSpec[],
  options: OpTestOptions,
): Promise<Prepared> {
  const random = rng(options.seed ?? 1234);
  const values = specs.map((s) => sample(s, random));
  const cpu = await cpuDevice64();
  const differentiable = !options.noGrad && specs.some((s) => !s.int && s.grad !== false);
  const probe = await run(cpu, fn, specs, values, null);
  const seed = differentiable ? Array.from(probe.out, () => random() * 2 - 1) : null;
  const ref = differentiable ? await run(cpu, fn, specs, values, seed) : probe;
  return { values, seed, ref, cpu };
}

/** Analytic gradients on the float64 CPU backend against central finite differences. */
export async function checkGradients(
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  specs: InputSpec[],
  options: OpTestOptions = {},
): Promise<void> {
  const { values, seed, ref, cpu } = await prepare(fn, specs, options);
  expect(seed, `${name}: op has no differentiable input`).not.toBeNull();
  const eps = options.eps ?? 1e-5;
  const loss = async (vals: number[][]) => {
    const r = await run(cpu, fn, specs, vals, null);
    let s = 0;
    for (let i = 0; i < r.out.length; i++) s += r.out[i] * seed![i];
    return s;
  };
  let checked = 0;
  for (let k = 0; k < specs.length; k++) {
    const g = ref.grads[k];
    if (!g) continue;
    const n = values[k].length;
    const probes = Math.min(n, options.maxProbes ?? 64);
    const numeric: number[] = [];
    const analytic: number[] = [];
    for (let p = 0; p < probes; p++) {
      const i = Math.floor((p * n) / probes);
      const plus = values.map((v) => [...v]);
      const minus = values.map((v) => [...v]);
      plus[k][i] += eps;
      minus[k][i] -= eps;
      numeric.push(((await loss(plus)) - (await loss(minus))) / (2 * eps));
      analytic.push(g[i]);
    }
    expectClose(
      `${name}: d/dinput${k} vs finite differences`,
      analytic,
      numeric,
      options.gradAtol ?? 1e-6,
      options.gradRtol ?? 1e-5,
    );
    checked++;
  }
  expect(checked, `${name}: no gradient was produced`).toBeGreaterThan(0);
}

/** WebGPU forward (and backward, when differentiable) against the CPU reference. */
export async function checkParity(
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  specs: InputSpec[],
  options: OpTestOptions = {},
): Promise<void> {
  const { values, seed, ref } = await prepare(fn, specs, options);
  const gpu = await webgpuDevice();
  const got = await run(gpu, fn, specs, values, seed);
  expect(got.outShape, `${name}: output shape`).toEqual(ref.outShape);
  const atol = options.atol ?? 1e-4;
  const rtol = options.rtol ?? 1e-4;
  expectClose(`${name}: webgpu forward`, got.out, ref.out, atol, rtol);
  ref.grads.forEach((g, k) => {
    if (g) expectClose(`${name}: webgpu d/dinput${k}`, got.grads[k]!, g, atol, rtol);
  });
}

export interface OpCase {
  inputs: InputSpec[];
  /** Label for the shapes, e.g. "(3, 1) + (4)". Default: the shapes. */
  label?: string;
}

/**
 * Registers the standard tests of one op over several shape cases: one `webgpu` test
 * (parity with the reference) and, unless `noGrad`, one `cpu` test (finite differences).
 */
export function opTest(
  test: (name: string, fn: () => Promise<void>) => void,
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  cases: OpCase[],
  options: OpTestOptions = {},
): void {
  for (const c of cases) {
    const label = c.label ?? c.inputs.map((s) => `(${s.shape.join(', ')})`).join(' · ');
    test(`${name} ${label} · webgpu matches cpu reference`, () =>
      checkParity(`${name} ${label}`, fn, c.inputs, options));
    if (!options.noGrad) {
      test(`${name} ${label} · cpu gradients match finite differences`, () =>
        checkGradients(`${name} ${label}`, fn, c.inputs, options));
    }
  }
}
