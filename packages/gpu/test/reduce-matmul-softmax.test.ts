import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';
import { asHardware } from './helpers/hardware-kernels.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

describe('reductions', () => {
  for (const [name, fn] of [
    ['sum', g.sum],
    ['mean', g.mean],
    ['max', g.max],
    ['min', g.min],
    ['logsumexp', g.logsumexp],
  ] as const) {
    opTest(test, `${name} all`, (x) => fn(x), [{ inputs: [f([1])] }, { inputs: [f([5, 7])] }]);
    opTest(test, `${name} axis -1 keepdim`, (x) => fn(x, -1, true), [
      { inputs: [f([3, 200])], label: '(3, 200) row kernel' },
    ]);
    opTest(test, `${name} axis 1`, (x) => fn(x, 1), [
      { inputs: [f([2, 9, 5])], label: '(2, 9, 5) lane kernel' },
    ]);
    opTest(test, `${name} axes [0, 2]`, (x) => fn(x, [0, 2]), [{ inputs: [f([4, 3, 6])] }]);
  }
  opTest(test, 'sum of a transposed view', (x) => g.sum(g.transpose(x), 0), [
    { inputs: [f([7, 4])] },
  ]);
  opTest(
    test,
    'argmax',
    (x) => g.cast(g.argmax(x, 1), 'f32'),
    [{ inputs: [f([5, 130])] }, { inputs: [f([3, 4, 2])] }],
    {
      noGrad: true,
    },
  );
  opTest(test, 'argmin', (x) => g.cast(g.argmin(x, 0), 'f32'), [{ inputs: [f([6, 3])] }], {
    noGrad: true,
  });
  opTest(
    test,
    'sum over 70,000 rows (workgroup per row)',
    (x) => asHardware(x, () => g.sum(x, -1)),
    [{ inputs: [f([70000, 64])], label: '(70000, 64) > 65,535 workgroups' }],
    { noGrad: true },
  );

  test('[webgpu] max and logsumexp handle -inf rows', async () => {
    const device = await webgpuDevice();
    const x = g.tensor([-Infinity, -Infinity, -Infinity, 1, -Infinity, 2], {
      shape: [2, 3],
      device,
    });
    expect(Array.from(await g.max(x, 1).toArray())).toEqual([-Infinity, 2]);
    const lse = await g.logsumexp(x, 1).toArray();
    expect(lse[0]).toBe(-Infinity);
    expect(lse[1]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2)), 5);
  });
});

describe('matmul', () => {
  opTest(test, 'matmul', g.matmul, [
    { inputs: [f([1, 1]), f([1, 1])] },
    { inputs: [f([33, 17]), f([17, 35])], label: '(33,17)·(17,35) edge tiles' },
    { inputs: [f([2, 3, 4, 5]), f([5, 6])], label: 'batched · broadcast rhs' },
    { inputs: [f([3, 1, 4, 5]), f([2, 5, 3])], label: 'broadcast batch dims' },
    { inputs: [f([7]), f([7, 3])], label: '1-D lhs' },
    { inputs: [f([4, 7]), f([7])], label: '1-D rhs' },
  ]);
  opTest(test, 'matmul a·bᵀ', (a, b) => g.matmul(a, g.transpose(b)), [
    { inputs: [f([9, 6]), f([11, 6])] },
  ]);
  opTest(test, 'matmul aᵀ·b', (a, b) => g.matmul(g.transpose(a), b), [
    { inputs: [f([6, 9]), f([6, 11])] },
  ]);
  opTest(test, 'matmul of permuted batch', (a, b) => g.matmul(g.permute(a, [1, 0, 2]), b), [
    { inputs: [f([4, 3, 5]), f([5, 2])] },
  ]);
  opTest(
    test,
    'matmul with 70,000 batches',
    g.matmul,
    [{ inputs: [f([70000, 2, 3]), f([70000, 3, 2])], label: '> 65,535 workgroups' }],
    {
      noGrad: true,
    },
  );

  test('[webgpu] shape errors name the problem', async () => {
    const device = await webgpuDevice();
    const a = g.zeros([2, 3], { device });
    const b = g.zeros([4, 5], { device });
    expect(() => g.matmul(a, b)).toThrow(
      'matmul: inner dimensions differ: (2, 3) · (4, 5) (3 vs 4)',
    );
  });
});

