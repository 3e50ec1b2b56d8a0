import { readFileSync } from 'node:fs';
import {
  createDevice,
  type Device,
  parseSafetensors,
  type SafetensorsEntry,
  serializeSafetensors,
} from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { loadGPT2 } from '../src/index.js';
import { loadGPT2File } from '../src/node.js';
import { expectClose, fixturePath, loadFixture } from './helpers.js';

/**
 * GPT-2 in Hugging Face's layout (fixtures/generate.py writes a tiny random one with Conv1D
 * (in, out) weights, the attn.bias / attn.masked_bias buffers, no lm_head, and its logits from
 * a plain-torch GPT-2 forward with gelu_new). Tolerance: 2e-5 abs + 1e-5 rel on the logits.
 */
const folder = fixturePath('gpt2-tiny');
const hfConfig = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'));

async function checkLogits(gpt: ReturnType<typeof loadGPT2>, device: Device) {
  const { tensors } = loadFixture('gpt2-tiny-expected.safetensors', device);
  const { logits } = gpt.forward(tensors.idx);
  expectClose(await logits.toArray(), await tensors.logits.toArray(), {
    atol: 2e-5,
    rtol: 1e-5,
    label: 'logits',
  });
}

/** The fixture re-serialized with renamed (or dropped) keys. */
function rewrite(rename: (key: string) => string | null): Uint8Array {
  const parsed = parseSafetensors(new Uint8Array(readFileSync(`${folder}/model.safetensors`)));
  const out = new Map<string, SafetensorsEntry>();
  for (const [key, t] of parsed.tensors) {
    const name = rename(key);
    if (name === null) continue;
    const dtype = t.dtype === 'BOOL' ? 'BOOL' : 'F32';
    out.set(name, { dtype, shape: t.shape, data: t.data });
  }
  return serializeSafetensors(out);
}

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`GPT-2 checkpoints on ${kind}`, () => {
    test(`[${kind}] a Hugging Face GPT-2 folder loads and reproduces its PyTorch logits`, async () => {
      const device = await createDevice({ backend: kind });
      const gpt = await loadGPT2File(folder, { device });
      expect(gpt.config).toMatchObject({
        vocabSize: 50,
        blockSize: 32,
        nLayer: 2,
        nHead: 3,
        nEmbd: 24,
        bias: true,
        tieWeights: true,
        gelu: 'tanh',
      });
      expect(gpt.training).toBe(false);
      await checkLogits(gpt, device);
    });
  });
}

describe('GPT-2 checkpoint variants', () => {
  test('[cpu] keys without the transformer. prefix, config passed as an object', async () => {
    const device = await createDevice({ backend: 'cpu' });
    const bytes = rewrite((k) => k.replace(/^transformer\./, ''));
    await checkLogits(loadGPT2(bytes, { device, config: hfConfig }), device);
  });

  test('[cpu] an explicit lm_head.weight equal to wte stays tied; a different one unties', async () => {
    const device = await createDevice({ backend: 'cpu' });
    const parsed = parseSafetensors(new Uint8Array(readFileSync(`${folder}/model.safetensors`)));
    const wte = parsed.tensors.get('transformer.wte.weight')!;
    const withHead = (data: Float32Array) => {
      const entries = new Map<string, SafetensorsEntry>();
      for (const [k, t] of parsed.tensors)
        entries.set(k, {
          dtype: t.dtype === 'BOOL' ? 'BOOL' : 'F32',
          shape: t.shape,
          data: t.data,
        });
      entries.set('lm_head.weight', { dtype: 'F32', shape: wte.shape, data });
      return serializeSafetensors(entries);
    };
    const tied = loadGPT2(withHead(wte.data as Float32Array), { device, config: hfConfig });
    expect(tied.config.tieWeights).toBe(true);
    await checkLogits(tied, device);
    const other = (wte.data as Float32Array).map((x) => x * 0.5);
    const untied = loadGPT2(withHead(other), { device, config: hfConfig });
    expect(untied.config.tieWeights).toBe(false);
    expect(Array.from(await untied.lm_head.weight.toArray())).toEqual(Array.from(other));
  });

  test('[cpu] missing heads, missing tensors and config mismatches are named', async () => {
    const device = await createDevice({ backend: 'cpu' });
    const bytes = rewrite((k) => k);
    // Width 24 is not a multiple of GPT-2's head size 64: the heads must be given.
    expect(() => loadGPT2(bytes, { device })).toThrow(/config\.json or \{ nHead \}/);
    const gpt = loadGPT2(bytes, { device, nHead: 3 });
    expect(gpt.config.nHead).toBe(3);
    const noFc = rewrite((k) => (k === 'transformer.h.1.mlp.c_fc.bias' ? null : k));
    expect(() => loadGPT2(noFc, { device, config: hfConfig })).toThrow(/no h\.1\.mlp\.c_fc\.bias/);
    expect(() => loadGPT2(bytes, { device, config: { ...hfConfig, n_layer: 3 } })).toThrow(
      /n_layer 3 but the tensors have 2/,
    );
  });
});
