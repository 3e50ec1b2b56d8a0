import { describe, expect, test } from 'vitest';
import type { WebGPUBackend } from '../src/backend/webgpu.js';
import * as g from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';

for (const backend of ['webgpu', 'cpu'] as const) {
  const device = () => (backend === 'webgpu' ? webgpuDevice() : cpuDevice());

  describe(`[${backend}] autograd`, () => {
    test(`[${backend}] gradients accumulate across backward calls and reuse of a tensor`, async () => {
      const d = await device();
      const x = g.tensor([1, 2, 3], { device: d, requiresGrad: true });
      // y = Σ x·x + Σ x  → dy/dx = 2x + 1, used twice in the graph
      g.add(g.sum(g.mul(x, x)), g.sum(x)).backward();
      expect(Array.from(await x.grad!.toArray())).toEqual([3, 5, 7]);
      g.sum(x).backward();
      expect(Array.from(await x.grad!.toArray())).toEqual([4, 6, 8]);
    });

    test(`[${backend}] noGrad records nothing; detach cuts the graph`, async () => {
      const d = await device();
      const x = g.tensor([1, 2], { device: d, requiresGrad: true });
      const y = g.noGrad(() => g.mul(x, 3));
      expect(y.requiresGrad).toBe(false);
      const z = g.mul(x.detach(), 3);
      expect(z.requiresGrad).toBe(false);
      expect(() => g.sum(z).backward()).toThrow('does not require grad');
    });

    test(`[${backend}] backward from a non-scalar needs a seed`, async () => {
      const d = await device();
      const x = g.tensor([1, 2], { device: d, requiresGrad: true });
      const y = g.mul(x, x);
      expect(() => y.backward()).toThrow('needs a scalar, got shape (2)');
      y.backward(g.tensor([1, 0.5], { device: d }));
      expect(Array.from(await x.grad!.toArray())).toEqual([2, 2]);
    });

    test(`[${backend}] scope frees intermediates, keeps returns and kept tensors`, async () => {
      const d = await device();
      const before = d.memory().liveTensors;
      const kept = g.scope(() => {
        const a = g.ones([4], { device: d });
        const b = g.add(a, 1);
        g.mul(b, b).keep();
        return { b };
      });
      expect(d.memory().liveTensors).toBe(before + 2);
      expect(Array.from(await kept.b.toArray())).toEqual([2, 2, 2, 2]);
      kept.b.dispose();
    });

    test(`[${backend}] backward after its scope freed a needed intermediate fails clearly`, async () => {
      const d = await device();
      const x = g.tensor([1, 2], { device: d, requiresGrad: true });
      const y = g.scope(() => g.sum(g.exp(g.mul(x, 2))));
      expect(() => y.backward()).toThrow('was disposed; keep() it or return it from its scope');
    });

    test(`[${backend}] a disposed tensor says how to keep it`, async () => {
      const d = await device();
      const t = g.scope(() => {
        g.ones([2], { device: d });
        return null;
      });
      expect(t).toBeNull();
      const x = g.ones([2], { device: d });
      x.dispose();
      await expect(x.toArray()).rejects.toThrow(
        'was disposed; keep() it or return it from its scope',
      );
    });

    test(`[${backend}] 1,000 training iterations hold live tensors and device bytes flat`, async () => {
      const d = await device();
      g.manualSeed(0, d);
      const w = g.randn([16, 8], { device: d, std: 0.1 }).keep();
      w.requiresGrad = true;
      const x = g.randn([32, 16], { device: d }).keep();
      const target = g.randn([32, 8], { device: d }).keep();
      const step = () =>
        g.scope(() => {
          const loss = g.mean(g.square(g.sub(g.tanh(g.matmul(x, w)), target)));
          loss.backward();
          g.noGrad(() => g.assign(w, g.sub(w, g.mul(w.grad!, 0.1))));
          w.grad!.dispose();
          w.grad = null;
          return loss;
        });
      const warm = step();
      const first = await warm.item();
      warm.dispose();
      const start = d.memory();
      let last = 0;
      for (let i = 0; i < 1000; i++) {
        const loss = step();
        if (i === 999) last = await loss.item();
        loss.dispose();
      }
      await d.sync();
      const end = d.memory();
      expect(end.liveTensors).toBe(start.liveTensors);
      expect(end.liveBytes).toBe(start.liveBytes);
      expect(end.pooledBytes).toBeLessThanOrEqual(start.pooledBytes + 64 * 1024);
      expect(last).toBeLessThan(first);
      for (const t of [w, x, target]) t.dispose();
    });
  });
}

describe('[webgpu] dispatch batching', () => {
  test('[webgpu] many ops share one submit until a read', async () => {
    const d = await webgpuDevice();
    const backend = d.backend as unknown as { submitCount: number; dispatchCount: number };
    let x = g.ones([64], { device: d });
    await x.toArray();
    const submits = backend.submitCount;
    const dispatches = backend.dispatchCount;
    for (let i = 0; i < 100; i++) x = g.add(x, 1);
    expect(backend.submitCount).toBe(submits);
    // Small elementwise ops are fused (fusion.test.ts). Every result here stays alive, so a
    // fused kernel holds as many adds as its storage bindings (one input, then one output per
    // add) and its 64 uniform words (count, input offset, then per add an output offset and
    // the affine's two scalars) allow; the last group is still pending before the read.
    const bindings = (d.backend as unknown as WebGPUBackend).device.limits
      .maxStorageBuffersPerShaderStage;
    const perKernel = Math.min(bindings - 1, Math.floor((64 - 2) / 3));
    expect(backend.dispatchCount - dispatches).toBe(Math.ceil(100 / perKernel) - 1);
    expect((await x.toArray())[0]).toBe(101);
    expect(backend.submitCount).toBe(submits + 1);
  });

  test('[webgpu] backward through ops with scalar operands records without mid-batch submits', async () => {
    const d = await webgpuDevice();
    const backend = d.backend as unknown as { submitCount: number };
    const x = g.randn([8, 16], { device: d }).keep();
    x.requiresGrad = true;
    await x.toArray();
    const step = () =>
      g.scope(() => {
        // max, logsumexp and maximum differentiate through where(mask, g, 0); gt/lt compare
        // with numbers. Repeated steps reuse pooled buffers that recorded commands still use.
        const m = g.maximum(g.max(x, 1, true), g.logsumexp(x, 1, true));
        const masked = g.where(g.gt(x, 0), x, -1);
        g.add(g.sum(m), g.sum(g.mul(masked, g.cast(g.lt(x, 0.5), 'f32')))).backward();
      });
    step();
    await x.grad!.toArray();
    const submits = backend.submitCount;
    for (let i = 0; i < 5; i++) step();
    expect(backend.submitCount).toBe(submits);
    await x.grad!.toArray();
    x.dispose();
  });
});
