import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { cpuDevice64, webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

/** opTest names its WebGPU test "... webgpu matches ..." and its FD test "... cpu gradients ..."; tag them for CI. */
const tagged = (name: string, fn: () => Promise<void>) =>
  test(`${name.includes('webgpu matches') ? '[webgpu]' : '[cpu]'} ${name}`, fn);

const qkv = (b: number, h: number, tq: number, tk: number, d: number, dv = d): InputSpec[] => [
  { shape: [b, h, tq, d] },
  { shape: [b, h, tk, d] },
  { shape: [b, h, tk, dv] },
];

describe('fused attention (forward + fused backward)', () => {
  opTest(tagged, 'attention', (q, k, v) => g.attention(q, k, v), [
    { inputs: qkv(1, 1, 1, 1, 4), label: 'T = 1' },
    { inputs: qkv(2, 3, 5, 7, 6, 3), label: 'Tq ≠ Tk, D = 6, Dv = 3' },
    { inputs: qkv(1, 2, 70, 70, 16), label: 'T = 70 (not a multiple of the 64-row tile), D = 16' },
  ]);
  opTest(tagged, 'attention causal', (q, k, v) => g.attention(q, k, v, { causal: true }), [
    { inputs: qkv(2, 2, 9, 9, 8), label: 'Tq = Tk = 9' },
    { inputs: qkv(1, 2, 3, 11, 8), label: 'Tq = 3 < Tk = 11 (end-aligned, KV cache)' },
    { inputs: qkv(1, 1, 67, 67, 32), label: 'T = 67, D = 32 (several key tiles)' },
  ]);
  opTest(
    tagged,
    'attention additive mask (B, 1, Tq, Tk), scale 0.5',
    (q, k, v, m) => g.attention(q, k, v, { mask: m, scale: 0.5 }),
    [{ inputs: [...qkv(2, 2, 4, 6, 4), { shape: [2, 1, 4, 6], range: [-3, 1], grad: false }] }],
  );
  opTest(
    tagged,
    'attention keep mask (B, 1, 1, Tk) + causal',
    (q, k, v, m) => g.attention(q, k, v, { mask: m, causal: true }),
    [
      {
        inputs: [
          ...qkv(2, 2, 5, 5, 4),
          { shape: [2, 1, 1, 5], int: true, values: [1, 1, 0, 1, 0, 1, 0, 1, 1, 1] },
        ],
      },
    ],
  );
  opTest(tagged, 'attention D = 64', (q, k, v) => g.attention(q, k, v, { causal: true }), [
    { inputs: qkv(1, 1, 20, 20, 64) },
  ]);
  opTest(
    tagged,
    'attention D = 128, Dv = 96',
    (q, k, v) => g.attention(q, k, v),
    [{ inputs: qkv(1, 1, 19, 21, 128, 96) }],
    { maxProbes: 24 },
  );
});

describe('fused attention against the composed formula', () => {
  test('[webgpu] matches softmax(q·kᵀ·scale + mask)·v composed from gpu ops, with its gradients', async () => {
    const device = await webgpuDevice();
    const make = (shape: number[], seed: number) =>
      g.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(seed + i * 0.37)),
        { shape, device, requiresGrad: true },
      );
    const [q, k, v] = [make([3, 4, 33, 32], 1), make([3, 4, 40, 32], 2), make([3, 4, 40, 32], 3)];
    const mask = g.tensor(
      Array.from({ length: 3 * 40 }, (_, i) => (i % 7 === 3 ? -1e9 : (i % 5) * 0.1)),
      { shape: [3, 1, 1, 40], device },
    );
    const fused = g.attention(q, k, v, { causal: true, mask });
    const bias = g.tensor(
      Array.from({ length: 33 * 40 }, (_, t) => (t % 40 <= Math.floor(t / 40) + 7 ? 0 : -Infinity)),
      { shape: [33, 40], device },
    );
    const scores = g
      .matmul(q, g.transpose(k))
      .mul(1 / Math.sqrt(32))
      .add(mask)
      .add(bias);
    const composed = g.matmul(g.softmax(scores), v);
    const seed = make([3, 4, 33, 32], 4);
    const grads = async (y: g.Tensor) => {
      for (const x of [q, k, v]) x.grad = null;
      y.backward(seed.detach());
      return Promise.all([q, k, v].map((x) => x.grad!.toArray()));
    };
    const a = await fused.toArray();
    const b = await composed.toArray();
    const close = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      let worst = 0;
      for (let i = 0; i < x.length; i++)
        worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1e-4 + Math.abs(y[i])));
      return worst;
    };
    expect(close(a, b)).toBeLessThan(1e-3);
    const gf = await grads(fused);
    const gc = await grads(composed);
    for (let t = 0; t < 3; t++) expect(close(gf[t], gc[t])).toBeLessThan(2e-3);
  });

  test('[cpu] a row whose keys are all masked gives 0 and zero gradients', async () => {
    const device = await cpuDevice64();
    const q = g.tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2], device, requiresGrad: true });
    const k = g.tensor([1, 0, 0, 1], { shape: [1, 1, 2, 2], device, requiresGrad: true });
    const v = g.tensor([5, 6, 7, 8], { shape: [1, 1, 2, 2], device, requiresGrad: true });
    // Tq = Tk with causal and a keep mask that drops key 0: query 0 sees nothing.
    const mask = g.tensor([0, 1], { shape: [2], device, dtype: 'i32' });
    const y = g.attention(q, k, v, { causal: true, mask });
    expect(Array.from(await y.toArray())).toEqual([0, 0, 7, 8]);
    y.sum().backward();
    expect(Array.from(await q.grad!.toArray()).slice(0, 2)).toEqual([0, 0]);
  });

  test('[cpu] bad shapes and head sizes name the problem', async () => {
    const device = await cpuDevice64();
    const t = (shape: number[]) => g.zeros(shape, { device });
    expect(() => g.attention(t([2, 3, 4]), t([2, 3, 4]), t([2, 3, 4]))).toThrow(/rank 4/);
    expect(() => g.attention(t([1, 1, 2, 4]), t([1, 1, 3, 5]), t([1, 1, 3, 4]))).toThrow(
      /k must be/,
    );
    expect(() => g.attention(t([1, 1, 2, 256]), t([1, 1, 3, 256]), t([1, 1, 3, 4]))).toThrow(/128/);
    expect(() =>
      g.attention(t([1, 2, 2, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4]), { mask: t([3, 3]) }),
    ).toThrow(/does not broadcast/);
  });
});
