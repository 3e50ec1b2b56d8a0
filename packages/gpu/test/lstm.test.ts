import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({
  shape,
  range: [-1, 1],
  ...extra,
});
const ints = (values: number[]): InputSpec => ({ shape: [values.length], int: true, values });

/** Output, h_N and c_N of one scan in one tensor, so the op test checks all three. */
const flat = (r: g.RecurrentScanResult) =>
  g.concat([g.flatten(r.output), g.flatten(r.hN), ...(r.cN ? [g.flatten(r.cN)] : [])]);

/** GRU's hidden weights and bias have slot 2 of every unit fixed at zero. */
function gruSlots(t: g.Tensor): g.Tensor {
  const mask = Array.from({ length: t.size }, (_, i) =>
    (t.rank === 1 ? i : Math.floor(i / t.shape[1])) % 4 === 2 ? 0 : 1,
  );
  return g.mul(t, g.tensor(mask, { shape: t.shape, device: t.device }));
}

const lstmCase = (t: number, b: number, h: number) => [
  f([t, b, 4 * h]),
  f([4 * h, h]),
  f([b, h]),
  f([b, h]),
];
const gruCase = (t: number, b: number, h: number) => [
  f([t, b, 4 * h]),
  f([4 * h, h]),
  f([4 * h]),
  f([b, h]),
];

/**
 * A batch-first projection (B, T, 4H) read in place through its strides, with the input bias:
 * values and gradients; then inference (no gradients, so the kernels store no gates, cells or
 * h_{t−1}) with lengths, forward and reverse. `params(b, h)` are the cell's other inputs.
 */
function batchFirstTests(
  name: string,
  params: (b: number, h: number) => InputSpec[],
  scan: (x: g.Tensor, params: g.Tensor[], options: g.RecurrentScanOptions) => g.RecurrentScanResult,
): void {
  const n = params(1, 1).length;
  const inputs = (t: number, b: number, h: number, lens?: number[]) => [
    f([b, t, 4 * h]),
    ...params(b, h),
    f([4 * h]),
    ...(lens ? [ints(lens)] : []),
  ];
  const run =
    (reverse: boolean) =>
    (x: g.Tensor, ...rest: g.Tensor[]) =>
      flat(
        scan(g.transpose(x, 0, 1), rest.slice(0, n), {
          inputBias: rest[n],
          lengths: rest[n + 1],
          reverse,
        }),
      );
  opTest(test, `${name} batch-first + inputBias`, run(false), [
    { inputs: inputs(3, 2, 4), label: 'T=3 B=2 H=4' },
    { inputs: inputs(2, 3, 64), label: 'T=2 B=3 H=64' },
  ]);
  for (const reverse of [false, true]) {
    opTest(
      test,
      `${name} inference${reverse ? ' reverse' : ''}`,
      run(reverse),
      [
        { inputs: inputs(4, 5, 3, [4, 1, 0, 2, 3]), label: 'T=4 B=5 H=3 lengths' },
        {
          inputs: inputs(3, 10, 16, [3, 1, 0, 2, 3, 3, 2, 1, 1, 2]),
          label: 'T=3 B=10 H=16 lengths',
        },
        { inputs: inputs(3, 3, 64, [2, 3, 0]), label: 'T=3 B=3 H=64 lengths' },
      ],
      { noGrad: true },
    );
  }
}

