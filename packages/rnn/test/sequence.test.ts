import * as g from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import {
  addingProblemData,
  batchifyStream,
  copyMemoryData,
  gradientNormChartSvg,
  gradientNormsThroughTime,
  lengthsToMask,
  maskPadded,
  padSequences,
  reversePadded,
  runStacked,
  StateCarrier,
  spectralRadius,
  truncatedBPTT,
} from '../src/index.js';

const backends = ['webgpu', 'cpu'] as const;
const device = (b: (typeof backends)[number]) => g.init({ backend: b });

describe('lengths and masks', () => {
  for (const b of backends) {
    test(`[${b}] lengthsToMask in both layouts`, async () => {
      await device(b);
      expect(Array.from(await lengthsToMask([2, 0, 3]).toArray())).toEqual([
        1, 0, 1, 1, 0, 1, 0, 0, 1,
      ]);
      const bf = lengthsToMask([1, 2], 3, { batchFirst: true });
      expect(bf.shape).toEqual([2, 3]);
      expect(Array.from(await bf.toArray())).toEqual([1, 0, 0, 1, 1, 0]);
      expect(() => lengthsToMask([4], 3)).toThrow('must be an integer in [0, 3]');
    });

    test(`[${b}] reversePadded reverses within each length, keeps padding, and is its own inverse`, async () => {
      await device(b);
      // (T=4, B=2, 1): sequence 0 has length 3, sequence 1 length 4.
      const x = g.tensor(
        [
          [[1], [10]],
          [[2], [20]],
          [[3], [30]],
          [[0], [40]],
        ],
        { requiresGrad: true },
      );
      const r = reversePadded(x, [3, 4]);
      expect(Array.from(await r.toArray())).toEqual([3, 40, 2, 30, 1, 20, 0, 10]);
      expect(Array.from(await reversePadded(r, [3, 4]).toArray())).toEqual(
        Array.from(await x.toArray()),
      );
      // The gradient is routed back through the same permutation.
      r.mul(
        g.tensor([
          [[1], [2]],
          [[3], [4]],
          [[5], [6]],
          [[7], [8]],
        ]),
      )
        .sum()
        .backward();
      expect(Array.from(await x.grad!.toArray())).toEqual([5, 8, 3, 6, 1, 4, 7, 2]);
    });
  }

  test('[cpu] padSequences stacks time-major or batch-first and returns lengths', async () => {
    await device('cpu');
    const a = g.tensor([[1], [2], [3]]);
    const c = g.tensor([[4]]);
    const { padded, lengths } = padSequences([a, c]);
    expect(lengths).toEqual([3, 1]);
    expect(padded.shape).toEqual([3, 2, 1]);
    expect(Array.from(await padded.toArray())).toEqual([1, 4, 2, 0, 3, 0]);
    const bf = padSequences([a, c], { batchFirst: true, value: -1 }).padded;
    expect(Array.from(await bf.toArray())).toEqual([1, 2, 3, 4, -1, -1]);
    const m = maskPadded(
      g.tensor([
        [[1], [1]],
        [[1], [1]],
        [[1], [1]],
      ]),
      lengths,
    );
    expect(Array.from(await m.toArray())).toEqual([1, 1, 1, 0, 1, 0]);
  });

  test('[cpu] runStacked feeds reversed inputs to direction 1 and concatenates [forward | backward]', async () => {
    await device('cpu');
    // A "cell" that outputs the running sum over time: direction 1 therefore sums from the end.
    const x = g.tensor([[[1]], [[2]], [[4]]]); // (T=3, B=1, 1)
    const seen: string[] = [];
    const { output, states } = runStacked(x, {
      numLayers: 2,
      bidirectional: true,
      run: (layer, dir, input) => {
        seen.push(`${layer}${dir}:${input.shape.join('x')}`);
        const out = g.cumsum(input.sum(-1, true), 0);
        return { output: out, state: out.slice(0, out.shape[0] - 1) };
      },
    });
    expect(seen).toEqual(['00:3x1x1', '01:3x1x1', '10:3x1x2', '11:3x1x2']);
    expect(states.length).toBe(4);
    // Layer 0: forward cumsum [1, 3, 7], backward suffix sums [7, 6, 4]; layer 1 sums those.
    // Layer-1 input rows: 8, 9, 11 → forward [8, 17, 28], backward [28, 20, 11].
    expect(Array.from(await output.toArray())).toEqual([8, 28, 17, 20, 28, 11]);
  });
});

