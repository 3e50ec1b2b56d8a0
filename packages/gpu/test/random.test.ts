import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { philox4x32 } from '../src/kernels/random/philox.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';
import { expectClose } from './helpers/op-test.js';

describe('Philox random numbers', () => {
  test('[cpu] philox4x32-10 matches the Random123 known-answer vectors', () => {
    // Known-answer tests from Random123's kat_vectors (philox4x32_10).
    expect(Array.from(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual([
      0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
    ]);
    expect(
      Array.from(
        philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]),
      ),
    ).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    expect(
      Array.from(
        philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
      ),
    ).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  test('[webgpu] uniform and normal draws equal the CPU reference bit for bit (up to float math)', async () => {
    const gpu = await webgpuDevice();
    const cpu = await cpuDevice();
    for (const device of [gpu, cpu]) g.manualSeed(42, device);
    const shape = [1001];
    const u = [
      await g.rand(shape, { device: gpu }).toArray(),
      await g.rand(shape, { device: cpu }).toArray(),
    ];
    expect(Array.from(u[0])).toEqual(Array.from(u[1]));
    const n = [
      await g.randn(shape, { device: gpu }).toArray(),
      await g.randn(shape, { device: cpu }).toArray(),
    ];
    expectClose('randn', n[0], n[1], 1e-5, 1e-5);
  });

  test('[webgpu] the same seed reproduces a run; draws advance the stream', async () => {
    const device = await webgpuDevice();
    g.manualSeed(7, device);
    const a = await g.rand([10], { device }).toArray();
    const b = await g.rand([10], { device }).toArray();
    g.manualSeed(7, device);
    const a2 = await g.rand([10], { device }).toArray();
    expect(Array.from(a2)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
  });

  test('[webgpu] moments of 2^20 normal samples', async () => {
    const device = await webgpuDevice();
    const x = await g.randn([1 << 20], { device, mean: 1, std: 2 }).toArray();
    let s = 0;
    let s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / x.length;
    const variance = s2 / x.length - mean * mean;
    // Standard errors: 2/1024 ≈ 0.002 for the mean, ≈ 0.0055 for the variance of 4.
    expect(Math.abs(mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(variance - 4)).toBeLessThan(0.03);
  });

  test('[webgpu] dropout: inverted scaling, keep rate, same mask in backward, identity in eval', async () => {
    const device = await webgpuDevice();
    g.manualSeed(3, device);
    const x = g.full([100000], 2, { device, requiresGrad: true });
    const y = g.dropout(x, 0.25);
    const yv = await y.toArray();
    const kept = Array.from(yv).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 2 / 0.75) < 1e-5)).toBe(true);
    expect(Math.abs(kept.length / yv.length - 0.75)).toBeLessThan(0.01);
    g.sum(y).backward();
    const gx = await x.grad!.toArray();
    for (let i = 0; i < yv.length; i++) expect(gx[i] === 0).toBe(yv[i] === 0);
    expect(g.dropout(x, 0.5, { training: false })).toBe(x);
  });
});
