import { createDevice, type Device, optim, scope } from '@scratchseq/gpu';
import { describe, test } from 'vitest';
import { GPT, type GPTConfig } from '../src/index.js';
import { expectClose, loadFixture, maxAbs } from './helpers.js';

/**
 * Whole-model parity with PyTorch (fixtures/generate.py: a nanoGPT-architecture model in
 * torch 1.13, f32): logits, loss and every parameter's gradient for one batch, and the loss
 * over 10 AdamW steps with nanoGPT's optimizer groups and gradient clipping.
 *
 * Tolerances (measured errors are ~5-10× smaller on both backends): logits and loss 2e-5 abs
 * + 1e-5 rel; gradients 1e-5 · max|grad| of each tensor abs + 1e-4 rel; AdamW losses 1e-5 abs
 * + 1e-5 rel at every step.
 */

function setup(name: string, device: Device) {
  const weights = loadFixture(`${name}.safetensors`, device);
  const expected = loadFixture(`${name}-expected.safetensors`, device);
  const config = JSON.parse(weights.metadata.config) as GPTConfig;
  const gpt = new GPT(config, { device, seed: 0 });
  gpt.loadStateDict(weights.tensors);
  return { gpt, expected: expected.tensors, metadata: expected.metadata };
}

async function checkForwardBackward(name: string, device: Device): Promise<void> {
  const { gpt, expected } = setup(name, device);
  const { logits, loss } = gpt.forward(expected.idx, expected.targets);
  const tol = { atol: 2e-5, rtol: 1e-5 };
  expectClose(await logits.toArray(), await expected.logits.toArray(), { ...tol, label: 'logits' });
  expectClose([await loss!.item()], [await expected.loss.item()], { ...tol, label: 'loss' });
  loss!.backward();
  for (const [pname, p] of gpt.namedParameters()) {
    const want = await expected[`grad.${pname}`].toArray();
    const got = await p.grad!.toArray();
    expectClose(got, want, { atol: 1e-5 * maxAbs(want), rtol: 1e-4, label: `grad.${pname}` });
  }
  gpt.dispose();
}

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`GPT parity with PyTorch on ${kind}`, () => {
    let device: Promise<Device> | undefined;
    const dev = () => {
      device ??= createDevice({ backend: kind });
      return device;
    };

    test(`[${kind}] nanoGPT (bias, tied): logits, loss and every gradient`, async () => {
      await checkForwardBackward('gpt-nano', await dev());
    });

    test(`[${kind}] no bias, untied lm_head: logits, loss and every gradient`, async () => {
      await checkForwardBackward('gpt-nano-nobias', await dev());
    });

    test(`[${kind}] 10 AdamW steps (decay on 2-D weights only, clip 1.0) track PyTorch's losses`, async () => {
      const d = await dev();
      const { gpt, expected, metadata } = setup('gpt-nano', d);
      const o = JSON.parse(metadata.optimizer) as {
        lr: number;
        betas: [number, number];
        eps: number;
        weightDecay: number;
        gradClip: number;
      };
      // nanoGPT's configure_optimizers: two groups. Two AdamW instances are the same update.
      const params = gpt.parameters();
      const common = { lr: o.lr, betas: o.betas, eps: o.eps };
      const decay = new optim.AdamW(
        params.filter((p) => p.rank >= 2),
        { ...common, weightDecay: o.weightDecay },
      );
      const noDecay = new optim.AdamW(
        params.filter((p) => p.rank < 2),
        { ...common, weightDecay: 0 },
      );
      const want = await expected.adamw_losses.toArray();
      const got: number[] = [];
      for (let step = 0; step <= 10; step++) {
        const loss = scope(() => {
          const out = gpt.forward(expected.idx, expected.targets);
          if (step < 10) {
            out.loss!.backward();
            optim.clipGradNorm(params, o.gradClip);
            decay.step();
            noDecay.step();
            decay.zeroGrad();
            noDecay.zeroGrad();
          }
          return out.loss!;
        });
        got.push(await loss.item());
        loss.dispose();
      }
      expectClose(got, want, { atol: 1e-5, rtol: 1e-5, label: 'adamw losses' });
      gpt.dispose();
    });
  });
}
