import { type Device, init, manualSeed, optim, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { CharTokenizer, GPT } from '../../src/index.js';

// The flagship path in a browser tab: Chromium's own WebGPU adapter (navigator.gpu), no Dawn,
// no Node modules. A tiny GPT learns a repeating text and then samples it back.
describe('GPT in the browser', () => {
  test('trains on navigator.gpu until the loss falls, then samples the text it learned', async () => {
    const device: Device = await init({ backend: 'webgpu' });
    expect(device.kind).toBe('webgpu');
    console.log(`browser adapter: ${device.describe()}`);
    manualSeed(0);
    const text = 'abcdefgh'.repeat(8);
    const tok = CharTokenizer.fromText(text);
    const ids = tok.encode(text);
    const T = 16;
    const gpt = new GPT(
      {
        vocabSize: tok.vocabSize,
        blockSize: T,
        nLayer: 1,
        nHead: 2,
        nEmbd: 16,
        dropout: 0,
        bias: true,
        tieWeights: true,
      },
      { seed: 1 },
    );
    const opt = new optim.AdamW(gpt.parameters(), { lr: 1e-2, weightDecay: 0 });
    const batch = (step: number) => {
      const starts = [0, 1, 2, 3].map((b) => (step * 5 + b * 11) % (ids.length - T - 1));
      const x = starts.flatMap((s) => ids.slice(s, s + T));
      const y = starts.flatMap((s) => ids.slice(s + 1, s + T + 1));
      return {
        x: tensor(Int32Array.from(x), { shape: [4, T], dtype: 'i32' }),
        y: tensor(Int32Array.from(y), { shape: [4, T], dtype: 'i32' }),
      };
    };
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const { x, y } = batch(step);
      const { loss } = gpt.forward(x, y);
      loss!.backward();
      opt.step();
      opt.zeroGrad();
      losses.push(await loss!.item());
    }
    // ln(8) ≈ 2.08 at the start; the sequence is deterministic, so it must be learned.
    expect(losses[0]).toBeGreaterThan(1.5);
    expect(losses.at(-1)).toBeLessThan(0.3);
    const out = await gpt.generate(tok.encode('abc'), { maxNewTokens: 13, greedy: true });
    expect(tok.decode(out)).toBe('abcdefghabcdefgh');
  });
});
