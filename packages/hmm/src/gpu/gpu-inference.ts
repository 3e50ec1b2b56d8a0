import {
  type Device,
  getDevice,
  hmmEmissionCounts,
  hmmForward,
  hmmPosteriors,
  hmmViterbi,
  noGrad,
  scope,
  type Tensor,
  tensor,
} from '@scratchseq/gpu';
import type { SymbolBatch } from '../batch.js';
import { HmmInputError } from '../errors.js';
import { type Posteriors, posteriors } from '../inference/forward-backward.js';
import { type HmmLattice, logOf } from '../inference/lattice.js';
import { type ViterbiResult, viterbi } from '../inference/viterbi.js';

/**
 * The batched HMM algorithms on `@scratchseq/gpu` (float32, log space): one kernel dispatch per
 * pass for the whole batch. Same inputs and outputs as the CPU batch functions; the CPU path
 * stays the float64 oracle and runs small problems, where a dispatch costs more than the work.
 */

/** Which implementation runs: 'auto' picks a hardware GPU above `GPU_WORK_THRESHOLD`. */
export type HmmBackend = 'auto' | 'cpu' | 'webgpu';

export interface BackendOptions {
  /** Default 'auto'. */
  backend?: HmmBackend;
  /** WebGPU device (default: the current `@scratchseq/gpu` device, when it is WebGPU). */
  device?: Device;
  /** 'auto' on a hardware adapter: the GPU runs from this much work up (default `GPU_WORK_THRESHOLD`). */
  gpuWorkThreshold?: number;
}

/**
 * Work (sequences x steps x states^2) above which 'auto' runs on a hardware GPU. Not measured
 * on a hardware GPU yet (the reference machine has none): a dispatch-bound estimate (a few
 * dispatches of ~10 us against ~1e11 multiply-adds/s), override it with `gpuWorkThreshold`.
 */
export const GPU_WORK_THRESHOLD = 2 ** 20;

/**
 * Work from which 'auto' runs Viterbi on a software adapter. Three `pnpm bench hmm` runs on the
 * reference machine (lavapipe, LP_NUM_THREADS=4, 2 cores shared with other jobs, so ratios
 * swing 2-3x between runs) put the max-plus kernel at GPU/CPU 0.7-3.8x (median 1.3x) at 1.7e7
 * work, and scattered around parity below (0.25-2.1x at 2.6e5 and 2.1e6). Forward-backward
 * (posteriors, log-likelihoods, the Baum-Welch E-step) lost at every size there (0.4-0.7x at
 * 2.1e6 to 1.7e7 after the S-exponentials rewrite), so software adapters keep it on the CPU.
 */
export const SOFTWARE_VITERBI_WORK_THRESHOLD = 2 ** 24;

/** Which algorithm a backend choice is for: their crossovers differ on software adapters. */
export type HmmWorkload = 'posteriors' | 'viterbi';

/**
 * Software adapters (Mesa's llvmpipe/lavapipe, SwiftShader) run the kernels on the same CPU
 * cores as the JavaScript path; see SOFTWARE_VITERBI_WORK_THRESHOLD for what 'auto' does there.
 */
export function isSoftwareAdapter(device: Device): boolean {
  const a = device.adapter;
  if (!a) return false;
  const name = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader|software/.test(name);
}

/**
 * The WebGPU device to use, or undefined when the CPU path should run. 'auto' picks a hardware
 * adapter when work >= threshold (`gpuWorkThreshold`, default GPU_WORK_THRESHOLD); a software
 * adapter only for Viterbi from SOFTWARE_VITERBI_WORK_THRESHOLD (or `gpuWorkThreshold` when
 * given); 'webgpu' always (any adapter).
 */
export function selectDevice(
  lattice: HmmLattice,
  options: BackendOptions = {},
  workload: HmmWorkload = 'posteriors',
): Device | undefined {
  const backend = options.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'cpu' && backend !== 'webgpu')
    throw new HmmInputError(`backend must be 'auto', 'cpu' or 'webgpu', got '${backend}'`);
  if (backend === 'cpu') return undefined;
  let device = options.device;
  if (!device) {
    try {
      device = getDevice();
    } catch {
      device = undefined;
    }
  }
  if (backend === 'webgpu') {
    if (device?.kind !== 'webgpu')
      throw new HmmInputError(
        "backend 'webgpu' needs a WebGPU device: call `await init({ backend: 'webgpu' })` from @scratchseq/gpu or pass { device }",
      );
    return device;
  }
  if (device?.kind !== 'webgpu') return undefined;
  let threshold = options.gpuWorkThreshold ?? GPU_WORK_THRESHOLD;
  if (isSoftwareAdapter(device)) {
    if (workload !== 'viterbi') return undefined;
    threshold = options.gpuWorkThreshold ?? SOFTWARE_VITERBI_WORK_THRESHOLD;
  }
  const { numSequences: N, maxLength: T, numStates: S } = lattice;
  return N * T * S * S >= threshold ? device : undefined;
}