describe('softmax', () => {
  const cases = [
    { inputs: [f([1])] },
    { inputs: [f([4, 50])], label: '(4, 50) row kernel' },
    { inputs: [f([3, 5])] },
  ];
  opTest(test, 'softmax', (x) => g.softmax(x), cases);
  opTest(test, 'logSoftmax', (x) => g.logSoftmax(x), cases);
  opTest(test, 'softmax axis 0', (x) => g.softmax(x, 0), [{ inputs: [f([6, 4, 3])] }]);
  opTest(test, 'logSoftmax axis 1', (x) => g.logSoftmax(x, 1), [{ inputs: [f([2, 7, 3])] }]);
  opTest(
    test,
    'softmax of masked rows',
    (x, m) => g.softmax(g.maskedFill(x, g.gt(m, 0), -Infinity)),
    [{ inputs: [f([3, 40]), f([3, 40], { grad: false, range: [-1, 1] })] }],
  );
  // Rows with length and offset multiples of 4 (≥ 64) take the vec4 row kernel.
  const row4 = [
    { inputs: [f([3, 68])], label: '(3, 68) vec4 row kernel' },
    { inputs: [f([2, 1028], { range: [-8, 8] })], label: '(2, 1028) vec4 row kernel' },
  ];
  // ≥ 256 rows: on a software adapter (CI's lavapipe) one invocation walks each row.
  row4.push(
    { inputs: [f([300, 64])], label: '(300, 64) vec4 rows, one per lane on software adapters' },
    { inputs: [f([260, 36])], label: '(260, 36) rows, one per lane on software adapters' },
  );
  opTest(test, 'softmax', (x) => g.softmax(x), row4, { maxProbes: 24 });
  opTest(test, 'logSoftmax', (x) => g.logSoftmax(x), row4, { maxProbes: 24 });
  opTest(
    test,
    'softmax of masked rows (vec4 row kernel)',
    (x, m) => g.softmax(g.maskedFill(x, g.gt(m, 0), -Infinity)),
    [{ inputs: [f([3, 64]), f([3, 64], { grad: false, range: [-1, 1] })] }],
  );
  test('[webgpu] [cpu] a fully masked row: zeros from softmax, -inf from logSoftmax (both row kernels)', async () => {
    for (const device of [await webgpuDevice(), await cpuDevice()]) {
      for (const [rows, width] of [
        [2, 40],
        [2, 64],
        [300, 40],
        [300, 64],
      ]) {
        const x = g.tensor(
          Array.from({ length: rows * width }, (_, i) => (i < width ? -Infinity : i % 7)),
          { shape: [rows, width], device },
        );
        const sm = Array.from(await g.softmax(x).toArray());
        const lsm = Array.from(await g.logSoftmax(x).toArray());
        expect(sm.slice(0, width)).toEqual(new Array(width).fill(0));
        expect(lsm.slice(0, width)).toEqual(new Array(width).fill(-Infinity));
        const rowSum = sm.slice(width, 2 * width).reduce((a, b) => a + b, 0);
        expect(rowSum).toBeCloseTo(1, 5);
      }
    }
  });
  opTest(
    test,
    'softmax over 70,000 rows (workgroup per row)',
    (x) => asHardware(x, () => g.softmax(x)),
    [{ inputs: [f([70000, 40])], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );
  opTest(
    test,
    'softmax over 70,000 vec4 rows (workgroup per row)',
    (x) => asHardware(x, () => g.softmax(x)),
    [{ inputs: [f([70000, 64])], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );
});
