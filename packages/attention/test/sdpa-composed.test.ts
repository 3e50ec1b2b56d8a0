import { createDevice, type Device, type Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { opTest } from '../../gpu/test/helpers/op-test.js';
import { scaledDotProductAttention } from '../src/index.js';

/** Attention by hand in float64 on nested arrays: the oracle for the composed path. */
function naive(
  q: number[][],
  k: number[][],
  v: number[][],
  keep: (i: number, j: number) => boolean,
  scale: number,
): number[][] {
  return q.map((qi, i) => {
    const s = k.map((kj, j) =>
      keep(i, j) ? scale * qi.reduce((acc, x, c) => acc + x * kj[c], 0) : -Infinity,
    );
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return v[0].map((_, c) => e.reduce((acc, w, j) => acc + (w / z) * v[j][c], 0));
  });
}

const rows = (n: number, d: number, seed: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, c) => Math.sin(seed * 7.1 + i * 1.3 + c * 0.7)),
  );

let cpu: Promise<Device> | undefined;

describe('composed scaled dot-product attention', () => {
  test('[cpu] end-aligned causal with Tq < Tk matches a by-hand computation', async () => {
    cpu ??= createDevice({ backend: 'cpu', precision: 'f64' });
    const device = await cpu;
    const [tq, tk, d] = [2, 5, 3];
    const q = rows(tq, d, 1);
    const k = rows(tk, d, 2);
    const v = rows(tk, d, 3);
    const t = (x: number[][], n: number) => tensor(x, { device }).reshape([1, 1, n, d]);
    const { output } = scaledDotProductAttention(t(q, tq), t(k, tk), t(v, tk), { causal: true });
    const expected = naive(q, k, v, (i, j) => j <= i + tk - tq, 1 / Math.sqrt(d)).flat();
    const got = Array.from(await output.toArray());
    for (const [i, x] of got.entries()) expect(x).toBeCloseTo(expected[i], 10);
  });
});

/** opTest names end in "webgpu matches cpu reference" or "cpu gradients ..."; add the CI tag. */
const tagged = (name: string, fn: () => Promise<void>) =>
  test(`${name.includes('webgpu') ? '[webgpu]' : '[cpu]'} ${name}`, fn);

describe('composed attention through opTest (WebGPU vs f64 CPU, finite differences)', () => {
  const sdpa =
    (options: Parameters<typeof scaledDotProductAttention>[3]) =>
    (q: Tensor, k: Tensor, v: Tensor) =>
      scaledDotProductAttention(q, k, v, options).output;
  opTest(tagged, 'composed causal', sdpa({ causal: true }), [
    { inputs: [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 3] }] },
  ]);
  opTest(
    tagged,
    'composed additive f32 mask (differentiated), scale 0.3',
    (q, k, v, m) => scaledDotProductAttention(q, k, v, { mask: m, scale: 0.3 }).output,
    [
      {
        inputs: [
          { shape: [1, 2, 3, 4] },
          { shape: [1, 2, 4, 4] },
          { shape: [1, 2, 4, 2] },
          { shape: [1, 1, 3, 4], range: [-1, 1] },
        ],
      },
    ],
  );
  opTest(
    tagged,
    'composed integer keep-mask broadcast over heads',
    (q, k, v, m) => scaledDotProductAttention(q, k, v, { mask: m }).output,
    [
      {
        inputs: [
          { shape: [2, 2, 3, 4] },
          { shape: [2, 2, 4, 4] },
          { shape: [2, 2, 4, 2] },
          { shape: [2, 1, 1, 4], int: true, values: [1, 0, 1, 1, 0, 1, 1, 0] },
        ],
      },
    ],
  );
});
