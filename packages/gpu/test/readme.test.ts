import { expect, test } from 'vitest';
import * as g from '../src/index.js';
import { runReadmeSnippet } from './helpers/readme.js';

test('[webgpu] the README snippet runs as written', async () => {
  const printed = await runReadmeSnippet((code) => code.includes('softmax(matmul(x, w))'));
  expect(printed).toHaveLength(2);
  expect(String(printed[0][0])).toMatch(/^WebGPU: /);
  // Σ_rows p0 + 2·p1 with p = softmax of the rows of x·w = [[4.5, -0.5], [9.5, -2]].
  const byHand = [5, 11.5].reduce(
    (acc, gap) => acc + (1 + 2 * Math.exp(-gap)) / (1 + Math.exp(-gap)),
    0,
  );
  expect(printed[1][0]).toBeCloseTo(byHand, 4);
});

test('[webgpu] the README computation matches a hand derivation', async () => {
  await g.init({ backend: 'webgpu' });
  const w = g.tensor(
    [
      [0.5, -1],
      [2, 0.25],
    ],
    { requiresGrad: true },
  );
  const x = g.tensor([
    [1, 2],
    [3, 4],
  ]);
  const loss = g.scope(() => {
    const l = g
      .softmax(g.matmul(x, w))
      .mul(g.tensor([1, 2]))
      .sum();
    l.backward();
    return l;
  });
  // By hand: z = x·w = [[4.5, -0.5], [9.5, -2]]; per row, softmax p and L_row = p0 + 2·p1.
  const z = [
    [4.5, -0.5],
    [9.5, -2],
  ];
  let expected = 0;
  for (const row of z) {
    const e = row.map(Math.exp);
    const s = e[0] + e[1];
    expected += e[0] / s + (2 * e[1]) / s;
  }
  expect(await loss.item()).toBeCloseTo(expected, 5);
  // dL/dz_row = p ⊙ (c − p·c) with c = [1, 2]; dL/dw = xᵀ · dL/dz.
  const dz = z.map((row) => {
    const e = row.map(Math.exp);
    const p = e.map((v) => v / (e[0] + e[1]));
    const mean = p[0] + 2 * p[1];
    return [p[0] * (1 - mean), p[1] * (2 - mean)];
  });
  const xv = [
    [1, 2],
    [3, 4],
  ];
  const dw = [0, 1].flatMap((i) => [0, 1].map((j) => xv[0][i] * dz[0][j] + xv[1][i] * dz[1][j]));
  const got = await w.grad!.toArray();
  for (const [i, v] of dw.entries()) expect(got[i]).toBeCloseTo(v, 5);
});
