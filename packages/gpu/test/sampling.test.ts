import { describe, expect, it } from 'vitest';
import {
  type Device,
  filterLogits,
  Generator,
  type SamplingFilterOptions,
  sampleLogits,
  tensor,
} from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';
import { rng } from './helpers/op-test.js';

/**
 * Logits with deliberate ties: values on a coarse grid so many tokens share a score, which is
 * where filters' boundary conventions show.
 */
function tiedLogits(rows: number, v: number, seed: number): Float32Array {
  const random = rng(seed);
  return Float32Array.from({ length: rows * v }, () => Math.round(random() * 16) / 4 - 2);
}

async function filtered(
  device: Device,
  data: Float32Array,
  rows: number,
  options: SamplingFilterOptions,
) {
  const x = tensor(data, { shape: [rows, data.length / rows], device });
  const out = filterLogits(x, options);
  const values = await out.toArray();
  x.dispose();
  out.dispose();
  return values;
}

const CASES: [string, SamplingFilterOptions][] = [
  ['no filter', {}],
  ['temperature 0.7', { temperature: 0.7 }],
  ['top-k 5', { topK: 5 }],
  ['top-p 0.6', { topP: 0.6 }],
  ['min-p 0.2', { minP: 0.2 }],
  [
    'T 1.5 → top-k 40 → top-p 0.9 → min-p 0.05',
    { temperature: 1.5, topK: 40, topP: 0.9, minP: 0.05 },
  ],
];

describe('filterLogits keeps the same tokens as the sorting reference', () => {
  for (const [name, options] of CASES) {
    it(`[webgpu] ${name}, tied scores, V = 1, 7 and 1000`, async () => {
      const gpu = await webgpuDevice();
      const cpu = await cpuDevice();
      for (const [rows, v] of [
        [2, 1],
        [3, 7],
        [4, 1000],
      ]) {
        const data = tiedLogits(rows, v, 11 * v + rows);
        const onGpu = await filtered(gpu, data, rows, options);
        const onCpu = await filtered(cpu, data, rows, options);
        for (let i = 0; i < data.length; i++) {
          expect(Number.isFinite(onGpu[i]), `${name} V=${v} element ${i}`).toBe(
            Number.isFinite(onCpu[i]),
          );
          if (Number.isFinite(onCpu[i])) expect(onGpu[i]).toBeCloseTo(onCpu[i], 5);
        }
      }
    });
  }

  it('[webgpu] a GPT-2-sized vocabulary (V = 50,257) with top-k 50 and top-p 0.95', async () => {
    const gpu = await webgpuDevice();
    const cpu = await cpuDevice();
    const random = rng(3);
    const data = Float32Array.from(
      { length: 2 * 50257 },
      () => 4 * (random() + random() + random() - 1.5),
    );
    const options = { topK: 50, topP: 0.95, temperature: 0.8 };
    const onGpu = await filtered(gpu, data, 2, options);
    const onCpu = await filtered(cpu, data, 2, options);
    const kept = (scores: ArrayLike<number>) => Array.from(scores).filter(Number.isFinite).length;
    const keptGpu = kept(onGpu);
    expect(keptGpu).toBe(kept(onCpu));
    expect(keptGpu).toBeGreaterThan(2);
    for (let i = 0; i < data.length; i++)
      expect(Number.isFinite(onGpu[i])).toBe(Number.isFinite(onCpu[i]));
  });

  it('[cpu] a hand-worked case: T = 2 → top-4 → top-p 0.7 keeps {0, 1, 2}', async () => {
    // T = 2 turns p into √p / Σ√p; the top four renormalized are [0.291, 0.266, 0.238, 0.206],
    // and the first three reach 0.794 ≥ 0.7.
    const probs = [0.3, 0.25, 0.2, 0.15, 0.07, 0.03];
    const out = await filtered(await cpuDevice(), Float32Array.from(probs, Math.log), 1, {
      temperature: 2,
      topK: 4,
      topP: 0.7,
    });
    expect(Array.from(out, Number.isFinite)).toEqual([true, true, true, false, false, false]);
  });

  it('[cpu] ties at a boundary are all kept (top-k 2 of [3, 2, 2, 1] keeps three)', async () => {
    const out = await filtered(await cpuDevice(), Float32Array.of(3, 2, 2, 1), 1, { topK: 2 });
    expect(Array.from(out, Number.isFinite)).toEqual([true, true, true, false]);
  });
});

