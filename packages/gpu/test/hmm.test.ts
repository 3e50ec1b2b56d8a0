import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { cpuDevice64, webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest, rng } from './helpers/op-test.js';

/** Log-space chain inputs: emissions (N, T, S), i32 lengths in [1, T], start (S), transitions (S, S). */
function chainSpecs(N: number, T: number, S: number, seed = 1): InputSpec[] {
  const random = rng(seed);
  return [
    { shape: [N, T, S], range: [-3, 1] },
    {
      shape: [N],
      int: true,
      values: Array.from({ length: N }, () => 1 + Math.floor(random() * T)),
    },
    { shape: [S], range: [-2, 0] },
    { shape: [S, S], range: [-3, 0] },
    { shape: [S], range: [-1, 1] },
  ];
}

const label = (N: number, T: number, S: number) => `N=${N} T=${T} S=${S} ragged`;
// Few states pack several sequences per workgroup; 70 states give one lane several states.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 1, 4],
  [5, 7, 3],
  [9, 6, 17],
  [2, 5, 70],
  // Large batches give each lane several states of a packed sequence (8 lanes for 20 states).
  [200, 3, 20],
];
const cases = SHAPES.map(([N, T, S]) => ({ inputs: chainSpecs(N, T, S), label: label(N, T, S) }));

/**
 * CRF-like scores spanning hundreds of nats: the kernels' scaled sums underflow here, so these
 * exercise the exact per-pair fallbacks (forward/backward steps and xi columns).
 */
function wideSpecs(N: number, T: number, S: number): InputSpec[] {
  const specs = chainSpecs(N, T, S, 7);
  specs[0] = { shape: [N, T, S], range: [-150, 40] };
  specs[2] = { shape: [S], range: [-60, 0] };
  specs[3] = { shape: [S, S], range: [-150, 30] };
  specs[4] = { shape: [S], range: [-20, 20] };
  return specs;
}

/** A left-to-right HMM (state i moves to i or i + 1 only): most transitions are log 0. */
function leftRightSpecs(N: number, T: number, S: number): InputSpec[] {
  const specs = chainSpecs(N, T, S, 11);
  const trans: number[] = [];
  for (let i = 0; i < S; i++)
    for (let j = 0; j < S; j++) trans.push(j === i ? -0.3 : j === i + 1 ? -1.4 : -Infinity);
  specs[2] = { shape: [S], values: Array.from({ length: S }, (_, i) => (i === 0 ? 0 : -Infinity)) };
  specs[3] = { shape: [S, S], values: trans };
  return specs;
}

// 6 states keep the matrix in workgroup memory, 70 read the prepared matrix from storage.
const hardCases = [
  { inputs: wideSpecs(4, 9, 6), label: 'wide scores N=4 T=9 S=6' },
  { inputs: wideSpecs(2, 6, 70), label: 'wide scores N=2 T=6 S=70' },
  { inputs: leftRightSpecs(3, 12, 5), label: 'left-right N=3 T=12 S=5' },
  { inputs: leftRightSpecs(2, 10, 70), label: 'left-right N=2 T=10 S=70' },
];

