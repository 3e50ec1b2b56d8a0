import { describe, expect, test } from 'vitest';
import type { WebGPUBackend } from '../src/backend/webgpu.js';
import * as g from '../src/index.js';
import { pinMatmulVariant } from '../src/kernels/matmul/matmul.js';
import {
  type MatmulVariant,
  SUBGROUP_CANDIDATES,
  TEXTURE_CANDIDATES,
  variantName,
} from '../src/kernels/matmul/tuning.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';

// Every subgroup matmul variant against the CPU reference: tails in M, N and K (K not a
// multiple of 32), batches, transposed views (copied to row-major first for the buffer
// kernels, read through strides by the texture kernels' packing), broadcast batch dims, and
// shapes the buffer kernels cannot take (N or K % 4 ≠ 0: generic fallback; the texture
// kernels pad them), and row-major operands the texture kernels copy as they are.
const cases: { a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
  { a: [5, 12], b: [12, 8] },
  { a: [33, 36], b: [36, 68] },
  { a: [3, 17, 40], b: [3, 40, 36] },
  { a: [20, 44], b: [28, 44], tb: true },
  { a: [44, 9], b: [44, 12], ta: true },
  { a: [2, 3, 8, 8], b: [8, 4] },
  { a: [6, 8], b: [8, 5] },
  { a: [2, 19, 7], b: [7, 3] },
  { a: [3, 70, 37], b: [3, 41, 70], ta: true, tb: true },
  { a: [4, 30], b: [2, 30, 66] },
  // Rows a whole number of 256-byte texture rows: the texture kernels copy instead of packing.
  { a: [70, 64], b: [64, 128] },
  { a: [2, 9, 64], b: [2, 64, 64] },
  { a: [3, 5, 128], b: [128, 64] },
  { a: [2, 16, 64], b: [2, 64, 64] }, // whole batches in one copy
  { a: [300, 64], b: [64, 96] }, // tiles in several groups of row blocks, the last partial
];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i + 1) * seed) % 23) / 11 - 1);
}

describe('matmul subgroup variants', async () => {
  const gpu = await webgpuDevice();
  const cpu = await cpuDevice();
  const backend = gpu.backend as WebGPUBackend;
  // Subgroup variants exist only where the adapter has subgroups (CI's lavapipe does);
  // elsewhere matmul keeps the generic kernel, which the other matmul tests cover.
  const variants: MatmulVariant[] = backend.hasSubgroups ? [...SUBGROUP_CANDIDATES] : [];
  if (backend.hasSubgroups && backend.readableStorageTextures) {
    variants.push(...TEXTURE_CANDIDATES);
  }
  for (const v of variants) {
    test(`[webgpu] ${variantName(v)}`, async () => {
      pinMatmulVariant(backend, v);
      try {
        for (const [i, c] of cases.entries()) {
          const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
          const run = async (device: g.Device) =>
            g.withDevice(device, async () => {
              let a = g.tensor(data(size(c.a), 7 + i), { shape: c.a });
              let b = g.tensor(data(size(c.b), 13 + i), { shape: c.b });
              if (c.ta) a = g.transpose(a);
              if (c.tb) b = g.transpose(b);
              return g.matmul(a, b).toArray();
            });
          const got = await run(gpu);
          const want = await run(cpu);
          expect(got.length).toBe(want.length);
          for (let j = 0; j < want.length; j++) {
            expect(Math.abs(got[j] - want[j]), `case ${i} entry ${j}`).toBeLessThanOrEqual(
              1e-4 + 1e-4 * Math.abs(want[j]),
            );
          }
        }
      } finally {
        pinMatmulVariant(backend, undefined);
      }
    });
  }
});
