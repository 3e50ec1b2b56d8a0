import { type Device, init } from '@scratchseq/gpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CategoricalHMM,
  forwardLog,
  GPU_WORK_THRESHOLD,
  gpuEmissionCounts,
  gpuLogLikelihoods,
  gpuPosteriors,
  gpuViterbi,
  type HmmLattice,
  isSoftwareAdapter,
  packSymbols,
  posteriors,
  selectDevice,
  viterbi,
  ZeroProbabilityError,
} from '../src/index.js';
import { expectClose, randomStochastic } from './helpers.js';

let device: Device;
beforeAll(async () => {
  // Fails (never skips) without a WebGPU adapter, as CI requires.
  device = await init({ backend: 'webgpu' });
});

/** A random ragged lattice from a small LCG, independent of the package's generator. */
function randomLattice(N: number, T: number, S: number, seed: number): HmmLattice {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const lengths = Int32Array.from({ length: N }, (_, n) =>
    n === 0 ? T : 1 + Math.floor(next() * T),
  );
  return {
    numSequences: N,
    maxLength: T,
    lengths,
    numStates: S,
    startProbs: Float64Array.from(randomStochastic(1, S, seed + 1)[0]),
    transitionMatrix: Float64Array.from(randomStochastic(S, S, seed + 2).flat()),
    logEmissions: Float64Array.from({ length: N * T * S }, () => Math.log(0.02 + next())),
  };
}

const SHAPES: [number, number, number][] = [
  [7, 13, 5],
  [3, 1, 4], // T = 1
  [4, 9, 1], // S = 1
  [5, 17, 24],
  [3, 12, 80], // more states than a workgroup has lanes
];

describe('GPU path against the float64 CPU oracle', () => {
  for (const [N, T, S] of SHAPES) {
    it(`[webgpu] log-likelihood, posteriors, xi sums and Viterbi, N=${N} T=${T} S=${S} ragged`, async () => {
      const lattice = randomLattice(N, T, S, N * 1000 + T * 10 + S);
      const cpuForward = forwardLog(lattice);
      const cpuPost = posteriors(lattice, 'log');
      const cpuPaths = viterbi(lattice);
      const ll = await gpuLogLikelihoods(lattice, device);
      expectClose(ll, cpuForward.logLikelihood, { atol: 1e-4, rtol: 2e-6, label: 'log P(O)' });
      const post = await gpuPosteriors(lattice, device);
      expectClose(post.logLikelihood, cpuForward.logLikelihood, { atol: 1e-4, rtol: 2e-6 });
      expectClose(post.gamma, cpuPost.gamma, { atol: 2e-5, rtol: 1e-4, label: 'gamma' });
      expectClose(post.transitionCounts, cpuPost.transitionCounts, {
        atol: 1e-4,
        rtol: 1e-4,
        label: 'xi sums',
      });
      const v = await gpuViterbi(lattice, device);
      // Random continuous scores: the best path beats the runner-up by far more than float32
      // rounding, so paths are equal (exact ties go to the lowest index on both paths).
      expect(Array.from(v.paths)).toEqual(Array.from(cpuPaths.paths));
      expectClose(v.logProbability, cpuPaths.logProbability, { atol: 1e-4, rtol: 2e-6 });
    });
  }

  it('[webgpu] emission counts equal the host sum of gamma per symbol', async () => {
    const sequences = [
      [0, 3, 2, 2, 1],
      [4, 4],
      [1, 0, 3],
    ];
    const batch = packSymbols(sequences, 5);
    const S = 3;
    const gamma = Float64Array.from({ length: 3 * 5 * S }, (_, k) => ((k * 7) % 11) / 11);
    const expected = new Float64Array(S * 5);
    sequences.forEach((seq, n) => {
      seq.forEach((symbol, t) => {
        for (let i = 0; i < S; i++) expected[i * 5 + symbol] += gamma[(n * 5 + t) * S + i];
      });
    });
    expectClose(await gpuEmissionCounts(batch, gamma, S, 5, device), expected, { atol: 1e-6 });
  });

  it('[webgpu] a zero-probability sequence: -Infinity log-likelihood, ZeroProbabilityError elsewhere, never NaN', async () => {
    const hmm = new CategoricalHMM({
      numStates: 2,
      numSymbols: 3,
      startProbs: [1, 0],
      transitionMatrix: [
        [1, 0],
        [0.5, 0.5],
      ],
      emissionMatrix: [
        [0.5, 0.5, 0],
        [0.2, 0.2, 0.6],
      ],
    });
    const sequences = [
      [0, 1, 0],
      [0, 2, 1], // symbol 2 needs state 1, unreachable from state 0
    ];
    const ll = await hmm.logLikelihoodAsync(sequences, { backend: 'webgpu' });
    expect(ll[1]).toBe(Number.NEGATIVE_INFINITY);
    expectClose(ll[0], Math.log(0.5 ** 3), { rtol: 1e-6 });
    await expect(hmm.posteriorsAsync(sequences, { backend: 'webgpu' })).rejects.toThrow(
      ZeroProbabilityError,
    );
    await expect(hmm.viterbiAsync(sequences, { backend: 'webgpu' })).rejects.toThrow(
      ZeroProbabilityError,
    );
  });
});

