import { describe, expect, test } from 'vitest';
import { FUSION_MAX_NODES } from '../src/backend/fusion.js';
import type { WebGPUBackend } from '../src/backend/webgpu.js';
import * as g from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';

// Small elementwise ops on WebGPU are queued and run as one fused kernel per group. These
// tests pin what must not change under fusion: every value a caller can observe equals the
// CPU backend's, whatever is kept, disposed or reused in between, and commands run in order.

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i + 1) * seed) % 29) / 9 - 1.5);
}

async function expectClose(got: g.Tensor, want: g.Tensor, label: string): Promise<void> {
  const a = await got.toArray();
  const b = await want.toArray();
  expect(a.length, label).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    expect(Math.abs(a[i] - b[i]), `${label}[${i}]`).toBeLessThanOrEqual(
      1e-5 + 1e-5 * Math.abs(b[i]),
    );
  }
}

describe('[webgpu] elementwise fusion', async () => {
  const gpu = await webgpuDevice();
  const cpu = await cpuDevice();
  const backend = gpu.backend as WebGPUBackend;

  test('[webgpu] a mixed chain: every kept intermediate equals the CPU backend', async () => {
    const run = (device: g.Device) =>
      g.withDevice(device, () => {
        const x = g.tensor(data(1000, 7));
        const y = g.tensor(data(1000, 11));
        const s = g.tensor([0.25]);
        const steps: g.Tensor[] = [];
        const push = (t: g.Tensor) => {
          steps.push(t);
          return t;
        };
        let t = push(g.add(x, y));
        t = push(g.mul(t, 1.5));
        t = push(g.tanh(t));
        t = push(g.sub(t, s)); // a broadcast scalar operand
        t = push(g.exp(t));
        t = push(g.where(g.gt(x, 0), t, y)); // a u32 mask among f32 operands
        t = push(g.gelu(t)); // calls the erf helper
        t = push(g.clamp(t, -0.5, 2));
        t = push(g.pow(t, 3));
        t = push(g.div(t, g.add(y, 3)));
        return steps;
      });
    const got = run(gpu);
    const want = run(cpu);
    for (let i = 0; i < want.length; i++) await expectClose(got[i], want[i], `step ${i}`);
  });

  test('[webgpu] 1,000 dependent adds, each input disposed: one kernel per group', async () => {
    const y = g.tensor(data(64, 5), { device: gpu });
    let x = g.tensor(data(64, 3), { device: gpu });
    await x.toArray();
    const dispatches = backend.dispatchCount;
    for (let i = 0; i < 1000; i++) {
      const next = g.add(x, y);
      x.dispose();
      x = next;
    }
    const got = await x.toArray();
    expect(backend.dispatchCount - dispatches).toBe(Math.ceil(1000 / FUSION_MAX_NODES));
    const x0 = data(64, 3);
    const yy = data(64, 5);
    for (let j = 0; j < 64; j++) {
      let v = Math.fround(x0[j]);
      for (let i = 0; i < 1000; i++) v = Math.fround(v + Math.fround(yy[j]));
      expect(got[j]).toBe(v);
    }
  });

  test('[webgpu] a leaf disposed inside a group keeps its value until the group runs', async () => {
    // A one-element leaf sits in the same 256-byte pool class as the 64-element results, so
    // without retention a later result in the group could be written into it.
    const v = g.tensor(data(64, 13), { device: gpu });
    const s = g.tensor([2], { device: gpu });
    await v.toArray();
    const a = g.add(v, s);
    s.dispose();
    v.dispose();
    const b = g.mul(a, 3);
    const c = g.add(b, 1);
    const want = data(64, 13).map((e) => (e + 2) * 3 + 1);
    const got = await c.toArray();
    for (let j = 0; j < 64; j++) expect(got[j]).toBeCloseTo(want[j], 5);
    expect((await a.toArray())[0]).toBeCloseTo(data(64, 13)[0] + 2, 5);
  });

  test('[webgpu] a pending result read through a shifted view is computed first', async () => {
    const x = g.tensor(data(64, 17), { device: gpu });
    const y = g.mul(x, 2); // pending
    const view = g.reshape(g.slice(g.reshape(y, [2, 32]), 0, 1, 2), [32]); // offset 32
    const z = g.add(view, g.slice(y, 0, 0, 32)); // two views of the same pending buffer
    const got = await z.toArray();
    const xs = data(64, 17);
    for (let j = 0; j < 32; j++) expect(got[j]).toBeCloseTo(2 * xs[32 + j] + 2 * xs[j], 5);
  });

  test('[webgpu] other commands see fused results: matmul, copies and uploads in order', async () => {
    const run = (device: g.Device) =>
      g.withDevice(device, () => {
        const a = g.tensor(data(48, 3), { shape: [6, 8] });
        const b = g.tensor(data(40, 5), { shape: [8, 5] });
        const a2 = g.relu(g.add(a, 0.5)); // pending when matmul reads it
        const c = g.matmul(a2, b);
        const d = g.sigmoid(g.mul(c, 0.1)); // pending when contiguous() copies a view of it
        return g.contiguous(g.transpose(d), true);
      });
    await expectClose(run(gpu), run(cpu), 'matmul(relu(a + 0.5), b)');
  });

  test('[webgpu] integer ops fuse too', async () => {
    const run = (device: g.Device) =>
      g.withDevice(device, () => {
        const i = g.tensor(
          Int32Array.from({ length: 100 }, (_, k) => k - 50),
          { dtype: 'i32' },
        );
        const j = g.tensor(
          Int32Array.from({ length: 100 }, (_, k) => 3 * k),
          { dtype: 'i32' },
        );
        return g.mul(g.add(i, j), g.sub(j, i));
      });
    expect(Array.from(await run(gpu).toArray())).toEqual(Array.from(await run(cpu).toArray()));
  });

  test('[webgpu] gradients through fused ops equal the CPU backend', async () => {
    const run = async (device: g.Device) =>
      g.withDevice(device, async () => {
        const x = g.tensor(data(200, 7));
        x.requiresGrad = true;
        const loss = g.sum(g.mul(g.tanh(g.mul(x, 1.3)), g.sigmoid(g.add(x, 0.2))));
        loss.backward();
        return x.grad!;
      });
    await expectClose(await run(gpu), await run(cpu), 'dL/dx');
  });
});
