import { describe, expect, test } from 'vitest';
import * as g from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { webgpuDevice } from '../helpers/devices.js';
import { expectClose, rng } from '../helpers/op-test.js';

// The fused optimizer and clipping kernels, and a Linear layer, on Chromium's WebGPU adapter
// against the CPU reference.
describe('browser WebGPU: nn and optim', () => {
  test('[webgpu] Adam, AdamW, SGD-Nesterov and clipGradNorm match the CPU reference', async () => {
    const gpu = await webgpuDevice();
    const cpu = await g.createDevice({ backend: 'cpu' });
    const random = rng(3);
    const n = 1000;
    const theta = Array.from({ length: n }, () => random() * 2 - 1);
    const grads = [0, 1, 2].map(() => Array.from({ length: n }, () => random() * 2 - 1));
    const makers: [string, (ps: g.Tensor[]) => optim.Optimizer][] = [
      ['Adam', (ps) => new optim.Adam(ps, { lr: 0.01, weightDecay: 0.1 })],
      ['AdamW', (ps) => new optim.AdamW(ps, { lr: 0.01 })],
      ['Nesterov', (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ];
    for (const [name, make] of makers) {
      const results: number[][] = [];
      const norms: number[] = [];
      for (const device of [gpu, cpu]) {
        const p = nn.parameter(g.tensor(theta, { device }));
        const opt = make([p]);
        for (const grad of grads) {
          p.grad = g.keep(g.tensor(grad, { device }));
          norms.push(await optim.clipGradNorm([p], 5).item());
          opt.step();
          opt.zeroGrad();
        }
        results.push(Array.from(await p.toArray()));
      }
      expectClose(`${name} params`, results[0], results[1], 1e-6, 1e-5);
      expectClose(`${name} norms`, norms.slice(0, 3), norms.slice(3), 1e-5, 1e-5);
    }
  });

  test('[webgpu] Linear forward and backward match the CPU reference', async () => {
    const outputs: number[][] = [];
    for (const device of [await webgpuDevice(), await g.createDevice({ backend: 'cpu' })]) {
      g.manualSeed(5, device);
      const lin = new nn.Linear(7, 5, { device });
      const x = g.rand([3, 7], { device });
      const y = lin.forward(x);
      g.sum(g.square(y)).backward();
      outputs.push([
        ...(await y.toArray()),
        ...(await lin.weight.grad!.toArray()),
        ...(await lin.bias!.grad!.toArray()),
      ]);
    }
    expect(outputs[0]).toHaveLength(15 + 35 + 5);
    expectClose('Linear', outputs[0], outputs[1], 1e-5, 1e-4);
  });
});