describe('automatic backend selection and GPU training', () => {
  it('[webgpu] small problems stay on the CPU, large ones go to a hardware GPU', () => {
    const small = randomLattice(2, 8, 3, 1);
    expect(selectDevice(small)).toBeUndefined();
    const S = 16;
    const T = Math.ceil(GPU_WORK_THRESHOLD / (4 * S * S));
    const large = { ...randomLattice(1, 1, S, 2), numSequences: 4, maxLength: T };
    // On lavapipe (this CI's adapter) only Viterbi beats the JavaScript path (from 2^24 work).
    const hardware = !isSoftwareAdapter(device);
    expect(selectDevice(large)).toBe(hardware ? device : undefined);
    expect(selectDevice(small, { gpuWorkThreshold: 1 })).toBe(hardware ? device : undefined);
    const huge = { ...large, numSequences: 64 }; // 2^24 work
    expect(selectDevice(huge, {}, 'viterbi')).toBe(device);
    expect(selectDevice(large, {}, 'viterbi')).toBe(hardware ? device : undefined);
    expect(selectDevice(small, {}, 'viterbi')).toBeUndefined();
    expect(selectDevice(large, { backend: 'cpu' })).toBeUndefined();
    expect(selectDevice(small, { backend: 'webgpu' })).toBe(device);
    expect(() => selectDevice(small, { backend: 'gpu' as 'webgpu' })).toThrow(/'auto', 'cpu'/);
  });

  for (const algorithm of ['baum-welch', 'viterbi'] as const) {
    it(`[webgpu] fitAsync (${algorithm}) with E-steps on the GPU tracks fit on the CPU`, async () => {
      const truth = new CategoricalHMM({
        numStates: 3,
        numSymbols: 4,
        startProbs: [0.6, 0.3, 0.1],
        transitionMatrix: randomStochastic(3, 3, 5),
        emissionMatrix: randomStochastic(3, 4, 6),
      });
      const data = Array.from(
        { length: 12 },
        (_, seed) => truth.sample(20 + seed, { seed }).observations,
      );
      const options = { seed: 3, maxIterations: 6, tolerance: 0, algorithm };
      const cpu = new CategoricalHMM({ numStates: 3, numSymbols: 4 });
      const cpuFit = cpu.fit(data, options);
      const gpu = new CategoricalHMM({ numStates: 3, numSymbols: 4 });
      const gpuFit = await gpu.fitAsync(data, { ...options, backend: 'webgpu' });
      expect(gpuFit.iterations).toBe(cpuFit.iterations);
      expectClose(gpuFit.logLikelihoodHistory, cpuFit.logLikelihoodHistory, { rtol: 1e-5 });
      expectClose(gpu.transitionMatrix, cpu.transitionMatrix, { atol: 1e-4 });
      expectClose(gpu.emissionMatrix, cpu.emissionMatrix, { atol: 1e-4 });
    });
  }
});
