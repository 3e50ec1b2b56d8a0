import { describe, expect, test } from 'vitest';
import * as g from '../../src/index.js';
import { webgpuDevice } from '../helpers/devices.js';
import { type InputSpec, opTest } from '../helpers/op-test.js';

// A core subset of the kernel tests, in headless Chromium on its own WebGPU adapter
// (navigator.gpu), against the same CPU reference.
const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

describe('browser WebGPU', () => {
  test('navigator.gpu gives an adapter', async () => {
    const device = await webgpuDevice();
    expect(device.kind).toBe('webgpu');
    console.log(`browser adapter: ${device.describe()}`);
  });
  opTest(test, 'add (broadcast)', g.add, [{ inputs: [f([4, 1, 3]), f([5, 1])] }]);
  opTest(test, 'gelu', (x) => g.gelu(x), [{ inputs: [f([300])] }], { atol: 2e-4 });
  opTest(test, 'sum axis 1', (x) => g.sum(x, 1), [{ inputs: [f([3, 200, 2])] }]);
  opTest(test, 'logsumexp', (x) => g.logsumexp(x, -1), [{ inputs: [f([5, 130])] }]);
  opTest(test, 'matmul', g.matmul, [{ inputs: [f([2, 33, 17]), f([17, 35])] }]);
  opTest(test, 'softmax', (x) => g.softmax(x), [{ inputs: [f([4, 50])] }]);
  test('random streams match Node and CPU', async () => {
    const device = await webgpuDevice();
    g.manualSeed(42, device);
    const u = await g.rand([8], { device }).toArray();
    const cpu = await g.createDevice({ backend: 'cpu' });
    g.manualSeed(42, cpu);
    expect(Array.from(u)).toEqual(Array.from(await g.rand([8], { device: cpu }).toArray()));
  });
});