/** The lattice as device tensors: (N, T, S) log-emissions, lengths, log pi, log A. */
function upload(lattice: HmmLattice, device: Device) {
  const { numSequences: N, maxLength: T, numStates: S } = lattice;
  return {
    logEmissions: tensor(Float32Array.from(lattice.logEmissions), { shape: [N, T, S], device }),
    lengths: tensor(Int32Array.from(lattice.lengths), { shape: [N], device, dtype: 'i32' }),
    logStart: tensor(Float32Array.from(logOf(lattice.startProbs)), { shape: [S], device }),
    logTransitions: tensor(Float32Array.from(logOf(lattice.transitionMatrix)), {
      shape: [S, S],
      device,
    }),
  };
}

async function read(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.toArray());
}

/** log P(O) per sequence on the GPU; -Infinity for impossible sequences. (N) */
export async function gpuLogLikelihoods(
  lattice: HmmLattice,
  device: Device,
): Promise<Float64Array> {
  const result = noGrad(() =>
    scope(() => {
      const x = upload(lattice, device);
      return hmmForward(x.logEmissions, x.lengths, x.logStart, x.logTransitions).logLikelihood;
    }),
  );
  try {
    return await read(result);
  } finally {
    result.dispose();
  }
}

/** Categorical observations whose expected counts the E-step should also compute on the device. */
export interface DeviceEmissionCounts {
  batch: SymbolBatch;
  numSymbols: number;
}

/**
 * The E-step on the GPU: gamma (N, T, S), summed xi (S, S), log-likelihoods (N), and with
 * `symbols` the expected emission counts (S, K) from gamma while it is still on the device. A
 * zero-probability sequence throws ZeroProbabilityError as on the CPU (the CPU forward pass
 * names its first impossible step).
 */
export async function gpuPosteriors(
  lattice: HmmLattice,
  device: Device,
  symbols?: DeviceEmissionCounts,
): Promise<Posteriors & { emissionCounts?: Float64Array }> {
  const { numSequences: N, maxLength: T } = lattice;
  const out = noGrad(() =>
    scope(() => {
      const x = upload(lattice, device);
      const r = hmmPosteriors(x.logEmissions, x.lengths, x.logStart, x.logTransitions);
      const results = [r.gamma, r.transitionCounts, r.logLikelihood];
      if (symbols) {
        const codes = tensor(symbols.batch.symbols, { shape: [N, T], device, dtype: 'i32' });
        results.push(hmmEmissionCounts(r.gamma, codes, x.lengths, symbols.numSymbols));
      }
      return results;
    }),
  );
  try {
    const [gamma, transitionCounts, logLikelihood, emissionCounts] = await Promise.all(
      out.map(read),
    );
    if (logLikelihood.some((v) => v === Number.NEGATIVE_INFINITY)) {
      posteriors(lattice, 'log'); // throws ZeroProbabilityError naming the first impossible step
    }
    return emissionCounts
      ? { gamma, transitionCounts, logLikelihood, emissionCounts }
      : { gamma, transitionCounts, logLikelihood };
  } finally {
    for (const t of out) t.dispose();
  }
}

/** Viterbi paths and scores on the GPU (ties: lowest state index, in float32). */
export async function gpuViterbi(lattice: HmmLattice, device: Device): Promise<ViterbiResult> {
  const out = noGrad(() =>
    scope(() => {
      const x = upload(lattice, device);
      const r = hmmViterbi(x.logEmissions, x.lengths, x.logStart, x.logTransitions);
      return [r.paths, r.score];
    }),
  );
  try {
    const [paths, score] = await Promise.all([out[0].toArray(), read(out[1])]);
    if (score.some((v) => v === Number.NEGATIVE_INFINITY)) viterbi(lattice); // throws the CPU's error
    return { paths: Int32Array.from(paths), logProbability: score };
  } finally {
    for (const t of out) t.dispose();
  }
}

/**
 * Expected emission counts of a categorical HMM on the GPU from gamma (N, T, S):
 * counts[i*K + k] = sum over steps with symbol k of gamma_t(i). (S, K)
 */
export async function gpuEmissionCounts(
  batch: SymbolBatch,
  gamma: Float64Array,
  numStates: number,
  numSymbols: number,
  device: Device,
): Promise<Float64Array> {
  const { numSequences: N, maxLength: T } = batch;
  const counts = noGrad(() =>
    scope(() =>
      hmmEmissionCounts(
        tensor(Float32Array.from(gamma), { shape: [N, T, numStates], device }),
        tensor(batch.symbols, { shape: [N, T], device, dtype: 'i32' }),
        tensor(batch.lengths, { shape: [N], device, dtype: 'i32' }),
        numSymbols,
      ),
    ),
  );
  try {
    return await read(counts);
  } finally {
    counts.dispose();
  }
}
