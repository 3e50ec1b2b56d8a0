import { readFileSync } from 'node:fs';
import { createDevice, type Device, type Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { MultiheadAttention, scaledDotProductAttention } from '../src/index.js';

/** Fixtures from fixtures/generate.py (PyTorch 1.13, float64). */
interface Encoded {
  shape: number[];
  data: number[];
}
type Case = Record<string, unknown>;
const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/attention-fixtures.json', import.meta.url), 'utf8'),
) as { cases: Record<string, Case> };

let webgpu: Promise<Device> | undefined;
let cpu: Promise<Device> | undefined;
const devices = {
  webgpu: () => (webgpu ??= createDevice({ backend: 'webgpu' })),
  cpu: () => (cpu ??= createDevice({ backend: 'cpu', precision: 'f64' })),
};
/** Stated tolerances: |ours − torch| ≤ atol + rtol·|torch|. */
const tolerance = { webgpu: [1e-4, 1e-3], cpu: [1e-9, 1e-9] } as const;

const load = (e: Encoded, device: Device, extra: { dtype?: 'i32'; requiresGrad?: boolean } = {}) =>
  tensor(e.data, { shape: e.shape, device, ...extra });

async function expectClose(name: string, t: Tensor, e: Encoded, [atol, rtol]: readonly number[]) {
  expect(t.shape, `${name}: shape`).toEqual(e.shape);
  const got = await t.toArray();
  for (let i = 0; i < e.data.length; i++) {
    if (!(Math.abs(got[i] - e.data[i]) <= atol + rtol * Math.abs(e.data[i]))) {
      expect.fail(`${name}: element ${i} is ${got[i]}, PyTorch ${e.data[i]}`);
    }
  }
}

describe('scaledDotProductAttention against PyTorch (composed in float64)', () => {
  for (const [name, c] of Object.entries(fixtures.cases).filter(([n]) => n.startsWith('sdpa'))) {
    for (const backend of ['webgpu', 'cpu'] as const) {
      for (const path of ['fused', 'composed'] as const) {
        test(`[${backend}] ${name} (${path} path)`, async () => {
          const device = await devices[backend]();
          const [q, k, v] = (['q', 'k', 'v'] as const).map((key) =>
            load(c[key] as Encoded, device, { requiresGrad: true }),
          );
          const mask = c.keep_mask
            ? load(c.keep_mask as Encoded, device, { dtype: 'i32' })
            : c.additive_mask
              ? load(c.additive_mask as Encoded, device)
              : undefined;
          const { output, weights } = scaledDotProductAttention(q, k, v, {
            causal: c.causal as boolean,
            mask,
            scale: (c.scale as number | null) ?? undefined,
            composed: path === 'composed',
            returnWeights: path === 'composed',
          });
          output.backward(load(c.grad_out as Encoded, device));
          const tol = tolerance[backend];
          await expectClose('output', output, c.output as Encoded, tol);
          if (weights) await expectClose('weights', weights, c.weights as Encoded, tol);
          await expectClose('dq', q.grad!, c.grad_q as Encoded, tol);
          await expectClose('dk', k.grad!, c.grad_k as Encoded, tol);
          await expectClose('dv', v.grad!, c.grad_v as Encoded, tol);
        });
      }
    }
  }
});

describe('MultiheadAttention against torch.nn.MultiheadAttention', () => {
  for (const [name, c] of Object.entries(fixtures.cases).filter(([n]) => n.startsWith('mha'))) {
    for (const backend of ['webgpu', 'cpu'] as const) {
      for (const needWeights of [true, false]) {
        test(`[${backend}] ${name} (needWeights ${needWeights}: ${needWeights ? 'composed' : 'fused'})`, async () => {
          const device = await devices[backend]();
          const mha = new MultiheadAttention(c.embed_dim as number, c.num_heads as number, {
            kdim: c.kdim as number,
            vdim: c.vdim as number,
            bias: c.bias as boolean,
            batchFirst: c.batch_first as boolean,
            device,
          });
          const params = c.params as Record<string, Encoded>;
          expect(Object.keys(mha.stateDict()).sort()).toEqual(Object.keys(params).sort());
          mha.loadStateDict(
            Object.fromEntries(Object.entries(params).map(([k, e]) => [k, e.data])),
          );
          const [query, key, value] = (['query', 'key', 'value'] as const).map((k) =>
            load(c[k] as Encoded, device, { requiresGrad: true }),
          );
          const mask = (k: string, bool: boolean) =>
            c[k] ? load(c[k] as Encoded, device, bool ? { dtype: 'i32' } : {}) : undefined;
          const { output, weights } = mha.forward(query, key, value, {
            attnMask: mask('attn_mask', c.attn_mask_is_bool as boolean),
            keyPaddingMask: mask('key_padding_mask', true),
            needWeights,
            averageAttnWeights: c.average_attn_weights as boolean,
          });
          output.backward(load(c.grad_out as Encoded, device));
          const tol = tolerance[backend];
          await expectClose('output', output, c.output as Encoded, tol);
          if (needWeights) await expectClose('weights', weights!, c.weights as Encoded, tol);
          else expect(weights).toBeUndefined();
          await expectClose('d query', query.grad!, c.grad_query as Encoded, tol);
          await expectClose('d key', key.grad!, c.grad_key as Encoded, tol);
          await expectClose('d value', value.grad!, c.grad_value as Encoded, tol);
          const live = mha.stateDict();
          for (const [k, e] of Object.entries(c.param_grads as Record<string, Encoded>)) {
            await expectClose(`d ${k}`, live[k].grad!, e, tol);
          }
        });
      }
    }
  }
});

describe('MultiheadAttention extras', () => {
  test('[webgpu] causal: true equals PyTorch with a triu bool attn_mask (fused path)', async () => {
    const c = fixtures.cases.mha_batch_first_causal_padding;
    const device = await devices.webgpu();
    const mha = new MultiheadAttention(8, 2, { batchFirst: true, device });
    const params = c.params as Record<string, Encoded>;
    mha.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, e]) => [k, e.data])));
    const [query, key, value] = (['query', 'key', 'value'] as const).map((k) =>
      load(c[k] as Encoded, device),
    );
    const { output } = mha.forward(query, key, value, {
      causal: true,
      keyPaddingMask: load(c.key_padding_mask as Encoded, device, { dtype: 'i32' }),
      needWeights: false,
    });
    await expectClose('output', output, c.output as Encoded, tolerance.webgpu);
  });

  test('[cpu] bad shapes name the expected layout', async () => {
    const device = await devices.cpu();
    const mha = new MultiheadAttention(8, 2, { device });
    const x = tensor(new Float32Array(4 * 3 * 8), { shape: [4, 3, 8], device });
    const y = tensor(new Float32Array(4 * 3 * 6), { shape: [4, 3, 6], device });
    expect(() => mha.forward(x, y, y)).toThrow(/expected key of shape \(T, N, 8\)/);
    const badMask = tensor(new Int32Array(6), { shape: [2, 3], device });
    expect(() => mha.forward(x, x, x, { attnMask: badMask })).toThrow(/attnMask must be \(L, S\)/);
    expect(() => new MultiheadAttention(10, 3)).toThrow(/divisible/);
  });
});
