import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { asHardware } from './helpers/hardware-kernels.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

describe('layerNorm', () => {
  opTest(test, 'layerNorm affine', (x, w, b) => g.layerNorm(x, [x.shape[x.rank - 1]], w, b), [
    { inputs: [f([1, 1]), f([1]), f([1])], label: '(1, 1) size-1 row' },
    { inputs: [f([3, 7]), f([7]), f([7])] },
    {
      inputs: [f([2, 300]), f([300]), f([300])],
      label: '(2, 300) vec4 rows wider than a workgroup',
    },
    { inputs: [f([2, 302]), f([302]), f([302])], label: '(2, 302) scalar rows (302 % 4 ≠ 0)' },
    { inputs: [f([5, 64]), f([64]), f([64])], label: '(5, 64) vec4 rows' },
    {
      inputs: [f([300, 64]), f([64]), f([64])],
      label: '(300, 64) vec4 rows, one per lane on software adapters',
    },
    { inputs: [f([300, 3]), f([3]), f([3])], label: '(300, 3) two dweight partials' },
  ]);
  opTest(test, 'layerNorm without affine', (x) => g.layerNorm(x, 5), [
    { inputs: [f([4, 5])] },
    { inputs: [f([2, 1, 5])] },
  ]);
  opTest(test, 'layerNorm weight only, 2-D normalizedShape', (x, w) => g.layerNorm(x, [3, 4], w), [
    { inputs: [f([2, 3, 4]), f([3, 4])] },
  ]);
  opTest(
    test,
    'layerNorm with parameters at offset 4 (vec4) and 1 (scalar)',
    (x, w, b) =>
      g.add(
        g.layerNorm(x, 64, g.slice(w, 0, 4, 68), g.slice(b, 0, 4, 68)),
        g.layerNorm(x, 64, g.slice(w, 0, 1, 65), g.slice(b, 0, 1, 65)),
      ),
    [{ inputs: [f([3, 64]), f([70]), f([70])] }],
  );
  opTest(test, 'layerNorm without affine (vec4)', (x) => g.layerNorm(x, 128), [
    { inputs: [f([3, 128], { range: [-5, 9] })] },
  ]);
  // Mean 100, spread 1: a one-pass Σx² − (Σx)²/n in f32 would lose the variance here.
  opTest(
    test,
    'layerNorm of rows with a large mean (vec4)',
    (x) => g.layerNorm(x, 256),
    [{ inputs: [f([4, 256], { range: [100, 101] })] }],
    { noGrad: true },
  );
  opTest(
    test,
    'layerNorm of a transposed view',
    (x, w, b) => g.layerNorm(g.transpose(x), 6, w, b, 1e-3),
    [{ inputs: [f([6, 4]), f([6]), f([6])] }],
  );
  opTest(
    test,
    'layerNorm over 70,000 vec4 rows (workgroup per row)',
    (x) => asHardware(x, () => g.layerNorm(x, 64)),
    [{ inputs: [f([70000, 64])], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );
  opTest(
    test,
    'layerNorm over 70,000 rows',
    (x) => g.layerNorm(x, 8),
    [{ inputs: [f([70000, 8])], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );

  test('[webgpu] normalized rows have mean 0 and variance 1', async () => {
    const device = await webgpuDevice();
    const x = g.tensor(
      [
        [1, 2, 3, 4],
        [10, 10, 10, 14],
      ],
      { device },
    );
    const y = await g.layerNorm(x, 4).toArray();
    for (const row of [0, 1]) {
      const r = Array.from(y.slice(row * 4, row * 4 + 4));
      const mean = r.reduce((s, v) => s + v, 0) / 4;
      const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 5);
      expect(variance).toBeCloseTo(1, 3);
    }
    expect(() => g.layerNorm(x, 3)).toThrow('does not end in normalizedShape (3)');
  });
});

describe('rmsNorm', () => {
  opTest(test, 'rmsNorm with weight', (x, w) => g.rmsNorm(x, x.shape[x.rank - 1], w), [
    { inputs: [f([1, 1], { awayFromZero: 0.2 }), f([1])], label: '(1, 1) size-1 row' },
    { inputs: [f([3, 9]), f([9])] },
    { inputs: [f([2, 257]), f([257])], label: '(2, 257) rows wider than a workgroup' },
  ]);
  opTest(test, 'rmsNorm with weight (vec4)', (x, w) => g.rmsNorm(x, x.shape[1], w), [
    { inputs: [f([3, 256]), f([256])] },
    { inputs: [f([260, 64]), f([64])], label: '(260, 64) one row per lane on software adapters' },
  ]);
  opTest(
    test,
    'layerNorm of 300 rows with a large mean (one row per lane)',
    (x) => g.layerNorm(x, 64),
    [{ inputs: [f([300, 64], { range: [100, 101] })] }],
    { noGrad: true },
  );
  opTest(test, 'rmsNorm without weight', (x) => g.rmsNorm(x, [2, 3], null, 1e-6), [
    { inputs: [f([4, 2, 3])] },
  ]);
});
