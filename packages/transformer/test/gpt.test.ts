import { createDevice, type Device, optim, scope, type Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { GPT, type GPTConfig } from '../src/index.js';

const tiny: GPTConfig = {
  vocabSize: 11,
  blockSize: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  dropout: 0,
  bias: true,
  tieWeights: true,
};

const devices: Record<'cpu' | 'webgpu', Promise<Device> | undefined> = {
  cpu: undefined,
  webgpu: undefined,
};
function device(kind: 'cpu' | 'webgpu'): Promise<Device> {
  devices[kind] ??= createDevice({ backend: kind });
  return devices[kind];
}

const ids = (rows: number[][], d: Device) => tensor(rows, { dtype: 'i32', device: d });

/** nanoGPT's parameter names, in its named_parameters() order (the tied lm_head.weight once). */
function nanoGPTNames(nLayer: number, bias: boolean, tied: boolean): string[] {
  const names = ['transformer.wte.weight', 'transformer.wpe.weight'];
  const withBias = (prefix: string) =>
    bias ? [`${prefix}.weight`, `${prefix}.bias`] : [`${prefix}.weight`];
  for (let i = 0; i < nLayer; i++) {
    const p = `transformer.h.${i}`;
    names.push(
      ...withBias(`${p}.ln_1`),
      ...withBias(`${p}.attn.c_attn`),
      ...withBias(`${p}.attn.c_proj`),
      ...withBias(`${p}.ln_2`),
      ...withBias(`${p}.mlp.c_fc`),
      ...withBias(`${p}.mlp.c_proj`),
    );
  }
  names.push(...withBias('transformer.ln_f'));
  if (!tied) names.push('lm_head.weight');
  return names;
}

describe('GPT structure', () => {
  test('[cpu] parameter names, layouts and count follow nanoGPT', async () => {
    const d = await device('cpu');
    for (const [bias, tieWeights] of [
      [true, true],
      [false, false],
    ]) {
      const gpt = new GPT({ ...tiny, bias, tieWeights }, { seed: 0, device: d });
      const named = gpt.namedParameters();
      expect(named.map(([n]) => n)).toEqual(nanoGPTNames(2, bias, tieWeights));
      const shapes = Object.fromEntries(named.map(([n, p]) => [n, [...p.shape]]));
      expect(shapes['transformer.h.1.attn.c_attn.weight']).toEqual([48, 16]); // (out, in)
      expect(shapes['transformer.h.0.mlp.c_fc.weight']).toEqual([64, 16]);
      expect(shapes['transformer.h.0.mlp.c_proj.weight']).toEqual([16, 64]);
      // state_dict has lm_head.weight either way (the same tensor as wte when tied).
      const state = gpt.stateDict();
      expect('lm_head.weight' in state).toBe(true);
      expect(state['lm_head.weight'] === state['transformer.wte.weight']).toBe(tieWeights);
      // Count by hand: per block 2 LayerNorms, c_attn, c_proj, c_fc, c_proj.
      const [V, P, C] = [11, 16, 16];
      const b = bias ? 1 : 0;
      const block =
        2 * (C + b * C) +
        (3 * C * C + b * 3 * C) +
        (C * C + b * C) +
        (4 * C * C + b * 4 * C) +
        (4 * C * C + b * C);
      const expected = V * C + P * C + 2 * block + (C + b * C) + (tieWeights ? 0 : V * C);
      expect(gpt.numParameters()).toBe(expected);
      expect(gpt.numParameters({ nonEmbedding: true })).toBe(expected - P * C);
      gpt.dispose();
    }
  });

  test('[cpu] init: N(0, 0.02) weights, scaled residual projections, zero biases', async () => {
    const d = await device('cpu');
    const gpt = new GPT({ ...tiny, nEmbd: 64, nHead: 4, nLayer: 8 }, { seed: 3, device: d });
    const std = async (t: Tensor) => {
      const x = await t.toArray();
      let s = 0;
      for (const v of x) s += v * v;
      return Math.sqrt(s / x.length);
    };
    const state = gpt.stateDict();
    expect(await std(state['transformer.h.0.mlp.c_fc.weight'])).toBeCloseTo(0.02, 3);
    // 0.02 / sqrt(2 · 8) = 0.005
    expect(await std(state['transformer.h.3.mlp.c_proj.weight'])).toBeCloseTo(0.005, 3);
    expect(await std(state['transformer.h.3.attn.c_proj.weight'])).toBeCloseTo(0.005, 3);
    expect(await std(state['transformer.h.2.attn.c_attn.bias'])).toBe(0);
    expect(Array.from(await state['transformer.ln_f.weight'].toArray())).toEqual(
      new Array(64).fill(1),
    );
  });

  test('[cpu] bad input names the problem', async () => {
    const d = await device('cpu');
    const gpt = new GPT(tiny, { seed: 0, device: d });
    expect(() => gpt.forward(tensor([[1, 2]], { device: d }))).toThrow(/i32/);
    expect(() => gpt.forward(ids([[1, 2, 3]], d).reshape([3]))).toThrow(/shape \(B, T\)/);
    expect(() => gpt.forward(ids([new Array(17).fill(1)], d))).toThrow(/blockSize 16/);
    expect(() => new GPT({ ...tiny, nEmbd: 15 })).toThrow(/divisible by nHead/);
  });
});

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`GPT on ${kind}`, () => {
    test(`[${kind}] memorizes a sequence: loss < 0.3 after 30 AdamW steps`, async () => {
      const d = await device(kind);
      const gpt = new GPT(tiny, { seed: 1, device: d });
      const idx = ids(
        [
          [1, 2, 3, 4, 5, 6],
          [6, 5, 4, 3, 2, 1],
        ],
        d,
      );
      const targets = ids(
        [
          [2, 3, 4, 5, 6, 7],
          [5, 4, 3, 2, 1, 0],
        ],
        d,
      );
      const opt = new optim.AdamW(gpt.parameters(), { lr: 1e-2 });
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const loss = scope(() => {
          const out = gpt.forward(idx, targets);
          out.loss!.backward();
          opt.step();
          opt.zeroGrad();
          return out.loss!;
        });
        losses.push(await loss.item());
        loss.dispose();
      }
      expect(losses[0]).toBeGreaterThan(2); // ≈ ln 11 at init
      expect(losses[29]).toBeLessThan(0.3);
    });

    test(`[${kind}] KV-cached incremental logits equal full-recompute logits`, async () => {
      const d = await device(kind);
      const gpt = new GPT({ ...tiny, dropout: 0.1 }, { seed: 2, device: d }).eval();
      const rows = [
        [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7],
        [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0],
      ];
      const T = rows[0].length;
      const full = await gpt.forward(ids(rows, d)).logits.toArray(); // (2, T, V)
      const cache = gpt.createKVCache(2);
      // Prefill 5, then single tokens, then a chunk of 3, then single tokens.
      const chunks = [5, 1, 1, 3, 1, 1, 1, 1];
      expect(chunks.reduce((a, b) => a + b)).toBe(T);
      const V = tiny.vocabSize;
      let pos = 0;
      for (const n of chunks) {
        const piece = ids(
          rows.map((r) => r.slice(pos, pos + n)),
          d,
        );
        const logits = await gpt.forwardCached(piece, cache).toArray(); // (2, n, V)
        for (let b = 0; b < 2; b++) {
          for (let t = 0; t < n; t++) {
            for (let v = 0; v < V; v++) {
              const got = logits[(b * n + t) * V + v];
              const want = full[(b * T + pos + t) * V + v];
              expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want));
            }
          }
        }
        pos += n;
      }
      expect(cache.length).toBe(T);
      const last = await gpt
        .forwardCached(ids([[1], [2]], d), cache, { lastPositionOnly: true })
        .toArray();
      expect(last.length).toBe(2 * V);
      cache.dispose();
    });
  });
}