describe('truncated BPTT', () => {
  test('[cpu] batchifyStream lays a stream out in contiguous columns', async () => {
    await device('cpu');
    const s = batchifyStream([0, 1, 2, 3, 4, 5, 6], 2);
    expect(s.shape).toEqual([3, 2]);
    expect(Array.from(await s.toArray())).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test('[cpu] the carried state keeps its value but stops the gradient at the chunk boundary', async () => {
    await device('cpu');
    const w = g.tensor([0.5], { requiresGrad: true });
    const stream = g.tensor([[1], [2], [3], [4], [5]]); // (T=5, B=1)
    const grads: number[] = [];
    const states: number[] = [];
    const { losses, state } = await truncatedBPTT<g.Tensor>({
      stream,
      chunkLength: 2,
      step: ({ inputs }, h0) => {
        // h_t = w·h_{t−1} + x_t; loss = h at the chunk's last step.
        let h = h0 ?? g.zeros([1]);
        for (let t = 0; t < inputs.shape[0]; t++)
          h = h.mul(w).add(inputs.slice(0, t, t + 1).reshape([1]));
        const loss = h.sum();
        loss.backward();
        grads.push(0);
        return { loss, state: h };
      },
      onChunk: ({ loss }) => states.push(loss),
    });
    // Chunk 0: h = 0.5·1 + 2 = 2.5; chunk 1 starts from 2.5: 0.5·(0.5·2.5 + 3) + 4 = 6.125.
    expect(losses).toEqual([2.5, 6.125]);
    expect(states).toEqual(losses);
    expect(await state!.item()).toBe(6.125);
    // dL/dw over both chunks without truncation would include the chain back into chunk 0;
    // with truncation, chunk 0 gives x_0 = 1 (h = w·x0 + x1) and chunk 1 gives
    // d/dw [w·(w·2.5 + 3) + 4] = 2w·2.5 + 3 = 5.5. Sum = 6.5.
    expect(await w.grad!.item()).toBeCloseTo(6.5, 6);
  });

  test('[cpu] StateCarrier frees the previous state', async () => {
    const dev = await device('cpu');
    const carrier = new StateCarrier<g.Tensor[]>();
    const before = dev.memory().liveTensors;
    for (let i = 0; i < 5; i++) g.scope(() => carrier.carry([g.full([3], i), g.full([3], -i)]));
    expect(dev.memory().liveTensors - before).toBe(2);
    expect(Array.from(await carrier.state![1].toArray())).toEqual([-4, -4, -4]);
    carrier.reset();
    expect(dev.memory().liveTensors).toBe(before);
  });
});

describe('diagnostics', () => {
  for (const b of backends) {
    test(`[${b}] gradient norms through time of a linear recurrence are |w|^(T−1−t)`, async () => {
      await device(b);
      const w = g.tensor([0.8], { requiresGrad: true });
      const T = 6;
      const { norms, loss } = await gradientNormsThroughTime((tap) => {
        let h = g.zeros([1, 1]);
        for (let t = 0; t < T; t++) h = tap(t, h.mul(w).add(1));
        return h.sum();
      });
      // h_t = Σ_{k ≤ t} 0.8^k; loss = h_5; ∂h_5/∂h_t = 0.8^(5−t).
      expect(loss).toBeCloseTo((1 - 0.8 ** 6) / 0.2, 5);
      for (let t = 0; t < T; t++) expect(norms[t]).toBeCloseTo(0.8 ** (T - 1 - t), 5);
      expect(w.grad, 'parameter gradients are left alone').toBeNull();
    });
  }

  test('[cpu] spectral radius of rotations, triangular and nilpotent matrices', () => {
    const r = 0.7;
    const c = Math.cos(1.1);
    const s = Math.sin(1.1);
    expect(spectralRadius([r * c, -r * s, r * s, r * c])).toBeCloseTo(0.7, 10);
    expect(spectralRadius([0.5, 3, 1, 0, -0.9, 2, 0, 0, 0.3])).toBeCloseTo(0.9, 8);
    expect(spectralRadius([0, 1, 0, 0])).toBe(0);
    expect(spectralRadius([2, 0, 0, 2])).toBeCloseTo(2, 12);
    expect(() => spectralRadius([1, 2, 3])).toThrow('not a square matrix');
  });

  test('[cpu] gradient-norm chart is an SVG with one line per run', () => {
    const svg = gradientNormChartSvg([
      { label: 'T = 10', norms: [1e-3, 1e-2, 1e-1, 1] },
      { label: 'T = 20', norms: [1e-6, 1e-4, 1e-2, 1] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('T = 20');
    expect(svg.match(/<path[^>]*stroke-width/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });
});

describe('tasks', () => {
  test('[cpu] adding problem: two markers, one per half, target is their sum', () => {
    const d = addingProblemData({ batchSize: 50, length: 30, seed: 3 });
    for (let b = 0; b < 50; b++) {
      const marks: number[] = [];
      let sum = 0;
      for (let t = 0; t < 30; t++) {
        const v = d.inputs[(b * 30 + t) * 2];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
        if (d.inputs[(b * 30 + t) * 2 + 1] === 1) {
          marks.push(t);
          sum += v;
        }
      }
      expect(marks.length).toBe(2);
      expect(marks[0]).toBeLessThan(15);
      expect(marks[1]).toBeGreaterThanOrEqual(15);
      expect(d.targets[b]).toBeCloseTo(sum, 6);
    }
    expect(addingProblemData({ batchSize: 2, length: 5, seed: 3 }).inputs).toEqual(
      addingProblemData({ batchSize: 2, length: 5, seed: 3 }).inputs,
    );
  });

  test('[cpu] copy memory: symbols, blanks, cue, then the symbols as targets', () => {
    const d = copyMemoryData({ batchSize: 3, delay: 5, symbols: 4, alphabet: 8, seed: 1 });
    const T = 5 + 8;
    expect(d.shape).toEqual([3, T]);
    expect(d.numClasses).toBe(10);
    for (let b = 0; b < 3; b++) {
      const row = Array.from(d.inputs.slice(b * T, (b + 1) * T));
      const tgt = Array.from(d.targets.slice(b * T, (b + 1) * T));
      for (const v of row.slice(0, 4)) expect(v >= 1 && v <= 8).toBe(true);
      expect(row.slice(4)).toEqual([0, 0, 0, 0, 9, 0, 0, 0, 0]);
      expect(tgt.slice(0, T - 4)).toEqual(new Array(T - 4).fill(0));
      expect(tgt.slice(T - 4)).toEqual(row.slice(0, 4));
    }
    expect(d.baselineLoss).toBeCloseTo((4 * Math.log(8)) / T, 12);
  });
});
