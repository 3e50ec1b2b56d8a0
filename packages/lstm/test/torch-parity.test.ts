import { readFileSync } from 'node:fs';
import * as g from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { GRU, LSTM } from '../src/index.js';

/**
 * PyTorch parity (fixtures from fixtures/generate.py, torch.nn.LSTM / nn.GRU in float64):
 * outputs, final states and every gradient of L = Σ out ⊙ R_out + Σ h_n ⊙ R_h (+ Σ c_n ⊙ R_c),
 * on WebGPU and on the CPU backend (float32 both), within |got − torch| ≤ ATOL + RTOL·|torch|.
 */
const ATOL = 5e-6;
const RTOL = 5e-5;

interface Flat {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  kind: 'lstm' | 'gru';
  config: {
    input_size: number;
    hidden_size: number;
    num_layers: number;
    bidirectional: boolean;
    batch_first: boolean;
    proj_size: number;
    initial_state: boolean;
    lengths: number[] | null;
  };
  params: Record<string, Flat>;
  inputs: Record<string, Flat>;
  expected: Record<string, Flat | number>;
  grads: Record<string, Flat>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/torch-parity.json', import.meta.url), 'utf8'),
) as { torch: string; cases: Case[] };

function close(what: string, got: ArrayLike<number>, want: number[]): number {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= ATOL + RTOL * Math.abs(want[i])))
      expect.fail(`${what}[${i}] = ${got[i]}, torch ${want[i]} (tol ${ATOL} + ${RTOL}·|ref|)`);
    worst = Math.max(worst, err);
  }
  return worst;
}

async function runCase(c: Case, backend: 'webgpu' | 'cpu'): Promise<number> {
  const device = await g.createDevice({ backend, quiet: true });
  try {
    return await g.withDevice(device, async () => {
      const cfg = c.config;
      const t = (f: Flat, requiresGrad = false) =>
        g.tensor(Float32Array.from(f.data), { shape: f.shape, requiresGrad });
      const common = {
        numLayers: cfg.num_layers,
        bidirectional: cfg.bidirectional,
        batchFirst: cfg.batch_first,
      };
      const model =
        c.kind === 'lstm'
          ? new LSTM(cfg.input_size, cfg.hidden_size, { ...common, projSize: cfg.proj_size })
          : new GRU(cfg.input_size, cfg.hidden_size, common);
      model.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
      const x = t(c.inputs.x, true);
      const h0 = t(c.inputs.h0, true);
      const c0 = t(c.inputs.c0, true);
      const lengths = cfg.lengths ?? undefined;
      let out: g.Tensor;
      let h: g.Tensor;
      let cN: g.Tensor | undefined;
      if (model instanceof LSTM) {
        const r = model.forward(x, cfg.initial_state ? { h: h0, c: c0 } : null, { lengths });
        [out, h, cN] = [r.output, r.h, r.c];
      } else {
        const r = model.forward(x, cfg.initial_state ? h0 : null, { lengths });
        [out, h] = [r.output, r.h];
      }
      let loss = g.add(out.mul(t(c.inputs.r_out)).sum(), h.mul(t(c.inputs.r_h)).sum());
      if (cN) loss = g.add(loss, cN.mul(t(c.inputs.r_c)).sum());
      loss.backward();
      let worst = 0;
      const e = c.expected as Record<string, Flat>;
      expect(out.shape).toEqual(e.output.shape);
      worst = Math.max(worst, close('output', await out.toArray(), e.output.data));
      worst = Math.max(worst, close('h_n', await h.toArray(), e.h.data));
      if (cN) worst = Math.max(worst, close('c_n', await cN.toArray(), e.c.data));
      const named = Object.fromEntries(model.namedParameters());
      for (const [name, want] of Object.entries(c.grads)) {
        const leaf = name === 'x' ? x : name === 'h0' ? h0 : name === 'c0' ? c0 : named[name];
        expect(leaf, `parameter ${name}`).toBeDefined();
        expect(leaf.grad, `gradient of ${name}`).not.toBeNull();
        worst = Math.max(worst, close(`d${name}`, await leaf.grad!.toArray(), want.data));
      }
      return worst;
    });
  } finally {
    device.destroy();
  }
}

describe(`PyTorch ${fixture.torch} parity`, () => {
  for (const c of fixture.cases) {
    for (const backend of ['webgpu', 'cpu'] as const) {
      test(`[${backend}] ${c.name}: outputs, final states and all gradients`, async () => {
        const worst = await runCase(c, backend);
        if (process.env.PARITY_REPORT)
          console.log(`${backend} ${c.name}: worst abs err ${worst.toExponential(2)}`);
        expect(worst).toBeLessThan(ATOL * 2);
      });
    }
  }
});