describe('hmm chain kernels', () => {
  opTest(
    test,
    '[webgpu] hmmForward logAlpha',
    (e, l, s, a) => g.hmmForward(e, l, s, a).logAlpha,
    cases.map((c) => ({ ...c, inputs: c.inputs.slice(0, 4) })),
    { noGrad: true, atol: 2e-4 },
  );
  opTest(
    test,
    '[webgpu] hmmForward log Z with end scores',
    (e, l, s, a, z) => g.hmmForward(e, l, s, a, z).logLikelihood,
    [...cases, ...hardCases],
    { noGrad: true, atol: 2e-4 },
  );
  opTest(test, '[webgpu] hmmBackward', (e, l, _s, a, z) => g.hmmBackward(e, l, a, z), cases, {
    noGrad: true,
    atol: 2e-4,
  });
  opTest(
    test,
    '[webgpu] hmmForward and hmmBackward on wide and sparse scores',
    (e, l, s, a, z) =>
      g.concat([g.hmmForward(e, l, s, a, z).logAlpha, g.hmmBackward(e, l, a, z)], 2),
    hardCases,
    { noGrad: true, atol: 2e-4, rtol: 2e-5 },
  );
  opTest(
    test,
    '[webgpu] hmmPosteriors gamma',
    (e, l, s, a) => g.hmmPosteriors(e, l, s, a).gamma,
    [...cases, ...hardCases].map((c) => ({ ...c, inputs: c.inputs.slice(0, 4) })),
    { noGrad: true },
  );
  opTest(
    test,
    '[webgpu] hmmPosteriors transition counts',
    (e, l, s, a) => g.hmmPosteriors(e, l, s, a).transitionCounts,
    [...cases, ...hardCases].map((c) => ({ ...c, inputs: c.inputs.slice(0, 4) })),
    { noGrad: true, atol: 5e-4 },
  );
  opTest(
    test,
    '[webgpu] hmmViterbi score',
    (e, l, s, a, z) => g.hmmViterbi(e, l, s, a, z).score,
    [...cases, ...hardCases],
    { noGrad: true, atol: 2e-4 },
  );
  opTest(
    test,
    '[webgpu] hmmViterbi paths',
    (e, l, s, a, z) => g.cast(g.hmmViterbi(e, l, s, a, z).paths, 'f32'),
    cases,
    { noGrad: true, atol: 0, rtol: 0 },
  );
  opTest(
    test,
    '[webgpu] hmmEmissionCounts',
    (gamma, sym, l) => g.hmmEmissionCounts(gamma, sym, l, 70),
    [
      {
        label: 'N=4 T=9 S=3 K=70 (symbols past one lane group)',
        inputs: [
          { shape: [4, 9, 3], range: [0, 1] },
          { shape: [4, 9], int: true, range: [0, 70] },
          { shape: [4], int: true, values: [9, 1, 5, 3] },
        ],
      },
    ],
    { noGrad: true },
  );
  opTest(
    test,
    'crfLogPartition',
    (e, l, s, a, z) => g.crfLogPartition(e, l, s, z, a),
    [...cases.slice(0, 4), hardCases[0]],
    { atol: 2e-4, rtol: 2e-5 },
  );

  test('[webgpu] [cpu] impossible sequences give -Infinity and zero posteriors, never NaN', async () => {
    for (const device of [await webgpuDevice(), await cpuDevice64()]) {
      // State 1 cannot follow state 0 and only state 1 can emit at step 1 of sequence 0.
      const e = g.tensor(
        [
          [
            [0, -Infinity],
            [-Infinity, 0],
          ],
          [
            [0, -1],
            [-1, 0],
          ],
        ],
        { device },
      );
      const lengths = g.tensor([2, 2], { device, dtype: 'i32' });
      const start = g.tensor([0, -Infinity], { device });
      const trans = g.tensor(
        [
          [0, -Infinity],
          [0, 0],
        ],
        { device },
      );
      const { gamma, logLikelihood } = g.hmmPosteriors(e, lengths, start, trans);
      const ll = await logLikelihood.toArray();
      expect(ll[0]).toBe(-Infinity);
      expect(ll[1]).toBeCloseTo(-1, 5); // only path 0,0 is possible: 0 + 0 + 0 + (-1)
      const gm = Array.from(await gamma.toArray());
      expect(gm.some(Number.isNaN)).toBe(false);
      expect(gm.slice(0, 4)).toEqual([0, 0, 0, 0]);
      const v = g.hmmViterbi(e, lengths, start, trans);
      expect(Array.from(await v.paths.toArray())).toEqual([-1, -1, 0, 0]);
      expect((await v.score.toArray())[0]).toBe(-Infinity);
    }
  });

  test('[webgpu] more states than the kernel holds fail with the limit', async () => {
    const device = await webgpuDevice();
    const e = g.zeros([1, 1, 1025], { device });
    const l = g.tensor([1], { device, dtype: 'i32' });
    expect(() =>
      g.hmmForward(e, l, g.zeros([1025], { device }), g.zeros([1025, 1025], { device })),
    ).toThrow(/limit of 1024/);
  });
});
