import { beamSearch, greedy, sample } from '@scratchseq/decoding';
import * as g from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import { RNN, recurrentNextTokenModel } from '../src/index.js';
import { recomputeOracle } from './helpers/recompute.js';

/** Embedding → 2-layer RNN → Linear, a character LM's shape. */
class TinyLm extends g.nn.Module {
  embed: g.nn.Embedding;
  rnn: RNN;
  head: g.nn.Linear;
  readonly vocabSize = 7;
  constructor(device: g.Device) {
    super();
    this.embed = new g.nn.Embedding(7, 5, { device });
    this.rnn = new RNN(5, 6, { numLayers: 2, device });
    this.head = new g.nn.Linear(6, 7, { device });
  }
  forward(ids: g.Tensor, state: g.Tensor | undefined) {
    const { output, hN } = this.rnn.forward(this.embed.forward(ids), state);
    return { logits: this.head.forward(output), state: hN };
  }
}

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`recurrentNextTokenModel on ${kind}`, () => {
    const dev = () => g.createDevice({ backend: kind });

    test(`[${kind}] beam search with carried states equals beam search by full recompute`, async () => {
      const device = await dev();
      g.withDevice(device, () => g.manualSeed(3));
      const lm = new TinyLm(device);
      const adapter = recurrentNextTokenModel(lm);
      const options = { numBeams: 4, maxLength: 6, eosTokenId: 0, numReturnSequences: 4 };
      const fast = await beamSearch(adapter, [1, 2], options);
      const slow = await beamSearch(recomputeOracle(lm, device), [1, 2], options);
      expect(fast.sequences.map((s) => s.tokens)).toEqual(slow.sequences.map((s) => s.tokens));
      for (const [i, s] of fast.sequences.entries())
        expect(s.score).toBeCloseTo(slow.sequences[i].score, 4);
      adapter.dispose();
    });

    test(`[${kind}] greedy and seeded sampling run and free every state`, async () => {
      const device = await dev();
      const lm = new TinyLm(device);
      const adapter = recurrentNextTokenModel(lm);
      await greedy(adapter, [3], { maxLength: 3 }); // warm-up (pools, pipelines)
      adapter.dispose();
      const before = device.memory().liveTensors;
      const a = await sample(adapter, [3], {
        numReturnSequences: 3,
        maxLength: 8,
        seed: 5,
        topK: 4,
      });
      const b = await sample(adapter, [3], {
        numReturnSequences: 3,
        maxLength: 8,
        seed: 5,
        topK: 4,
      });
      expect(a.sequences.map((s) => s.tokens)).toEqual(b.sequences.map((s) => s.tokens));
      const best = await greedy(adapter, [3, 4], { maxLength: 8 });
      expect(best.tokens).toHaveLength(8);
      adapter.dispose();
      expect(device.memory().liveTensors).toBe(before);
      expect(() => adapter.start([])).toThrow(/prompt is empty/);
      expect(() => adapter.start([9])).toThrow(/outside \[0, 7\)/);
    });
  });
}