describe('sampleLogits', () => {
  it('[webgpu] draws the same tokens as the CPU reference from the same Philox stream', async () => {
    const gpu = await webgpuDevice();
    const cpu = await cpuDevice();
    const rows = 64;
    const v = 300;
    const random = rng(5);
    const data = Float32Array.from({ length: rows * v }, () => 3 * (random() - 0.5));
    const options = { temperature: 0.9, topK: 100, topP: 0.8 };
    const draw = async (device: Device) => {
      const x = tensor(data, { shape: [rows, v], device });
      const { tokens, logProbs } = sampleLogits(x, { ...options, generator: new Generator(9) });
      return { tokens: await tokens.toArray(), logProbs: await logProbs.toArray() };
    };
    const a = await draw(gpu);
    const b = await draw(cpu);
    // A draw within float32 rounding of a CDF boundary could differ; with 64 rows none does here.
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    for (let i = 0; i < a.logProbs.length; i++) expect(a.logProbs[i]).toBeCloseTo(b.logProbs[i], 4);
  });

  it('[webgpu] frequencies match the filtered distribution (χ², α = 0.001, seed 1)', async () => {
    const gpu = await webgpuDevice();
    // Filtered as in the hand-worked case: kept {0, 1, 2} with probabilities ∝ √p.
    const probs = [0.3, 0.25, 0.2, 0.15, 0.07, 0.03];
    const rows = 2000;
    const data = new Float32Array(rows * 6);
    for (let r = 0; r < rows; r++) data.set(probs.map(Math.log), r * 6);
    const x = tensor(data, { shape: [rows, 6], device: gpu });
    const { tokens, logProbs } = sampleLogits(x, {
      temperature: 2,
      topK: 4,
      topP: 0.7,
      generator: new Generator(1),
    });
    const drawn = await tokens.toArray();
    const lp = await logProbs.toArray();
    const norm = Math.sqrt(0.3) + Math.sqrt(0.25) + Math.sqrt(0.2);
    const expected = [Math.sqrt(0.3) / norm, Math.sqrt(0.25) / norm, Math.sqrt(0.2) / norm];
    const counts = [0, 0, 0];
    for (let r = 0; r < rows; r++) {
      expect(drawn[r]).toBeLessThan(3);
      counts[drawn[r]]++;
      expect(lp[2 * r]).toBeCloseTo(Math.log(probs[drawn[r]]), 5);
      expect(lp[2 * r + 1]).toBeCloseTo(Math.log(expected[drawn[r]]), 5);
    }
    let chi2 = 0;
    for (let i = 0; i < 3; i++)
      chi2 += (counts[i] - rows * expected[i]) ** 2 / (rows * expected[i]);
    expect(chi2).toBeLessThan(13.816); // χ²(2) at α = 0.001 (NIST e-Handbook table 1.3.6.7.4)
  });

  it('[webgpu] a seed reproduces the draw; another seed changes it', async () => {
    const gpu = await webgpuDevice();
    const data = tiedLogits(32, 50, 2);
    const x = tensor(data, { shape: [32, 50], device: gpu });
    const draw = async (seed: number) =>
      Array.from(
        await sampleLogits(x, { topP: 0.9, generator: new Generator(seed) }).tokens.toArray(),
      );
    const first = await draw(4);
    expect(await draw(4)).toEqual(first);
    expect(await draw(5)).not.toEqual(first);
  });

  it('[cpu] a row of −∞ gives token −1; bad shapes and options name the fix', async () => {
    const cpu = await cpuDevice();
    const x = tensor(
      [
        [-Infinity, -Infinity],
        [0, 1],
      ],
      { device: cpu },
    );
    expect(Array.from(await sampleLogits(x).tokens.toArray())[0]).toBe(-1);
    expect(() => sampleLogits(tensor([1, 2, 3], { device: cpu }))).toThrow(/shape \(B, V\)/);
    expect(() => filterLogits(x, { topP: 0 })).toThrow(/topP/);
    expect(() => filterLogits(x, { temperature: 0 })).toThrow(/temperature/);
  });
});
