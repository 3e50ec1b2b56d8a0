import { createDevice, type Device, filterLogits, type Tensor, tensor } from '@scratchseq/gpu';
import { describe, expect, it } from 'vitest';
import { resolveFilterOptions } from '../src/filters.js';
import {
  applyFilters,
  deviceIncompatibility,
  type FilterOptions,
  type NextTokenModel,
  sample,
} from '../src/index.js';
import { resolveGenerationOptions } from '../src/interface.js';
import { chiSquareCritical, chiSquareStatistic } from './models.js';

const backends: [string, () => Promise<Device>][] = [];
let webgpu: Promise<Device> | undefined;
let cpu: Promise<Device> | undefined;
backends.push(['webgpu', () => (webgpu ??= createDevice({ backend: 'webgpu' }))]);
backends.push(['cpu', () => (cpu ??= createDevice({ backend: 'cpu' }))]);

/** A model whose every row is `logits`, returned as a device tensor; counts host reads. */
function deviceConstantModel(device: Device, logits: Float32Array) {
  const v = logits.length;
  const counters = { reads: 0 };
  const rows = (batch: number) => {
    const data = new Float32Array(batch * v);
    for (let r = 0; r < batch; r++) data.set(logits, r * v);
    const t: Tensor = tensor(data, { shape: [batch, v], device });
    const read = t.toArray.bind(t);
    t.toArray = () => {
      counters.reads++;
      return read();
    };
    return { scores: t, kind: 'logits' as const, states: new Array<null>(batch).fill(null) };
  };
  const model: NextTokenModel<null> = {
    vocabSize: v,
    start: () => rows(1),
    step: (lastTokens) => rows(lastTokens.length),
  };
  return { model, counters };
}

/** V = 4,096 logits: six tokens with probabilities ∝ probs, the rest −∞. */
function sixTokenLogits(): Float32Array {
  const logits = new Float32Array(4096).fill(Number.NEGATIVE_INFINITY);
  [0.3, 0.25, 0.2, 0.15, 0.07, 0.03].forEach((p, i) => {
    logits[1000 + 500 * i] = Math.log(p) + 3;
  });
  return logits;
}

describe('device filters keep exactly the CPU filters’ set (ties included)', () => {
  const cases: FilterOptions[] = [
    { topK: 7 },
    { topP: 0.5 },
    { minP: 0.3 },
    { temperature: 0.6, topK: 300, topP: 0.9, minP: 0.01 },
  ];
  it('[webgpu] on tied logits with V = 5,000', async () => {
    const device = await backends[0][1]();
    let seed = 1;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (const options of cases) {
      const v = 5000;
      // A coarse grid of scores, so many tokens tie at every boundary.
      const logits = Float32Array.from({ length: v }, () => Math.round(random() * 40) / 8 - 2);
      const onDevice = await filterLogits(
        tensor(logits, { shape: [1, v], device }),
        options,
      ).toArray();
      const onHost = applyFilters(Float64Array.from(logits), resolveFilterOptions(options));
      for (let i = 0; i < v; i++) {
        expect(Number.isFinite(onDevice[i]), `${JSON.stringify(options)} token ${i}`).toBe(
          Number.isFinite(onHost[i]),
        );
      }
    }
  });
});

