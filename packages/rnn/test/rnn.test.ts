import { readFileSync } from 'node:fs';
import * as g from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { RNN } from '../src/index.js';

interface Flat {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  config: {
    inputSize: number;
    hiddenSize: number;
    numLayers: number;
    nonlinearity: 'tanh' | 'relu';
    bidirectional: boolean;
    batchFirst: boolean;
  };
  lengths: number[] | null;
  input: Flat;
  h0: Flat | null;
  params: Record<string, Flat>;
  R_out: Flat;
  R_h: Flat;
  output: Flat;
  h_n: Flat;
  grads: Record<string, Flat>;
}

const fixtures: { cases: Case[] } = JSON.parse(
  readFileSync(new URL('../fixtures/nn_rnn.json', import.meta.url), 'utf8'),
);

/** Parity tolerance against PyTorch's float64 results: |ours − torch| ≤ ATOL + RTOL·|torch|. */
const ATOL = 2e-5;
const RTOL = 1e-4;

function expectClose(what: string, got: ArrayLike<number>, want: Flat): void {
  expect(got.length, `${what}: size`).toBe(want.data.length);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const excess = Math.abs(got[i] - want.data[i]) - (ATOL + RTOL * Math.abs(want.data[i]));
    if (!(excess <= 0))
      expect.fail(`${what}: element ${i} is ${got[i]}, torch says ${want.data[i]}`);
    worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
  }
}

const flatTensor = (f: Flat, device: g.Device, requiresGrad = false) =>
  g.tensor(Float32Array.from(f.data), { shape: f.shape, device, requiresGrad });

describe('RNN matches torch.nn.RNN (fixtures/generate.py)', () => {
  for (const backend of ['webgpu', 'cpu'] as const) {
    for (const variant of backend === 'webgpu'
      ? (['fused', 'step', 'sequence'] as const)
      : (['auto'] as const)) {
      // 'fused' reads vec4s: only the cases whose hidden size is a multiple of 4.
      for (const c of fixtures.cases.filter(
        (c) => variant !== 'fused' || c.config.hiddenSize % 4 === 0,
      )) {
        test(`[${backend}] ${c.name} (${variant}): output, h_n and every gradient`, async () => {
          const device = await g.createDevice({ backend });
          g.setDevice(device);
          const rnn = new RNN(c.config.inputSize, c.config.hiddenSize, {
            ...c.config,
            variant,
            device,
          });
          expect(Object.keys(rnn.stateDict())).toEqual(Object.keys(c.params));
          rnn.loadStateDict(
            Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, v.data])),
          );
          const x = flatTensor(c.input, device, true);
          const h0 = c.h0 ? flatTensor(c.h0, device, true) : null;
          const { output, hN } = rnn.forward(x, h0, { lengths: c.lengths ?? undefined });
          expectClose('output', await output.toArray(), c.output);
          expectClose('h_n', await hN.toArray(), c.h_n);
          const loss = output
            .mul(flatTensor(c.R_out, device))
            .sum()
            .add(hN.mul(flatTensor(c.R_h, device)).sum());
          loss.backward();
          expectClose('d input', await x.grad!.toArray(), c.grads.input);
          if (h0) expectClose('d h0', await h0.grad!.toArray(), c.grads.h0);
          for (const [name, p] of rnn.namedParameters()) {
            expectClose(`d ${name}`, await p.grad!.toArray(), c.grads[name]);
          }
        });
      }
    }
  }

  test('[cpu] bad input shapes name the expected shape', async () => {
    const device = await g.createDevice({ backend: 'cpu' });
    const rnn = new RNN(3, 4, { batchFirst: true, numLayers: 2, device });
    expect(() => rnn.forward(g.zeros([2, 5, 4], { device }))).toThrow(
      'expected input of shape (B, T, 3), got (2, 5, 4)',
    );
    expect(() =>
      rnn.forward(g.zeros([2, 5, 3], { device }), g.zeros([1, 2, 4], { device })),
    ).toThrow('expected h0 of shape (2, 2, 4)');
    expect(() => rnn.forward(g.zeros([2, 5, 3], { device }), null, { lengths: [5, 6] })).toThrow(
      '[0, 5]',
    );
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as 'tanh' })).toThrow("'tanh' or 'relu'");
  });
});