for (const variant of ['texture', 'subgroup', 'generic'] as const) {
  describe(`${variant} step kernels`, () => {
    beforeAll(() => g.pinRecurrentVariant(variant));
    afterAll(() => g.pinRecurrentVariant(undefined));
    describe('lstmScan', () => {
      opTest(test, 'lstmScan', (x, w, h0, c0) => flat(g.lstmScan(x, w, h0, c0)), [
        { inputs: lstmCase(3, 2, 4), label: 'T=3 B=2 H=4' },
        { inputs: lstmCase(4, 5, 3), label: 'T=4 B=5 H=3 (padded units, partial row block)' },
        { inputs: lstmCase(2, 3, 9), label: 'T=2 B=3 H=9' },
        { inputs: lstmCase(2, 20, 8), label: 'T=2 B=20 H=8 (several row blocks)' },
        { inputs: lstmCase(3, 3, 16), label: 'T=3 B=3 H=16 (texture weights forward)' },
        { inputs: lstmCase(2, 3, 64), label: 'T=2 B=3 H=64 (texture weights both ways)' },
      ]);
      opTest(
        test,
        'lstmScan reverse',
        (x, w, h0, c0) => flat(g.lstmScan(x, w, h0, c0, { reverse: true })),
        [{ inputs: lstmCase(4, 2, 5), label: 'T=4 B=2 H=5' }],
      );
      for (const reverse of [false, true]) {
        opTest(
          test,
          `lstmScan lengths${reverse ? ' reverse' : ''}`,
          (x, w, h0, c0, lens) => flat(g.lstmScan(x, w, h0, c0, { lengths: lens, reverse })),
          [
            { inputs: [...lstmCase(4, 5, 3), ints([4, 1, 0, 2, 3])], label: 'lengths 4 1 0 2 3' },
            {
              inputs: [...lstmCase(3, 10, 64), ints([3, 1, 0, 2, 3, 3, 2, 1, 1, 2])],
              label: 'H=64 B=10 lengths',
            },
          ],
        );
      }

      batchFirstTests(
        'lstmScan',
        (b, h) => [f([4 * h, h]), f([b, h]), f([b, h])],
        (x, [w, h0, c0], options) => g.lstmScan(x, w, h0, c0, options),
      );
    });

    describe('gruScan', () => {
      batchFirstTests(
        'gruScan',
        (b, h) => [f([4 * h, h]), f([4 * h]), f([b, h])],
        (x, [w, bhh, h0], options) => g.gruScan(x, gruSlots(w), gruSlots(bhh), h0, options),
      );
      opTest(test, 'gruScan', (x, w, b, h0) => flat(g.gruScan(x, gruSlots(w), gruSlots(b), h0)), [
        { inputs: gruCase(3, 2, 4), label: 'T=3 B=2 H=4' },
        { inputs: gruCase(4, 5, 3), label: 'T=4 B=5 H=3' },
        { inputs: gruCase(2, 20, 8), label: 'T=2 B=20 H=8 (several row blocks)' },
        { inputs: gruCase(2, 3, 64), label: 'T=2 B=3 H=64 (texture weights both ways)' },
      ]);
      for (const reverse of [false, true]) {
        opTest(
          test,
          `gruScan lengths${reverse ? ' reverse' : ''}`,
          (x, w, b, h0, lens) =>
            flat(g.gruScan(x, gruSlots(w), gruSlots(b), h0, { lengths: lens, reverse })),
          [
            { inputs: [...gruCase(4, 5, 5), ints([2, 4, 0, 1, 3])], label: 'lengths 2 4 0 1 3' },
            {
              inputs: [...gruCase(3, 10, 64), ints([3, 1, 0, 2, 3, 3, 2, 1, 1, 2])],
              label: 'H=64 B=10 lengths',
            },
          ],
        );
      }
    });
  });
}

describe('recurrent dispatch counts', () => {
  /** Dispatches recorded by a forward (and optionally backward) scan of T steps. */
  async function dispatches(cell: 'lstm' | 'gru', T: number, train: boolean): Promise<number> {
    const device = await webgpuDevice();
    const backend = device.backend as unknown as { dispatchCount: number };
    return g.withDevice(device, () =>
      g.scope(() => {
        const B = 3;
        const H = 8;
        const x = g.zeros([T, B, 4 * H], { requiresGrad: train });
        const w = g.zeros([4 * H, H], { requiresGrad: train });
        const h0 = g.zeros([B, H]);
        const c0 = g.zeros([B, H]);
        const b = g.zeros([4 * H]);
        const before = backend.dispatchCount;
        const r = cell === 'lstm' ? g.lstmScan(x, w, h0, c0) : g.gruScan(x, w, b, h0);
        if (train) {
          const mid = backend.dispatchCount;
          r.output.backward(g.onesLike(r.output));
          return backend.dispatchCount - mid;
        }
        return backend.dispatchCount - before;
      }),
    );
  }
  for (const cell of ['lstm', 'gru'] as const) {
    test(`[webgpu] ${cell}: one fused dispatch per step forward, one per step backward`, async () => {
      const fwd = (await dispatches(cell, 8, false)) - (await dispatches(cell, 4, false));
      const bwd = (await dispatches(cell, 8, true)) - (await dispatches(cell, 4, true));
      expect(fwd).toBe(4);
      expect(bwd).toBe(4);
    });
  }
});
