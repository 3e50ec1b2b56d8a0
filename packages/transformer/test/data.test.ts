import { init } from '@scratchseq/gpu';
import { describe, expect, it } from 'vitest';
import { SeededRandom, TextDataset } from '../src/data/index.js';

const tokens = Array.from({ length: 1000 }, (_, i) => i);

describe('TextDataset', () => {
  it('splits by fraction: the first 90% train, the rest validation', () => {
    const data = new TextDataset(tokens);
    expect(data.train.length).toBe(900);
    expect(data.val[0]).toBe(900);
    expect(new TextDataset(tokens, { trainFraction: 0.5 }).val.length).toBe(500);
    expect(() => new TextDataset(tokens, { trainFraction: 0 })).toThrow(
      /trainFraction must be in \(0, 1\]/,
    );
  });

  it('draws windows whose targets are the inputs shifted by one, inside their split', () => {
    const data = new TextDataset(tokens, { seed: 3 });
    for (const split of ['train', 'val'] as const) {
      const { x, y } = data.sample(split, 8, 16);
      for (let b = 0; b < 8; b++) {
        const start = x[b * 16];
        for (let t = 0; t < 16; t++) {
          expect(x[b * 16 + t]).toBe(start + t);
          expect(y[b * 16 + t]).toBe(start + t + 1);
        }
        if (split === 'train') expect(start + 16).toBeLessThan(900);
        else expect(start).toBeGreaterThanOrEqual(900);
      }
    }
  });

  it('resumes from a saved state with exactly the same batches', () => {
    const a = new TextDataset(tokens, { seed: 7 });
    for (let i = 0; i < 5; i++) a.sample('train', 4, 8);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const next = [a.sample('train', 4, 8).x, a.sample('train', 4, 8).x];
    const b = new TextDataset(tokens, { seed: 99 });
    b.setState(saved);
    expect(b.batchesDrawn).toBe(5);
    expect([b.sample('train', 4, 8).x, b.sample('train', 4, 8).x]).toEqual(next);
    // Another seed gives other batches.
    expect(new TextDataset(tokens, { seed: 8 }).sample('train', 4, 8).x).not.toEqual(
      new TextDataset(tokens, { seed: 7 }).sample('train', 4, 8).x,
    );
  });

  it('a batch drawn with a separate generator leaves the sampler where it was', () => {
    const a = new TextDataset(tokens, { seed: 1 });
    const before = a.state();
    a.sample('val', 4, 8, new SeededRandom(5));
    expect(a.state()).toEqual(before);
  });

  it('explains a split too short for the context', () => {
    const data = new TextDataset(tokens.slice(0, 100));
    expect(() => data.sample('val', 1, 10)).toThrow(
      /the val split has 10 tokens, fewer than blockSize \+ 1 = 11/,
    );
  });

  it('[cpu] uploads (B, T) i32 tensors', async () => {
    await init({ backend: 'cpu' });
    const { x, y } = new TextDataset(tokens).batch('train', 3, 5);
    expect(x.shape).toEqual([3, 5]);
    expect(x.dtype).toBe('i32');
    const xs = await x.toArray();
    const ys = await y.toArray();
    expect(ys[0]).toBe(xs[0] + 1);
  });
});

describe('SeededRandom', () => {
  it('draws uniform integers (chi-square over 10 bins)', () => {
    const r = new SeededRandom(42);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[r.nextInt(10)]++;
    const chi2 = bins.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });
});
