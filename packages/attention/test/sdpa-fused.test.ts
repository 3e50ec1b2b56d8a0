import { createDevice, type Device, Generator, type Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { type AttentionOptions, scaledDotProductAttention } from '../src/index.js';

let webgpu: Promise<Device> | undefined;
let cpu: Promise<Device> | undefined;
const devices = {
  webgpu: () => (webgpu ??= createDevice({ backend: 'webgpu' })),
  cpu: () => (cpu ??= createDevice({ backend: 'cpu', precision: 'f64' })),
};

const values = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => Math.sin(seed * 3.7 + i * 0.61) * 1.5);

/** Output and q/k/v gradients for a fixed seed gradient. */
async function run(device: Device, shapes: number[][], options: AttentionOptions) {
  const [q, k, v] = shapes.map((s, i) =>
    tensor(
      values(
        s.reduce((a, b) => a * b),
        i + 1,
      ),
      { shape: s, device, requiresGrad: true },
    ),
  );
  const { output } = scaledDotProductAttention(q, k, v, options);
  output.backward(tensor(values(output.size, 9), { shape: output.shape, device }));
  const read = (t: Tensor) => t.toArray().then((a) => Array.from(a));
  return Promise.all([read(output), ...[q, k, v].map((t) => read(t.grad!))]);
}

function expectClose(name: string, a: number[], b: number[], atol: number, rtol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) {
      expect.fail(`${name}: element ${i} is ${a[i]}, composed oracle ${b[i]}`);
    }
  }
}

const cases: { label: string; shapes: number[][]; options: (d: Device) => AttentionOptions }[] = [
  {
    label: 'GPT shape (2, 4, 64, 32) causal',
    shapes: [
      [2, 4, 64, 32],
      [2, 4, 64, 32],
      [2, 4, 64, 32],
    ],
    options: () => ({ causal: true }),
  },
  {
    label: 'Tq = 3 < Tk = 70 causal (decoding with a KV cache)',
    shapes: [
      [1, 2, 3, 16],
      [1, 2, 70, 16],
      [1, 2, 70, 16],
    ],
    options: () => ({ causal: true }),
  },
  {
    label: 'key padding keep-mask (B, 1, 1, Tk), scale 0.2',
    shapes: [
      [2, 2, 6, 8],
      [2, 2, 9, 8],
      [2, 2, 9, 4],
    ],
    options: (device) => ({
      scale: 0.2,
      mask: tensor([1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], {
        shape: [2, 1, 1, 9],
        dtype: 'i32',
        device,
      }),
    }),
  },
  {
    label: 'dropout 0.3 (same Philox stream on both paths)',
    shapes: [
      [2, 2, 10, 8],
      [2, 2, 13, 8],
      [2, 2, 13, 8],
    ],
    options: () => ({ dropout: 0.3, generator: new Generator(42, 7) }),
  },
];

describe('fused path (default) against the composed oracle', () => {
  for (const backend of ['webgpu', 'cpu'] as const) {
    const [atol, rtol] = backend === 'webgpu' ? [2e-5, 1e-3] : [1e-12, 1e-9];
    for (const c of cases) {
      test(`[${backend}] ${c.label}`, async () => {
        const device = await devices[backend]();
        const fused = await run(device, c.shapes, c.options(device));
        const composed = await run(device, c.shapes, { ...c.options(device), composed: true });
        const names = ['output', 'dq', 'dk', 'dv'];
        fused.forEach((f, i) => {
          expectClose(`${c.label} ${names[i]}`, f, composed[i], atol, rtol);
        });
      });
    }
  }

  test('[webgpu] dropout draws advance the generator as the standalone dropout does', async () => {
    const device = await devices.webgpu();
    const gen = new Generator(1, 0);
    const x = tensor(values(2 * 3 * 4, 1), { shape: [1, 2, 3, 4], device });
    scaledDotProductAttention(x, x, x, { dropout: 0.5, generator: gen });
    expect(gen.offset).toBe(Math.ceil((2 * 3 * 3) / 4));
    const before = gen.offset;
    scaledDotProductAttention(x, x, x, { dropout: 0.5, training: false, generator: gen });
    expect(gen.offset).toBe(before);
  });

  test('[webgpu] returnWeights gives (B, H, Tq, Tk) rows that sum to 1, zero above the causal diagonal', async () => {
    const device = await devices.webgpu();
    const x = tensor(values(2 * 5 * 4, 3), { shape: [1, 2, 5, 4], device });
    const { weights } = scaledDotProductAttention(x, x, x, { causal: true, returnWeights: true });
    expect(weights!.shape).toEqual([1, 2, 5, 5]);
    const w = await weights!.toArray();
    for (let r = 0; r < 10; r++) {
      const row = Array.from(w.slice(r * 5, r * 5 + 5));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (let j = (r % 5) + 1; j < 5; j++) expect(row[j]).toBe(0);
    }
  });
});
