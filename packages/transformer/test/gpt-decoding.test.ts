import { beamSearch, greedy, sample } from '@scratchseq/decoding';
import { createDevice, type Device, Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { GPT, type GPTConfig, gptNextTokenModel } from '../src/index.js';
import { expectClose } from './helpers.js';

const config: GPTConfig = {
  vocabSize: 13,
  blockSize: 8,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  dropout: 0,
  bias: true,
  tieWeights: true,
};

/** Next-token logits by full recompute of nanoGPT's cropped context: the oracle for the cache. */
async function fullRecomputeLogits(
  gpt: GPT,
  tokens: number[],
  device: Device,
): Promise<Float32Array> {
  const context = tokens.slice(-gpt.config.blockSize);
  const idx = tensor([context], { dtype: 'i32', device });
  const logits = (await gpt.forward(idx).logits.toArray()) as Float32Array; // (1, T, V)
  return logits.slice((context.length - 1) * config.vocabSize);
}

const argmax = (x: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
};

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`GPT decoding on ${kind}`, () => {
    let device: Promise<Device> | undefined;
    const dev = () => {
      device ??= createDevice({ backend: kind });
      return device;
    };

    test(`[${kind}] greedy generate with the cache equals greedy full recompute, past blockSize`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 5, device: d }).eval();
      const prompt = [1, 2, 3];
      // 12 new tokens from a 3-token prompt: the context (8) fills and then slides.
      const out = await gpt.generate(prompt, { maxNewTokens: 12, greedy: true });
      expect(out.slice(0, 3)).toEqual(prompt);
      expect(out).toHaveLength(15);
      const oracle = [...prompt];
      for (let i = 0; i < 12; i++) oracle.push(argmax(await fullRecomputeLogits(gpt, oracle, d)));
      expect(out).toEqual(oracle);
      expect(gpt.training).toBe(false);
    });

    test(`[${kind}] adapter scores equal full-recompute logits at every step`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 6, device: d });
      const model = gptNextTokenModel(gpt);
      const first = await model.start([4, 5]);
      const want = await fullRecomputeLogits(gpt, [4, 5], d);
      // Scores stay on the device as (batch, vocab) logits, for decoding's on-device sampling.
      const onDevice = (scores: unknown) => {
        expect(scores).toBeInstanceOf(Tensor);
        expect((scores as Tensor).shape).toEqual([1, config.vocabSize]);
        return (scores as Tensor).toArray() as Promise<Float32Array>;
      };
      expectClose(await onDevice(first.scores), want, { atol: 1e-5, rtol: 1e-5, label: 'start' });
      const next = await model.step(Int32Array.from([7]), first.states, [[4, 5, 7]]);
      const want2 = await fullRecomputeLogits(gpt, [4, 5, 7], d);
      expectClose(await onDevice(next.scores), want2, { atol: 1e-5, rtol: 1e-5, label: 'step' });
      model.dispose();
    });

    test(`[${kind}] beam search over the adapter matches beam search over full recompute`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 7, device: d });
      const cached = gptNextTokenModel(gpt);
      // An independent NextTokenModel with no cache: each step reruns forward() on each sequence.
      const recompute = {
        vocabSize: config.vocabSize,
        start: async (prompt: readonly number[]) => ({
          scores: await fullRecomputeLogits(gpt, [...prompt], d),
          kind: 'logits' as const,
          states: [null],
        }),
        step: async (
          _last: Int32Array,
          states: readonly null[],
          seqs: readonly (readonly number[])[],
        ) => {
          const scores = new Float32Array(seqs.length * config.vocabSize);
          for (const [i, s] of seqs.entries())
            scores.set(await fullRecomputeLogits(gpt, [...s], d), i * config.vocabSize);
          return { scores, kind: 'logits' as const, states: [...states] };
        },
      };
      const options = { numBeams: 3, maxLength: 10, eosTokenId: 0, numReturnSequences: 3 };
      const a = await beamSearch(cached, [3, 1, 4], options);
      const b = await beamSearch(recompute, [3, 1, 4], options);
      expect(a.sequences.map((h) => h.tokens)).toEqual(b.sequences.map((h) => h.tokens));
      for (const [i, h] of a.sequences.entries())
        expect(h.score).toBeCloseTo(b.sequences[i].score, 4);
      cached.dispose();
    });

    test(`[${kind}] seeded sampling is reproducible; multi-sample and greedy run over the adapter`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 8, device: d });
      const options = { maxNewTokens: 6, temperature: 0.8, topK: 5, topP: 0.9, seed: 42 };
      const x = await gpt.generate([2], options);
      const y = await gpt.generate([2], options);
      expect(x).toEqual(y);
      expect(x).toHaveLength(7);
      const model = gptNextTokenModel(gpt);
      const many = await sample(model, [2], { numReturnSequences: 4, maxLength: 5, seed: 1 });
      expect(many.sequences).toHaveLength(4);
      const one = await greedy(model, [2], { maxLength: 5, eosTokenId: 0 });
      expect(one.tokens.length).toBeGreaterThan(0);
      model.dispose();
    });

    test(`[${kind}] a large vocabulary samples on the device, reproducibly, and frees its scores`, async () => {
      const d = await dev();
      // Above decoding's deviceVocabThreshold (4,096) the logits never come back to the host.
      const gpt = new GPT(
        { ...config, vocabSize: 5000, nEmbd: 8, nHead: 2 },
        { seed: 10, device: d },
      );
      const options = { maxNewTokens: 5, temperature: 0.9, topK: 50, topP: 0.95, seed: 3 };
      await gpt.generate([1], options); // warm-up
      const before = d.memory().liveTensors;
      const x = await gpt.generate([1], options);
      expect(await gpt.generate([1], options)).toEqual(x);
      expect(x).toHaveLength(6);
      for (const t of x) expect(t >= 0 && t < 5000).toBe(true);
      expect(d.memory().liveTensors).toBe(before);
    });

    test(`[${kind}] decoding frees what it allocates: live tensors return to their count`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 9, device: d });
      await gpt.generate([1, 2], { maxNewTokens: 3, seed: 1 }); // warm-up
      const before = d.memory().liveTensors;
      await gpt.generate([1, 2], { maxNewTokens: 10, temperature: 0.7, topK: 4, seed: 2 });
      await gpt.generate([1, 2], { maxNewTokens: 10, greedy: true }); // slides past blockSize
      const model = gptNextTokenModel(gpt);
      await beamSearch(model, [1], { numBeams: 3, maxLength: 6 });
      model.dispose();
      expect(d.memory().liveTensors).toBe(before);
    });

    test(`[${kind}] generate stops at a stop token and rejects an empty prompt`, async () => {
      const d = await dev();
      const gpt = new GPT(config, { seed: 5, device: d });
      const free = await gpt.generate([1, 2, 3], { maxNewTokens: 6, greedy: true });
      const stopAt = free[4]; // the second generated token
      const stopped = await gpt.generate([1, 2, 3], {
        maxNewTokens: 6,
        greedy: true,
        stop: [stopAt],
      });
      expect(stopped).toEqual(free.slice(0, free.indexOf(stopAt, 3) + 1));
      await expect(gpt.generate([], { maxNewTokens: 2 })).rejects.toThrow(/prompt is empty/);
    });
  });
}
