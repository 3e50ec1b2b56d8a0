import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });
/** i32 indices uniform in [0, hi); with few rows and many ids, repeats are certain. */
const ids = (shape: number[], hi: number): InputSpec => ({ shape, int: true, range: [0, hi] });

describe('indexSelect / gather / embedding', () => {
  opTest(test, 'indexSelect axis 0', (x, i) => g.indexSelect(x, 0, i), [
    { inputs: [f([1, 1]), ids([1], 1)], label: '(1, 1) by (1)' },
    { inputs: [f([5, 3]), ids([9], 5)], label: '(5, 3) by 9 repeated ids' },
    { inputs: [f([6, 70]), ids([11], 6)], label: '(6, 70) row kernel' },
  ]);
  opTest(test, 'indexSelect axis 1', (x, i) => g.indexSelect(x, 1, i), [
    { inputs: [f([2, 4, 3]), ids([7], 4)] },
  ]);
  opTest(test, 'indexSelect of a transposed view', (x, i) => g.indexSelect(g.transpose(x), -1, i), [
    { inputs: [f([4, 3]), ids([5], 4)] },
  ]);
  opTest(test, 'gather axis 1', (x, i) => g.gather(x, 1, i), [
    { inputs: [f([3, 5]), ids([3, 7], 5)] },
    { inputs: [f([2, 6, 4]), ids([2, 3, 2], 6)], label: '(2, 6, 4) by smaller (2, 3, 2)' },
  ]);
  opTest(test, 'gather axis 0', (x, i) => g.gather(x, 0, i), [
    { inputs: [f([4, 3]), ids([6, 3], 4)] },
  ]);
  opTest(test, 'embedding', (w, i) => g.embedding(w, i), [
    { inputs: [f([1, 1]), ids([1], 1)], label: '(1, 1) by (1)' },
    { inputs: [f([7, 5]), ids([3, 4], 7)], label: '(7, 5) by (3, 4)' },
    { inputs: [f([5, 67]), ids([2, 9], 5)], label: '(5, 67) by (2, 9) row kernel' },
  ]);
  opTest(
    test,
    'embedding of 70,000 ids',
    (w, i) => g.embedding(w, i),
    [{ inputs: [f([50, 64]), ids([70000], 50)], label: '> 65,535 workgroups' }],
    { noGrad: true },
  );
  test('[webgpu] repeated ids accumulate, and out-of-range ids read 0', async () => {
    const device = await webgpuDevice();
    const w = g.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { device, requiresGrad: true },
    );
    const i = g.tensor([2, 2, 0, 7, 2], { device, dtype: 'i32' });
    const y = g.embedding(w, i);
    expect(Array.from(await y.toArray())).toEqual([5, 6, 5, 6, 1, 2, 0, 0, 5, 6]);
    g.sum(y).backward();
    expect(Array.from(await w.grad!.toArray())).toEqual([1, 1, 0, 0, 3, 3]);
  });
  test('[webgpu] embedding backward is bit-identical across runs (no float atomics)', async () => {
    const device = await webgpuDevice();
    const n = 4000;
    const ids = g.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 7919) % 3),
      { device, shape: [n] },
    );
    const seed = g.tensor(
      Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i) * 1e3),
      { device, shape: [n, 8] },
    );
    const grads: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const w = g.zeros([3, 8], { device, requiresGrad: true });
      g.embedding(w, ids).backward(seed);
      grads.push(Array.from(await w.grad!.toArray()));
    }
    expect(grads[1]).toEqual(grads[0]);
  });
});

describe('concat / stack / split / pad', () => {
  opTest(test, 'concat axis 1', (a, b, c) => g.concat([a, b, c], 1), [
    { inputs: [f([2, 3]), f([2, 1]), f([2, 4])] },
  ]);
  opTest(test, 'concat axis 0 of a view', (a, b) => g.concat([g.transpose(a), b], 0), [
    { inputs: [f([3, 2]), f([5, 3])] },
  ]);
  opTest(test, 'stack axis -1', (a, b) => g.stack([a, b], -1), [
    { inputs: [f([3, 4]), f([3, 4])] },
  ]);
  opTest(
    test,
    'split sizes (weighted)',
    (x) => {
      const [a, b, c] = g.split(x, [1, 3, 2], 1);
      return g.concat([g.mul(a, 2), b, g.mul(c, -1)], 1);
    },
    [{ inputs: [f([2, 6])] }],
  );
  opTest(
    test,
    'split by piece size',
    (x) => {
      const parts = g.split(x, 2, 0);
      return g.stack(
        parts.map((p) => g.sum(p)),
        0,
      );
    },
    [{ inputs: [f([5, 3])] }],
  );
  opTest(test, 'chunk', (x) => g.mul(g.chunk(x, 3, -1)[1], 3), [{ inputs: [f([2, 7])] }]);
  opTest(
    test,
    'pad',
    (x) =>
      g.pad(
        x,
        [
          [1, 0],
          [2, 3],
        ],
        -1.5,
      ),
    [{ inputs: [f([1, 1])] }, { inputs: [f([3, 4])] }],
  );
  opTest(
    test,
    'pad of a 3-D view',
    (x) =>
      g.pad(g.permute(x, [2, 0, 1]), [
        [0, 1],
        [1, 1],
        [0, 2],
      ]),
    [{ inputs: [f([2, 3, 4])] }],
  );

  test('[webgpu] split pieces and pad values', async () => {
    const device = await webgpuDevice();
    const x = g.tensor([[1, 2, 3, 4, 5]], { device });
    const parts = g.split(x, 2, 1);
    expect(parts.map((p) => p.shape[1])).toEqual([2, 2, 1]);
    expect(Array.from(await parts[2].toArray())).toEqual([5]);
    expect(
      Array.from(
        await g
          .pad(
            x,
            [
              [0, 0],
              [1, 2],
            ],
            9,
          )
          .toArray(),
      ),
    ).toEqual([9, 1, 2, 3, 4, 5, 9, 9]);
    expect(() => g.split(x, [2, 2], 1)).toThrow('must be non-negative and add up to 5');
  });
});

describe('oneHot / cumsum', () => {
  opTest(
    test,
    'oneHot',
    (i) => g.oneHot(i, 6),
    [
      { inputs: [ids([1], 6)] },
      { inputs: [ids([3, 97], 7)], label: '(3, 97) with ids out of range' },
    ],
    { noGrad: true },
  );
  opTest(test, 'cumsum axis -1', (x) => g.cumsum(x, -1), [
    { inputs: [f([1])] },
    { inputs: [f([3, 300])] },
  ]);
  opTest(test, 'cumsum axis 1', (x) => g.cumsum(x, 1), [{ inputs: [f([2, 5, 3])] }]);
  opTest(test, 'cumsum of a transposed view', (x) => g.cumsum(g.transpose(x), 0), [
    { inputs: [f([4, 6])] },
  ]);
});