describe('sample() on device scores', () => {
  for (const [name, backend] of backends) {
    it(`[${name}] frequencies match the filtered distribution (χ², α = 0.001, seed 3), reading back no logits`, async () => {
      const device = await backend();
      const { model, counters } = deviceConstantModel(device, sixTokenLogits());
      const { sequences } = await sample(model, [0], {
        temperature: 2,
        topK: 4,
        topP: 0.7,
        maxLength: 1,
        numReturnSequences: 1500,
        seed: 3,
      });
      expect(counters.reads).toBe(0);
      // T = 2 → top-4 → top-p 0.7 keeps the three most probable, with probabilities ∝ √p.
      const roots = [0.3, 0.25, 0.2].map(Math.sqrt);
      const norm = roots[0] + roots[1] + roots[2];
      const expected = roots.map((r) => r / norm);
      const observed = [0, 0, 0];
      for (const s of sequences) {
        const slot = (s.tokens[0] - 1000) / 500;
        expect([0, 1, 2]).toContain(slot);
        observed[slot]++;
        expect(s.stepScores[0]).toBeCloseTo(Math.log(expected[slot]), 5);
        expect(s.tokenLogProbs[0]).toBeCloseTo(Math.log([0.3, 0.25, 0.2][slot]), 5);
      }
      expect(chiSquareStatistic(observed, expected)).toBeLessThan(chiSquareCritical(2, 0.001));
    });
  }

  it('[webgpu] a seed reproduces the samples over several steps; the threshold switches paths', async () => {
    const device = await backends[0][1]();
    const random = (() => {
      let a = 9;
      return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    })();
    const logits = Float32Array.from({ length: 4096 }, () => 4 * random());
    const run = (seed: number, deviceVocabThreshold?: number) =>
      sample(deviceConstantModel(device, logits).model, [0], {
        topK: 20,
        maxLength: 4,
        numReturnSequences: 3,
        seed,
        deviceVocabThreshold,
      }).then((r) => r.sequences.map((s) => s.tokens));
    const first = await run(1);
    expect(await run(1)).toEqual(first);
    expect(await run(2)).not.toEqual(first);
    // Above the threshold (Infinity: never) the CPU path runs: xoshiro draws, other tokens.
    const host = await run(1, Number.POSITIVE_INFINITY);
    expect(host).not.toEqual(first);
    for (const tokens of [...first, ...host])
      for (const t of tokens) {
        // Every draw is among the 20 best tokens under both paths.
        expect(logits[t]).toBeGreaterThanOrEqual(Float32Array.from(logits).sort()[4096 - 20]);
      }
  });

  it('[webgpu] options the device lacks (repetition penalty) fall back to the CPU path, identically', async () => {
    const device = await backends[0][1]();
    const logits = sixTokenLogits();
    const options = {
      repetitionPenalty: 1.3,
      topP: 0.9,
      maxLength: 3,
      numReturnSequences: 4,
      seed: 5,
    };
    const { model, counters } = deviceConstantModel(device, logits);
    const onDevice = await sample(model, [1000], options);
    expect(counters.reads).toBeGreaterThan(0);
    const hostModel: NextTokenModel<null> = {
      vocabSize: 4096,
      start: () => ({ scores: Float32Array.from(logits), kind: 'logits', states: [null] }),
      step: (lastTokens) => {
        const scores = new Float32Array(lastTokens.length * 4096);
        for (let r = 0; r < lastTokens.length; r++) scores.set(logits, r * 4096);
        return { scores, kind: 'logits', states: new Array(lastTokens.length).fill(null) };
      },
    };
    expect(onDevice.sequences).toEqual((await sample(hostModel, [1000], options)).sequences);
  });

  it('[cpu] deviceIncompatibility names what forces the CPU path', () => {
    const check = (o: object) =>
      deviceIncompatibility(resolveGenerationOptions(o, 10), resolveFilterOptions(o));
    expect(check({ topK: 3, topP: 0.9 })).toBeNull();
    expect(check({ typicalP: 0.9 })).toBe('typicalP');
    expect(check({ noRepeatNgramSize: 2 })).toBe('noRepeatNgramSize');
    expect(check({ bannedSequences: [[1]] })).toBe('bannedSequences');
    expect(
      check({
        topP: 0.9,
        minP: 0.1,
        filterOrder: ['minP', 'topP', 'temperature', 'topK', 'typical'],
      }),
    ).toBe('filterOrder');
    expect(() => check({ deviceVocabThreshold: -1 })).not.toThrow();
  });
});
