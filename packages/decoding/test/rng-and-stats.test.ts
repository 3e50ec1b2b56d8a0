import { describe, expect, it } from 'vitest';
import { createRng, xoshiro128ss } from '../src/index.js';
import { chiSquareCritical, chiSquareStatistic } from './models.js';

describe('xoshiro128**', () => {
  it('matches outputs derived by hand from the reference algorithm for state [1, 2, 3, 4]', () => {
    // Output 1: rotl(2·5, 7)·9 = 1280·9 = 11520. The update leaves s = [7, 0, 1026, 12288], so
    // output 2 is rotl(0, 7)·9 = 0; the next update gives s1 = 1026 ^ 7 = 1029, so output 3 is
    // rotl(1029·5, 7)·9 = 658560·9 = 5927040.
    const rng = xoshiro128ss([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('rejects the all-zero state and non-integer seeds, naming the fix', () => {
    expect(() => xoshiro128ss([0, 0, 0, 0])).toThrow(/createRng/);
    expect(() => createRng(1.5)).toThrow(/integer/);
  });

  it('reproduces a stream from its seed, and different seeds give different streams', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const streamA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(streamA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(streamA);
  });

  it('nextFloat is uniform on [0, 1): 20 equal bins pass χ² at α = 0.001', () => {
    const rng = createRng(7);
    const counts = new Array(20).fill(0);
    let outside = 0;
    for (let i = 0; i < 40000; i++) {
      const u = rng.nextFloat();
      if (u < 0 || u >= 1) outside++;
      else counts[Math.floor(u * 20)]++;
    }
    expect(outside).toBe(0);
    const stat = chiSquareStatistic(counts, new Array(20).fill(1 / 20));
    expect(stat).toBeLessThan(chiSquareCritical(19, 0.001));
  });
});

describe('chi-square critical values used by the sampling tests', () => {
  // Upper-tail critical values at α = 0.001 from the NIST/SEMATECH e-Handbook of Statistical
  // Methods, table 1.3.6.7.4; df = 2 also has the closed form −2 ln α = 13.8155.
  it.each([
    [1, 10.828],
    [2, 13.816],
    [3, 16.266],
    [5, 20.515],
    [19, 43.82],
  ])('df = %i at α = 0.001 is %f', (df, table) => {
    expect(chiSquareCritical(df, 0.001)).toBeCloseTo(table, 2);
  });
});
