import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { WebGPUBackend } from '../src/backend/webgpu.js';
import * as g from '../src/index.js';
import {
  adapterKey,
  forgetTuned,
  MATMUL_KERNELS_VERSION,
  matmulPlan,
  planFromName,
  planName,
} from '../src/kernels/matmul/tuning.js';
import { webgpuDevice } from './helpers/devices.js';

/** init() picks the matmul kernel per adapter: from the persisted file, else by tuning. */
describe('automatic matmul tuning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchseq-tuning-'));
  const saved = process.env.SCRATCHSEQ_CACHE_DIR;
  process.env.SCRATCHSEQ_CACHE_DIR = dir;
  const file = join(dir, 'matmul-tuning.json');
  afterAll(() => {
    if (saved === undefined) delete process.env.SCRATCHSEQ_CACHE_DIR;
    else process.env.SCRATCHSEQ_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const keyOf = (d: g.Device) =>
    `${adapterKey(d.backend as WebGPUBackend)}|v${MATMUL_KERNELS_VERSION}`;

  test('[webgpu] without a persisted choice, createDevice tunes, uses and persists the winner', async () => {
    const reference = await webgpuDevice();
    forgetTuned();
    rmSync(file, { force: true });
    const device = await g.createDevice({ backend: 'webgpu' });
    const backend = device.backend as WebGPUBackend;
    const persisted = JSON.parse(readFileSync(file, 'utf8'));
    const chosen = persisted[keyOf(device)];
    if (backend.hasSubgroups) {
      expect(planFromName(chosen), `persisted ${chosen}`).toBeDefined();
      expect(planName(matmulPlan(backend))).toBe(chosen);
    }
    // Already tuned: tuneMatmul answers from memory without timing anything.
    expect(await g.tuneMatmul({ device })).toEqual({
      variant: planName(matmulPlan(backend)),
      timings: {},
    });
    expect(keyOf(device)).toBe(keyOf(reference));
    device.destroy();
  });

  test('[webgpu] a persisted choice for this adapter is used without tuning; a damaged file is replaced', async () => {
    const probe = await webgpuDevice();
    if (!(probe.backend as WebGPUBackend).hasSubgroups) return; // only the generic kernel exists
    forgetTuned();
    const other = { 'another adapter|v1': 'sg8x2' };
    const text = JSON.stringify({ ...other, [keyOf(probe)]: 'sg4x2+tex8' });
    writeFileSync(file, text);
    const device = await g.createDevice({ backend: 'webgpu' });
    const plan = matmulPlan(device.backend as WebGPUBackend);
    expect(planName(plan)).toBe('sg4x2+tex8');
    expect(plan.large).toEqual({ rows: 8, texture: true });
    expect(readFileSync(file, 'utf8')).toBe(text); // read, not rewritten
    device.destroy();

    forgetTuned();
    writeFileSync(file, '{ not json');
    const retuned = await g.createDevice({ backend: 'webgpu' });
    const persisted = JSON.parse(readFileSync(file, 'utf8'));
    expect(planFromName(persisted[keyOf(retuned)])).toBeDefined();
    retuned.destroy();
  });

  test('[webgpu] tuneMatmul: false leaves the generic kernel until tuneMatmul() runs', async () => {
    forgetTuned();
    const device = await g.createDevice({ backend: 'webgpu', tuneMatmul: false });
    expect(matmulPlan(device.backend as WebGPUBackend)).toEqual({
      small: 'generic',
      large: 'generic',
    });
    device.destroy();
  });
});
