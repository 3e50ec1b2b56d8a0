import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });
const classes = (shape: number[], c: number): InputSpec => ({ shape, int: true, range: [0, c] });
const given = (values: number[]): InputSpec => ({ shape: [values.length], int: true, values });

describe('crossEntropy / nllLoss', () => {
  const basic = [
    { inputs: [f([1, 1]), classes([1], 1)], label: '(1, 1)' },
    { inputs: [f([4, 7]), classes([4], 7)], label: '(4, 7)' },
    { inputs: [f([3, 300]), classes([3], 300)], label: '(3, 300) rows wider than a workgroup' },
    { inputs: [f([2, 5, 3]), classes([2, 3], 5)], label: '(2, 5, 3) spatial (N, C, d)' },
  ];
  opTest(test, 'crossEntropy mean', (x, t) => g.crossEntropy(x, t), basic);
  opTest(test, 'crossEntropy sum', (x, t) => g.crossEntropy(x, t, { reduction: 'sum' }), [
    basic[1],
  ]);
  const withIgnored = [
    { inputs: [f([5, 4]), given([1, -100, 3, -100, 0])], label: '(5, 4), 2 ignored' },
  ];
  opTest(
    test,
    'crossEntropy none, ignored',
    (x, t) => g.crossEntropy(x, t, { reduction: 'none' }),
    withIgnored,
  );
  opTest(test, 'crossEntropy mean, ignored', (x, t) => g.crossEntropy(x, t), withIgnored);
  opTest(
    test,
    'crossEntropy smoothing 0.1, ignoreIndex 2',
    (x, t) => g.crossEntropy(x, t, { labelSmoothing: 0.1, ignoreIndex: 2 }),
    [
      { inputs: [f([6, 5]), given([2, 0, 4, 2, 1, 3])] },
      { inputs: [f([2, 4, 3]), classes([2, 3], 4)] },
    ],
  );
  opTest(test, 'nllLoss of logSoftmax', (x, t) => g.nllLoss(g.logSoftmax(x, 1), t), [
    basic[1],
    basic[3],
  ]);
  opTest(
    test,
    'nllLoss none, ignored',
    (x, t) => g.nllLoss(x, t, { reduction: 'none' }),
    withIgnored,
  );
  opTest(
    test,
    'crossEntropy over 70,000 rows',
    (x, t) => g.crossEntropy(x, t, { reduction: 'none' }),
    [{ inputs: [f([70000, 3]), classes([70000], 3)], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );

  test('[webgpu] matches hand-computed values and PyTorch conventions', async () => {
    const device = await webgpuDevice();
    const x = g.tensor(
      [
        [2, 0, -1],
        [0.5, 0.5, 3],
      ],
      { device },
    );
    const t = g.tensor([0, -100], { device, dtype: 'i32' });
    const lse0 = Math.log(Math.exp(2) + 1 + Math.exp(-1));
    // 'mean' divides by the one non-ignored target, not by N = 2.
    expect(await g.crossEntropy(x, t).item()).toBeCloseTo(lse0 - 2, 5);
    // smoothing ε: lse − (1 − ε) x_t − ε/C Σ x_c
    const smoothed = await g.crossEntropy(x, t, { labelSmoothing: 0.3 }).item();
    expect(smoothed).toBeCloseTo(lse0 - 0.7 * 2 - (0.3 / 3) * 1, 5);
    const allIgnored = g.tensor([-100, -100], { device, dtype: 'i32' });
    expect(Number.isNaN(await g.crossEntropy(x, allIgnored).item())).toBe(true);
    const same = await g.nllLoss(g.logSoftmax(x, 1), t, { labelSmoothing: 0.3 }).item();
    expect(same).toBeCloseTo(smoothed, 5);
    expect(() => g.crossEntropy(x, g.tensor([0, 1, 2], { device, dtype: 'i32' }))).toThrow(
      'expected input (N, C) or (N, C, d1, ...) and target (N) or (N, d1, ...)',
    );
  });
});

describe('mseLoss / binaryCrossEntropyWithLogits', () => {
  opTest(test, 'mseLoss mean', (x, y) => g.mseLoss(x, y), [
    { inputs: [f([1]), f([1])] },
    { inputs: [f([3, 257]), f([3, 257])] },
  ]);
  opTest(test, 'mseLoss none', (x, y) => g.mseLoss(x, y, { reduction: 'none' }), [
    { inputs: [f([2, 5]), f([2, 5])] },
  ]);
  const logits = (shape: number[]) => f(shape, { range: [-6, 6], awayFromZero: 0.05 });
  const probs = (shape: number[]) => f(shape, { range: [0, 1] });
  opTest(
    test,
    'binaryCrossEntropyWithLogits mean',
    (x, y) => g.binaryCrossEntropyWithLogits(x, y),
    [{ inputs: [logits([1]), probs([1])] }, { inputs: [logits([4, 9]), probs([4, 9])] }],
  );
  opTest(
    test,
    'binaryCrossEntropyWithLogits posWeight, sum',
    (x, y, w) => g.binaryCrossEntropyWithLogits(x, y, { posWeight: w, reduction: 'sum' }),
    [{ inputs: [logits([5, 3]), probs([5, 3]), f([3], { range: [0.5, 3] })] }],
  );

  test('[webgpu] binaryCrossEntropyWithLogits stays finite for large logits', async () => {
    const device = await webgpuDevice();
    const x = g.tensor([100, -100, 0], { device });
    const y = g.tensor([0, 1, 1], { device });
    const l = await g.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }).toArray();
    expect(l[0]).toBeCloseTo(100, 4);
    expect(l[1]).toBeCloseTo(100, 4);
    expect(l[2]).toBeCloseTo(Math.log(2), 6);
  });
});
