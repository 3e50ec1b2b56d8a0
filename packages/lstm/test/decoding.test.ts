import { beamSearch, sample } from '@scratchseq/decoding';
import * as g from '@scratchseq/gpu';
import { recurrentNextTokenModel } from '@scratchseq/rnn';
import { describe, expect, test } from 'vitest';
import { recomputeOracle } from '../../rnn/test/helpers/recompute.js';
import { GRU, LSTM, type LSTMState } from '../src/index.js';

const V = 7;

/** Embedding → 2-layer LSTM (state { h, c }) or GRU (state h) → Linear. */
class TinyLm<S extends LSTMState | g.Tensor> extends g.nn.Module {
  embed: g.nn.Embedding;
  core: LSTM | GRU;
  head: g.nn.Linear;
  readonly vocabSize = V;
  constructor(kind: 'lstm' | 'gru', device: g.Device) {
    super();
    this.embed = new g.nn.Embedding(V, 5, { device });
    this.core =
      kind === 'lstm'
        ? new LSTM(5, 6, { numLayers: 2, device })
        : new GRU(5, 6, { numLayers: 2, device });
    this.head = new g.nn.Linear(6, V, { device });
  }
  forward(ids: g.Tensor, state: S | undefined): { logits: g.Tensor; state: S } {
    const x = this.embed.forward(ids);
    if (this.core instanceof LSTM) {
      const { output, h, c } = this.core.forward(x, state as LSTMState | undefined);
      return { logits: this.head.forward(output), state: { h, c } as S };
    }
    const { output, h } = this.core.forward(x, state as g.Tensor | undefined);
    return { logits: this.head.forward(output), state: h as S };
  }
}

for (const backend of ['cpu', 'webgpu'] as const) {
  describe(`LSTM/GRU through @scratchseq/decoding on ${backend}`, () => {
    for (const kind of ['lstm', 'gru'] as const) {
      test(`[${backend}] ${kind}: beam search with carried states equals full recompute; sampling frees its states`, async () => {
        const device = await g.createDevice({ backend });
        const lm = new TinyLm<LSTMState | g.Tensor>(kind, device);
        const adapter = recurrentNextTokenModel(lm);
        const options = { numBeams: 3, maxLength: 5, eosTokenId: 0, numReturnSequences: 3 };
        const fast = await beamSearch(adapter, [1, 2], options);
        const slow = await beamSearch(recomputeOracle(lm, device), [1, 2], options);
        expect(fast.sequences.map((s) => s.tokens)).toEqual(slow.sequences.map((s) => s.tokens));
        for (const [i, s] of fast.sequences.entries())
          expect(s.score).toBeCloseTo(slow.sequences[i].score, 4);
        adapter.dispose();
        const before = device.memory().liveTensors;
        await sample(adapter, [3], { numReturnSequences: 2, maxLength: 6, seed: 1 });
        adapter.dispose();
        expect(device.memory().liveTensors).toBe(before);
      });
    }
  });
}
