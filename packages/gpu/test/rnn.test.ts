import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

/** xproj (T, B, H), h0 (B, H), W (H, H) scaled so states neither saturate nor blow up. */
const specs = (T: number, B: number, H: number): InputSpec[] => {
  const r = 1.5 / Math.sqrt(H);
  return [
    { shape: [T, B, H], range: [-1, 1] },
    { shape: [B, H], range: [-1, 1] },
    { shape: [H, H], range: [-r, r] },
  ];
};
const lengthsSpec = (values: number[]): InputSpec => ({
  shape: [values.length],
  int: true,
  values,
});

describe('rnnRecurrence', () => {
  // Each form: the fused step (generic and subgroup kernels), the tiled step, the sequence.
  const forms = [
    { name: 'fused', opts: { variant: 'fused', subgroups: false }, h1: 4 },
    { name: 'fused subgroup', opts: { variant: 'fused', subgroups: true }, h1: 4 },
    { name: 'step', opts: { variant: 'step' }, h1: 1 },
    { name: 'sequence', opts: { variant: 'sequence' }, h1: 1 },
  ] as const;
  for (const { name, opts, h1 } of forms) {
    for (const act of ['tanh', 'relu'] as const) {
      opTest(
        test,
        `rnnRecurrence ${name} ${act}`,
        (x, h0, w) => g.rnnRecurrence(x, h0, w, { nonlinearity: act, ...opts }),
        [
          { inputs: specs(1, 1, h1), label: `T=1 B=1 H=${h1}` },
          { inputs: specs(4, 3, 8) },
          { inputs: specs(3, 17, 20), label: 'B=17 H=20 (row and unit block tails)' },
        ],
      );
    }
    opTest(
      test,
      `rnnRecurrence ${name} with lengths`,
      (x, h0, w, len) => g.rnnRecurrence(x, h0, w, { lengths: len, ...opts }),
      [{ inputs: [...specs(5, 4, 8), lengthsSpec([5, 2, 0, 3])], label: 'lengths 5,2,0,3' }],
    );
    opTest(
      test,
      `rnnRecurrence ${name} hidden 300`,
      (x, h0, w) => g.rnnRecurrence(x, h0, w, opts),
      [{ inputs: specs(2, 2, 300), label: 'H=300 (several units per invocation)' }],
      { maxProbes: 16 },
    );
  }

  test('[webgpu] dispatches per step: 1 forward and 1 backward (fused, step); 1 per sequence (sequence)', async () => {
    const device = await webgpuDevice();
    const backend = device.backend as unknown as { dispatchCount: number };
    const T = 12;
    const count = (variant: 'fused' | 'step' | 'sequence') =>
      g.scope(() => {
        const x = g.randn([T, 4, 32], { device, requiresGrad: true });
        const h0 = g.zeros([4, 32], { device, requiresGrad: true });
        const w = g.randn([32, 32], { device, std: 0.1, requiresGrad: true });
        let n = backend.dispatchCount;
        const s = g.rnnRecurrence(x, h0, w, { variant });
        const forward = backend.dispatchCount - n;
        const seed = g.onesLike(s);
        n = backend.dispatchCount;
        s.backward(seed);
        return { forward, backward: backend.dispatchCount - n };
      });
    const step = count('step');
    const seq = count('sequence');
    const fused = count('fused');
    // h0 copied into S[0], W_hhᵀ once, then one fused dispatch per step.
    expect(fused.forward).toBe(T + 2);
    // One more than 'step': the extra pass that writes dh0.
    expect(fused.backward - step.backward).toBe(1);
    expect(step.forward).toBe(T);
    // T steps, plus the dW matmul and the gradients' accumulation into leaves (a handful).
    expect(step.backward - seq.backward).toBe(T - 1);
    expect(seq.forward).toBe(2); // Wᵀ copy + the sequence kernel
    expect(seq.backward).toBeLessThanOrEqual(6);
  });

  test('[webgpu] bad shapes and options are named', async () => {
    const device = await webgpuDevice();
    const x = g.zeros([2, 3, 4], { device });
    expect(() =>
      g.rnnRecurrence(x, g.zeros([3, 5], { device }), g.zeros([4, 4], { device })),
    ).toThrow('expected h0 of shape (3, 4), got (3, 5)');
    expect(() =>
      g.rnnRecurrence(x, g.zeros([3, 4], { device }), g.zeros([4, 4], { device }), {
        lengths: g.zeros([3], { device }),
      }),
    ).toThrow('lengths must be an i32 tensor of shape (3)');
    expect(() =>
      g.rnnRecurrence(
        g.zeros([1, 1, 1100], { device }),
        g.zeros([1, 1100], { device }),
        g.zeros([1100, 1100], { device }),
        {
          variant: 'sequence',
        },
      ),
    ).toThrow("use 'step' or 'auto'");
    expect(() =>
      g.rnnRecurrence(
        g.zeros([1, 1, 6], { device }),
        g.zeros([1, 6], { device }),
        g.zeros([6, 6], { device }),
        { variant: 'fused' },
      ),
    ).toThrow("variant 'fused' needs hidden % 4 = 0, got 6");
  });
});
